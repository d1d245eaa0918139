"""A bounded, thread-safe cache of decisions keyed by (policy revision, input minus the path).

It evicts first-in, first-out: a hit does not move an entry, so reads need no lock. Under
pressure a hot entry may be evicted and simply evaluated again; a crawl's working set of
hosts and verdicts is far below the bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Generic, Hashable, TypeVar

if TYPE_CHECKING:
    from gate.model.decision import Decision
    from gate.model.url import NormalizedURL

__all__ = ["FIFOCache", "DECISION_CACHE_SIZE", "names_request"]

DECISION_CACHE_SIZE = 50_000
V = TypeVar("V")


class FIFOCache(Generic[V]):
    """At most `maxsize` entries; the oldest inserted goes first (0 keeps nothing)."""

    def __init__(self, maxsize: int = DECISION_CACHE_SIZE) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        # Lock-free read (dict reads are atomic under the GIL). The counters are statistics only.
        value = self._data.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


def names_request(decision: "Decision", nurl: "NormalizedURL") -> bool:
    """Whether the decision's messages name the request's path (or URL), so a cached copy
    handed to another path of the host would name the wrong one."""
    needles = [n for n in (nurl.path_query, nurl.path) if len(n) > 1]
    return bool(needles) and any(n in v.message for v in (*decision.deny, *decision.warn) for n in needles)
