"""One pacer per origin for the whole cluster: atomic Lua in Redis, on Redis's clock.

    pacer = RedisPacer(cluster)
    wait = pacer.try_acquire("https://shop.example", 1.0, token)   # 0.0: granted, else retry after `wait` s
    ...send the request, read the response head...
    pacer.release("https://shop.example", 1.0, token)

Per origin, a hash holds a token bucket of depth one (`next`: when the next token is due, in
Redis microseconds) and a lease (`holder`, `lease`). A grant takes the token and the lease; the
release sets the next token to release time + interval. So the interval runs from the moment
the previous request is known to have reached the origin (its response has begun), not from
the moment it was booked: the origin sees the interval whatever the sending side's latency.
A node that dies holding the lease blocks the origin until the lease ends (Cluster.lease_s),
never longer. All nodes read one clock (Redis TIME), so their own clocks may drift.
"""

from __future__ import annotations

from typing import Any

from gate.cluster import Cluster

__all__ = ["RedisPacer", "ACQUIRE_LUA", "RELEASE_LUA", "HELD_POLL_S"]

# While another node holds the lease, ask again this often (its release time is unknown).
HELD_POLL_S = 0.02

# KEYS[1] the origin's hash; ARGV: interval_us, lease_us, token, poll_us. Returns 0 (granted)
# or the microseconds to wait before asking again.
ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local s = redis.call('HMGET', KEYS[1], 'next', 'holder', 'lease')
local nxt = tonumber(s[1]) or 0
local lease = tonumber(s[3]) or 0
if s[2] and s[2] ~= '' and now < lease then
  return math.max(1, math.min(tonumber(ARGV[4]), lease - now))
end
if now < nxt then
  return nxt - now
end
local interval = tonumber(ARGV[1])
local lease_us = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'next', now + interval, 'holder', ARGV[3], 'lease', now + lease_us)
redis.call('PEXPIRE', KEYS[1], math.ceil((interval + lease_us) / 1000) + 60000)
return 0
"""

# KEYS[1] the origin's hash; ARGV: interval_us, token. The next token is due one interval
# after now; only the holder clears the lease (a stale holder's release still pushes `next`).
RELEASE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local s = redis.call('HMGET', KEYS[1], 'next', 'holder')
local nxt = math.max(tonumber(s[1]) or 0, now + interval)
if s[2] == ARGV[2] then
  redis.call('HSET', KEYS[1], 'next', nxt, 'holder', '', 'lease', 0)
else
  redis.call('HSET', KEYS[1], 'next', nxt)
end
redis.call('PEXPIRE', KEYS[1], math.ceil(interval / 1000) + 60000)
return 1
"""


class RedisPacer:
    """The cluster-wide pacer of `cluster`. Redis errors propagate: the caller falls back."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._scripts: dict[int, tuple[Any, Any]] = {}  # id(client) -> (acquire, release)

    def _for(self, client: Any) -> tuple[Any, Any]:
        scripts = self._scripts.get(id(client))
        if scripts is None:
            # register_script runs EVALSHA and loads the script on NOSCRIPT (a restarted Redis).
            scripts = self._scripts[id(client)] = (client.register_script(ACQUIRE_LUA),
                                                   client.register_script(RELEASE_LUA))
        return scripts

    def _key(self, origin: str) -> str:
        return self.cluster.key("pace", origin)

    def try_acquire(self, client: Any, origin: str, interval_s: float, token: str) -> float:
        """0.0 when this caller now holds `origin`'s slot, else the seconds to wait."""
        acquire, _ = self._for(client)
        wait_us = acquire(keys=[self._key(origin)],
                          args=[int(interval_s * 1e6), int(self.cluster.lease_s * 1e6), token, int(HELD_POLL_S * 1e6)])
        return int(wait_us) / 1e6

    def release(self, client: Any, origin: str, interval_s: float, token: str) -> None:
        _, release = self._for(client)
        release(keys=[self._key(origin)], args=[int(interval_s * 1e6), token])
