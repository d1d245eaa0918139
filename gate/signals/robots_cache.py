"""robots.txt results cached per origin: TTL, LRU bound, thread-safe, single-flight.

    cache = RobotsCache()
    lookup = cache.lookup("https://example.com/photos/1", user_agent)
    lookup.result.signal("https://example.com/photos/1", user_agent)
    lookup.state                # "hit", "miss" (this call fetched) or "joined" (waited on
                                # another thread's fetch of the same origin)

Entries are keyed by (scheme, host, port, user agent): the user agent is part of the key
because a server may answer robots.txt differently per agent, and the file is fetched with
the job's own UA.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, NamedTuple

from gate.model.url import NormalizedURL, normalize
from gate.signals.robots_fetch import RobotsFetcher, RobotsResult

__all__ = [
    "RobotsCache",
    "CacheInfo",
    "Lookup",
    "ROBOTS_CACHE_TTL_S",
    "ROBOTS_UNREACHABLE_TTL_S",
    "ROBOTS_CACHE_MAX_ORIGINS",
    "ROBOTS_CACHE_MAX_WEIGHT",
    "entry_weight",
]

# RFC 9309 2.4: crawlers SHOULD NOT use a cached robots.txt for more than 24 hours.
ROBOTS_CACHE_TTL_S = 24 * 3600.0
# An unreachable answer is a complete disallow: retry soon instead of blocking a site a day.
ROBOTS_UNREACHABLE_TTL_S = 60.0
ROBOTS_CACHE_MAX_ORIGINS = 10_000
# Bound on the estimated memory of all entries; with Python's own overhead the cache stays
# under 300 MB however many hosts a crawl visits (see entry_weight).
ROBOTS_CACHE_MAX_WEIGHT = 192 * 1024 * 1024
# A cached robots.txt (text, parsed rules, compiled matcher) measured at up to ~32 bytes
# per byte of file (thousands of short distinct `Allow: /N*` rules; typical files 8-20),
# plus a fixed cost per entry. The margin keeps the estimate an upper bound.
_WEIGHT_PER_BYTE = 40
_WEIGHT_BASE = 4096

LookupState = Literal["hit", "miss", "joined"]


def entry_weight(result: RobotsResult) -> int:
    """A conservative estimate, in bytes, of the memory one cached result holds."""
    return _WEIGHT_BASE + _WEIGHT_PER_BYTE * result.size


class Lookup(NamedTuple):
    """One cache lookup: the result, how it was obtained, its age and time left (s)."""

    result: RobotsResult
    state: LookupState
    age_s: float
    expires_in_s: float

    @property
    def hit(self) -> bool:
        return self.state == "hit"


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    joined: int
    fetches: int
    evictions: int
    size: int
    max_origins: int
    weight: int
    max_weight: int


@dataclass(slots=True)
class _Entry:
    result: RobotsResult
    stored_at: float
    expires_at: float
    weight: int


@dataclass(slots=True)
class _Flight:
    done: threading.Event = field(default_factory=threading.Event)
    lookup: Lookup | None = None


class RobotsCache:
    """Fetches each origin's robots.txt once per TTL, however many threads ask at once.

    `fetcher` (a RobotsFetcher, or a SharedRobotsFetcher of gate.signals.robots_shared)
    defaults to a RobotsFetcher sharing this cache's clock; `clock` (epoch
    seconds) is injectable so tests can expire entries without waiting."""

    def __init__(
        self,
        fetcher: Any = None,
        *,
        ttl_s: float = ROBOTS_CACHE_TTL_S,
        unreachable_ttl_s: float = ROBOTS_UNREACHABLE_TTL_S,
        max_origins: int = ROBOTS_CACHE_MAX_ORIGINS,
        max_weight: int = ROBOTS_CACHE_MAX_WEIGHT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if ttl_s > ROBOTS_CACHE_TTL_S:
            raise ValueError(f"ttl_s may not exceed {ROBOTS_CACHE_TTL_S:g} s (RFC 9309 section 2.4)")
        self._owns_fetcher = fetcher is None
        self._fetcher = fetcher if fetcher is not None else RobotsFetcher(clock=clock)
        self.ttl_s = ttl_s
        self.unreachable_ttl_s = min(unreachable_ttl_s, ttl_s)
        self.max_origins = max_origins
        self.max_weight = max_weight
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str, int, str], _Entry] = OrderedDict()
        self._flights: dict[tuple[str, str, int, str], _Flight] = {}
        self._weight = 0
        self._hits = self._misses = self._joined = self._fetches = self._evictions = 0

    def __enter__(self) -> "RobotsCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self._entries)

    def close(self) -> None:
        if self._owns_fetcher:
            self._fetcher.close()

    @staticmethod
    def _key(url: str | NormalizedURL, user_agent: str) -> tuple[NormalizedURL, tuple[str, str, int, str]]:
        n = url if isinstance(url, NormalizedURL) else normalize(url)
        return n, (n.scheme, n.host, n.port, user_agent)

    def fresh(self, url: NormalizedURL, user_agent: str) -> RobotsResult | None:
        """The cached result for `url`'s origin if it is fresh, else None (no fetch, no
        lock, no Lookup built: the crawl's hot path)."""
        key = (url.scheme, url.host, url.port, user_agent)
        entry = self._entries.get(key)
        if entry is None or self._clock() >= entry.expires_at:
            return None
        try:
            self._entries.move_to_end(key)
        except KeyError:
            pass
        self._hits += 1
        return entry.result

    def lookup(self, url: str | NormalizedURL, user_agent: str) -> Lookup:
        """The cached result for `url`'s origin, fetching it (once) when absent or expired."""
        n, key = self._key(url, user_agent)
        # Lock-free hit: a fresh entry is immutable, and OrderedDict's C operations are
        # atomic under the GIL; an entry evicted meanwhile only makes move_to_end miss.
        entry = self._entries.get(key)
        if entry is not None:
            now = self._clock()
            if now < entry.expires_at:
                try:
                    self._entries.move_to_end(key)
                except KeyError:
                    pass
                self._hits += 1
                return Lookup(entry.result, "hit", now - entry.stored_at, entry.expires_at - now)
        with self._lock:
            now = self._clock()
            entry = self._entries.get(key)
            if entry is not None and now < entry.expires_at:
                self._entries.move_to_end(key)
                self._hits += 1
                return Lookup(entry.result, "hit", now - entry.stored_at, entry.expires_at - now)
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
                self._misses += 1
            else:
                self._joined += 1
        if not leader:
            flight.done.wait()
            assert flight.lookup is not None  # the leader always sets it before `done`
            return flight.lookup._replace(state="joined")
        result: RobotsResult | None = None
        ttl_left: float | None = None
        try:
            # A shared fetcher (gate.signals.robots_shared) says how long its copy stays fresh.
            fetch_with_ttl = getattr(self._fetcher, "fetch_with_ttl", None)
            if fetch_with_ttl is not None:
                result, ttl_left = fetch_with_ttl(n, user_agent)
            else:
                result = self._fetcher.fetch(n, user_agent)
        except Exception as exc:  # a fetcher must not raise; if one does, fail closed
            result = RobotsResult.unreachable(n.origin, f"{type(exc).__name__}: {exc}", self._clock())
        finally:
            if result is None:  # interrupted: release the waiters with a fail-closed answer
                result = RobotsResult.unreachable(n.origin, "fetch interrupted", self._clock())
            ttl = self.unreachable_ttl_s if result.status == "unreachable" else self.ttl_s
            if ttl_left is not None:
                ttl = min(ttl, ttl_left)
            with self._lock:
                now = self._clock()
                self._fetches += 1
                self._store(key, _Entry(result, now, now + ttl, entry_weight(result)))
                flight.lookup = Lookup(result, "miss", 0.0, ttl)
                del self._flights[key]
            flight.done.set()
        return flight.lookup

    def _store(self, key: tuple[str, str, int, str], entry: _Entry) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._weight -= old.weight
        self._entries[key] = entry
        self._weight += entry.weight
        # Evict least recently used entries; the newest one always stays.
        while len(self._entries) > 1 and (len(self._entries) > self.max_origins or self._weight > self.max_weight):
            _, evicted = self._entries.popitem(last=False)
            self._weight -= evicted.weight
            self._evictions += 1

    def result(self, url: str | NormalizedURL, user_agent: str) -> RobotsResult:
        return self.lookup(url, user_agent).result

    def signal(self, url: str | NormalizedURL, user_agent: str) -> dict[str, Any]:
        """The `signals.robots` policy-input dict for `url` (see RobotsResult.signal)."""
        return self.lookup(url, user_agent).result.signal(url, user_agent)

    def allowed(self, url: str | NormalizedURL, user_agent: str) -> bool:
        return self.lookup(url, user_agent).result.allowed(url, user_agent)

    def peek(self, url: str | NormalizedURL, user_agent: str) -> Lookup | None:
        """The fresh cached entry for `url`'s origin, without fetching or counting a hit."""
        _, key = self._key(url, user_agent)
        with self._lock:
            now = self._clock()
            entry = self._entries.get(key)
            if entry is None or now >= entry.expires_at:
                return None
            return Lookup(entry.result, "hit", now - entry.stored_at, entry.expires_at - now)

    def invalidate(self, url: str | NormalizedURL, user_agent: str) -> bool:
        """Drop the entry for `url`'s origin and agent; True if there was one."""
        _, key = self._key(url, user_agent)
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is not None:
                self._weight -= entry.weight
            return entry is not None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weight = 0

    def cache_info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self._hits, self._misses, self._joined, self._fetches, self._evictions,
                             len(self._entries), self.max_origins, self._weight, self.max_weight)
