"""A local origin whose access log carries arrival times: the evidence that an interval held
as the origin sees it. Plain http.server, threaded; time.monotonic() is the system's
CLOCK_MONOTONIC, so arrivals from crawler processes on this machine compare directly.

    with TimedSite(robots="User-agent: *\\nCrawl-delay: 1\\n", pages=20) as site:
        ...crawl site.base...
        site.arrivals()        # [(t, path, user agent), ...] in arrival order, robots.txt included
        site.gaps()            # the intervals between consecutive page requests
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class TimedSite:
    """Serves /robots.txt, /p/<n> (HTML linking to the next pages) and / (links to every page)."""

    def __init__(self, robots: str, pages: int = 20, links_per_page: int = 3) -> None:
        self.robots = robots
        self.pages = pages
        self.links_per_page = links_per_page
        self._log: list[tuple[float, str, str]] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed ACK

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                arrived = time.monotonic()
                with site._lock:
                    site._log.append((arrived, self.path, self.headers.get("User-Agent", "")))
                status, ctype, body = site.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str) -> tuple[int, str, bytes]:
        if path == "/robots.txt":
            return 200, "text/plain", self.robots.encode()
        if path == "/":
            links = " ".join(f'<a href="/p/{i}">page {i}</a>' for i in range(self.pages))  # no digit runs
            return 200, "text/html", f"<html><body>{links}</body></html>".encode()
        if path.startswith("/p/") and path[3:].isdigit() and int(path[3:]) < self.pages:
            n = int(path[3:])
            links = "".join(f'<a href="/p/{(n + k) % self.pages}">x</a>' for k in range(1, self.links_per_page + 1))
            return 200, "text/html", f"<html><body>page {n}{links}</body></html>".encode()
        return 404, "text/plain", b"not found"

    def __enter__(self) -> "TimedSite":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def arrivals(self) -> list[tuple[float, str, str]]:
        with self._lock:
            return sorted(self._log)

    def page_times(self) -> list[float]:
        return [t for t, path, _ in self.arrivals() if path != "/robots.txt"]

    def robots_fetches(self) -> int:
        return sum(1 for _, path, _ in self.arrivals() if path == "/robots.txt")

    def gaps(self) -> list[float]:
        times = self.page_times()
        return [b - a for a, b in zip(times, times[1:])]
