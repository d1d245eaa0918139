"""A real redis-server per test module, flushed before each test."""

from __future__ import annotations

import os
from typing import Iterator

import pytest
from redis_server import REDIS_SERVER, RedisServer


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    missing = None if os.access(REDIS_SERVER, os.X_OK) else "redis-server (Debian: apt-get install redis-server)"
    try:
        import redis  # noqa: F401
    except ImportError:
        missing = "the Redis client (pip install 'scrapegate[redis]')"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing} is required in CI")
        pytest.skip(f"{missing} is not installed")
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> str:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    for name in ("SCRAPEGATE_REDIS", "SCRAPEGATE_CLUSTER_NODES", "SCRAPEGATE_REDIS_LEASE"):
        monkeypatch.delenv(name, raising=False)
    return redis_server.url
