"""robots.txt fetched once per origin for the whole cluster: Redis holds the result, and a
Redis lock makes the fetch single-flight across nodes.

    fetcher = SharedRobotsFetcher(RobotsFetcher(), cluster)
    result, ttl_left = fetcher.fetch_with_ttl("https://shop.example/p/1", user_agent)
    RobotsCache(fetcher=fetcher)      # the node's own cache in front, expiring with Redis's copy

A lookup reads `<prefix>:robots:<origin>:<agent hash>`; on a miss the node that wins
`SET ... NX` on the key's lock fetches and stores the result, the others poll until it is
there. The stored copy follows RFC 9309's cache rules as the node-local cache does: a fetched
file (2xx) or an unavailable one (4xx) for at most 24 hours (2.4), an unreachable one (5xx,
network errors: a complete disallow, 2.3.1.4) for ROBOTS_UNREACHABLE_TTL_S only; the node's
cache keeps it no longer than Redis does. If Redis fails, the node fetches robots.txt itself
(one fetch per node instead of per cluster: the answer is the same, and it still fails closed).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

from gate.cluster import Cluster
from gate.model.url import NormalizedURL, normalize
from gate.signals.robots import parse
from gate.signals.robots_cache import ROBOTS_CACHE_TTL_S, ROBOTS_UNREACHABLE_TTL_S
from gate.signals.robots_fetch import RobotsFetcher, RobotsResult

__all__ = ["SharedRobotsFetcher", "encode", "decode", "POLL_S"]

POLL_S = 0.025  # how often a node waiting on another node's fetch looks for its result
_LOCK_MARGIN_S = 5.0
_FIELDS = ("status", "fetched_at", "http_status", "error", "final_url", "redirects", "origin", "sha256", "size",
           "truncated", "text")

# Delete the lock only if this node still holds it (it may have expired and been taken).
_UNLOCK_LUA = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


def encode(result: RobotsResult) -> bytes:
    """The result as Redis stores it: its fields and the file's text (parsed again on read)."""
    return json.dumps({name: getattr(result, name) for name in _FIELDS}, separators=(",", ":")).encode()


def decode(raw: bytes) -> RobotsResult:
    """A stored result; ValueError when it is not one (the caller fetches instead)."""
    data = json.loads(raw)
    if not isinstance(data, dict) or data.get("status") not in ("ok", "unavailable", "unreachable"):
        raise ValueError("not a stored robots.txt result")
    fields: dict[str, Any] = {name: data.get(name) for name in _FIELDS}
    text = fields["text"]
    if fields["status"] == "ok" and not isinstance(text, str):
        raise ValueError("a stored robots.txt result without its text")
    robots = parse(text) if fields["status"] == "ok" and isinstance(text, str) else None
    fields["redirects"] = int(fields["redirects"] or 0)
    fields["size"] = int(fields["size"] or 0)
    fields["truncated"] = bool(fields["truncated"])
    return RobotsResult(robots=robots, **fields)


