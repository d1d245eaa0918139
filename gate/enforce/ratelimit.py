"""Per-host rate limiting for the `rate_limit` obligation (a robots.txt crawl-delay).

    limiter = limiter_for(gate)
    limiter.wait("https://shop.example", 10.0)          # sync: sleeps until the host's next slot
    await limiter.await_slot("https://shop.example", 10.0)

A caller reserves its slot under a lock and then sleeps outside it, so concurrent callers for
one host are spaced `min_interval_s` apart in the order they asked, and callers for other
hosts never wait on each other. The requests, httpx, @guard and Playwright adapters share the
limiter of their Gate; Scrapy uses its download slot's delay instead.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from typing import Any, Callable, Iterable, Mapping

__all__ = ["HostRateLimiter", "limiter_for", "min_interval", "RATE_LIMIT_CODE"]

RATE_LIMIT_CODE = "rate_limit"


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


class HostRateLimiter:
    """Spaces requests to one host (origin) at least `min_interval_s` apart."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, host: str, min_interval_s: float) -> float:
        """Book the next slot for `host`; return how long the caller must wait for it."""
        if min_interval_s <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + min_interval_s
        return slot - now

    def wait(self, host: str, min_interval_s: float) -> float:
        """Sleep until `host`'s next slot; return the time waited."""
        delay = self.reserve(host, min_interval_s)
        if delay > 0:
            time.sleep(delay)
        return delay

    async def await_slot(self, host: str, min_interval_s: float) -> float:
        """`wait` for asyncio: the event loop keeps running while this caller waits."""
        delay = self.reserve(host, min_interval_s)
        if delay > 0:
            await asyncio.sleep(delay)
        return delay


_LIMITERS: "weakref.WeakKeyDictionary[Any, HostRateLimiter]" = weakref.WeakKeyDictionary()
_LIMITERS_LOCK = threading.Lock()


def limiter_for(gate: Any) -> HostRateLimiter:
    """The one limiter of `gate`, shared by every adapter using that gate."""
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(gate)
        if limiter is None:
            limiter = _LIMITERS[gate] = HostRateLimiter()
        return limiter
