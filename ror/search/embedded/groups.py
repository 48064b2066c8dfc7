"""Group keys (``grouping.group_key``) of stored offers, without reading the offers.

From the establishment and Location columns: ``offer_facts.eg``, ``offer_meta.loc_keys`` and
the offer id. A grouped search asks for the keys of the units it counted without reading
them; the embedded engine answers from a :class:`KeyTable` of its in-memory index (every
offer's key, read once from the tables with the index it belongs to) and from SQL for the
offers changed since the index was built.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import orjson
from numpy.typing import NDArray

from ror.search.embedded.memory.index import MemoryIndex
from ror.search.grouping import location_group

GROUPINGS: Final = ("establishment", "location")  # those a key table is kept for
_CHUNK: Final = 500  # refs per IN (…) list


def read_keys(
    conn: sqlite3.Connection, by: str, refs: Sequence[int] | None
) -> Iterator[tuple[int, str]]:
    """(rid, group key) of the offers behind ``refs`` that are stored (None: of every one)."""
    if refs is None:
        yield from _rows(conn, by, "", ())
        return
    for i in range(0, len(refs), _CHUNK):
        chunk = tuple(refs[i : i + _CHUNK])
        yield from _rows(conn, by, f"WHERE rid IN ({', '.join('?' * len(chunk))})", chunk)


def _rows(
    conn: sqlite3.Connection, by: str, where: str, params: tuple[int, ...]
) -> Iterator[tuple[int, str]]:
    if by == "establishment":
        rows = conn.execute(f"SELECT rid, id, eg FROM offer_facts {where}", params)
        for rid, oid, eg in rows:
            yield rid, f"E:{eg}" if eg else f"O:{oid}"
    elif by == "location":
        rows = conn.execute(
            f"SELECT rid, o.id, m.loc_keys FROM offer_meta m JOIN offers o USING (rid) {where}",
            params,
        )
        for rid, oid, keys in rows:
            yield rid, location_group(oid, orjson.loads(keys))
    else:
        for rid, oid in conn.execute(f"SELECT rid, id FROM offers {where}", params):
            yield rid, f"O:{oid}"


@dataclass(frozen=True, slots=True, eq=False)
class KeyTable:
    """The group key of each offer of an in-memory index (``base``), as read at offer log
    position ``docs_seq``: valid for a snapshot of that index at that position or later, for
    the offers it has not seen change."""

    base: MemoryIndex
    docs_seq: int
    rids: NDArray[np.int64]  # the index's offers, ascending
    offsets: NDArray[np.int64]  # rids[i]'s key is data[offsets[i]:offsets[i + 1]] (UTF-8)
    data: bytes

    @classmethod
    def read(cls, conn: sqlite3.Connection, by: str, base: MemoryIndex, docs_seq: int) -> KeyTable:
        """Every offer's key, read from the tables in ``conn``'s read transaction (at
        ``docs_seq``); an offer no longer stored gets an empty key."""
        rids = np.sort(base.rid)
        pairs = list(read_keys(conn, by, None))
        read = np.fromiter((rid for rid, _ in pairs), dtype=np.int64, count=len(pairs))
        at = np.minimum(np.searchsorted(rids, read), max(len(rids) - 1, 0))
        held = rids[at] == read if len(rids) else np.zeros(len(read), dtype=bool)
        encoded: list[bytes] = [b""] * len(rids)
        for i, (_, key), h in zip(at.tolist(), pairs, held.tolist(), strict=True):
            if h:  # else a stored offer the index does not hold (written since)
                encoded[i] = key.encode()
        lengths = np.fromiter((len(k) for k in encoded), dtype=np.int64, count=len(encoded))
        offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        return cls(base, docs_seq, rids, offsets, b"".join(encoded))

    def keys(
        self, refs: NDArray[np.int64], changed: frozenset[int]
    ) -> tuple[list[str], NDArray[np.bool_]]:
        """The keys of the ``refs`` this table holds and which ones it holds (those the
        snapshot saw change, ``changed``, are not)."""
        at = np.minimum(np.searchsorted(self.rids, refs), max(len(self.rids) - 1, 0))
        held = self.rids[at] == refs if len(self.rids) else np.zeros(len(refs), dtype=bool)
        if changed:
            held &= np.fromiter((r not in changed for r in refs.tolist()), bool, len(refs))
        at = at[held]
        data = self.data
        starts, ends = self.offsets[at].tolist(), self.offsets[at + 1].tolist()
        return [data[a:b].decode() for a, b in zip(starts, ends, strict=True)], held
