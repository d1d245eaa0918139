"""The async-API gate (gate.adapters.playwright's `async_gate_page`): AsyncPageGate, the
same decisions as the sync PageGate, awaited."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from gate.adapters.playwright_api import ungate_api
from gate.adapters.playwright_base import (
    _GATED_SCHEMES,
    ABORT_ERROR,
    MAX_REDIRECTS,
    ROUTE_PATTERN,
    WS_POLICY_VIOLATION,
    _Base,
    _Refused,
    next_hop,
    websocket_http_url,
)
from gate.adapters.playwright_routes import aguard_routes, unwrap
from gate.enforce.admit import aadmit, arecord_body
from gate.errors import CollectionBlocked
from gate.model.response import ResponseFacts

if TYPE_CHECKING:
    from gate.model.decision import Decision

__all__ = ["AsyncPageGate"]


class AsyncPageGate(_Base):
    """The gate attached to an async-API Page or BrowserContext (see `async_gate_page`)."""

    async def _admit(self, url: str, method: str, headers: dict[str, str] | None = None) -> "Decision | None":
        """The hop decided and paced as every adapter does it (gate.enforce.admit); None to abort."""
        try:
            decision = await aadmit(self.gate, url, method, headers)
        except CollectionBlocked as blocked:
            self._refused(blocked.decision)
            return None
        self._refused(decision)  # book-keeping (audit mode lets a deny through)
        return decision

    async def handle(self, route: Any, request: Any) -> None:
        url, method = request.url, request.method
        if not url.startswith(_GATED_SCHEMES):
            await route.fallback()
            return
        headers = self._headers(request)
        decision = self._admitted.pop(request, None) or await self._admit(url, method, headers)
        if decision is None:
            await route.abort(ABORT_ERROR)
            return
        if not self.fetch:
            if self._records:
                self._pending[request] = decision
            await route.fallback(headers=headers)
            return
        try:
            first, response, hop_url, decision = await self._walk(route, url, method, decision, headers)
        except _Refused as refused:
            await route.abort(refused.error)
            return
        body = await response.body()
        if self._records:
            await arecord_body(self.gate, decision, response.status, body)
        answer = await asyncio.to_thread(self.gate.inspect, decision, self._facts(hop_url, response, body))
        if answer is not decision and self._refused(answer):  # the response phase withholds it
            await route.abort(ABORT_ERROR)
            return
        if response is not first and request.is_navigation_request():
            await route.fulfill(response=first, headers={**first.headers, "location": hop_url})
        else:
            await route.fulfill(response=response)

    async def admit_first(self, route: Any, request: Any) -> bool:
        """See PageGate.admit_first."""
        if not request.url.startswith(_GATED_SCHEMES) or request in self._admitted:
            return True
        decision = await self._admit(request.url, request.method, self._headers(request))
        if decision is None:
            await route.abort(ABORT_ERROR)
            return False
        self._admitted[request] = decision
        return True

    async def handle_context(self, route: Any, request: Any) -> None:
        """The context's route, for a gated Page: its popups and the service workers."""
        if await self._elsewhere(request):
            await route.fallback()
        else:
            await self.handle(route, request)

    async def _elsewhere(self, request: Any) -> bool:
        page = self._frame_page(request)
        if page is None:
            return False
        if page is self.target:
            return True
        if page in self._popups:
            return False
        while (page := await page.opener()) is not None:
            if page is self.target:
                return False
        return True

    async def handle_websocket(self, ws: Any) -> None:
        """A WebSocket handshake is a GET of its http(s) URL: connected only when allowed."""
        if not self._detached:
            url = websocket_http_url(ws.url)
            refusal = self._websocket_refusal(url)
            if (refusal is not None and self._refused(refusal)) or (
                    refusal is None and await self._admit(url, "GET") is None):
                await ws.close(code=WS_POLICY_VIOLATION, reason="scrapegate: blocked")
                return
        ws.connect_to_server()

    async def _walk(self, route: Any, url: str, method: str, decision: "Decision",
                    headers: dict[str, str]) -> tuple[Any, Any, str, "Decision"]:
        try:
            first = response = await route.fetch(max_redirects=0, headers=headers)
            hop_url, hop_method = url, method
            for _ in range(MAX_REDIRECTS):
                hop = next_hop(hop_url, hop_method, response.status, response.headers)
                if hop is None:
                    return first, response, hop_url, decision
                if self._records:  # the redirect reached the origin: collected, as in every adapter
                    await arecord_body(self.gate, decision, response.status, await response.body())
                hop_url, hop_method = hop
                admitted = await self._admit(hop_url, hop_method, headers)
                if admitted is None:
                    raise _Refused(ABORT_ERROR)
                decision = admitted
                response = await route.fetch(**self._fetch_kwargs(hop_url, hop_method, method, headers))
        except _Refused:
            raise
        except Exception as exc:
            raise _Refused("failed") from exc
        raise _Refused("failed")

    async def _guard_page(self, page: Any) -> None:
        aguard_routes(page, self, scoped=False)
        await self._pin_agent(page)

    async def _aadopt(self, popup: Any) -> None:
        self._popups.add(popup)
        popup.on("popup", self._aadopt)
        await self._pin_agent(popup)

    async def _finished(self, request: Any) -> None:
        decision = self._pending.pop(request, None)
        if decision is None:
            return
        response = await request.response()
        try:
            body = await response.body() if response is not None else None
        except Exception:  # a redirect or an evicted body has nothing to hash
            return
        if body is not None:
            await arecord_body(self.gate, decision, response.status, body)
            facts = ResponseFacts.of(request.url, response.status, await response.headers_array(), body)
            await asyncio.to_thread(self.gate.inspect, decision, facts)

    def _failed(self, request: Any) -> None:
        self._pending.pop(request, None)

    async def detach(self) -> None:
        self._detached = True
        for target in {id(self.target): self.target, id(self.context): self.context}.values():
            unwrap(target)
        ungate_api(self.context.request)
        await self.target.unroute(ROUTE_PATTERN, self.handle)
        if self.context is not self.target:
            await self.context.unroute(ROUTE_PATTERN, self.handle_context)
            self.target.remove_listener("popup", self._aadopt)
        else:
            self.context.remove_listener("page", self._guard_page)
        if self._listening:
            self.context.remove_listener("requestfinished", self._finished)
            self.context.remove_listener("requestfailed", self._failed)
