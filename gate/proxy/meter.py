"""Follow the HTTP/1.1 responses on one upstream connection, in request order, to measure each
body (size and sha256) without keeping it; optionally rewrite each response head to
`Connection: close`.

The framing rules are RFC 9112 section 6.3: no body for a HEAD request or a 1xx/204/304
status; `Transfer-Encoding` ending in chunked is de-chunked; otherwise `Content-Length`;
otherwise the body runs until the connection closes.

With `on_held` (the response phase), a response is held back from the client until it is
complete or its body reaches `hold_bytes`: `on_held(token, status, headers, body_prefix,
complete)` then returns None to release it (the held bytes go out, the rest streams), or
the bytes to send instead, after which everything else from upstream is dropped.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["ResponseMeter", "Measured"]

MAX_HEAD_BYTES = 256 * 1024       # a head larger than this is not measured (passed through)
MAX_CHUNK_LINE_BYTES = 4096

_HEAD, _FIXED, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_CRLF, _TRAILERS, _UNTIL_CLOSE, _PASSTHROUGH, _DISCARD = range(9)
# (token, status, headers, body prefix, complete) -> None (release) or the bytes to send instead
OnHeld = Callable[[Any, int, list[tuple[str, str]], bytes, bool], "bytes | None"]


@dataclass
class Measured:
    """One complete response: the token given to `expect`, its status, body size and digest."""

    token: Any
    status: int
    nbytes: int
    sha256: str


@dataclass
class _Pending:
    token: Any
    method: str
    status: int = 0
    nbytes: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    headers: list[tuple[str, str]] = field(default_factory=list)
    prefix: bytearray = field(default_factory=bytearray)
    released: bool = False


class ResponseMeter:
    """Feed it every byte the upstream sends (`feed`), and `expect` each request forwarded.

    `feed` returns the bytes to pass on to the client (the same bytes, or rewritten heads
    when `force_close` is set) and the responses it completed.
    """

    def __init__(self, *, force_close: bool = False, on_held: OnHeld | None = None,
                 hold_bytes: int = 8 * 1024 * 1024) -> None:
        self.force_close = force_close
        self.on_held = on_held
        self.hold_bytes = hold_bytes
        self._held = bytearray()  # the current response's bytes not yet given to the client
        self._due: list[tuple[_Pending, bool]] = []  # held responses to settle: (pending, complete)
        self._queue: deque[_Pending] = deque()
        self._state = _HEAD
        self._buf = bytearray()
        self._remaining = 0
        self._done: list[Measured] = []

    def expect(self, token: Any, method: str) -> None:
        self._queue.append(_Pending(token, method.upper()))

    @property
    def pending(self) -> int:
        return len(self._queue)

    def feed(self, data: bytes) -> tuple[bytes, list[Measured]]:
        out = bytearray()
        view = memoryview(data)
        while view and self._state not in (_PASSTHROUGH, _DISCARD):
            if not self._queue:  # a response nobody asked for: do not guess, pass it on
                self._state = _PASSTHROUGH
                break
            holding = self.on_held is not None and not self._queue[0].released
            view = self._step(view, self._held if holding else out)
            self._settle(out)
        if view and self._state != _DISCARD:
            out += view
        done, self._done = self._done, []
        return bytes(out), done

    def _settle(self, out: bytearray) -> None:
        """Ask `on_held` about the responses that completed, or outgrew the hold, while held."""
        while self._due and self.on_held is not None:
            pending, complete = self._due.pop(0)
            instead = self.on_held(pending.token, pending.status, pending.headers, bytes(pending.prefix), complete)
            if instead is None:
                out += self._held
                self._held = bytearray()
                pending.released = True
                continue
            out += instead
            self._held = bytearray()
            self._due.clear()
            self._queue.clear()
            self._state = _DISCARD  # withheld: nothing more from upstream reaches the client
            return

    def close(self) -> tuple[bytes, list[Measured]]:
        """The upstream closed: a body read until close is complete; anything else is lost.
        Returns what is still to give to the client (a held response, settled) and the
        completed responses."""
        out = bytearray()
        if self._state == _UNTIL_CLOSE and self._queue:
            self._finish()
            self._settle(out)
        self._queue.clear()
        self._held = bytearray()
        done, self._done = self._done, []
        return bytes(out), done

    # -- the state machine ----------------------------------------------------------------
    def _step(self, view: memoryview, out: bytearray) -> memoryview:
        state = self._state
        if state == _HEAD:
            return self._head(view, out)
        if state in (_FIXED, _CHUNK_DATA):
            n = min(self._remaining, len(view))
            self._body(view[:n])
            out += view[:n]
            self._remaining -= n
            if self._remaining == 0:
                if state == _FIXED:
                    self._finish()
                else:
                    self._state, self._remaining = _CHUNK_CRLF, 2
            return view[n:]
        if state == _CHUNK_CRLF:
            n = min(self._remaining, len(view))
            out += view[:n]
            self._remaining -= n
            if self._remaining == 0:
                self._state = _CHUNK_SIZE
            return view[n:]
        if state in (_CHUNK_SIZE, _TRAILERS):
            return self._chunk_line(view, out)
        # _UNTIL_CLOSE
        self._body(view)
        out += view
        return view[len(view):]

    def _body(self, chunk: memoryview) -> None:
        pending = self._queue[0]
        pending.nbytes += len(chunk)
        pending.digest.update(chunk)
        if self.on_held is not None and not pending.released:
            pending.prefix += chunk[:max(0, self.hold_bytes - len(pending.prefix))]
            if len(pending.prefix) >= self.hold_bytes and not any(p is pending for p, _ in self._due):
                self._due.append((pending, False))  # outgrew the hold: decide on the prefix

    def _finish(self) -> None:
        p = self._queue.popleft()
        if self.on_held is not None and not p.released:
            self._due = [(q, c) for q, c in self._due if q is not p]
            self._due.append((p, True))
        self._done.append(Measured(p.token, p.status, p.nbytes, p.digest.hexdigest()))
        self._state, self._buf, self._remaining = _HEAD, bytearray(), 0

    def _line(self, view: memoryview) -> tuple[bytes | None, memoryview]:
        """Collect one CRLF-terminated line across feeds."""
        data = bytes(view)
        end = data.find(b"\n")
        if end < 0:
            self._buf += data
            return None, view[len(view):]
        line = bytes(self._buf) + data[:end + 1]
        self._buf = bytearray()
        return line, view[end + 1:]

    def _chunk_line(self, view: memoryview, out: bytearray) -> memoryview:
        line, rest = self._line(view)
        out += view[:len(view) - len(rest)]
        if line is None:
            if len(self._buf) > MAX_CHUNK_LINE_BYTES:
                self._state = _PASSTHROUGH
            return rest
        if self._state == _TRAILERS:
            if line.strip() == b"":
                self._finish()
            return rest
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            self._state = _PASSTHROUGH  # not chunked after all: stop measuring, keep relaying
            return rest
        if size == 0:
            self._state = _TRAILERS
        else:
            self._state, self._remaining = _CHUNK_DATA, size
        return rest

    def _head(self, view: memoryview, out: bytearray) -> memoryview:
        data = bytes(self._buf) + bytes(view)
        end = data.find(b"\r\n\r\n")
        sep = 4
        if end < 0:
            end, sep = data.find(b"\n\n"), 2
        if end < 0:
            if len(data) > MAX_HEAD_BYTES:
                out += data
                self._buf, self._state = bytearray(), _PASSTHROUGH
            else:
                self._buf = bytearray(data)
            return view[len(view):]
        head, rest = data[:end + sep], data[end + sep:]
        self._buf = bytearray()
        status, headers = _parse_head(head)
        pending = self._queue[0]
        if status is None:
            out += head
            self._state = _PASSTHROUGH
            return memoryview(rest)
        if self.force_close and status != 101:
            head = _close_head(head)
        out += head
        pending.status = status
        pending.headers = _header_pairs(head)
        if 100 <= status < 200:
            if status == 101:  # the connection now speaks another protocol
                self._finish()
                self._state = _PASSTHROUGH
            return memoryview(rest)  # interim response: the final one follows
        te = headers.get("transfer-encoding", "").lower()
        if pending.method == "HEAD" or status in (204, 304):
            self._finish()
        elif te:
            if te.replace(" ", "").split(",")[-1] == "chunked":
                self._state = _CHUNK_SIZE
            else:
                self._state = _UNTIL_CLOSE
        elif "content-length" in headers:
            try:
                length = int(headers["content-length"].split(",")[0].strip())
            except ValueError:
                length = -1
            if length < 0:
                self._state = _UNTIL_CLOSE
            elif length == 0:
                self._finish()
            else:
                self._state, self._remaining = _FIXED, length
        else:
            self._state = _UNTIL_CLOSE
        return memoryview(rest)


def _parse_head(head: bytes) -> tuple[int | None, dict[str, str]]:
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return None, {}
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return int(parts[1]), headers


def _header_pairs(head: bytes) -> list[tuple[str, str]]:
    """The header lines of a response head as (name, value), repeated lines kept apart."""
    out = []
    for line in head.decode("latin-1").replace("\r\n", "\n").split("\n")[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip():
            out.append((name.strip(), value.strip()))
    return out


_HOP_BY_HOP = (b"connection:", b"keep-alive:", b"proxy-connection:")


def _close_head(head: bytes) -> bytes:
    """Replace the connection-management headers of a response head with `Connection: close`."""
    lines = head.split(b"\r\n") if b"\r\n" in head else head.split(b"\n")
    kept = [ln for ln in lines[1:] if ln and not ln.lower().startswith(_HOP_BY_HOP)]
    return b"\r\n".join([lines[0], *kept, b"Connection: close", b"", b""])
