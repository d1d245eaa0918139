"""The fetch the terms discovery makes, gated like any request: robots.txt applies to each
hop (the job's user agent, the origin's file), every hop is a new request (at most
TERMS_MAX_REDIRECTS, http(s) only), each GET has the connect/read timeout and a wall-clock
deadline, and at most TERMS_MAX_BYTES of a body are read.

`GatedTermsFetch(...)(url) -> (status, headers, body)` is the `fetch` a TermsFinder calls.
A refusal (robots.txt, a redirect off http(s), too many hops, the deadline) raises
`TermsFetchRefused`; the finder counts it against the budget and reads it as "could not
read", never as "no terms".
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable, Mapping
from urllib.parse import urljoin, urlsplit

from gate.model.url import normalize
from gate.signals.deadline import wall_clock
from gate.signals.terms.finder import FINAL_URL_HEADER

if TYPE_CHECKING:
    import requests

    from gate.signals.robots_fetch import RobotsResult

__all__ = ["GatedTermsFetch", "TermsFetchRefused", "TERMS_MAX_BYTES", "TERMS_MAX_REDIRECTS", "TERMS_DEADLINE_S",
           "FINAL_URL_HEADER"]

# Terms pages run to ~100-300 KB of HTML; a bigger body is cut here (and read as far as it goes).
TERMS_MAX_BYTES = 2 * 1024 * 1024
TERMS_MAX_REDIRECTS = 5
TERMS_DEADLINE_S = 30.0  # one GET, its redirects and a slow body included (as robots.txt's)
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_READ_CHUNK = 16 * 1024
_ACCEPT = "text/html, application/xhtml+xml, text/plain;q=0.9, */*;q=0.1"


class TermsFetchRefused(Exception):
    """A discovery fetch the gate did not make, or could not finish (robots.txt, the deadline)."""


RobotsFor = Callable[[str], "RobotsResult"]


class GatedTermsFetch:
    """One user agent's discovery fetches.

    `robots_for(url)` is the robots.txt result of url's origin (the caller's cache: the
    file the request itself was checked against, fetched once per origin); a URL it
    disallows is never requested. `fetches` counts the GETs sent (redirect hops included).
    """

    def __init__(self, session: "requests.Session", user_agent: str, robots_for: RobotsFor, *,
                 timeout: float, deadline: float = TERMS_DEADLINE_S, max_bytes: int = TERMS_MAX_BYTES,
                 max_redirects: int = TERMS_MAX_REDIRECTS) -> None:
        self._session = session
        self._user_agent = user_agent
        self._robots_for = robots_for
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.fetches = 0

    def __call__(self, url: str) -> tuple[int, Mapping[str, str], bytes]:
        # The session's sockets are shut down at the deadline (gate.signals.deadline): a
        # server trickling its answer byte by byte cannot hold the fetch past it.
        with wall_clock(self.deadline) as deadline:
            try:
                result = self._fetch(url)
            except TermsFetchRefused:
                raise
            except Exception as exc:
                if deadline.expired:
                    raise TermsFetchRefused(f"{url}: not fetched within the {self.deadline:g} s deadline") from exc
                raise
        if deadline.expired:  # cut mid-way: what was read may be a fragment
            raise TermsFetchRefused(f"{url}: not fetched within the {self.deadline:g} s deadline")
        return result

    def _fetch(self, url: str) -> tuple[int, Mapping[str, str], bytes]:
        import requests

        ends = time.monotonic() + self.deadline
        current = url
        for _ in range(self.max_redirects + 1):
            self._admit(current)
            left = ends - time.monotonic()
            if left <= 0:
                raise TermsFetchRefused(f"{current}: deadline of {self.deadline:g} s passed")
            self.fetches += 1
            try:
                response = self._session.get(current, headers={"User-Agent": self._user_agent, "Accept": _ACCEPT},
                                             timeout=min(self.timeout, left), allow_redirects=False, stream=True)
            except requests.Timeout as exc:
                raise TermsFetchRefused(f"{current}: timeout: {exc}") from exc
            with response:
                code = response.status_code
                if code in _REDIRECT_CODES:
                    location = response.headers.get("Location")
                    if not location:
                        return code, dict(response.headers), b""
                    current = urljoin(current, location.strip())
                    continue
                body = self._read(response, ends) if code == 200 else b""
                headers = {k: v for k, v in response.headers.items() if k.lower() != FINAL_URL_HEADER.lower()}
                headers[FINAL_URL_HEADER] = current  # set here, never the server's: where the body came from
                return code, headers, body
        raise TermsFetchRefused(f"{url}: more than {self.max_redirects} redirects")

    def _admit(self, url: str) -> None:
        """robots.txt for this hop, as for any request; only http(s)."""
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise TermsFetchRefused(f"{url}: not an http(s) URL")
        nurl = normalize(url)
        robots = self._robots_for(nurl.url)
        verdict = robots.verdict(nurl, self._user_agent)
        if not verdict.allowed:
            why = verdict.rule.text if verdict.rule else f"robots.txt {robots.status}"
            raise TermsFetchRefused(f"{url}: disallowed by robots.txt ({why})")

    def _read(self, response: "requests.Response", ends: float) -> bytes:
        data = bytearray()
        for chunk in response.iter_content(chunk_size=_READ_CHUNK):
            data += chunk
            if len(data) >= self.max_bytes:
                return bytes(data[: self.max_bytes])  # read as far as it goes
            if time.monotonic() > ends:
                raise TermsFetchRefused(f"{response.url}: body not read within the {self.deadline:g} s deadline")
        return bytes(data)
