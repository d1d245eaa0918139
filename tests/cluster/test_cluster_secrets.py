"""A Redis URL's password (user:pw@ or ?password=) never reaches the log, a repr or an error:
the operator's logs are read by more people than the Redis server's password is meant for."""

from __future__ import annotations

import logging

import pytest
from redis_server import free_port

from gate.cluster import Cluster
from gate.core.config import make_cluster
from gate.enforce.ratelimit import Grant, SharedRateLimiter
from gate.errors import ClusterError


@pytest.mark.parametrize("where", ["redis://:s3cretpw@127.0.0.1:{port}/0", "redis://crawler:s3cretpw@127.0.0.1:{port}/0",
                                   "redis://127.0.0.1:{port}/0?password=s3cretpw",
                                   "redis://127.0.0.1:{port}/0?db=0&password=s3cretpw"])
def test_the_outage_warning_and_the_repr_hide_the_password(where: str, caplog: pytest.LogCaptureFixture) -> None:
    cluster = Cluster(where.format(port=free_port()), nodes=2)  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="scrapegate.cluster"):
        got = SharedRateLimiter(cluster).try_acquire("http://shop.test", 0.05)
    assert isinstance(got, Grant) and not got.shared  # the fallback
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "unreachable" in said and "127.0.0.1" in said
    assert "s3cretpw" not in said and "s3cretpw" not in repr(cluster) and "***" in repr(cluster)


def test_a_bad_url_is_named_without_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRAPEGATE_REDIS", "http://:s3cretpw@redis.internal:6379")
    with pytest.raises(ClusterError, match="is not a Redis URL") as raised:
        make_cluster()
    assert "s3cretpw" not in str(raised.value) and "redis.internal" in str(raised.value)
