"""RSL licences as a site signal (`input.signals.rsl`, registered in SITE_SIGNALS): the
licence robots.txt names (`License:`) is fetched before the first request to an origin,
with robots.txt's timeout, deadline, redirect and size bounds, and cached as long as
robots.txt is (24 h; 60 s when unreachable). The response phase (gate.inspect.phase) asks
the same fetcher for a licence a response names in a `Link` header or `<link>` tag.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable, ClassVar, get_args
from urllib.parse import urljoin

from gate.model.url import NormalizedURL
from gate.signals.robots import canonical_target
from gate.signals.rsl import (
    MAX_RSL_BYTES,
    RSL_MEDIA_TYPE,
    RslDocument,
    RslStatus,
    licence_signal,
    not_checked,
    parse_rsl,
)

if TYPE_CHECKING:
    import requests

    from gate.signals.robots_fetch import RobotsResult

__all__ = ["RslSignal", "RSL_PURPOSES", "Fetched"]

# The purposes an RSL licence's usages speak to (R21): AI training and TDM, search.
RSL_PURPOSES = frozenset({"ai_training", "text_and_data_mining", "academic_research", "search_indexing"})
RSL_CACHE_SIZE = 4096
# robots.txt's bounds and cache times (gate.signals.robots_fetch, robots_cache; a test
# holds them equal): not imported, since those modules import the signal registry.
ROBOTS_DEADLINE_S = 30.0
ROBOTS_MAX_REDIRECTS = 5
ROBOTS_CACHE_TTL_S = 24 * 3600.0
ROBOTS_UNREACHABLE_TTL_S = 60.0
Fetched = tuple[RslStatus, "RslDocument | None", "str | None", tuple[str, ...]]  # status, doc, sha256, errors


class RslSignal:
    """Fetches and caches RSL licences by URL; `gather` reads robots.txt's `License:`."""

    name: ClassVar[str] = "rsl"
    document: ClassVar[str] = "rsl"
    key_fields: ClassVar[tuple[str, ...]] = ("status", "terms_key")
    enums: ClassVar[dict[str, tuple[str, ...]]] = {"status": get_args(RslStatus)}

    def __init__(self, *, timeout: float, session: Callable[[], "requests.Session"]) -> None:
        self._timeout = timeout
        self._session = session()
        self._session.max_redirects = ROBOTS_MAX_REDIRECTS
        self._cache: OrderedDict[str, tuple[float, Fetched]] = OrderedDict()
        self._lock = threading.Lock()
        self.fetch_count = 0

    @staticmethod
    def applies(purpose: str) -> bool:
        return purpose in RSL_PURPOSES

    @staticmethod
    def not_checked() -> dict[str, Any]:
        return not_checked()

    def gather(self, url: NormalizedURL, user_agent: str, robots: "RobotsResult") -> tuple[dict[str, Any], str | None]:
        named = robots.robots.licenses if robots.status == "ok" and robots.robots is not None else []
        if not named:
            return licence_signal("none", None, None, url.host, canonical_target(url)), None
        return self.signal_for(url, urljoin(url.origin + "/", named[0]), user_agent)

    def signal_for(self, url: NormalizedURL, licence_url: str, user_agent: str) -> tuple[dict[str, Any], str | None]:
        """The signal of the licence at `licence_url` for `url` (fetched or cached)."""
        status, document, sha256, errors = self.fetch(licence_url, user_agent)
        return licence_signal(status, licence_url, document, url.host, canonical_target(url), errors), sha256

    def fetch(self, licence_url: str, user_agent: str) -> Fetched:
        now = time.monotonic()
        with self._lock:
            entry = self._cache.get(licence_url)
            if entry is not None and entry[0] > now:
                self._cache.move_to_end(licence_url)
                return entry[1]
        try:
            fetched = self._fetch(licence_url, user_agent)
        except Exception as exc:  # noqa: BLE001 - fail closed on anything unforeseen
            fetched = ("unreachable", None, None, (f"{type(exc).__name__}: {exc}",))
        ttl = ROBOTS_CACHE_TTL_S if fetched[0] in ("ok", "invalid") else ROBOTS_UNREACHABLE_TTL_S
        with self._lock:
            self._cache[licence_url] = (now + ttl, fetched)
            while len(self._cache) > RSL_CACHE_SIZE:
                self._cache.popitem(last=False)
        return fetched

    def _fetch(self, licence_url: str, user_agent: str) -> Fetched:
        import requests

        with self._lock:
            self.fetch_count += 1
        ends = time.monotonic() + ROBOTS_DEADLINE_S
        headers = {"User-Agent": user_agent, "Accept": f"{RSL_MEDIA_TYPE}, application/xml;q=0.9, */*;q=0.1"}
        try:
            response = self._session.get(licence_url, headers=headers, timeout=self._timeout, stream=True)
        except requests.RequestException as exc:
            return "unreachable", None, None, (f"{licence_url}: {type(exc).__name__}: {exc}",)
        with response:
            if response.status_code >= 400 or response.status_code < 200:
                return "unreachable", None, None, (f"{licence_url}: HTTP {response.status_code}",)
            data = bytearray()
            try:
                for chunk in response.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > MAX_RSL_BYTES:
                        return "invalid", None, None, (f"{licence_url}: larger than {MAX_RSL_BYTES} bytes",)
                    if time.monotonic() > ends:
                        return "unreachable", None, None, (f"{licence_url}: not read within {ROBOTS_DEADLINE_S:g} s",)
            except requests.RequestException as exc:
                return "unreachable", None, None, (f"{licence_url}: {type(exc).__name__}: {exc}",)
        document = parse_rsl(bytes(data))
        digest = hashlib.sha256(data).hexdigest()
        if not document.valid:
            return "invalid", None, digest, tuple(f"{licence_url}: {e}" for e in document.errors)
        return "ok", document, digest, document.errors

    def close(self) -> None:
        with self._lock:
            self._cache.clear()
