"""Process-wide hooks that let `@guard` gate requests made by any library built on
requests, urllib3 or httpx.

`install()` wraps, once per process and only for libraries that are installed:

- urllib3 `HTTPConnectionPool.urlopen`: every urllib3 request (PoolManager, ProxyManager,
  requests, botocore-style clients) passes through it, once per hop, redirects and retries
  that urllib3 follows itself included;
- requests `HTTPAdapter.send`: the same hops seen one layer up, where the response body is
  at hand to hash for the ledger;
- httpx `HTTPTransport.handle_request` / `AsyncHTTPTransport.handle_async_request`, called
  by the client once per redirect hop.

A hook looks at a context variable (see gate.enforce.admit): with no active gate it calls the
original at once, so code outside a guarded call, other threads and other asyncio tasks see
no change beyond one lookup. stdlib `urllib.request`/`http.client`, aiohttp and browsers are
not covered: use their adapters or keep them out of guarded code.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

from gate.enforce.admit import active_gate, admit, already_handled, paced, record_body, sending, take_handled
from gate.enforce.identity import HOST_MISMATCH, sent_agent

__all__ = ["install", "installed", "pool_url", "misdirected"]

_LOCK = threading.Lock()
_INSTALLED: set[str] = set()
_MARK = "__scrapegate_hook__"


def installed() -> frozenset[str]:
    """The names of the libraries hooked so far."""
    return frozenset(_INSTALLED)


def install() -> frozenset[str]:
    """Install the hooks for every supported library that can be imported (idempotent)."""
    with _LOCK:
        for name, installer in (("urllib3", _install_urllib3), ("requests", _install_requests),
                                ("httpx", _install_httpx)):
            if name in _INSTALLED:
                continue
            try:
                installer()
            except ImportError:
                continue
            _INSTALLED.add(name)
    return installed()


def _wrap(owner: type, attr: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = getattr(owner, attr)
    if getattr(original, _MARK, False):
        return
    hooked = functools.wraps(original)(make(original))
    setattr(hooked, _MARK, True)
    setattr(owner, attr, hooked)


# -- urllib3 -------------------------------------------------------------------------------

def pool_url(pool: Any, url: str) -> str:
    """The absolute URL a connection pool is asked for, read the way urllib3 sends it: a
    path (origin-form) on the pool's origin; any other target as urllib3's own `parse_url`
    reads it (so `HTTP://host/x` is absolute too: a scheme is case-insensitive, and urllib3
    sends it lower-cased in absolute form). A target without a host is a path on the pool's
    origin (`http:/private` goes out as `http:///private`)."""
    if url.startswith("/"):
        return _pool_origin(pool) + url
    from urllib3.util import parse_url

    parsed = parse_url(url)
    path = parsed.path or "/"
    tail = (path if path.startswith("/") else "/" + path) + (f"?{parsed.query}" if parsed.query is not None else "")
    if parsed.host is None:
        return _pool_origin(pool) + tail
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme or pool.scheme}://{parsed.host}{port}{tail}"


def _pool_origin(pool: Any) -> str:
    host = pool.host or ""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    port = f":{pool.port}" if pool.port else ""
    return f"{pool.scheme}://{host}{port}"


def misdirected(pool: Any, url: str) -> tuple[str, str] | None:
    """(code, message) when urllib3 would send `url` in absolute form to a pool of another
    origin (asked with `assert_same_host=False`; else urllib3 raises HostChangedError): the
    server the pool is connected to receives it, and whether it reads the authority in the
    target or its own is up to it. An HTTP proxy's pool (urllib3's ProxyManager) is asked for
    other origins by design."""
    if url.startswith("/") or getattr(pool, "proxy", None) is not None or pool.is_same_host(url):
        return None
    return HOST_MISMATCH, (f"{url!r} would be sent to {_pool_origin(pool)} in absolute form: that server, not the "
                           f"one the URL names, receives it")


def _install_urllib3() -> None:
    from urllib3.connectionpool import HTTPConnectionPool

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def urlopen(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            gate = active_gate()
            if gate is None:
                return original(self, method, url, *args, **kwargs)
            if already_handled(gate):  # requests' hook or an adapter admitted this hop
                with take_handled():
                    return original(self, method, url, *args, **kwargs)
            full = pool_url(self, url)
            kwargs = _with_agent(gate, self, args, kwargs)
            # with assert_same_host (the default) urllib3 itself refuses another origin
            problem = None if kwargs.get("assert_same_host", True) else misdirected(self, url)
            decision = admit(gate, full, method, kwargs["headers"], pace=False, problem=problem)
            with paced(gate, full, decision), sending():
                response = original(self, method, url, **kwargs)
            if kwargs.get("preload_content", True):
                record_body(gate, decision, response.status, response.data or b"")
            return response

        return urlopen

    _wrap(HTTPConnectionPool, "urlopen", make)


# urllib3 2.x HTTPConnectionPool.urlopen's parameters after (method, url), in order.
_URLOPEN_PARAMS = ("body", "headers", "retries", "redirect", "assert_same_host", "timeout", "pool_timeout",
                   "release_conn", "chunked", "body_pos", "preload_content", "decode_content")


def _with_agent(gate: Any, pool: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """urlopen's arguments, all as keywords, with the headers as they will be sent: the job's
    User-Agent in place of urllib3's default (gate.enforce.identity)."""
    kwargs = {**dict(zip(_URLOPEN_PARAMS, args)), **kwargs}
    headers = dict(kwargs.get("headers") or pool.headers or {})
    agent = next((v for k, v in headers.items() if k.lower() == "user-agent"), None)
    headers = {k: v for k, v in headers.items() if k.lower() != "user-agent"}
    headers["User-Agent"] = sent_agent(gate, agent)
    kwargs["headers"] = headers
    return kwargs


