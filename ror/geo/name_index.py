"""Name keys -> table rows: exact, prefix (autocomplete) and typo-tolerant matches."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator

from ror.geo.fuzzy import max_typos, within


class NameIndex:
    """An index of name keys (``ror.geo.names.name_key``) to the table rows carrying them."""

    def __init__(self, entries: Iterable[tuple[str, int]]) -> None:
        rows: dict[str, list[int]] = defaultdict(list)
        for key, row in entries:
            if key and row not in rows[key]:
                rows[key].append(row)
        self._rows = dict(rows)
        self._sorted: list[str] | None = None
        self._buckets: dict[tuple[str, int], list[str]] | None = None

    def exact(self, key: str) -> list[int]:
        return self._rows.get(key, [])

    def prefixed(self, prefix: str) -> Iterator[tuple[str, list[int]]]:
        """Keys that start with ``prefix`` (itself excluded), with their rows."""
        keys = self._sorted_keys()
        for position in range(bisect_left(keys, prefix), len(keys)):
            key = keys[position]
            if not key.startswith(prefix):
                break
            if key != prefix:
                yield key, self._rows[key]

    def similar(self, key: str) -> Iterator[tuple[int, list[int]]]:
        """Rows of keys within ``max_typos(key)`` edits (same first letter), with the distance."""
        limit = max_typos(key)
        if limit == 0:
            return
        buckets = self._length_buckets()
        for length in range(len(key) - limit, len(key) + limit + 1):
            for candidate, distance in within(key, buckets.get((key[0], length), ()), limit):
                yield distance, self._rows[candidate]

    def _sorted_keys(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self._rows)
        return self._sorted

    def _length_buckets(self) -> dict[tuple[str, int], list[str]]:
        """Keys grouped by (first letter, length): typo candidates are a few buckets."""
        if self._buckets is None:
            buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
            for key in self._rows:
                buckets[key[0], len(key)].append(key)
            self._buckets = dict(buckets)
        return self._buckets
