"""Playwright adapter: a route handler that asks the gate before the browser sends anything.

    from gate.adapters.playwright import gate_page, async_gate_page

    page = browser.new_page(service_workers="block")
    pg = gate_page(page, gate)              # or a BrowserContext: every page in it
    page.goto("https://shop.example/p/1")   # denied subresources are aborted
    pg.blocked                              # the denied decisions, in order

    pg = await async_gate_page(page, gate)  # the same for playwright.async_api

Every request the browser routes - navigations, frames, scripts, images, XHR/fetch - goes
through `route("**/*")`. A deny (enforce mode) ends in `route.abort("blockedbyclient")`: the
request never leaves the browser, and `page.goto` to a denied URL raises
net::ERR_BLOCKED_BY_CLIENT. A `rate_limit` obligation delays the request.

Redirects. Playwright never calls a route handler for the hops of a redirect the browser
follows, so with `fetch=True` (the default) the handler sends an allowed request itself with
`route.fetch(max_redirects=0)` and walks a redirect chain hop by hop, asking the gate before
each one; a denied hop aborts the original request. A subresource is then fulfilled with
the final response; a navigation gets a single redirect straight to the final URL (so the
page's URL and origin are right), which the browser loads once more itself. The body hashed
into the ledger is the one the handler fetched. `route.fetch` uses Playwright's HTTP client
(the context's cookies, not the browser's network stack or cache) and buffers each body.

With `fetch=False` allowed requests continue in the browser (`route.fallback()`); redirect
hops after the first are then NOT gated, and bodies are hashed on `requestfinished`.

Beyond the page's own route. A Page's route sees neither its popups nor the context's service
workers, so `gate_page(page)` also routes the page's BrowserContext for those (requests of the
context's other pages are left alone). WebSocket handshakes are decided with
`route_web_socket` (as the http(s) URL they GET); shared workers, whose requests no route
sees, are removed from the context (`SharedWorker` is undefined in its pages). Headers a page
script sets that route the request elsewhere (X-Original-URL, X-Forwarded-Host, ...) are
denied as in every adapter (gate.enforce.identity). A route the caller registers later runs
only for allowed requests (gate.adapters.playwright_routes), and `page.request` /
`context.request` are gated hop by hop (gate.adapters.playwright_api). Non-network URLs
(data:, blob:) are not gated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    import playwright  # noqa: F401 - only to fail early with the install hint
except ImportError:  # pragma: no cover - exercised only without the extra
    raise ImportError("The Playwright adapter needs: pip install 'scrapegate[playwright]'") from None

from gate.adapters.playwright_api import agate_api, gate_api, ungate_api
from gate.adapters.playwright_async import AsyncPageGate
from gate.adapters.playwright_base import (
    _GATED_SCHEMES,
    ABORT_ERROR,
    MAX_REDIRECTS,
    NO_UNROUTED_APIS,
    ROUTE_PATTERN,
    WS_POLICY_VIOLATION,
    _Base,
    _Refused,
    next_hop,
    preloading_off,
    websocket_http_url,
)
from gate.adapters.playwright_routes import aguard_routes, guard_routes, settling_goto, unwrap
from gate.enforce.admit import admit, record_body
from gate.errors import CollectionBlocked
from gate.model.response import ResponseFacts

if TYPE_CHECKING:
    from gate.core.gate import Gate
    from gate.model.decision import Decision

__all__ = ["gate_page", "async_gate_page", "PageGate", "AsyncPageGate", "ROUTE_PATTERN", "ABORT_ERROR",
           "MAX_REDIRECTS", "next_hop", "preloading_off"]


class PageGate(_Base):
    """The gate attached to a sync-API Page or BrowserContext (see `gate_page`)."""

    def _admit(self, url: str, method: str, headers: dict[str, str] | None = None) -> "Decision | None":
        """The hop decided and paced as every adapter does it (gate.enforce.admit); None to abort."""
        try:
            decision = admit(self.gate, url, method, headers)
        except CollectionBlocked as blocked:
            self._refused(blocked.decision)
            return None
        self._refused(decision)  # book-keeping (audit mode lets a deny through)
        return decision

    def handle(self, route: Any, request: Any) -> None:
        url, method = request.url, request.method
        if not url.startswith(_GATED_SCHEMES):
            route.fallback()
            return
        headers = self._headers(request)
        decision = self._admitted.pop(request, None) or self._admit(url, method, headers)
        if decision is None:
            route.abort(ABORT_ERROR)
            return
        if not self.fetch:
            if self._records:
                self._pending[request] = decision
            route.fallback(headers=headers)
            return
        try:
            first, response, hop_url, decision = self._walk(route, url, method, decision, headers)
        except _Refused as refused:
            route.abort(refused.error)
            return
        body = response.body()
        if self._records:
            record_body(self.gate, decision, response.status, body)
        answer = self.gate.inspect(decision, self._facts(hop_url, response, body))
        if answer is not decision and self._refused(answer):  # the response phase withholds it
            route.abort(ABORT_ERROR)
            return
        if response is not first and request.is_navigation_request():
            route.fulfill(response=first, headers={**first.headers, "location": hop_url})
        else:
            route.fulfill(response=response)

    def admit_first(self, route: Any, request: Any) -> bool:
        """For a caller's route that runs before the gate's (gate.adapters.playwright_routes):
        True when the request may go on to it; a denied one is aborted here."""
        if not request.url.startswith(_GATED_SCHEMES) or request in self._admitted:
            return True
        decision = self._admit(request.url, request.method, self._headers(request))
        if decision is None:
            route.abort(ABORT_ERROR)
            return False
        self._admitted[request] = decision
        return True

    def handle_context(self, route: Any, request: Any) -> None:
        """The context's route, for a gated Page: its popups and the service workers."""
        if self._elsewhere(request):
            route.fallback()
        else:
            self.handle(route, request)

    def _elsewhere(self, request: Any) -> bool:
        """True for a request of the gated page itself (its own route decided it) or of a page
        of the context it did not open."""
        page = self._frame_page(request)
        if page is None:
            return False
        if page is self.target:
            return True
        if page in self._popups:
            return False
        while (page := page.opener()) is not None:
            if page is self.target:
                return False
        return True

    def handle_websocket(self, ws: Any) -> None:
        """A WebSocket handshake is a GET of its http(s) URL: connected only when allowed."""
        if self._detached:
            ws.connect_to_server()
            return
        url = websocket_http_url(ws.url)
        refusal = self._websocket_refusal(url)
        if (refusal is not None and self._refused(refusal)) or (refusal is None and self._admit(url, "GET") is None):
            ws.close(code=WS_POLICY_VIOLATION, reason="scrapegate: blocked")
            return
        ws.connect_to_server()

    def _walk(self, route: Any, url: str, method: str, decision: "Decision",
              headers: dict[str, str]) -> tuple[Any, Any, str, "Decision"]:
        """Fetch the request and each redirect hop the gate allows: (first response, final
        response, final URL, its decision)."""
        try:
            first = response = route.fetch(max_redirects=0, headers=headers)
            hop_url, hop_method = url, method
            for _ in range(MAX_REDIRECTS):
                hop = next_hop(hop_url, hop_method, response.status, response.headers)
                if hop is None:
                    return first, response, hop_url, decision
                if self._records:  # the redirect reached the origin: collected, as in every adapter
                    record_body(self.gate, decision, response.status, response.body())
                hop_url, hop_method = hop
                admitted = self._admit(hop_url, hop_method, headers)
                if admitted is None:
                    raise _Refused(ABORT_ERROR)
                decision = admitted
                response = route.fetch(**self._fetch_kwargs(hop_url, hop_method, method, headers))
        except _Refused:
            raise
        except Exception as exc:  # a network error: the browser sees a failed request
            raise _Refused("failed") from exc
        raise _Refused("failed")  # a redirect loop

    def _guard_page(self, page: Any) -> None:
        guard_routes(page, self, scoped=False)
        self._pin_agent(page)

    def _finished(self, request: Any) -> None:
        decision = self._pending.pop(request, None)
        if decision is None:
            return
        response = request.response()
        try:
            body = response.body() if response is not None else None
        except Exception:  # a redirect or an evicted body has nothing to hash
            return
        if body is not None:
            record_body(self.gate, decision, response.status, body)
            # The browser already has it: the response phase can record and quarantine, not withhold.
            self.gate.inspect(decision, ResponseFacts.of(request.url, response.status, response.headers_array(), body))

    def _failed(self, request: Any) -> None:
        self._pending.pop(request, None)

    def detach(self) -> None:
        """Remove the route and the listeners."""
        self._detached = True
        for target in {id(self.target): self.target, id(self.context): self.context}.values():
            unwrap(target)
        ungate_api(self.context.request)
        self.target.unroute(ROUTE_PATTERN, self.handle)
        if self.context is not self.target:
            self.context.unroute(ROUTE_PATTERN, self.handle_context)
            self.target.remove_listener("popup", self._adopt)
        else:
            self.context.remove_listener("page", self._guard_page)
        self.target.__dict__.pop("goto", None)  # the page's own goto again
        if self._listening:
            self.context.remove_listener("requestfinished", self._finished)
            self.context.remove_listener("requestfailed", self._failed)


