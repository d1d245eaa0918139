"""A bounded, thread-safe LRU of decisions keyed by (policy revision, input minus the path)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Hashable, TypeVar

__all__ = ["LRUCache", "DECISION_CACHE_SIZE"]

DECISION_CACHE_SIZE = 50_000
V = TypeVar("V")


class LRUCache(Generic[V]):
    def __init__(self, maxsize: int = DECISION_CACHE_SIZE) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        # Lock-free read (dict reads are atomic under the GIL); a hit does not reorder the
        # entry, so eviction is oldest-inserted first: a hot entry evicted under pressure is
        # simply evaluated again. The counters are statistics only.
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
