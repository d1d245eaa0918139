"""Per-origin pacing for the `rate_limit` obligation (a robots.txt crawl-delay).

    limiter = limiter_for(gate)
    with limiter.hold("https://shop.example", 1.0):      # waits for the origin's slot, holds it
        response = send(request)                         # until the response has begun
    limiter.wait("https://shop.example", 1.0)            # or: wait for the slot, give it back at once

Each origin has a token bucket of depth one and a lease. A caller is granted the slot only when
the previous holder has given it back and one interval has passed since; it then holds it
through its send. So the interval holds as the origin sees it: the next request leaves at least
`min_interval_s` after the previous one's response began (booking a slot ahead, as this module
used to, let 20 concurrent httpx requests reach the origin 0.964 s apart for Crawl-delay: 1).

Without a cluster the state is this process's (HostRateLimiter, one per Gate). With
SCRAPEGATE_REDIS it is Redis's (SharedRateLimiter, one per cluster, see gate.cluster.pacing);
when Redis fails, the node falls back to its own limiter at `interval x nodes`.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
import weakref
from abc import ABC, abstractmethod
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Iterable, Iterator, Mapping

from gate.cluster import Cluster
from gate.cluster.pacing import RedisPacer

__all__ = ["Grant", "HostRateLimiter", "SharedRateLimiter", "limiter_for", "min_interval", "RATE_LIMIT_CODE",
           "LOCAL_LEASE_S", "LOCAL_HELD_POLL_S"]

RATE_LIMIT_CODE = "rate_limit"
LOCAL_LEASE_S = 60.0  # a holder in this process always releases (finally); this only bounds a bug
LOCAL_HELD_POLL_S = 0.005
_MAX_ORPHANS = 1024


def min_interval(obligations: Iterable[Mapping[str, Any]]) -> float:
    """The strictest `min_interval_s` among the `rate_limit` obligations (0.0 when none).
    A malformed value cannot loosen the limit: it is skipped, never read as zero."""
    interval = 0.0
    for ob in obligations:
        if ob.get("code") != RATE_LIMIT_CODE:
            continue
        value = ob.get("min_interval_s")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > interval:
            interval = float(value)
    return interval


@dataclass(frozen=True, slots=True)
class Grant:
    """An origin's slot, held until `release`. `shared`: granted by Redis for the cluster."""

    origin: str
    interval_s: float
    token: str
    shared: bool = False


class _Pacing(ABC):
    """Waiting, holding and releasing, built on `try_acquire` and `release`, which each
    limiter (node-local, or shared through Redis) defines."""

    @abstractmethod
    def try_acquire(self, origin: str, interval_s: float) -> Grant | float:
        """The slot (a Grant), or the seconds to wait before asking again."""

    @abstractmethod
    def release(self, grant: Grant) -> None:
        """Give the slot back: the next grant comes one interval after this."""

    def acquire(self, origin: str, interval_s: float) -> tuple[Grant | None, float]:
        """Sleep until `origin`'s slot is granted; (the grant, the time waited). No interval: (None, 0)."""
        if interval_s <= 0:
            return None, 0.0
        start = time.monotonic()
        while True:
            got = self.try_acquire(origin, interval_s)
            if isinstance(got, Grant):
                return got, time.monotonic() - start
            time.sleep(got)

    async def aacquire(self, origin: str, interval_s: float) -> tuple[Grant | None, float]:
        """`acquire` for asyncio: the loop keeps running while this caller waits."""
        if interval_s <= 0:
            return None, 0.0
        start = time.monotonic()
        while True:
            got = self.try_acquire(origin, interval_s)
            if isinstance(got, Grant):
                return got, time.monotonic() - start
            await asyncio.sleep(got)

    def wait(self, host: str, min_interval_s: float) -> float:
        """Wait for `host`'s slot and give it back at once (for callers that cannot tell when
        their request went out); return the time waited."""
        grant, waited = self.acquire(host, min_interval_s)
        if grant is not None:
            self.release(grant)
        return waited

    async def await_slot(self, host: str, min_interval_s: float) -> float:
        grant, waited = await self.aacquire(host, min_interval_s)
        if grant is not None:
            self.release(grant)
        return waited

    @contextmanager
    def hold(self, origin: str, interval_s: float) -> Iterator[Grant | None]:
        """Hold `origin`'s slot for the block: put the send (up to the response head) inside."""
        grant, _ = self.acquire(origin, interval_s)
        try:
            yield grant
        finally:
            if grant is not None:
                self.release(grant)

    @asynccontextmanager
    async def ahold(self, origin: str, interval_s: float) -> AsyncIterator[Grant | None]:
        grant, _ = await self.aacquire(origin, interval_s)
        try:
            yield grant
        finally:
            if grant is not None:
                self.release(grant)


