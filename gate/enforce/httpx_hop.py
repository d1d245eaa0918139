"""One httpx hop through a Gate: admit it, send it, and record the body once it has been read
to its end. Used by the httpx adapter's transports and by the httpx hooks of `@guard`.

The hash is of the bytes the transport delivered, i.e. before httpx undoes a
Content-Encoding; a body closed before its end is not recorded as collected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator, Protocol

import httpx

from gate.enforce.admit import DECISION_ATTR, BodyDigest, aadmit, admit, apaced, handled_by, paced

if TYPE_CHECKING:
    from gate.core.gate import Gate
    from gate.model.decision import Decision

__all__ = ["send_gated", "asend_gated", "SyncTransport", "AsyncTransport"]


class SyncTransport(Protocol):
    """What a hop is sent through: an httpx transport, or @guard's unhooked original."""

    def handle_request(self, request: httpx.Request) -> httpx.Response: ...


class AsyncTransport(Protocol):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response: ...


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


def send_gated(gate: "Gate", transport: SyncTransport, request: httpx.Request) -> httpx.Response:
    """One hop through `transport`, admitted by `gate` first (also used by `@guard`)."""
    url = str(request.url)
    decision = admit(gate, url, request.method, pace=False)
    with paced(gate, url, decision), handled_by(gate):  # handle_request returns at the response head
        response = transport.handle_request(request)
    response.extensions = {**response.extensions, DECISION_ATTR: decision}
    response.stream = _RecordingStream(response.stream, gate, decision, response.status_code)
    return response


async def asend_gated(gate: "Gate", transport: AsyncTransport, request: httpx.Request) -> httpx.Response:
    url = str(request.url)
    decision = await aadmit(gate, url, request.method, pace=False)
    async with apaced(gate, url, decision):
        with handled_by(gate):
            response = await transport.handle_async_request(request)
    response.extensions = {**response.extensions, DECISION_ATTR: decision}
    response.stream = _AsyncRecordingStream(response.stream, gate, decision, response.status_code)
    return response
