"""A bounded map shared by the threads of one engine: least recently used entries go first.

A reader takes what it needs into a dict of its own (``take``) before anything is stored, so
eviction, by this thread or another, can never remove an entry a batch is still using: the size
decides only how much is read again, never what an answer contains.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def take(self, keys: Iterable[K]) -> tuple[dict[K, V], list[K]]:
        """The entries held among ``keys`` (a copy the caller owns), and the keys missing."""
        found: dict[K, V] = {}
        missing: list[K] = []
        with self._lock:
            for key in dict.fromkeys(keys):
                value = self._data.get(key)
                if value is None:
                    missing.append(key)
                else:
                    self._data.move_to_end(key)
                    found[key] = value
        return found, missing

    def store(self, entries: Mapping[K, V]) -> None:
        with self._lock:
            for key, value in entries.items():
                self._data[key] = value
                self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