@dataclass(slots=True)
class _Origin:
    next_at: float = 0.0
    holder: str | None = None
    lease_until: float = 0.0


class HostRateLimiter(_Pacing):
    """This process's pacer: the same bucket-and-lease as Redis's, on `clock`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, lease_s: float = LOCAL_LEASE_S) -> None:
        self._clock = clock
        self._lease_s = lease_s
        self._origins: dict[str, _Origin] = {}
        self._lock = threading.Lock()

    def try_acquire(self, origin: str, interval_s: float) -> Grant | float:
        with self._lock:
            now = self._clock()
            state = self._origins.get(origin)
            if state is None:
                state = self._origins[origin] = _Origin()
            if state.holder is not None and now < state.lease_until:
                return max(1e-4, min(LOCAL_HELD_POLL_S, state.lease_until - now))
            if now < state.next_at:
                return state.next_at - now
            token = uuid.uuid4().hex
            state.holder, state.lease_until, state.next_at = token, now + self._lease_s, now + interval_s
        return Grant(origin, interval_s, token)

    def release(self, grant: Grant) -> None:
        with self._lock:
            now = self._clock()
            state = self._origins.setdefault(grant.origin, _Origin())
            state.next_at = max(state.next_at, now + grant.interval_s)
            if state.holder == grant.token:
                state.holder, state.lease_until = None, 0.0


class SharedRateLimiter(_Pacing):
    """The cluster's pacer (Redis), falling back to this node's own at `interval x nodes`
    whenever Redis cannot answer (fail closed: slower, never faster)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.pacer = RedisPacer(cluster)
        self.local = HostRateLimiter()
        # Grants Redis may have made although the call failed (a timeout after the script ran):
        # given back once Redis answers again, so no lease is left to run out on its own.
        self._orphans: list[Grant] = []
        self._orphans_lock = threading.Lock()

    def try_acquire(self, origin: str, interval_s: float) -> Grant | float:
        client = self.cluster.redis()
        if client is not None:
            token = uuid.uuid4().hex
            wait: float | None = None
            asked = False
            try:
                # A Redis that may evict the pacer's key is no pacer: the local fallback.
                if self.cluster.eviction_risk(client) is None:
                    asked = True
                    wait = self.pacer.try_acquire(client, origin, interval_s, token)
            except Exception as exc:  # any failure of Redis: the stricter local fallback
                with self._orphans_lock:
                    if asked and len(self._orphans) < _MAX_ORPHANS:
                        self._orphans.append(Grant(origin, interval_s, token, shared=True))
                self.cluster.failed(exc, "pacing requests")
            else:
                self.cluster.succeeded()
                if self._orphans:
                    self._release_orphans()
                if wait is not None:
                    if wait > 0:
                        return wait
                    self.cluster.count("rate_limit_shared")
                    return Grant(origin, interval_s, token, shared=True)
        got = self.local.try_acquire(origin, interval_s * self.cluster.nodes)
        if isinstance(got, Grant):
            self.cluster.count("rate_limit_fallback")
        return got

    def _release_orphans(self) -> None:
        with self._orphans_lock:
            orphans, self._orphans = self._orphans, []
        for grant in orphans:
            self.release(grant)

    def release(self, grant: Grant) -> None:
        if not grant.shared:
            self.local.release(grant)
            return
        client = self.cluster.redis()
        if client is None:
            return  # the lease runs out by itself
        try:
            self.pacer.release(client, grant.origin, grant.interval_s, grant.token)
        except Exception as exc:
            self.cluster.failed(exc, "releasing a request slot")


_LIMITERS: "weakref.WeakKeyDictionary[Any, HostRateLimiter]" = weakref.WeakKeyDictionary()
_SHARED: dict[int, SharedRateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(gate: Any) -> _Pacing:
    """The pacer of `gate`: its cluster's (one per process) when it has one, else its own,
    shared by every adapter using that gate."""
    cluster: Cluster | None = getattr(gate, "cluster", None)
    with _LIMITERS_LOCK:
        if cluster is not None:
            shared = _SHARED.get(id(cluster))
            if shared is None or shared.cluster is not cluster:
                shared = _SHARED[id(cluster)] = SharedRateLimiter(cluster)
            return shared
        limiter = _LIMITERS.get(gate)
        if limiter is None:
            limiter = _LIMITERS[gate] = HostRateLimiter()
        return limiter
