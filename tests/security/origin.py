"""A real origin for the attack tests: Python's stock http.server, answering 200 to every
path (as a permissive static site would), with an access log of exactly what arrived (the
raw request target, method and headers). robots.txt and a few special paths are set per test.

    with Origin(robots="User-agent: *\\nDisallow: /private\\n") as o:
        requests.get(o.base + "/a")
        o.arrived()   # ["/a"] (robots.txt fetches left out)
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ROBOTS = "User-agent: *\nDisallow: /private\n"


@dataclass
class Hit:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class Route:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    trickle_s: float = 0.0          # > 0: send the body one byte at a time, this far apart
    content_type: str = "text/plain"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.origin.hits.append(Hit(self.command, self.path, {k.title(): v for k, v in self.headers.items()}, body))
        route = self.server.origin.route_for(self.path)
        self.send_response(route.status)
        for k, v in route.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            if route.trickle_s:
                for i in range(len(route.body)):
                    self.wfile.write(route.body[i:i + 1])
                    self.wfile.flush()
                    if self.server.origin.stopping.wait(route.trickle_s):
                        return
            else:
                self.wfile.write(route.body)
        except OSError:
            pass

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    origin: "Origin"


class Origin:
    """The origin on 127.0.0.1 (an ephemeral port); `routes` by exact target, else 200 "ok"."""

    def __init__(self, robots: str | None = ROBOTS) -> None:
        self.hits: list[Hit] = []
        self.routes: dict[str, Route] = {}
        self.stopping = threading.Event()
        if robots is not None:
            self.routes["/robots.txt"] = Route(body=robots.encode())
        else:
            self.routes["/robots.txt"] = Route(status=404, body=b"")
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.origin = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, target: str, **kw: Any) -> None:
        if isinstance(kw.get("body"), str):
            kw["body"] = kw["body"].encode()
        self.routes[target] = Route(**kw)

    def route_for(self, target: str) -> Route:
        return self.routes.get(target) or self.routes.get(target.split("?")[0]) or Route()

    def arrived(self) -> list[str]:
        """The request targets that reached the origin, robots.txt fetches left out."""
        return [h.target for h in self.hits if h.target != "/robots.txt"]

    def hits_for(self, target: str) -> list[Hit]:
        return [h for h in self.hits if h.target == target]

    def __enter__(self) -> "Origin":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(2)


def wait_for(predicate: Any, timeout: float = 5.0) -> bool:
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


class Trickler:
    """A raw origin that answers every connection with `response`, one byte every `interval`
    seconds, from the status line on (per-read timeouts never fire against it)."""

    def __init__(self, response: bytes, interval: float = 0.5) -> None:
        import socket

        self.response, self.interval = response, interval
        self.connections = 0
        self.stopping = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self.base = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        import socket

        while not self.stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: Any) -> None:
        with conn:
            try:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                for i in range(len(self.response)):
                    conn.sendall(self.response[i:i + 1])
                    if self.stopping.wait(self.interval):
                        return
            except OSError:
                return

    def __enter__(self) -> "Trickler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._sock.close()
        self._thread.join(2)
