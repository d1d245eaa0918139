"""A Redis that may evict keys (a maxmemory with any maxmemory-policy but noeviction) drops the
pacers' state without an error once its memory fills up, scrapy-redis's queue and duplicate
filter being the usual reason: volatile-* policies evict exactly the pacers' keys (the only ones
with an expiry), and the next node is granted the origin at once. A node must notice (INFO
memory) and pace by itself at interval x nodes, saying why, as when Redis is down. The origin's
access log is the evidence (real redis-server, real local origin)."""

from __future__ import annotations

import logging
import time
from itertools import count
from typing import Any, Iterator

import httpx
import pytest
from timed_site import TimedSite

from gate.cluster import Cluster
from gate.enforce.ratelimit import Grant, SharedRateLimiter

DELAY = 0.3
NODES = 2


@pytest.fixture
def evicting(redis_url: str) -> Iterator[Any]:
    """The test Redis with a memory limit and an eviction policy, as a cache server has."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.config_set("maxmemory", "4mb")
    client.config_set("maxmemory-policy", "volatile-lru")
    try:
        yield client
    finally:
        client.flushall()
        client.config_set("maxmemory", "0")
        client.config_set("maxmemory-policy", "noeviction")
        client.close()


def fill_until_evicted(client: Any, key: str) -> None:
    """Grow a queue without expiry (scrapy-redis's) until Redis evicts `key`, then drain it."""
    import redis

    names = []
    for i in count():
        if not client.exists(key):
            break
        assert i < 1000, "Redis never evicted the key"
        names.append(f"queue:{i}")
        try:
            client.set(names[-1], b"x" * 65536)
        except redis.exceptions.ResponseError:  # OOM: nothing left to evict
            pass
    if names:
        client.delete(*names)


def test_a_redis_that_may_evict_the_pacers_is_not_trusted_with_them(
        redis_url: str, evicting: Any, caplog: pytest.LogCaptureFixture) -> None:
    nodes = [SharedRateLimiter(Cluster(redis_url, nodes=NODES)) for _ in range(NODES)]
    with TimedSite("User-agent: *\n", pages=8) as site, httpx.Client() as http:
        key = nodes[0].pacer._key(site.base)
        with caplog.at_level(logging.WARNING, logger="scrapegate.cluster"):
            for k in range(6):
                with nodes[k % NODES].hold(site.base, DELAY) as grant:
                    assert isinstance(grant, Grant)
                    http.get(f"{site.base}/p/{k}", headers={"User-Agent": f"node-{k % NODES}"})
                fill_until_evicted(evicting, key)
        by_node: dict[str, list[float]] = {}
        for t, _, agent in site.arrivals():
            by_node.setdefault(agent, []).append(t)
    # Each node kept its share (1/N of the rate): its own requests at least interval x N apart.
    gaps = [b - a for times in by_node.values() for a, b in zip(times, times[1:])]
    assert len(by_node) == NODES and min(gaps) >= DELAY * NODES * 0.95, gaps
    stats = [n.cluster.stats for n in nodes]
    assert sum(s["rate_limit_shared"] for s in stats) == 0 and sum(s["rate_limit_fallback"] for s in stats) == 6
    said = [r.getMessage() for r in caplog.records if "evict" in r.getMessage()]
    assert len(said) == NODES, said  # once per node
    assert "maxmemory-policy volatile-lru" in said[0] and "noeviction" in said[0] and f"1/{NODES}" in said[0]


def test_the_pacers_come_back_once_redis_no_longer_evicts(redis_url: str, evicting: Any) -> None:
    limiter = SharedRateLimiter(Cluster(redis_url, nodes=NODES, eviction_check_s=0.0))
    first = limiter.try_acquire("http://shop.test", 0.05)
    assert isinstance(first, Grant) and not first.shared
    limiter.release(first)
    evicting.config_set("maxmemory-policy", "noeviction")  # the operator's fix, while the crawl runs
    again, _ = limiter.acquire("http://shop.test", 0.05)
    assert again is not None and again.shared


def test_a_redis_that_will_not_say_how_it_evicts_is_not_trusted_either(
        redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A managed Redis may refuse INFO to the crawl's user (ACL): unknown is treated as evicting."""
    import redis

    admin = redis.Redis.from_url(redis_url)
    admin.acl_setuser("crawler", enabled=True, passwords=["+crawlpw"], keys=["*"], commands=["+@all", "-info"])
    try:
        url = redis_url.replace("redis://", "redis://crawler:crawlpw@")
        limiter = SharedRateLimiter(Cluster(url, nodes=NODES))
        with caplog.at_level(logging.WARNING, logger="scrapegate.cluster"):
            got = limiter.try_acquire("http://shop.test", 0.05)
        assert isinstance(got, Grant) and not got.shared
        said = [r.getMessage() for r in caplog.records if "evict" in r.getMessage()]
        assert len(said) == 1 and "INFO" in said[0] and "crawlpw" not in said[0], said
    finally:
        admin.acl_deluser("crawler")
        admin.close()


def test_a_redis_restarted_as_a_cache_is_noticed_when_it_is_back(tmp_path: Any) -> None:
    """An outage may end with another Redis (restarted with another config, a failover to a
    replica set up as a cache): the eviction check is asked again, not kept for 30 s."""
    import redis
    from redis_server import RedisServer

    server = RedisServer(tmp_path).start()
    try:
        limiter = SharedRateLimiter(Cluster(server.url, nodes=NODES, retry_s=0.05))
        first = limiter.try_acquire("http://shop.test", 0.01)
        assert isinstance(first, Grant) and first.shared
        limiter.release(first)
        server.stop()
        outage = limiter.try_acquire("http://shop.test", 0.01)
        assert isinstance(outage, Grant) and not outage.shared and limiter.cluster.down
        limiter.release(outage)
        server.start()
        client = redis.Redis.from_url(server.url)
        client.config_set("maxmemory", "64mb")
        client.config_set("maxmemory-policy", "allkeys-lru")
        client.close()
        time.sleep(0.1)  # past retry_s
        again, _ = limiter.acquire("http://shop.test", 0.01)
        assert again is not None and not again.shared
    finally:
        server.stop()
