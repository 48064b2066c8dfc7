"""The offers of many a look-up key finds: the key read whole or probed, and kept.

A key (a term, prefix or date range of ``lookups.py``, a price test of ``price_keys.py``) asked
of many offers (``among``: the near candidates of a positioned search, the offers a narrower
look-up found) is read whole, its refs in one ``group_concat``, when it has at most
:data:`RANGE_PER_PROBE` rows per offer asked; otherwise each offer asked is probed in its ref
index (``chunked.rows_in``). The refs read whole are kept by key and data positions (generation
and last ``offer_changes``, as the names of ``substrings.py`` are: capacity pushes do not move
them), :data:`KEPT` of them, so that the searches asking the same key before the next offer
write test their offers against them without reading the key again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from ror.search.embedded.cache import BoundedCache
from ror.search.embedded.chunked import ints, rows_in
from ror.search.embedded.memory.store import positions

#: Key rows read whole rather than probing one offer asked (warm, shared machine, 1 M offers: a
#: row costs 0.1 to 0.3 µs in one ``group_concat``, a probe 3.8 µs in the terms, 0.6 µs in the
#: prices), the read being kept for the next searches: a key with more rows per offer asked is
#: probed. The prices of the EHPAD query (255 k rows) are read whole for 25 k offers asked: 80 ms
#: once, then 0.5 ms a search, against 15 ms probed.
RANGE_PER_PROBE: Final = 16
KEPT: Final = 8  # keys whose refs are kept
KEPT_MAX: Final = 500_000  # refs of a key kept at most (4 MB)

Refs = NDArray[np.int64]
Key = tuple[str, tuple[Any, ...], tuple[str, int]]


class KeyRefs:
    """The refs of the keys read whole by one process (module docstring)."""

    def __init__(self) -> None:
        self._held: BoundedCache[Key, Refs] = BoundedCache(KEPT)

    def get(self, key: Key) -> Refs | None:
        held, _ = self._held.take([key])
        return held.get(key)

    def put(self, key: Key, refs: Refs) -> None:
        self._held.store({key: refs})


def refs_among(
    conn: sqlite3.Connection,
    whole: str,
    probe: str,
    params: Sequence[Any],
    among: Sequence[int],
    kept: KeyRefs | None = None,
) -> set[int]:
    """The refs of ``among`` a key finds: ``whole`` (its refs, one column) read whole (or
    taken from ``kept``, read at the same positions), else ``probe`` (``whole`` with
    ``rid IN ({marks})``) asked by chunks of ``among`` (``conn`` in a read transaction)."""
    key: Key | None = None
    found = None
    if kept is not None:
        generation, docs, _ = positions(conn)
        key = (whole, tuple(params), (generation, docs))
        found = kept.get(key)
    if found is None:
        bound = RANGE_PER_PROBE * len(among)
        sql = f"SELECT count(*), group_concat(rid) FROM ({whole} LIMIT ?)"
        count, text = conn.execute(sql, [*params, bound + 1]).fetchone()
        if count > bound:
            return {int(r) for (r,) in rows_in(conn, probe, params, among)}
        found = ints(text or "")
        if kept is not None and key is not None and len(found) <= KEPT_MAX:
            kept.put(key, found)
    wanted = np.asarray(among, dtype=np.int64)
    return set(wanted[held_in(wanted, found)].tolist())


def held_in(refs: Refs, found: Refs) -> NDArray[np.bool_]:
    """Which of ``refs`` are in ``found`` (any order): ``np.isin`` over a table of the refs'
    range (refs are dense below the offers' count: 0.2 ms for 25 k among 82 k at 1 M, where
    sorting them takes 6 to 16 ms)."""
    return np.isin(refs, found, kind="table")
