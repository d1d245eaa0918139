"""robots.txt once per origin for the whole cluster (real redis-server, real local origin):
many threads on two nodes, one fetch; the copy expires as RFC 9309 allows, on every node."""

from __future__ import annotations

import threading
import time
from typing import Any, Iterator

import pytest
from redis_server import free_port
from timed_site import TimedSite

from gate.cluster import Cluster
from gate.core.config import make_cluster
from gate.errors import ClusterError
from gate.signals.robots_cache import ROBOTS_CACHE_TTL_S, ROBOTS_UNREACHABLE_TTL_S, RobotsCache
from gate.signals.robots_fetch import RobotsFetcher
from gate.signals.robots_shared import SharedRobotsFetcher, decode, encode

AGENT = "GateTestBot/1.0"


class SlowRobotsSite(TimedSite):
    """robots.txt takes 200 ms: every node asks while the first fetch is still running."""

    def __init__(self, robots: str, status: int = 200) -> None:
        super().__init__(robots)
        self.status = status

    def answer(self, path: str) -> tuple[int, str, bytes]:
        if path == "/robots.txt":
            time.sleep(0.2)
            return self.status, "text/plain", self.robots.encode()
        return super().answer(path)


@pytest.fixture
def slow_site() -> Iterator[SlowRobotsSite]:
    with SlowRobotsSite("User-agent: *\nDisallow: /private\nCrawl-delay: 1\n") as site:
        yield site


def node_cache(url: str) -> RobotsCache:
    return RobotsCache(fetcher=SharedRobotsFetcher(RobotsFetcher(), Cluster(url)))


def test_one_fetch_for_every_thread_of_every_node(redis_url: str, slow_site: SlowRobotsSite) -> None:
    caches = [node_cache(redis_url), node_cache(redis_url), node_cache(redis_url)]
    results: list[Any] = []
    lock = threading.Lock()

    def ask(i: int) -> None:
        lookup = caches[i % 3].lookup(f"{slow_site.base}/p/{i}", AGENT)
        with lock:
            results.append(lookup)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(15)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert slow_site.robots_fetches() == 1
    assert {r.result.sha256 for r in results} == {results[0].result.sha256}
    assert all(not r.result.allowed(f"{slow_site.base}/private/x", AGENT) for r in results)
    assert all(r.result.robots.crawl_delay(AGENT) == 1.0 for r in results)
    stats = [c._fetcher.cluster.stats for c in caches]
    assert sum(s["robots_shared_fetches"] for s in stats) == 1
    assert sum(s["robots_shared_joined"] + s["robots_shared_hits"] for s in stats) == 2  # one leader per node


def test_a_fetched_file_is_kept_24_hours_at_most(redis_url: str, slow_site: SlowRobotsSite) -> None:
    import redis

    fetcher = SharedRobotsFetcher(RobotsFetcher(), Cluster(redis_url))
    result, ttl = fetcher.fetch_with_ttl(f"{slow_site.base}/", AGENT)
    assert result.status == "ok" and ttl == ROBOTS_CACHE_TTL_S
    client = redis.Redis.from_url(redis_url)
    key = next(iter(client.scan_iter("scrapegate:robots:*")))
    assert key.decode().startswith(f"scrapegate:robots:{slow_site.base}:")
    assert 0 < client.pttl(key) <= ROBOTS_CACHE_TTL_S * 1000
    assert encode(decode(client.get(key))) == encode(result)
    # Another node joining late keeps it only as long as Redis does.
    client.pexpire(key, 1500)
    late = node_cache(redis_url)
    lookup = late.lookup(f"{slow_site.base}/p/1", AGENT)
    assert lookup.expires_in_s <= 1.5 and slow_site.robots_fetches() == 1


def test_an_unreachable_file_is_shared_for_a_minute_only(redis_url: str) -> None:
    with SlowRobotsSite("", status=503) as site:
        fetcher = SharedRobotsFetcher(RobotsFetcher(), Cluster(redis_url))
        result, ttl = fetcher.fetch_with_ttl(f"{site.base}/", AGENT)
        assert result.status == "unreachable" and ttl == ROBOTS_UNREACHABLE_TTL_S
        again, _ = SharedRobotsFetcher(RobotsFetcher(), Cluster(redis_url)).fetch_with_ttl(f"{site.base}/", AGENT)
        assert again.status == "unreachable" and not again.allowed(f"{site.base}/p/1", AGENT)
        assert site.robots_fetches() == 1


def test_redis_down_each_node_fetches_for_itself_and_still_fails_closed(slow_site: SlowRobotsSite) -> None:
    cluster = Cluster(f"redis://127.0.0.1:{free_port()}/0")
    cache = RobotsCache(fetcher=SharedRobotsFetcher(RobotsFetcher(), cluster))
    assert not cache.allowed(f"{slow_site.base}/private/1", AGENT)
    assert slow_site.robots_fetches() == 1
    assert cluster.stats["robots_local_fetches"] == 1 and cluster.down


def test_a_broken_copy_in_redis_is_fetched_again(redis_url: str, slow_site: SlowRobotsSite) -> None:
    import redis

    fetcher = SharedRobotsFetcher(RobotsFetcher(), Cluster(redis_url))
    fetcher.fetch(f"{slow_site.base}/", AGENT)
    client = redis.Redis.from_url(redis_url)
    key = next(iter(client.scan_iter("scrapegate:robots:*")))
    client.set(key, b'{"status": "ok"}')  # no text: not a usable result
    result = SharedRobotsFetcher(RobotsFetcher(), Cluster(redis_url)).fetch(f"{slow_site.base}/", AGENT)
    assert result.status == "ok" and slow_site.robots_fetches() == 2
    assert encode(decode(encode(result))) == encode(result)


