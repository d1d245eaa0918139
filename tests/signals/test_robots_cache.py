"""The robots.txt cache (gate.signals.robots_cache): TTL, LRU bound, single-flight."""

from __future__ import annotations

import threading
import time
import tracemalloc
from typing import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from gate.model.url import NormalizedURL
from gate.signals.robots import parse
from gate.signals.robots_cache import (
    ROBOTS_CACHE_MAX_ORIGINS,
    ROBOTS_CACHE_MAX_WEIGHT,
    ROBOTS_CACHE_TTL_S,
    ROBOTS_UNREACHABLE_TTL_S,
    RobotsCache,
    entry_weight,
)
from gate.signals.robots_fetch import RobotsFetcher, RobotsResult

UA = "ExampleBot/1.0"
ROBOTS = "User-agent: *\nDisallow: /private/\n"


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache(clock: FakeClock) -> Iterator[RobotsCache]:
    with RobotsCache(RobotsFetcher(timeout=5.0, clock=clock), clock=clock) as c:
        yield c


@pytest.fixture
def servers() -> Iterator[list[HTTPServer]]:
    started = [HTTPServer(host="127.0.0.1") for _ in range(3)]
    for server in started:
        server.start()
        server.expect_request("/robots.txt").respond_with_data(ROBOTS)
    yield started
    for server in started:
        server.clear()
        server.stop()


def test_second_lookup_is_a_hit(httpserver: HTTPServer, cache: RobotsCache, clock: FakeClock) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    first = cache.lookup(httpserver.url_for("/a"), UA)
    clock.now += 5
    second = cache.lookup(httpserver.url_for("/private/b?x=1"), UA)  # same origin, other path
    assert (first.state, first.hit, second.state, second.hit) == ("miss", False, "hit", True)
    assert second.result is first.result
    assert second.age_s == 5 and second.expires_in_s == ROBOTS_CACHE_TTL_S - 5
    assert len(httpserver.log) == 1
    info = cache.cache_info()
    assert (info.hits, info.misses, info.fetches, info.size) == (1, 1, 1, 1)
    assert cache.signal(httpserver.url_for("/private/x"), UA)["allowed"] is False
    assert cache.allowed(httpserver.url_for("/public"), UA)
    assert cache.peek(httpserver.url_for("/"), UA) is not None
    assert cache.peek(httpserver.url_for("/"), "OtherBot") is None


def test_entries_expire_after_24_hours(httpserver: HTTPServer, cache: RobotsCache, clock: FakeClock) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    assert ROBOTS_CACHE_TTL_S == 24 * 3600
    cache.lookup(httpserver.url_for("/"), UA)
    clock.now += ROBOTS_CACHE_TTL_S - 1
    assert cache.lookup(httpserver.url_for("/"), UA).hit
    assert len(httpserver.log) == 1
    clock.now += 1
    assert cache.peek(httpserver.url_for("/"), UA) is None
    assert cache.lookup(httpserver.url_for("/"), UA).state == "miss"
    assert len(httpserver.log) == 2


def test_ttl_above_24_hours_is_refused() -> None:
    with pytest.raises(ValueError, match="RFC 9309"):
        RobotsCache(ttl_s=ROBOTS_CACHE_TTL_S + 1)


def test_unavailable_is_cached_like_ok(httpserver: HTTPServer, cache: RobotsCache, clock: FakeClock) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    assert cache.lookup(httpserver.url_for("/"), UA).result.status == "unavailable"
    clock.now += 3600
    assert cache.lookup(httpserver.url_for("/"), UA).hit


def test_unreachable_is_cached_briefly_then_retried(httpserver: HTTPServer, cache: RobotsCache,
                                                    clock: FakeClock) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("down", status=503)
    first = cache.lookup(httpserver.url_for("/"), UA)
    assert (first.result.status, first.expires_in_s) == ("unreachable", ROBOTS_UNREACHABLE_TTL_S)
    clock.now += ROBOTS_UNREACHABLE_TTL_S / 2
    assert cache.lookup(httpserver.url_for("/"), UA).hit  # not hammered while it is down
    assert len(httpserver.log) == 1
    httpserver.clear()
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    clock.now += ROBOTS_UNREACHABLE_TTL_S / 2
    retried = cache.lookup(httpserver.url_for("/"), UA)
    assert (retried.state, retried.result.status) == ("miss", "ok")
    assert cache.allowed(httpserver.url_for("/public"), UA)


def test_each_user_agent_fetches_with_its_own_ua(httpserver: HTTPServer, cache: RobotsCache) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(ROBOTS)
    cache.lookup(httpserver.url_for("/"), "ExampleBot/1.0")
    cache.lookup(httpserver.url_for("/"), "OtherBot/2.0")
    cache.lookup(httpserver.url_for("/"), "OtherBot/2.0")
    assert [req.headers["User-Agent"] for req, _ in httpserver.log] == ["ExampleBot/1.0", "OtherBot/2.0"]


