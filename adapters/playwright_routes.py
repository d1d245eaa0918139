"""The methods `gate_page` wraps on a gated Page or BrowserContext (gate.adapters.playwright):
`route`/`unroute`, and a Page's `goto`.

Routes registered after `gate_page`.
Playwright runs the newest route first. A handler a caller registers later would therefore
see a request before the gate, and `route.continue_()` or `route.fulfill()` there sent it
ungated (found 2026-12-03: `page.route("**/api/**", lambda r: r.continue_())` fetched
/private/api/x). `guard_routes` wraps the target's `route`/`unroute` so that such a handler
runs only for a request the gate allowed (a denied one is aborted first), and the gate's own
handler, when the caller's falls back to it, does not decide the request again. A handler
that continues the request itself takes the place of the gate's fetch: its first hop is
decided, its redirect hops and its response are not (as with `fetch=False`). For a
BrowserContext the pages it opens are wrapped too.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

__all__ = ["guard_routes", "aguard_routes", "call_handler", "unwrap", "settling_goto", "ERROR_PAGE_WAIT_MS"]


def call_handler(handler: Callable[..., Any], route: Any, request: Any) -> Any:
    """Call a route handler with the arguments it takes, as Playwright does: (route) or (route, request)."""
    parameters = inspect.signature(handler).parameters.values()
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return handler(route, request)
    positional = sum(p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                     for p in parameters)
    return handler(*(route, request)[:positional])


def _wrap(target: Any, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Replace target.route / target.unroute with versions that register `make(handler)`."""
    route, unroute = target.route, target.unroute
    wrapped: dict[Any, Callable[..., Any]] = {}

    def gated_route(url: Any, handler: Callable[..., Any], times: int | None = None) -> Any:
        wrapped[handler] = make(handler)
        return route(url, wrapped[handler], times=times)

    def gated_unroute(url: Any, handler: Callable[..., Any] | None = None) -> Any:
        return unroute(url, wrapped.pop(handler, handler) if handler is not None else None)

    target.route, target.unroute = gated_route, gated_unroute


def unwrap(target: Any) -> None:
    target.__dict__.pop("route", None)
    target.__dict__.pop("unroute", None)


def guard_routes(target: Any, pg: Any, scoped: bool) -> None:
    """Sync API. `scoped`: the target is the context of a gated Page, whose handler decides
    only the requests of that page's popups and of no page (PageGate._elsewhere)."""

    def make(handler: Callable[..., Any]) -> Callable[..., Any]:
        def gated(route: Any, request: Any, *_: Any) -> Any:
            if pg._detached or (scoped and pg._elsewhere(request)) or pg.admit_first(route, request):
                return call_handler(handler, route, request)
            return None
        return gated

    _wrap(target, make)


def aguard_routes(target: Any, pg: Any, scoped: bool) -> None:
    """Async API: the same, with coroutine handlers."""

    def make(handler: Callable[..., Any]) -> Callable[..., Any]:
        async def gated(route: Any, request: Any, *_: Any) -> Any:
            if pg._detached or (scoped and await pg._elsewhere(request)) or await pg.admit_first(route, request):
                result = call_handler(handler, route, request)
                return await result if inspect.isawaitable(result) else result
            return None
        return gated

    _wrap(target, make)


# How long a goto that the gate refused waits for Chromium's error page to commit.
ERROR_PAGE_WAIT_MS = 5000


def settling_goto(page: Any, goto: Any) -> Any:
    """`page.goto` that, when the gate refused the navigation, waits for Chromium's error page
    (chrome-error://chromewebdata/) to commit before raising: otherwise that late commit
    interrupts the page's next goto ("interrupted by another navigation")."""

    def goto_settled(url: str, **kwargs: Any) -> Any:
        try:
            return goto(url, **kwargs)
        except Exception as exc:
            if "ERR_BLOCKED_BY_CLIENT" in str(exc):
                try:
                    page.wait_for_url("chrome-error://**", timeout=ERROR_PAGE_WAIT_MS)
                except Exception:  # noqa: BLE001 - no error page came: nothing to wait for
                    pass
            raise

    return goto_settled
