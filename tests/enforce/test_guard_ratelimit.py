"""The per-host rate limiter behind the `rate_limit` obligation."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from gate.enforce.ratelimit import HostRateLimiter, limiter_for, min_interval


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_slots_are_spaced_per_host_and_hosts_are_independent() -> None:
    clock = FakeClock()
    limiter = HostRateLimiter(clock)
    assert limiter.reserve("http://a", 10) == 0
    assert limiter.reserve("http://a", 10) == 10
    assert limiter.reserve("http://a", 10) == 20
    assert limiter.reserve("http://b", 10) == 0
    clock.now += 25
    assert limiter.reserve("http://a", 10) == 5  # the booked slots still count
    clock.now += 100
    assert limiter.reserve("http://a", 10) == 0
    assert limiter.reserve("http://c", 0) == 0 and limiter.reserve("http://c", 0) == 0


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