def gate_page(target: Any, gate: "Gate", *, fetch: bool = True, record_bodies: bool = True) -> PageGate:
    """Gate every request of a sync-API `Page` or `BrowserContext`; returns the PageGate. On a
    Page, a refused `goto` leaves the page ready for the next one."""
    pg = PageGate(target, gate, record_bodies, fetch)
    context = pg.context
    context.add_init_script(NO_UNROUTED_APIS)
    target.route(ROUTE_PATTERN, pg.handle)
    target.route_web_socket(ROUTE_PATTERN, pg.handle_websocket)
    if context is not target:  # a Page: its popups, the service workers, the popups' WebSockets
        context.route(ROUTE_PATTERN, pg.handle_context)
        context.route_web_socket(ROUTE_PATTERN, pg.handle_websocket)
        target.goto = settling_goto(target, target.goto)
        guard_routes(context, pg, scoped=True)
        target.on("popup", pg._adopt)
    else:  # the context's pages, as they open: a page's route runs before the context's
        context.on("page", pg._guard_page)
    guard_routes(target, pg, scoped=False)  # a caller's later route runs before the gate's
    for page in [target] if context is not target else context.pages:
        pg._pin_agent(page)
    gate_api(context.request, pg)  # page.request is its context's: Playwright's own client, past every route
    if not fetch and pg._records:  # the context's events: the popups' requests too
        context.on("requestfinished", pg._finished)
        context.on("requestfailed", pg._failed)
        pg._listening = True
    return pg


async def async_gate_page(target: Any, gate: "Gate", *, fetch: bool = True,
                          record_bodies: bool = True) -> AsyncPageGate:
    """Gate every request of an async-API `Page` or `BrowserContext`; returns the AsyncPageGate."""
    pg = AsyncPageGate(target, gate, record_bodies, fetch)
    context = pg.context
    await context.add_init_script(NO_UNROUTED_APIS)
    await target.route(ROUTE_PATTERN, pg.handle)
    await target.route_web_socket(ROUTE_PATTERN, pg.handle_websocket)
    if context is not target:  # a Page: its popups, the service workers, the popups' WebSockets
        await context.route(ROUTE_PATTERN, pg.handle_context)
        await context.route_web_socket(ROUTE_PATTERN, pg.handle_websocket)
        aguard_routes(context, pg, scoped=True)
        target.on("popup", pg._aadopt)
    else:
        context.on("page", pg._guard_page)
    aguard_routes(target, pg, scoped=False)
    for page in [target] if context is not target else context.pages:
        await pg._pin_agent(page)
    agate_api(context.request, pg)
    if not fetch and pg._records:
        context.on("requestfinished", pg._finished)
        context.on("requestfailed", pg._failed)
        pg._listening = True
    return pg