class SharedRobotsFetcher:
    """A RobotsFetcher whose fetches are shared by every node of `cluster`."""

    def __init__(self, fetcher: RobotsFetcher, cluster: Cluster, *, ttl_s: float = ROBOTS_CACHE_TTL_S,
                 unreachable_ttl_s: float = ROBOTS_UNREACHABLE_TTL_S) -> None:
        self.fetcher = fetcher
        self.cluster = cluster
        self.ttl_s = min(ttl_s, ROBOTS_CACHE_TTL_S)
        self.unreachable_ttl_s = min(unreachable_ttl_s, self.ttl_s)
        self.lock_s = fetcher.deadline + _LOCK_MARGIN_S

    def close(self) -> None:
        self.fetcher.close()

    def _keys(self, origin: str, user_agent: str) -> tuple[str, str]:
        agent = hashlib.sha256(user_agent.encode()).hexdigest()[:16]
        key = self.cluster.key("robots", origin, agent)
        return key, key + ":lock"

    def fetch(self, url: str | NormalizedURL, user_agent: str) -> RobotsResult:
        return self.fetch_with_ttl(url, user_agent)[0]

    def fetch_with_ttl(self, url: str | NormalizedURL, user_agent: str) -> tuple[RobotsResult, float | None]:
        """The origin's result and how long it stays fresh (None: as long as the caller's TTL)."""
        n = url if isinstance(url, NormalizedURL) else normalize(url)
        client = self.cluster.redis()
        if client is not None:
            try:
                return self._shared(client, n, user_agent)
            except _RedisFailed as failed:
                self.cluster.failed(failed.cause, "sharing robots.txt")
        self.cluster.count("robots_local_fetches")
        return self.fetcher.fetch(n, user_agent), None

    def _shared(self, client: Any, n: NormalizedURL, user_agent: str) -> tuple[RobotsResult, float | None]:
        key, lock = self._keys(n.origin, user_agent)
        token = uuid.uuid4().hex
        ends = time.monotonic() + self.lock_s + _LOCK_MARGIN_S
        waited = False
        while True:
            stored = _stored(client, key)
            if stored is not None:
                self.cluster.succeeded()
                self.cluster.count("robots_shared_joined" if waited else "robots_shared_hits")
                return stored
            try:
                leader = bool(client.set(lock, token, nx=True, px=int(self.lock_s * 1000)))
            except Exception as exc:
                raise _RedisFailed(exc) from exc
            self.cluster.succeeded()
            if leader:
                # Read again: another node may have stored the result (it stores, then unlocks)
                # between this node's miss and its taking the lock. The origin is asked once.
                stored = _stored(client, key)
                if stored is not None:
                    _call(client.eval, _UNLOCK_LUA, 1, lock, token)
                    self.cluster.count("robots_shared_joined")
                    return stored
                return self._fetch_and_store(client, n, user_agent, key, lock, token)
            if time.monotonic() > ends:  # the lock outlived its holder's deadline: fetch it ourselves
                self.cluster.count("robots_local_fetches")
                return self.fetcher.fetch(n, user_agent), None
            waited = True
            time.sleep(POLL_S)

    def _fetch_and_store(self, client: Any, n: NormalizedURL, user_agent: str, key: str, lock: str,
                         token: str) -> tuple[RobotsResult, float | None]:
        result = self.fetcher.fetch(n, user_agent)
        ttl = self.unreachable_ttl_s if result.status == "unreachable" else self.ttl_s
        self.cluster.count("robots_shared_fetches")
        try:
            with client.pipeline(transaction=False) as pipe:
                pipe.set(key, encode(result), px=max(1, int(ttl * 1000)))
                pipe.eval(_UNLOCK_LUA, 1, lock, token)
                pipe.execute()
        except Exception as exc:  # the result stands; the others will wait out the lock
            self.cluster.failed(exc, "storing robots.txt")
        return result, ttl


def _stored(client: Any, key: str) -> tuple[RobotsResult, float | None] | None:
    """The result another node stored under `key`, and how long it stays fresh; None when
    there is none, a broken copy or one kept past 24 hours (fetched again then)."""
    raw, pttl = _call(_read, client, key)
    # A copy without an expiry (PERSIST, a restore that dropped it) or with a longer one would
    # be served for ever: RFC 9309 2.4 allows 24 hours. Fetched again, and stored with one.
    if raw is None or pttl is None or pttl < 0 or pttl > ROBOTS_CACHE_TTL_S * 1000:
        return None
    try:
        return decode(raw), (pttl / 1000 if pttl and pttl > 0 else None)
    except (ValueError, TypeError):
        return None


def _read(client: Any, key: str) -> list[Any]:
    with client.pipeline(transaction=False) as pipe:
        return list(pipe.get(key).pttl(key).execute())


def _call(fn: Any, *args: Any) -> Any:
    """A Redis call; its failure as _RedisFailed (the caller falls back to fetching itself)."""
    try:
        return fn(*args)
    except Exception as exc:
        raise _RedisFailed(exc) from exc


class _RedisFailed(Exception):
    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause
