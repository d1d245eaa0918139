"""The per-host rate limiter behind the `rate_limit` obligation."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from gate.enforce.ratelimit import LOCAL_HELD_POLL_S, Grant, HostRateLimiter, limiter_for, min_interval


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_slot_is_held_until_released_and_the_interval_runs_from_the_release() -> None:
    clock = FakeClock()
    limiter = HostRateLimiter(clock, lease_s=60)
    first = limiter.try_acquire("http://a", 10)
    assert isinstance(first, Grant)
    held = limiter.try_acquire("http://a", 10)  # still sending: ask again shortly, no booking ahead
    assert isinstance(held, float) and 0 < held <= LOCAL_HELD_POLL_S
    assert isinstance(limiter.try_acquire("http://b", 10), Grant)  # hosts are independent
    clock.now += 3  # the response head arrives 3 s after the grant
    limiter.release(first)
    assert limiter.try_acquire("http://a", 10) == 10  # one full interval after the release
    clock.now += 10
    assert isinstance(limiter.try_acquire("http://a", 10), Grant)
    assert limiter.acquire("http://c", 0) == (None, 0.0)


def test_a_holder_that_never_releases_blocks_the_host_for_one_lease_only() -> None:
    clock = FakeClock()
    limiter = HostRateLimiter(clock, lease_s=5)
    assert isinstance(limiter.try_acquire("http://a", 1), Grant)
    clock.now += 4.9
    assert not isinstance(limiter.try_acquire("http://a", 1), Grant)
    clock.now += 0.2
    assert isinstance(limiter.try_acquire("http://a", 1), Grant)


@pytest.mark.parametrize("obligations, expected", [
    ([], 0.0),
    ([{"code": "art14_notice"}], 0.0),
    ([{"code": "rate_limit", "min_interval_s": 2}, {"code": "rate_limit", "min_interval_s": 5.5}], 5.5),
    ([{"code": "rate_limit", "min_interval_s": "7"}, {"code": "rate_limit", "min_interval_s": True}], 0.0),
    ([{"code": "rate_limit"}, {"code": "rate_limit", "min_interval_s": 3}], 3.0),
])
def test_min_interval_takes_the_strictest_well_formed_value(obligations: list, expected: float) -> None:
    assert min_interval(obligations) == expected


def test_concurrent_threads_wait_in_turn() -> None:
    limiter = HostRateLimiter()
    starts: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        limiter.wait("http://a", 0.05)
        with lock:
            starts.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    starts.sort()
    assert starts[-1] - starts[0] >= 0.05 * 3 * 0.9


async def test_async_wait_does_not_block_the_loop() -> None:
    limiter = HostRateLimiter()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        for _ in range(5):
            await asyncio.sleep(0.01)
            ticks += 1

    await limiter.await_slot("http://a", 0.1)
    waited, _ = await asyncio.gather(limiter.await_slot("http://a", 0.1), ticker())
    assert waited > 0.05 and ticks == 5


def test_one_limiter_per_gate() -> None:
    class G:
        pass

    a, b = G(), G()
    assert limiter_for(a) is limiter_for(a) and limiter_for(a) is not limiter_for(b)