# -- requests ------------------------------------------------------------------------------

def _install_requests() -> None:
    from requests.adapters import HTTPAdapter

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            gate = active_gate()
            if gate is None or already_handled(gate) or args:
                return original(self, request, *args, **kwargs)
            from gate.enforce.requests_hop import send_gated

            return send_gated(gate, functools.partial(original, self), request, **kwargs)

        return send

    _wrap(HTTPAdapter, "send", make)


# -- httpx ---------------------------------------------------------------------------------

def _install_httpx() -> None:
    import httpx

    def make_sync(original: Callable[..., Any]) -> Callable[..., Any]:
        def handle_request(self: Any, request: Any) -> Any:
            gate = active_gate()
            if gate is None:
                return original(self, request)
            if already_handled(gate):
                with take_handled():
                    return original(self, request)
            from gate.enforce.httpx_hop import send_gated

            return send_gated(gate, _Bound(self, original), request)

        return handle_request

    def make_async(original: Callable[..., Any]) -> Callable[..., Any]:
        async def handle_async_request(self: Any, request: Any) -> Any:
            gate = active_gate()
            if gate is None:
                return await original(self, request)
            if already_handled(gate):
                with take_handled():
                    return await original(self, request)
            from gate.enforce.httpx_hop import asend_gated

            return await asend_gated(gate, _Bound(self, original), request)

        return handle_async_request

    _wrap(httpx.HTTPTransport, "handle_request", make_sync)
    _wrap(httpx.AsyncHTTPTransport, "handle_async_request", make_async)


class _Bound:
    """A transport whose handle method is the unhooked original (what send_gated calls)."""

    def __init__(self, transport: Any, original: Callable[..., Any]) -> None:
        self._transport, self._original = transport, original

    def handle_request(self, request: Any) -> Any:
        return self._original(self._transport, request)

    async def handle_async_request(self, request: Any) -> Any:
        return await self._original(self._transport, request)
