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

from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator

try:
    import httpx
except ImportError:  # pragma: no cover - exercised only without the extra
    raise ImportError("The httpx adapter needs: pip install 'scrapegate[httpx]'") from None

from gate.enforce.admit import DECISION_ATTR, BodyDigest, aadmit, admit, handled_by

if TYPE_CHECKING:
    from gate.core.gate import Gate
    from gate.model.decision import Decision

__all__ = ["GatedTransport", "AsyncGatedTransport", "send_gated", "asend_gated"]


class _RecordingStream(httpx.SyncByteStream):
    """Passes the body through, hashing it; records the collection at close once read fully."""

    def __init__(self, inner: Any, gate: "Gate", decision: "Decision", status: int) -> None:
        self._inner, self._gate, self._decision, self._status = inner, gate, decision, status
        self._digest = BodyDigest()
        self._complete = False
        self._recorded = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._digest.update(chunk)
            yield chunk
        self._complete = True

    def close(self) -> None:
        try:
            close = getattr(self._inner, "close", None)
            if close is not None:
                close()
        finally:
            if self._complete and not self._recorded:
                self._recorded = True
                self._digest.record(self._gate, self._decision, self._status)


class _AsyncRecordingStream(httpx.AsyncByteStream):
    def __init__(self, inner: Any, gate: "Gate", decision: "Decision", status: int) -> None:
        self._inner, self._gate, self._decision, self._status = inner, gate, decision, status
        self._digest = BodyDigest()
        self._complete = False
        self._recorded = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._digest.update(chunk)
            yield chunk
        self._complete = True

    async def aclose(self) -> None:
        try:
            aclose = getattr(self._inner, "aclose", None)
            if aclose is not None:
                await aclose()
        finally:
            if self._complete and not self._recorded:
                self._recorded = True
                await self._digest.arecord(self._gate, self._decision, self._status)


def send_gated(gate: "Gate", transport: httpx.BaseTransport, request: httpx.Request) -> httpx.Response:
    """One hop through `transport`, admitted by `gate` first (also used by `@guard`)."""
    decision = admit(gate, str(request.url), request.method)
    with handled_by(gate):
        response = transport.handle_request(request)
    response.extensions = {**response.extensions, DECISION_ATTR: decision}
    response.stream = _RecordingStream(response.stream, gate, decision, response.status_code)
    return response


async def asend_gated(gate: "Gate", transport: httpx.AsyncBaseTransport, request: httpx.Request) -> httpx.Response:
    decision = await aadmit(gate, str(request.url), request.method)
    with handled_by(gate):
        response = await transport.handle_async_request(request)
    response.extensions = {**response.extensions, DECISION_ATTR: decision}
    response.stream = _AsyncRecordingStream(response.stream, gate, decision, response.status_code)
    return response


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
