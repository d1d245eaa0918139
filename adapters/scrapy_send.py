"""The last look before Scrapy sends a request (the Scrapy middleware's).

The middleware decides at priority 100, before every built-in middleware; the ones after it
still change the request: DefaultHeadersMiddleware (400) adds DEFAULT_REQUEST_HEADERS, and a
random-agent middleware replaces the User-Agent. Found 2026-12-03: DEFAULT_REQUEST_HEADERS =
{"X-Original-URL": "/private/...", "X-Forwarded-Host": "evil.example"} reached the origin on
every request. `guard_send` wraps the downloader's handlers (what sends the request, after
the last middleware) so that the headers are read again as they are sent: a routing header
naming another URL or authority, or an agent other than the job's, is refused there
(`IgnoreRequest` in enforce mode, recorded as a deny; audit mode records and sends).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

from gate.enforce.identity import header_problem

if TYPE_CHECKING:
    from scrapy.http import Request

__all__ = ["guard_send", "GUARDED_ATTR"]

GUARDED_ATTR = "_scrapegate_send_guarded"


def guard_send(mw: Any) -> None:
    """Wrap the downloader's handlers once per crawl: Scrapy >= 2.13 sends through
    `download_request_async`, older ones through `download_request` (a Deferred)."""
    handlers = mw.crawler.engine.downloader.handlers
    if getattr(handlers, GUARDED_ATTR, False):
        return
    original_async = getattr(handlers, "download_request_async", None)
    if original_async is not None:
        @functools.wraps(original_async)
        async def download_request_async(request: "Request", *args: Any) -> Any:
            _check(mw, request)
            return await original_async(request, *args)
        handlers.download_request_async = download_request_async
    else:  # pragma: no cover - Scrapy < 2.13
        handlers.download_request = _checked(mw, handlers.download_request)
    setattr(handlers, GUARDED_ATTR, True)


def _checked(mw: Any, original: Callable[..., Any]) -> Callable[..., Any]:  # pragma: no cover - Scrapy < 2.13
    @functools.wraps(original)
    def download_request(request: "Request", *args: Any) -> Any:
        _check(mw, request)  # raised inside mustbe_deferred: a failed download
        return original(request, *args)
    return download_request


def _check(mw: Any, request: "Request") -> None:
    decision = mw.decision_of(request)
    if decision is None:  # not decided by the gate (data:, file:): nothing to compare
        return
    problem = header_problem(mw.gate, request.url, request.headers)
    if problem is None or problem[0] in decision.deny_codes:
        return  # (audit mode sends a refused request: its refusal is recorded and counted once)
    decision = mw.gate.refuse(request.url, problem[0], f"{problem[1]} (set after the gate decided)", request.method)
    mw.count(request, decision, sent_check=True)
