"""httpx adapter: wrapping transports that gate every hop, redirects included.

    from gate.adapters.httpx import GatedTransport, AsyncGatedTransport

    client = httpx.Client(transport=GatedTransport(gate), follow_redirects=True)
    r = client.get("https://shop.example/p/1")       # CollectionBlocked on a deny (enforce)
    r.extensions["scrapegate_decision"].obligations

    async with httpx.AsyncClient(transport=AsyncGatedTransport(gate)) as client: ...

The client follows redirects itself and calls its transport once per hop, so a wrapping
transport sees every hop before it is sent. `transport=` wraps another transport (default:
a new `httpx.HTTPTransport()` / `httpx.AsyncHTTPTransport()`).

The collection is recorded when the body has been read to its end and the response closed
(`client.get` does both; with `client.stream` it happens when the caller has read it all). The
hash is of the bytes the transport delivered, i.e. before httpx undoes a Content-Encoding. A
body closed before its end is not recorded as collected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

try:
    import httpx
except ImportError:  # pragma: no cover - exercised only without the extra
    raise ImportError("The httpx adapter needs: pip install 'scrapegate[httpx]'") from None

from gate.enforce.httpx_hop import asend_gated, send_gated

if TYPE_CHECKING:
    from gate.core.gate import Gate

__all__ = ["GatedTransport", "AsyncGatedTransport", "send_gated", "asend_gated"]


class GatedTransport(httpx.BaseTransport):
    """Asks `gate` before each hop, then hands it to `transport`.

    Usage: `httpx.Client(transport=GatedTransport(gate))`.
    """

    def __init__(self, gate: "Gate", transport: httpx.BaseTransport | None = None) -> None:
        self.gate = gate
        self.transport = transport if transport is not None else httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return send_gated(self.gate, self.transport, request)

    def close(self) -> None:
        self.transport.close()


class AsyncGatedTransport(httpx.AsyncBaseTransport):
    """The asyncio twin of GatedTransport: `httpx.AsyncClient(transport=AsyncGatedTransport(gate))`."""

    def __init__(self, gate: "Gate", transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.gate = gate
        self.transport = transport if transport is not None else httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await asend_gated(self.gate, self.transport, request)

    async def aclose(self) -> None:
        await self.transport.aclose()
