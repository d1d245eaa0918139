"""One httpx hop through a Gate: admit it, send it, and record the body once it has been read
to its end. Used by the httpx adapter's transports and by the httpx hooks of `@guard`.

The hash is of the bytes the transport delivered, i.e. before httpx undoes a
Content-Encoding; a body closed before its end is not recorded as collected.

The response phase needs the body before the caller gets the response: the first
MAX_INSPECT_BYTES are read here (decoded as httpx would, for the classifiers), inspected,
and handed on ahead of the rest of the stream; a withheld response is closed unread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator, Protocol

import httpx

from gate.enforce.admit import (
    DECISION_ATTR,
    BodyDigest,
    aadmit,
    admit,
    ainspect_hop,
    apaced,
    arecord_body,
    handled_by,
    inspect_hop,
    paced,
    record_body,
)
from gate.enforce.identity import sent_agent
from gate.model.response import MAX_INSPECT_BYTES, ResponseFacts, decoded_body

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


def _decoded(response: httpx.Response, raw: bytes, complete: bool) -> bytes:
    """The body as the caller will read it (Content-Encoding undone), for the classifiers:
    bounded (httpx's own decoder inflated a 2 MiB gzip bomb to 6.4 GiB here), and a cut
    compressed body yields the prefix it decodes to."""
    if not response.headers.get("content-encoding"):
        return raw
    return decoded_body(response.headers.multi_items(), raw, complete)


class _Prefixed(httpx.SyncByteStream, httpx.AsyncByteStream):
    """The bytes read for inspection, then the rest of the transport's stream."""

    def __init__(self, head: bytes, rest: Any, inner: Any) -> None:
        self._head, self._rest, self._inner = head, rest, inner

    def __iter__(self) -> Iterator[bytes]:
        if self._head:
            yield self._head
        if self._rest is not None:
            yield from self._rest

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._head:
            yield self._head
        if self._rest is not None:
            async for chunk in self._rest:
                yield chunk

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()

    async def aclose(self) -> None:
        aclose = getattr(self._inner, "aclose", None)
        if aclose is not None:
            await aclose()


def _read_head(stream: Any) -> tuple[bytes, Any]:
    chunks, size = [], 0
    it = iter(stream)
    for chunk in it:
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_INSPECT_BYTES:
            return b"".join(chunks), it
    return b"".join(chunks), None


async def _aread_head(stream: Any) -> tuple[bytes, Any]:
    chunks, size = [], 0
    it = stream.__aiter__()
    async for chunk in it:
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_INSPECT_BYTES:
            return b"".join(chunks), it
    return b"".join(chunks), None


def _facts(request: httpx.Request, response: httpx.Response, head: bytes, rest: Any) -> ResponseFacts:
    complete = rest is None
    return ResponseFacts.of(str(request.url), response.status_code, response.headers,
                            _decoded(response, head, complete), complete=complete)


def send_gated(gate: "Gate", transport: SyncTransport, request: httpx.Request) -> httpx.Response:
    """One hop through `transport`, admitted by `gate` first (also used by `@guard`)."""
    request.headers["User-Agent"] = sent_agent(gate, request.headers.get("User-Agent"))
    url = str(request.url)
    decision = admit(gate, url, request.method, request.headers, pace=False)
    with paced(gate, url, decision), handled_by(gate):  # handle_request returns at the response head
        response = transport.handle_request(request)
    inner = response.stream
    try:
        head, rest = _read_head(inner)
        if rest is None:  # read to its end: collected now, whether handed over or discarded
            record_body(gate, decision, response.status_code, head)
        answer = inspect_hop(gate, decision, _facts(request, response, head, rest))
    except BaseException:
        response.close()
        raise
    response.extensions = {**response.extensions, DECISION_ATTR: answer}
    stream = _Prefixed(head, rest, inner)
    response.stream = stream if rest is None else _RecordingStream(stream, gate, decision, response.status_code)
    return response


async def asend_gated(gate: "Gate", transport: AsyncTransport, request: httpx.Request) -> httpx.Response:
    request.headers["User-Agent"] = sent_agent(gate, request.headers.get("User-Agent"))
    url = str(request.url)
    decision = await aadmit(gate, url, request.method, request.headers, pace=False)
    async with apaced(gate, url, decision):
        with handled_by(gate):
            response = await transport.handle_async_request(request)
    inner = response.stream
    try:
        head, rest = await _aread_head(inner)
        if rest is None:
            await arecord_body(gate, decision, response.status_code, head)
        answer = await ainspect_hop(gate, decision, _facts(request, response, head, rest))
    except BaseException:
        await response.aclose()
        raise
    response.extensions = {**response.extensions, DECISION_ATTR: answer}
    stream = _Prefixed(head, rest, inner)
    response.stream = stream if rest is None else _AsyncRecordingStream(stream, gate, decision,
                                                                          response.status_code)
    return response
