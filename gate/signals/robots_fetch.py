"""Fetching /robots.txt (RFC 9309 section 2.3), failing closed.

    with RobotsFetcher() as fetcher:
        result = fetcher.fetch("https://example.com/any/page", user_agent)
        result.signal("https://example.com/photos/1", user_agent)
        # {"status": "ok", "allowed": False, "crawl_delay": None,
        #  "rule": "Disallow: /photos", "sha256": "..."}

2xx: parse (the first ROBOTS_MAX_BYTES). 4xx: "unavailable", no restrictions (2.3.1.3).
5xx, 429, a timeout, a connection or TLS error, a broken body, an unusable redirect:
"unreachable", complete disallow (2.3.1.4, code robots.unreachable).
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Literal
from urllib.parse import urljoin, urlsplit

import requests

from gate.model.url import NormalizedURL, normalize
from gate.signals.base import ROBOTS_NOT_CHECKED
from gate.signals.deadline import deadline_session, wall_clock
from gate.signals.robots import ROBOTS_TXT_PATH, Robots, Verdict, parse

__all__ = [
    "RobotsFetcher",
    "RobotsResult",
    "RobotsStatus",
    "ROBOTS_MAX_BYTES",
    "ROBOTS_MAX_REDIRECTS",
    "ROBOTS_TIMEOUT_S",
    "ROBOTS_DEADLINE_S",
]

RobotsStatus = Literal["ok", "unavailable", "unreachable", "not_checked"]

# RFC 9309 2.5: the parsing limit MUST be at least 500 KiB; read a little more than that.
ROBOTS_MAX_BYTES = 512 * 1024
# RFC 9309 2.3.1.2: crawlers SHOULD follow at least five consecutive redirects.
ROBOTS_MAX_REDIRECTS = 5
ROBOTS_TIMEOUT_S = 10.0  # connect and per-read timeout
ROBOTS_DEADLINE_S = 30.0  # the whole fetch, redirects and a slow body included
_READ_CHUNK = 16 * 1024
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_ACCEPT = "text/plain, */*;q=0.8"


@dataclass(frozen=True, slots=True)
class RobotsResult:
    """What fetching one origin's robots.txt gave. `robots` is set only when status is
    "ok"; `text` is the body as parsed (UTF-8, errors replaced; for the opt-out module's
    Content-Signal reading); `sha256` is the hash of the bytes parsed; `final_url` is the
    last URL requested; `redirects` counts the hops followed; `fetched_at` is the fetcher's
    clock (epoch s). `verdict`, `allowed` and `signal` expect a URL of `origin`."""

    status: RobotsStatus
    robots: Robots | None
    fetched_at: float | None
    http_status: int | None = None
    error: str | None = None
    final_url: str | None = None
    redirects: int = 0
    origin: str | None = None
    sha256: str | None = None
    size: int = 0
    truncated: bool = False
    text: str | None = field(default=None, repr=False, compare=False)

    @classmethod
    def not_checked(cls, origin: str | None = None) -> "RobotsResult":
        """Nothing was fetched (static mode)."""
        return cls("not_checked", None, None, origin=origin)

    @classmethod
    def unreachable(cls, origin: str | None, error: str, fetched_at: float | None = None) -> "RobotsResult":
        """A failure outside the HTTP exchange itself: complete disallow."""
        return cls("unreachable", None, fetched_at, error=error, origin=origin,
                   final_url=origin + ROBOTS_TXT_PATH if origin else None)

    def verdict(self, url: str | NormalizedURL, user_agent: str) -> Verdict:
        """The gate's verdict for `url`: the parsed rules when "ok" (both readings,
        `Robots.gate_verdict`), everything allowed when "unavailable", nothing allowed when
        "unreachable" or "not_checked" (fail closed)."""
        if self.status == "ok" and self.robots is not None:
            return self.robots.gate_verdict(url, user_agent)
        return Verdict(self.status == "unavailable", None, None)

    def allowed(self, url: str | NormalizedURL, user_agent: str) -> bool:
        return self.verdict(url, user_agent).allowed

    def signal(self, url: str | NormalizedURL, user_agent: str) -> dict[str, Any]:
        """The `signals.robots` part of the policy input (DESIGN.md), plus the file's sha256.
        For "not_checked", `allowed` is None, as in static mode."""
        if self.status == "not_checked":
            return {**ROBOTS_NOT_CHECKED, "sha256": None}
        verdict = self.verdict(url, user_agent)
        delay = self.robots.crawl_delay(user_agent) if self.robots is not None else None
        return {
            "status": self.status,
            "allowed": verdict.allowed,
            "crawl_delay": delay,
            "rule": verdict.rule.text if verdict.rule else None,
            "sha256": self.sha256,
        }


class RobotsFetcher:
    """GET <origin>/robots.txt with requests, following redirects one hop at a time.

    Never raises for anything the network or the server does: every failure is a result
    with status "unreachable" and the reason in `error`. An invalid URL raises
    gate.errors.InvalidURL. One fetcher may be shared by threads."""

    def __init__(
        self,
        *,
        timeout: float = ROBOTS_TIMEOUT_S,
        deadline: float = ROBOTS_DEADLINE_S,
        max_redirects: int = ROBOTS_MAX_REDIRECTS,
        max_bytes: int = ROBOTS_MAX_BYTES,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not (timeout > 0 and deadline > 0 and math.isfinite(timeout) and math.isfinite(deadline)):
            raise ValueError(f"RobotsFetcher: timeout and deadline must be positive seconds: {timeout!r}, {deadline!r}")
        self.timeout = timeout
        self.deadline = deadline
        self.max_redirects = max_redirects
        self.max_bytes = max_bytes
        self.clock = clock
        self._owns_session = session is None
        if session is None:
            session = deadline_session(requests.Session())
            # Cookies set by one site's robots.txt (or its redirects) must not travel on.
            session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._session = session

    def __enter__(self) -> "RobotsFetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection pool (only a session this fetcher created)."""
        if self._owns_session:
            self._session.close()

    def fetch(self, url: str | NormalizedURL, user_agent: str) -> RobotsResult:
        """Fetch the robots.txt of `url`'s origin, sending `user_agent` (the job's UA)."""
        origin = (url if isinstance(url, NormalizedURL) else normalize(url)).origin
        with wall_clock(self.deadline) as deadline:
            try:
                result = self._fetch(origin, user_agent)
            except Exception as exc:  # fail closed on anything unforeseen, never raise
                result = RobotsResult.unreachable(origin, f"{type(exc).__name__}: {exc}", self.clock())
        if deadline.expired:  # cut mid-way: even a body that "ended" may be a fragment
            return replace(result, status="unreachable", robots=None, text=None,
                           error=f"not fetched within the {self.deadline:g} s deadline ({result.error or 'cut'})")
        return result

    def _fetch(self, origin: str, user_agent: str) -> RobotsResult:
        current = origin + ROBOTS_TXT_PATH
        ends = time.monotonic() + self.deadline
        headers = {"User-Agent": user_agent, "Accept": _ACCEPT}
        redirects = 0

        def result(status: RobotsStatus, http_status: int | None = None, error: str | None = None,
                   body: bytes | None = None, truncated: bool = False) -> RobotsResult:
            if body is None:
                return RobotsResult(status, None, self.clock(), http_status, error, current, redirects, origin)
            text = body.decode("utf-8", errors="replace")
            return RobotsResult(status, parse(text), self.clock(), http_status, error, current, redirects,
                                origin, hashlib.sha256(body).hexdigest(), len(body), truncated, text)

        while True:
            timeout = min(self.timeout, max(ends - time.monotonic(), 0.001))
            try:
                response = self._session.get(current, headers=headers, timeout=timeout,
                                             allow_redirects=False, stream=True)
            except requests.Timeout as exc:
                return result("unreachable", error=f"timeout after {timeout:g} s: {exc}")
            except (requests.RequestException, ValueError, OSError) as exc:
                return result("unreachable", error=f"{type(exc).__name__}: {exc}")
            with response:
                code = response.status_code
                if code in _REDIRECT_CODES:
                    location = response.headers.get("Location")
                    if not location:
                        return result("unreachable", code, f"HTTP {code} without a Location header")
                    if redirects >= self.max_redirects:
                        # RFC 9309 2.3.1.2: beyond five redirects a crawler MAY assume the
                        # file unavailable (no restrictions). That is a permission, not a
                        # duty; scrapegate fails closed and treats it as unreachable.
                        return result("unreachable", code, f"more than {self.max_redirects} redirects")
                    target = urljoin(current, location.strip())
                    if urlsplit(target).scheme.lower() not in ("http", "https"):
                        return result("unreachable", code, f"redirect to a non-HTTP URL: {target!r}")
                    redirects += 1
                    current = target
                    continue
                if 200 <= code < 300:
                    try:
                        body, truncated = self._read(response, ends)
                    except TimeoutError as exc:
                        return result("unreachable", code, str(exc))
                    except (requests.RequestException, OSError, ValueError) as exc:
                        return result("unreachable", code, f"reading the body: {type(exc).__name__}: {exc}")
                    return result("ok", code, body=body, truncated=truncated)
                if code == 429:
                    # "Too Many Requests" says nothing about the file's absence: like a 5xx,
                    # not like a 404 (Google treats it the same way).
                    return result("unreachable", code, "HTTP 429 Too Many Requests")
                if 400 <= code < 500:
                    return result("unavailable", code)
                return result("unreachable", code, f"HTTP {code}")

    def _read(self, response: requests.Response, ends: float) -> tuple[bytes, bool]:
        """At most max_bytes of the body, cut after its last complete line when longer."""
        data = bytearray()
        for chunk in response.iter_content(chunk_size=_READ_CHUNK):
            data += chunk
            if len(data) > self.max_bytes:
                body = bytes(data[: self.max_bytes])
                # A rule cut in half could read as a broader or narrower one: drop it.
                cut = max(body.rfind(b"\n"), body.rfind(b"\r"))
                return body[: cut + 1], True
            if time.monotonic() > ends:
                raise TimeoutError(f"body not read within {self.deadline:g} s")
        return bytes(data), False
