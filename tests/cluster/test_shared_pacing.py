"""The cluster-wide pacer against a real redis-server: two nodes (two Cluster objects, two
connection pools, as two processes would have) share one slot per origin; Redis down means
each node's own limiter at interval x nodes, said in the log and the stats."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from redis_server import RedisServer, free_port

from gate.cluster import Cluster
from gate.enforce.ratelimit import Grant, SharedRateLimiter


def node(url: str, **kw: float) -> SharedRateLimiter:
    return SharedRateLimiter(Cluster(url, **kw))  # type: ignore[arg-type]


def test_two_nodes_share_one_slot_and_the_interval_runs_from_the_release(redis_url: str) -> None:
    a, b = node(redis_url, nodes=2), node(redis_url, nodes=2)
    grant = a.try_acquire("http://shop.test", 0.3)
    assert isinstance(grant, Grant) and grant.shared
    held = b.try_acquire("http://shop.test", 0.3)
    assert isinstance(held, float) and 0 < held <= 0.02  # held by node a: ask again shortly
    assert isinstance(b.try_acquire("http://other.test", 0.3), Grant)  # origins are independent
    time.sleep(0.1)
    a.release(grant)
    wait = b.try_acquire("http://shop.test", 0.3)
    assert isinstance(wait, float) and 0.25 < wait <= 0.3  # one interval from the release, not the grant
    time.sleep(wait)
    assert isinstance(b.try_acquire("http://shop.test", 0.3), Grant)
    assert a.cluster.stats["rate_limit_shared"] == 1 and b.cluster.stats["rate_limit_shared"] == 2
    assert a.cluster.stats["rate_limit_fallback"] == 0


def test_a_dead_holder_blocks_the_origin_for_one_lease(redis_url: str) -> None:
    a, b = node(redis_url, lease_s=0.3), node(redis_url, lease_s=0.3)
    assert isinstance(a.try_acquire("http://shop.test", 0.05), Grant)  # a dies without releasing
    start = time.monotonic()
    grant, waited = b.acquire("http://shop.test", 0.05)
    assert grant is not None and grant.shared
    assert 0.25 <= time.monotonic() - start < 1.0


def test_many_threads_on_two_nodes_are_granted_one_at_a_time(redis_url: str) -> None:
    nodes = [node(redis_url), node(redis_url)]
    inside = 0
    most = 0
    lock = threading.Lock()
    times: list[float] = []

    def worker(i: int) -> None:
        nonlocal inside, most
        with nodes[i % 2].hold("http://shop.test", 0.02):
            with lock:
                inside += 1
                most = max(most, inside)
                times.append(time.monotonic())
            time.sleep(0.005)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    assert most == 1
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.02 + 0.005


def test_redis_unreachable_falls_back_to_the_node_share_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    limiter = node(f"redis://127.0.0.1:{free_port()}/0", nodes=4)
    with caplog.at_level(logging.WARNING, logger="scrapegate.cluster"):
        first = limiter.try_acquire("http://shop.test", 0.1)
        assert isinstance(first, Grant) and not first.shared
        limiter.release(first)
        wait = limiter.try_acquire("http://shop.test", 0.1)
    assert isinstance(wait, float) and 0.35 < wait <= 0.4  # 0.1 s x 4 nodes
    assert limiter.cluster.down
    stats = limiter.cluster.stats
    assert stats["rate_limit_fallback"] == 1 and stats["redis_outages"] == 1 and stats["redis_errors"] == 1
    assert [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()][0].count("1/4") == 1
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1  # once per outage


def test_redis_going_down_and_coming_back(tmp_path, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    server = RedisServer(tmp_path).start()
    try:
        cluster = Cluster(server.url, nodes=2, retry_s=0.1)
        limiter = SharedRateLimiter(cluster)
        grant = limiter.try_acquire("http://shop.test", 0.05)
        assert isinstance(grant, Grant) and grant.shared
        server.stop()
        limiter.release(grant)  # fails: the lease would run out by itself
        with caplog.at_level(logging.WARNING, logger="scrapegate.cluster"):
            fallback, _ = limiter.acquire("http://shop.test", 0.05)
            assert fallback is not None and not fallback.shared
            limiter.release(fallback)
            server.start()
            time.sleep(0.15)  # past retry_s
            back, _ = limiter.acquire("http://shop.test", 0.05)
        assert back is not None and back.shared and not cluster.down
        assert any("reachable again" in r.getMessage() for r in caplog.records)
    finally:
        server.stop()


def test_a_grant_whose_answer_was_lost_is_given_back_when_redis_answers_again(redis_url: str) -> None:
    import redis

    limiter = node(redis_url, nodes=2)
    real = limiter.pacer.try_acquire

    def lost_answer(client, origin, interval_s, token):  # type: ignore[no-untyped-def]
        real(client, origin, interval_s, token)  # Redis grants it ...
        raise redis.exceptions.TimeoutError("Timeout reading from socket")  # ... the answer never arrives

    limiter.pacer.try_acquire = lost_answer  # type: ignore[method-assign]
    fallback = limiter.try_acquire("http://shop.test", 0.05)
    assert isinstance(fallback, Grant) and not fallback.shared
    limiter.pacer.try_acquire = real  # type: ignore[method-assign]
    limiter.cluster._retry_at = 0.0  # Redis is asked again at once
    other = node(redis_url)
    assert not isinstance(other.try_acquire("http://shop.test", 0.05), Grant)  # the lost grant holds the lease
    limiter.try_acquire("http://elsewhere.test", 0.05)  # Redis answers: the lost grant is given back
    time.sleep(0.06)
    assert isinstance(other.try_acquire("http://shop.test", 0.05), Grant)
