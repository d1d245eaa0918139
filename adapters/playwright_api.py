"""`page.request` / `context.request` under the gate (gate.adapters.playwright).

Playwright's APIRequestContext sends its requests itself, past every route (found
2026-12-03: `page.request.get(".../private/x")` on a gated page reached the origin).
`gate_page` replaces the methods of the target's APIRequestContext (`fetch`, `get`, `post`,
`put`, `patch`, `delete`, `head`) with gated ones: each hop is decided before it is sent
(redirects walked one by one, `max_redirects=0` underneath), sent with the job's
User-Agent, recorded, and the final response goes through the response phase. A deny raises
`CollectionBlocked` (enforce mode), as the requests and httpx adapters do. A relative URL is
refused (`request.invalid_url`): the gate decides on the URL it is given.
"""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import urlencode

from gate.adapters.playwright_base import MAX_REDIRECTS, next_hop, with_job_agent
from gate.enforce.admit import aadmit, admit, ainspect_hop, arecord_body, inspect_hop, record_body
from gate.errors import CollectionBlocked
from gate.model.response import ResponseFacts

__all__ = ["gate_api", "agate_api", "ungate_api", "VERBS"]

VERBS = {"fetch": None, "get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE",
         "head": "HEAD"}
_BODY_KWARGS = ("data", "form", "multipart")


def _first_hop(pg: Any, verb: str | None, url_or_request: Any, kw: dict[str, Any]) -> tuple[str, str, dict[str, str]]:
    """(url, method, headers) as they will be sent: params in the URL, the job's agent."""
    url, method, headers = url_or_request, kw.pop("method", None) or verb or "GET", {}
    if not isinstance(url_or_request, str):  # a playwright Request: its URL, method, headers, body
        url, method, headers = url_or_request.url, kw.pop("method", None) or url_or_request.method, \
            dict(url_or_request.headers)
        if url_or_request.post_data_buffer is not None and not any(k in kw for k in _BODY_KWARGS):
            kw["data"] = url_or_request.post_data_buffer
    params = kw.pop("params", None)
    if params:
        query = params.lstrip("?") if isinstance(params, str) else urlencode(
            [(k, str(v).lower() if isinstance(v, bool) else str(v)) for k, v in dict(params).items()])
        url = f"{url}{'&' if '?' in url else '?'}{query}"
    headers.update(kw.pop("headers", None) or {})
    return str(url), str(method).upper(), with_job_agent(pg.gate, headers)


def _limit(kw: dict[str, Any]) -> int:
    given = kw.pop("max_redirects", None)
    return MAX_REDIRECTS if given is None else max(0, min(int(given), MAX_REDIRECTS))


def _next(url: str, method: str, response: Any, kw: dict[str, Any]) -> tuple[str, str] | None:
    hop = next_hop(url, method, response.status, response.headers)
    if hop is not None and hop[1] != method:  # became a GET: no body
        for name in _BODY_KWARGS:
            kw.pop(name, None)
    return hop


def _gated(pg: Any, fetch: Callable[..., Any], verb: str | None) -> Callable[..., Any]:
    def send(url_or_request: Any, **kw: Any) -> Any:
        url, method, headers = _first_hop(pg, verb, url_or_request, kw)
        limit = _limit(kw)
        for hop in range(limit + 1):
            try:
                decision = admit(pg.gate, url, method, headers)
            except CollectionBlocked as blocked:
                pg._refused(blocked.decision)
                raise
            pg._refused(decision)
            response = fetch(url, method=method, headers=headers, max_redirects=0, **kw)
            body = response.body()
            record_body(pg.gate, decision, response.status, body)
            following = _next(url, method, response, kw) if hop < limit else None
            if following is None:
                facts = ResponseFacts.of(url, response.status, response.headers_array, body)
                try:
                    inspect_hop(pg.gate, decision, facts)
                except CollectionBlocked as blocked:
                    pg._refused(blocked.decision)
                    raise
                return response
            response.dispose()
            url, method = following
        raise AssertionError("unreachable")  # pragma: no cover
    return send


def _agated(pg: Any, fetch: Callable[..., Any], verb: str | None) -> Callable[..., Any]:
    async def send(url_or_request: Any, **kw: Any) -> Any:
        url, method, headers = _first_hop(pg, verb, url_or_request, kw)
        limit = _limit(kw)
        for hop in range(limit + 1):
            try:
                decision = await aadmit(pg.gate, url, method, headers)
            except CollectionBlocked as blocked:
                pg._refused(blocked.decision)
                raise
            pg._refused(decision)
            response = await fetch(url, method=method, headers=headers, max_redirects=0, **kw)
            body = await response.body()
            await arecord_body(pg.gate, decision, response.status, body)
            following = _next(url, method, response, kw) if hop < limit else None
            if following is None:
                facts = ResponseFacts.of(url, response.status, response.headers_array, body)
                try:
                    await ainspect_hop(pg.gate, decision, facts)
                except CollectionBlocked as blocked:
                    pg._refused(blocked.decision)
                    raise
                return response
            await response.dispose()
            url, method = following
        raise AssertionError("unreachable")  # pragma: no cover
    return send


def gate_api(api: Any, pg: Any) -> None:
    fetch = api.fetch
    for name, verb in VERBS.items():
        setattr(api, name, _gated(pg, fetch, verb))


def agate_api(api: Any, pg: Any) -> None:
    fetch = api.fetch
    for name, verb in VERBS.items():
        setattr(api, name, _agated(pg, fetch, verb))


def ungate_api(api: Any) -> None:
    for name in VERBS:
        api.__dict__.pop(name, None)
