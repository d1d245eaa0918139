"""What the nodes of one crawl share: a Redis server (issue 21).

    cluster = shared_cluster("redis://10.0.0.5:6379/0", nodes=4)
    client = cluster.redis()          # None while Redis is known to be down (back off, fail closed)
    cluster.stats                     # {"redis_errors": 0, "robots_shared_hits": 3, ...}

SCRAPEGATE_REDIS (or the Scrapy setting of that name) turns it on for every Gate of a process,
through gate.core.config. Two things then go through Redis:

- robots.txt: one fetch per origin for the whole cluster (gate.signals.robots_shared);
- the `rate_limit` obligation: one pacer per origin for the whole cluster
  (gate.cluster.pacing, used by gate.enforce.ratelimit).

When Redis cannot be reached, each node falls back to its own limiter with the interval
multiplied by SCRAPEGATE_CLUSTER_NODES (the per-node limit divided by the node count: the
cluster as a whole stays within the limit), fetches robots.txt itself, logs a warning once per
outage and counts it in `stats`. Redis is tried again after REDIS_RETRY_S.

A Redis that may evict keys (a `maxmemory` with any `maxmemory-policy` but noeviction) would
drop a pacer's state without an error once its memory fills (scrapy-redis's queue and
duplicate filter grow without expiry; a volatile-* policy then evicts exactly the pacers'
keys), and the next node would be granted the origin at once. `eviction_risk` asks INFO
memory (again every EVICTION_CHECK_S) and the pacers fall back as when Redis is down.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from gate.errors import ClusterError, ExtraMissing, redact_url, scrub_secrets

__all__ = [
    "Cluster", "shared_cluster", "REDIS_ENV", "NODES_ENV", "LEASE_ENV", "REDIS_RETRY_S", "DEFAULT_LEASE_S",
    "REDIS_TIMEOUT_S", "KEY_PREFIX", "EVICTION_CHECK_S",
]

logger = logging.getLogger("scrapegate.cluster")

REDIS_ENV = "SCRAPEGATE_REDIS"
NODES_ENV = "SCRAPEGATE_CLUSTER_NODES"
LEASE_ENV = "SCRAPEGATE_REDIS_LEASE"
KEY_PREFIX = "scrapegate"
# A node that dies holding an origin's slot blocks that origin for at most this long.
DEFAULT_LEASE_S = 30.0
MIN_LEASE_S, MAX_LEASE_S = 0.001, 86400.0
# Short socket timeouts: a stalled Redis must not stall the crawl; the node falls back.
REDIS_TIMEOUT_S = 2.0
# After a failure, the node uses its fallback this long before it asks Redis again.
REDIS_RETRY_S = 5.0
# How often a node asks Redis again whether it may evict keys (the policy can change at run time).
EVICTION_CHECK_S = 30.0
_SCHEMES = ("redis", "rediss", "unix")


def _validate(url: str, nodes: int, lease_s: float) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in _SCHEMES:
        raise ClusterError(f"{REDIS_ENV}: {redact_url(url)!r} is not a Redis URL (redis://host:port/db, rediss://, unix://)")
    if nodes < 1:
        raise ClusterError(f"{NODES_ENV}: the node count must be at least 1, not {nodes}")
    # Redis holds the lease in whole microseconds, added to its clock in Lua: beyond a day the
    # numbers overflowed (each request then failed as "Redis unreachable"), under a millisecond
    # the slot was never held.
    if not MIN_LEASE_S <= lease_s <= MAX_LEASE_S:
        raise ClusterError(f"{LEASE_ENV}: the lease must be between {MIN_LEASE_S:g} and {MAX_LEASE_S:g} seconds, "
                           f"not {lease_s}")


class Cluster:
    """One Redis server shared by the nodes of a crawl, and this node's view of its health.

    `nodes` is how many nodes share the limits (the fallback divides by it); `lease_s` bounds
    how long a node may hold an origin's slot without giving it back."""

    def __init__(self, url: str, *, nodes: int = 1, lease_s: float = DEFAULT_LEASE_S,
                 retry_s: float = REDIS_RETRY_S, timeout_s: float = REDIS_TIMEOUT_S, prefix: str = KEY_PREFIX,
                 eviction_check_s: float = EVICTION_CHECK_S) -> None:
        _validate(url, nodes, lease_s)
        try:
            import redis  # noqa: F401 - a missing client is a set-up error, said at start, not per request
        except ImportError:
            raise ExtraMissing(f"{REDIS_ENV} needs the Redis client: pip install 'scrapegate[redis]'") from None
        self.url = url
        self.shown = redact_url(url)  # what messages and logs name (the password hidden)
        self.nodes = nodes
        self.lease_s = lease_s
        self.retry_s = retry_s
        self.timeout_s = timeout_s
        self.prefix = prefix
        self.eviction_check_s = eviction_check_s
        self._eviction: tuple[float, str | None] | None = None  # (checked until, the risk found)
        self._client: Any = None
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        self.stats: dict[str, int] = {
            "redis_errors": 0, "redis_outages": 0, "rate_limit_shared": 0, "rate_limit_fallback": 0,
            "robots_shared_hits": 0, "robots_shared_fetches": 0, "robots_shared_joined": 0,
            "robots_local_fetches": 0, "redis_eviction_risk": 0,
        }

    def __repr__(self) -> str:
        return f"<Cluster {self.shown} nodes={self.nodes} {'down' if self.down else 'up'}>"

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def _connect(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=self.timeout_s, socket_connect_timeout=self.timeout_s,
                                    retry_on_timeout=False)

    def redis(self) -> Any:
        """The Redis client, or None while this node is in its fallback after a failure."""
        if self._down_since is not None and time.monotonic() < self._retry_at:
            return None
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._connect()
                client = self._client
        return client

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failed(self, exc: BaseException, doing: str) -> None:
        """Redis failed while `doing` something: fall back (and say so once per outage)."""
        with self._lock:
            self.stats["redis_errors"] += 1
            first = self._down_since is None
            if first:
                self._down_since = time.monotonic()
                self.stats["redis_outages"] += 1
            self._retry_at = time.monotonic() + self.retry_s
            self._eviction = None  # the Redis that answers next may be another one: asked again
        if first:
            logger.warning("scrapegate: Redis at %s unreachable while %s (%s: %s); this node falls back to its "
                           "own limiter at 1/%d of each rate limit and fetches robots.txt itself; retrying in %g s",
                           self.shown, doing, type(exc).__name__, scrub_secrets(str(exc), self.url), self.nodes,
                           self.retry_s)

    def succeeded(self) -> None:
        """A Redis call worked: end an outage (and say so)."""
        if self._down_since is None:
            return
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            logger.warning("scrapegate: Redis at %s reachable again after %.1f s; shared limits resume",
                           self.shown, time.monotonic() - since)

    def eviction_risk(self, client: Any) -> str | None:
        """Why Redis may evict the pacers' keys ("maxmemory ... with maxmemory-policy ..."), or
        None when it cannot. Connection errors propagate (the caller's outage path); a Redis
        that refuses INFO is a risk too: what cannot be told is not trusted."""
        now = time.monotonic()
        known = self._eviction
        if known is not None and now < known[0]:
            return known[1]
        import redis

        try:
            info = client.info("memory")
        except redis.exceptions.ResponseError as exc:  # NOPERM (an ACL), a renamed command
            refused = scrub_secrets(str(exc), self.url)
            risk: str | None = f"it refused INFO memory ({refused}), so whether it evicts keys is unknown"
        else:
            maxmemory, policy = int(info.get("maxmemory") or 0), str(info.get("maxmemory_policy") or "")
            risk = None if maxmemory == 0 or policy == "noeviction" else \
                f"it may evict keys (maxmemory {maxmemory} bytes with maxmemory-policy {policy})"
        self._eviction = (now + self.eviction_check_s, risk)
        if risk is not None and (known is None or known[1] is None):
            self.count("redis_eviction_risk")
            logger.warning("scrapegate: Redis at %s is not used for the rate limits: %s, and an evicted pacer "
                           "would let the nodes send faster than the limit; this node paces by itself at 1/%d of "
                           "each rate limit. Set maxmemory-policy noeviction on it (or give scrapegate a Redis "
                           "of its own)", self.shown, risk, self.nodes)
        elif risk is None and known is not None and known[1] is not None:
            logger.warning("scrapegate: Redis at %s no longer evicts keys; shared limits resume", self.shown)
        return risk

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.stats[name] = self.stats.get(name, 0) + n

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


_CLUSTERS: dict[tuple[str, int, float], Cluster] = {}
_CLUSTERS_LOCK = threading.Lock()


def shared_cluster(url: str, *, nodes: int = 1, lease_s: float = DEFAULT_LEASE_S) -> Cluster:
    """The process's one Cluster for these settings: every Gate in the process shares its
    connection pool, its health and its counters."""
    _validate(url, nodes, lease_s)
    key = (url, nodes, lease_s)
    with _CLUSTERS_LOCK:
        cluster = _CLUSTERS.get(key)
        if cluster is None:
            cluster = _CLUSTERS[key] = Cluster(url, nodes=nodes, lease_s=lease_s)
        return cluster