def test_lru_bound_evicts_the_least_recently_used_origin(servers: list[HTTPServer], clock: FakeClock) -> None:
    a, b, c = (s.url_for("/") for s in servers)
    with RobotsCache(max_origins=2, clock=clock) as cache:
        cache.lookup(a, UA)
        cache.lookup(b, UA)
        cache.lookup(a, UA)  # a is now more recent than b
        cache.lookup(c, UA)  # evicts b
        assert len(cache) == 2 and cache.cache_info().evictions == 1
        assert cache.peek(b, UA) is None and cache.peek(a, UA) is not None
        assert cache.lookup(b, UA).state == "miss"
    assert [len(s.log) for s in servers] == [1, 2, 1]


def test_single_flight_fetches_once_for_concurrent_lookups(httpserver: HTTPServer, cache: RobotsCache) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response(ROBOTS)

    httpserver.expect_request("/robots.txt").respond_with_handler(slow)
    threads_n = 16
    barrier = threading.Barrier(threads_n)
    lookups: list = []

    def worker(i: int) -> None:
        barrier.wait()
        lookups.append(cache.lookup(httpserver.url_for(f"/page/{i}"), UA))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(httpserver.log) == 1
    assert len(lookups) == threads_n
    assert sorted(lk.state for lk in lookups) == ["joined"] * (threads_n - 1) + ["miss"]
    assert len({id(lk.result) for lk in lookups}) == 1
    info = cache.cache_info()
    assert (info.fetches, info.misses, info.joined) == (1, 1, threads_n - 1)


class _StaticFetcher(RobotsFetcher):
    """Serves one body for every origin without a network (volume tests only; the fetch
    rules themselves are tested against real servers)."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body
        self.calls = 0

    def fetch(self, url: str | NormalizedURL, user_agent: str) -> RobotsResult:
        self.calls += 1
        text = self.body.decode("utf-8", errors="replace")
        return RobotsResult("ok", parse(text), 0.0, 200, size=len(self.body), text=text)


def test_default_bound_on_origins(clock: FakeClock) -> None:
    fetcher = _StaticFetcher(ROBOTS.encode())
    with RobotsCache(fetcher, clock=clock) as cache:
        extra = 500
        for i in range(ROBOTS_CACHE_MAX_ORIGINS + extra):
            cache.lookup(f"https://host{i}.example/", UA)
        info = cache.cache_info()
        assert (info.size, info.evictions) == (ROBOTS_CACHE_MAX_ORIGINS, extra)
        assert cache.peek("https://host0.example/", UA) is None
        assert cache.peek(f"https://host{ROBOTS_CACHE_MAX_ORIGINS + extra - 1}.example/", UA) is not None


def _wildcard_heavy(size: int) -> bytes:
    lines, i = ["User-agent: *"], 0
    while sum(map(len, lines)) + len(lines) < size:
        lines.append(f"Disallow: /a{i}/*.pdf$" if i % 2 else f"Allow: /p{i}")
        i += 1
    return ("\n".join(lines) + "\n").encode()


def _short_wildcards(size: int) -> bytes:
    """The costliest shape measured per byte: many short, distinct wildcard rules."""
    lines, i = ["User-agent: *"], 0
    while sum(map(len, lines)) + len(lines) < size:
        lines.append(f"Allow:/{i}*")
        i += 1
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("shape", [_wildcard_heavy, _short_wildcards])
@pytest.mark.parametrize("size", [60, 3000, 100_000])
def test_entry_weight_bounds_the_real_memory(shape, size: int, clock: FakeClock) -> None:
    # Memory one cached origin really holds (result, parsed file, compiled matcher, cache
    # slot) never exceeds its weight, so the weight budget bounds the cache's memory.
    body = shape(size)
    fetcher = _StaticFetcher(body)
    with RobotsCache(fetcher, clock=clock) as cache:
        cache.lookup("https://warm.example/", UA).result.allowed("https://warm.example/x", UA)
        tracemalloc.start()
        try:
            result = cache.lookup("https://e.example/", UA).result
            result.allowed("https://e.example/x", UA)  # compiles the agent's matcher
            used, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert used <= entry_weight(result)


def test_weight_budget_evicts(clock: FakeClock) -> None:
    assert ROBOTS_CACHE_MAX_WEIGHT <= 200 * 1024 * 1024  # with Python's overhead: < 300 MB
    fetcher = _StaticFetcher(_wildcard_heavy(3000))
    budget = 1024 * 1024
    with RobotsCache(fetcher, max_weight=budget, clock=clock) as cache:
        for i in range(40):
            cache.lookup(f"https://host{i}.example/", UA)
        info = cache.cache_info()
        per_entry = entry_weight(cache.lookup("https://host39.example/", UA).result)
    assert info.weight <= budget
    assert info.size == budget // per_entry
    assert info.evictions == 40 - info.size
