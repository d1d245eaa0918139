"""Wall-clock deadlines for the requests the gate makes itself (signal fetches, OPA calls).

requests' `timeout` is a per-read timeout: a server that sends one byte every 0.5 s never
trips a 4 s timeout, so a fetch with a "4 s deadline" could last as long as the server
liked. A `Deadline` ends it for real: the sessions the gate builds (`deadline_session`) use
connections that enrol in the caller's current deadline when they send a request, and when
the deadline passes a timer thread shuts their sockets down. The blocked read returns at
once, requests raises, and the caller fails closed with `deadline.expired` set.

    session = deadline_session(requests.Session())
    with wall_clock(4.0) as deadline:
        try:
            session.get(url, timeout=4.0)
        except requests.RequestException:
            if deadline.expired: ...   # past the wall-clock deadline
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["Deadline", "wall_clock", "deadline_session", "DeadlineAdapter", "current_deadline"]

_CURRENT: ContextVar["Deadline | None"] = ContextVar("scrapegate_deadline", default=None)


class Deadline:
    """One wall-clock deadline: the sockets enrolled in it are shut down when it passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return max(self.ends - time.monotonic(), 0.0)

    def enrol(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _cut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _cut(sock)


def _cut(sock: socket.socket) -> None:
    try:  # wakes a read blocked on it at once; the caller's request fails
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def current_deadline() -> Deadline | None:
    return _CURRENT.get()


@contextmanager
def wall_clock(seconds: float) -> Iterator[Deadline]:
    """Every request sent through a `deadline_session` inside the block ends by `seconds`
    from now (nested blocks: the inner deadline governs its own requests)."""
    deadline = Deadline(seconds)
    timer = threading.Timer(seconds, deadline.expire)
    timer.daemon = True
    token = _CURRENT.set(deadline)
    timer.start()
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)
        timer.cancel()


class _Enrolling:
    """A urllib3 connection that enrols its socket in the current deadline when it opens it
    and each time it sends on it. The socket, not the connection: http.client drops the
    connection's reference (sock = None) when a response will close, while the response
    still reads from it."""

    sock: Any

    def request(self, *args: Any, **kwargs: Any) -> Any:
        deadline = _CURRENT.get()
        if deadline is not None and self.sock is not None:
            deadline.enrol(self.sock)
        return super().request(*args, **kwargs)  # type: ignore[misc]

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        deadline = _CURRENT.get()
        if deadline is not None:
            deadline.enrol(self.sock)


class _HTTPConnection(_Enrolling, HTTPConnection):
    pass


class _HTTPSConnection(_Enrolling, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections obey `wall_clock` deadlines."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def deadline_session(session: requests.Session) -> requests.Session:
    """`session` with DeadlineAdapter mounted for http:// and https:// (returned for chaining)."""
    for prefix in ("https://", "http://"):
        session.mount(prefix, DeadlineAdapter())
    return session