def test_the_setting_and_the_environment_turn_it_on(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert make_cluster() is None
    cluster = make_cluster(settings={"SCRAPEGATE_REDIS": redis_url, "SCRAPEGATE_CLUSTER_NODES": 4})
    assert cluster is not None and cluster.nodes == 4 and cluster.url == redis_url
    monkeypatch.setenv("SCRAPEGATE_REDIS", redis_url)
    monkeypatch.setenv("SCRAPEGATE_CLUSTER_NODES", "3")
    assert make_cluster(settings={"SCRAPEGATE_CLUSTER_NODES": 4}).nodes == 3  # type: ignore[union-attr]
    assert make_cluster() is make_cluster()  # one per process: every Gate shares it


@pytest.mark.parametrize("env, message", [
    ({"SCRAPEGATE_REDIS": "postgresql://db/x"}, "SCRAPEGATE_REDIS: 'postgresql://db/x' is not a Redis URL"),
    ({"SCRAPEGATE_REDIS": "redis://h/0", "SCRAPEGATE_CLUSTER_NODES": "four"}, "SCRAPEGATE_CLUSTER_NODES"),
    ({"SCRAPEGATE_REDIS": "redis://h/0", "SCRAPEGATE_CLUSTER_NODES": "0"}, "at least 1"),
    ({"SCRAPEGATE_REDIS": "redis://h/0", "SCRAPEGATE_REDIS_LEASE": "-1"}, "SCRAPEGATE_REDIS_LEASE"),
    # Not numbers Redis can hold: each request was a "Redis unreachable" (OverflowError, a Lua
    # error after the slot was taken) and the node fell back for good.
    ({"SCRAPEGATE_REDIS": "redis://h/0", "SCRAPEGATE_REDIS_LEASE": "inf"}, "SCRAPEGATE_REDIS_LEASE: .*86400"),
    ({"SCRAPEGATE_REDIS": "redis://h/0", "SCRAPEGATE_REDIS_LEASE": "1e300"}, "SCRAPEGATE_REDIS_LEASE: .*86400"),
    ({"SCRAPEGATE_REDIS": "redis://h/0", "SCRAPEGATE_REDIS_LEASE": "nan"}, "SCRAPEGATE_REDIS_LEASE"),
    # Shorter than Redis's microsecond: the slot was never held at all.
    ({"SCRAPEGATE_REDIS": "redis://h/0", "SCRAPEGATE_REDIS_LEASE": "1e-9"}, "SCRAPEGATE_REDIS_LEASE: .*0.001"),
])
def test_bad_cluster_settings_are_named(env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ClusterError, match=message):
        make_cluster()


def test_the_cli_names_a_bad_redis_url_and_exits_2(examples: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from gate.cli import cli

    monkeypatch.setenv("SCRAPEGATE_REDIS", "http://redis.internal:6379")
    monkeypatch.setenv("SCRAPEGATE_SIGNALS", "static")
    result = CliRunner().invoke(cli, ["check", str(examples / "price-monitoring.yaml")])
    assert result.exit_code == 2, result.output
    assert "SCRAPEGATE_REDIS: 'http://redis.internal:6379' is not a Redis URL" in result.output


def test_a_node_that_takes_the_lock_after_another_stored_the_result_does_not_fetch_again(
        redis_url: str, slow_site: SlowRobotsSite, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race behind a flake of the test above under load: node B misses the key, node A
    fetches, stores and unlocks, then B takes the free lock. B must read the key again
    rather than fetch a second time (the real Redis, with A run inside B's lock attempt)."""
    a = SharedRobotsFetcher(RobotsFetcher(), Cluster(redis_url))
    b_cluster = Cluster(redis_url)
    b = SharedRobotsFetcher(RobotsFetcher(), b_cluster)
    client = b_cluster.redis()
    real_set = client.set

    def set_after_a(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.endswith(":lock") and kwargs.get("nx"):
            a.fetch(f"{slow_site.base}/p/a", AGENT)  # A stores and unlocks between B's miss and B's lock
        return real_set(name, *args, **kwargs)

    monkeypatch.setattr(client, "set", set_after_a)
    result = b.fetch(f"{slow_site.base}/p/b", AGENT)
    assert slow_site.robots_fetches() == 1
    assert not result.allowed(f"{slow_site.base}/private/x", AGENT)
    assert b_cluster.stats["robots_shared_joined"] == 1


@pytest.mark.parametrize("keep", ["persist", "a year"])
def test_a_copy_kept_past_24_hours_is_fetched_again(redis_url: str, slow_site: SlowRobotsSite, keep: str) -> None:
    """RFC 9309 2.4: no copy older than 24 hours. A copy that lost its expiry in Redis (PERSIST,
    or a dump-and-restore tool that drops TTLs) or was given a longer one was served to every
    node for ever; it is fetched again, and stored with the 24-hour expiry."""
    import redis

    SharedRobotsFetcher(RobotsFetcher(), Cluster(redis_url)).fetch(f"{slow_site.base}/", AGENT)
    client = redis.Redis.from_url(redis_url)
    key = next(k for k in client.scan_iter("scrapegate:robots:*") if not k.endswith(b":lock"))
    if keep == "persist":
        client.persist(key)
    else:
        client.expire(key, 365 * 86400)
    result, ttl = SharedRobotsFetcher(RobotsFetcher(), Cluster(redis_url)).fetch_with_ttl(f"{slow_site.base}/", AGENT)
    assert result.status == "ok" and slow_site.robots_fetches() == 2
    assert ttl is not None and ttl <= ROBOTS_CACHE_TTL_S
    assert 0 < client.pttl(key) <= ROBOTS_CACHE_TTL_S * 1000
