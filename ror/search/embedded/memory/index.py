"""The embedded engine's in-memory index: what ``cover`` holds, as numpy arrays.

A :class:`MemoryIndex` holds, for a set of offers (its *rows*), the columns the planner reads
from the ``cover`` table (unit vector, grid cell, prefilter columns), and per code the rows
carrying it sorted by ``(cell, rid)`` (the ``cover`` key order, so the units of a code near a
point are a few slices found by binary search); plus each row's codes (facets), the zone keys
of home-based offers and the sensitive units with their champ codes.

It never changes once built: a process builds one per data generation (``build``), or loads
the one the bulk load stored (``to_blobs`` / ``from_blobs``), and lays a small one over it
for offers written since (``memory_store.py``). Availability, which changes all the time, is
apart (``memory_availability.py``).
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import orjson
from numpy.typing import NDArray

from ror.search.embedded.chunked import ints
from ror.search.embedded.schema import COVER_COLUMNS, STAR_CODE_ID, table_exists
from ror.search.rings import union

# The cover columns after (code_id, cell, rid): "x", "y", "z", "home", … "price_until".
STATIC_COLUMNS: Final = COVER_COLUMNS[3:]
_SMALL: Final = {"home": np.int8, "aid": np.int8, "recep": np.int8}  # others: float64
_FETCH: Final = 50_000
_MASKS_KEPT: Final = 32

Rows = NDArray[np.int64]
Mask = NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class MemoryIndex:
    """Static facts of some offers (module docstring). Row ``i`` is offer ``rid[i]``."""

    rid: NDArray[np.int64]  # rows in (cell, rid) order
    by_rid: NDArray[np.int64]  # the rows in rid order
    cell: NDArray[np.int64]
    columns: Mapping[str, NDArray[Any]]  # STATIC_COLUMNS; NULL as nan
    code_ids: NDArray[np.int64]  # code index -> code_id, ascending (index 0: "*" when present)
    post_ptr: NDArray[np.int64]  # code index -> its rows in post_rows[ptr[k]:ptr[k + 1]]
    post_rows: NDArray[np.int32]  # rows, by (code, cell, rid)
    post_cells: NDArray[np.int64]  # the cell of each
    row_ptr: NDArray[np.int64]  # row -> its codes in row_codes[ptr[i]:ptr[i + 1]]
    row_codes: NDArray[np.int32]  # code indexes ("*" left out)
    zone_keys: tuple[str, ...]  # sorted
    zone_ptr: NDArray[np.int64]  # zone key index -> its rows in zone_rows
    zone_rows: NDArray[np.int32]
    sensitive_rows: NDArray[np.int64]  # rows of units flagged sensitive…
    sensitive_champs: tuple[str, ...]  # …and their champ codes (" 01 03 ")
    _masks: dict[tuple[int, ...], Mask] = field(default_factory=dict, repr=False)
    _hidden: dict[tuple[str, ...], Mask] = field(default_factory=dict, repr=False)

    @property
    def size(self) -> int:
        return len(self.rid)

    def column(self, name: str) -> NDArray[Any]:
        return self.columns[name]

    def rows_for(self, rids: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Rows of the offers among ``rids`` this index holds, and which ones it holds."""
        return rows_of(self.rid[self.by_rid], self.by_rid, rids)

    # --- postings ----------------------------------------------------------------------------

    def code_indexes(self, code_ids: Sequence[int]) -> list[int]:
        """Indexes of the codes this index knows among ``code_ids``."""
        wanted = np.asarray(code_ids, dtype=np.int64)
        at = np.searchsorted(self.code_ids, wanted)
        return [
            int(k)
            for k, cid in zip(at.tolist(), wanted.tolist(), strict=True)
            if k < len(self.code_ids) and int(self.code_ids[k]) == cid
        ]

    def posting(self, k: int) -> tuple[int, int]:
        return int(self.post_ptr[k]), int(self.post_ptr[k + 1])

    def rows_of(
        self, code_ids: Sequence[int], cell_ranges: Sequence[tuple[int, int]] | None
    ) -> Rows:
        """Rows carrying any of ``code_ids`` (each once), within the cell ranges if given."""
        pieces = []
        for k in self.code_indexes(code_ids):
            start, end = self.posting(k)
            if cell_ranges is None:
                pieces.append(self.post_rows[start:end].astype(np.int64))
                continue
            cells = self.post_cells[start:end]
            bounds = np.asarray(cell_ranges, dtype=np.int64).reshape(-1, 2)
            lo = np.searchsorted(cells, bounds[:, 0], side="left") + start
            hi = np.searchsorted(cells, bounds[:, 1], side="right") + start
            pieces.append(self.post_rows[expand(lo, hi)].astype(np.int64))
        if not pieces:
            return np.empty(0, dtype=np.int64)
        if len(pieces) == 1:
            return pieces[0]
        return union(pieces)

    def code_mask(self, code_ids: tuple[int, ...]) -> Mask:
        """Rows carrying any of ``code_ids`` as a mask (the last few kept)."""
        mask = self._masks.get(code_ids)
        if mask is None:
            mask = np.zeros(self.size, dtype=bool)
            for k in self.code_indexes(code_ids):
                start, end = self.posting(k)
                mask[self.post_rows[start:end]] = True
            if len(self._masks) >= _MASKS_KEPT:  # threads share the index: no iteration
                self._masks.clear()
            self._masks[code_ids] = mask
        return mask

    def zone_rows_of(self, keys: Sequence[str]) -> Rows:
        """Rows of home-based offers with one of these zone keys (each once)."""
        pieces = []
        for key in keys:
            k = bisect.bisect_left(self.zone_keys, key)
            if k < len(self.zone_keys) and self.zone_keys[k] == key:
                pieces.append(self.zone_rows[self.zone_ptr[k] : self.zone_ptr[k + 1]])
        if not pieces:
            return np.empty(0, dtype=np.int64)
        return union([p.astype(np.int64) for p in pieces])

    def codes_of_rows(self, rows: Rows) -> NDArray[np.int32]:
        """The code indexes of these rows, concatenated."""
        return self.row_codes[expand(self.row_ptr[rows], self.row_ptr[rows + 1])]

    def hidden(self, champs: Sequence[str] | None) -> Mask | None:
        """Rows an audience seeing the sensitive units of ``champs`` may not see, as a mask
        (None: none hidden)."""
        if champs is None or not len(self.sensitive_rows):
            return None
        key = tuple(champs)
        found = self._hidden.get(key)
        if found is None:
            wanted = [f" {c} " for c in champs]
            rows = zip(self.sensitive_rows.tolist(), self.sensitive_champs, strict=True)
            found = np.zeros(self.size, dtype=bool)
            found[[row for row, kept in rows if not any(w in kept for w in wanted)]] = True
            self._hidden[key] = found
        return found if found.any() else None

    # --- storage -----------------------------------------------------------------------------

    def to_blobs(self) -> Iterator[tuple[str, bytes]]:
        """(name, bytes) pairs :meth:`from_blobs` reads back."""
        arrays: dict[str, NDArray[Any]] = {
            "rid": self.rid,
            "by_rid": self.by_rid,
            "cell": self.cell,
            "code_ids": self.code_ids,
            "post_ptr": self.post_ptr,
            "post_rows": self.post_rows,
            "post_cells": self.post_cells,
            "row_ptr": self.row_ptr,
            "row_codes": self.row_codes,
            "zone_ptr": self.zone_ptr,
            "zone_rows": self.zone_rows,
            "sensitive_rows": self.sensitive_rows,
            **{f"col:{name}": self.columns[name] for name in STATIC_COLUMNS},
        }
        types = {name: a.dtype.str for name, a in arrays.items()}
        texts = {"zone_keys": self.zone_keys, "sensitive_champs": self.sensitive_champs}
        yield "types", orjson.dumps({"arrays": types, "texts": texts})
        for name, a in arrays.items():
            yield name, np.ascontiguousarray(a).tobytes()

    @classmethod
    def from_blobs(cls, blobs: Mapping[str, bytes]) -> MemoryIndex:
        meta = orjson.loads(blobs["types"])

        def array(name: str) -> NDArray[Any]:
            return np.frombuffer(blobs[name], dtype=np.dtype(meta["arrays"][name]))

        return cls(
            rid=array("rid"),
            by_rid=array("by_rid"),
            cell=array("cell"),
            columns={name: array(f"col:{name}") for name in STATIC_COLUMNS},
            code_ids=array("code_ids"),
            post_ptr=array("post_ptr"),
            post_rows=array("post_rows"),
            post_cells=array("post_cells"),
            row_ptr=array("row_ptr"),
            row_codes=array("row_codes"),
            zone_keys=tuple(meta["texts"]["zone_keys"]),
            zone_ptr=array("zone_ptr"),
            zone_rows=array("zone_rows"),
            sensitive_rows=array("sensitive_rows"),
            sensitive_champs=tuple(meta["texts"]["sensitive_champs"]),
        )


def expand(starts: NDArray[np.int64], ends: NDArray[np.int64]) -> NDArray[np.int64]:
    """The positions of the ranges ``[starts[i], ends[i])``, concatenated."""
    lengths = np.maximum(ends - starts, 0)
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    keep = lengths > 0
    starts, lengths = starts[keep], lengths[keep]
    shift = starts - np.concatenate(([0], np.cumsum(lengths)[:-1]))
    return np.repeat(shift, lengths) + np.arange(total, dtype=np.int64)


# --- building from the tables ------------------------------------------------------------------


def build(conn: sqlite3.Connection, suffix: str = "") -> MemoryIndex:
    """The index of every offer in the tables (``cover``, ``codes``, ``zones``…)."""
    s = suffix
    names = ", ".join(STATIC_COLUMNS)
    rid, cell, columns = _star_rows(
        conn.execute(f"SELECT rid, cell, {names} FROM cover{s} WHERE code_id = {STAR_CODE_ID}")
    )
    pair_codes: list[NDArray[np.int64]] = []
    pair_rids: list[NDArray[np.int64]] = []
    for (code_id,) in conn.execute(f"SELECT code_id FROM codes{s} WHERE code_id != ?", (0,)):
        (text,) = conn.execute(
            f"SELECT group_concat(rid) FROM cover{s} WHERE code_id = ?", (code_id,)
        ).fetchone()
        if text:
            rids = ints(text)
            pair_rids.append(rids)
            pair_codes.append(np.full(len(rids), code_id, dtype=np.int64))
    zones = [
        (key, ints(text))
        for key, text in conn.execute(f"SELECT key, group_concat(rid) FROM zones{s} GROUP BY key")
    ]
    sensitive: list[tuple[int, str]] = []
    if table_exists(conn, f"sensitive{s}"):
        sensitive = list(conn.execute(f"SELECT rid, champs FROM sensitive{s}"))
    return assemble(rid, cell, columns, _cat(pair_codes), _cat(pair_rids), zones, sensitive)


def build_for(conn: sqlite3.Connection, rids: Sequence[int]) -> MemoryIndex:
    """The index of some offers (those still stored among ``rids``)."""
    names = ", ".join(f"c.{n}" for n in STATIC_COLUMNS)
    chunks = [rids[i : i + 500] for i in range(0, len(rids), 500)] or [[]]
    star_rows: list[tuple[Any, ...]] = []
    metas: list[tuple[int, str, str]] = []
    sensitive: list[tuple[int, str]] = []
    for chunk in chunks:
        marks = ", ".join("?" * len(chunk))
        star_rows += conn.execute(
            f"SELECT c.rid, c.cell, {names} FROM offer_meta m JOIN cover c ON c.code_id = "
            f"{STAR_CODE_ID} AND c.cell = m.cell AND c.rid = m.rid WHERE m.rid IN ({marks})",
            tuple(chunk),
        ).fetchall()
        metas += conn.execute(
            f"SELECT rid, code_ids, zone_keys FROM offer_meta WHERE rid IN ({marks})", tuple(chunk)
        ).fetchall()
        if table_exists(conn, "sensitive"):
            sensitive += conn.execute(
                f"SELECT rid, champs FROM sensitive WHERE rid IN ({marks})", tuple(chunk)
            ).fetchall()
    rid, cell, columns = _star_rows(iter([star_rows]) if star_rows else iter([]))
    codes: list[int] = []
    owners: list[int] = []
    by_zone: dict[str, list[int]] = {}
    for r, code_ids, zone_keys in metas:
        ids = orjson.loads(code_ids)
        codes += ids
        owners += [r] * len(ids)
        for key in orjson.loads(zone_keys):
            by_zone.setdefault(key, []).append(r)
    zones = [(k, np.asarray(v, dtype=np.int64)) for k, v in sorted(by_zone.items())]
    return assemble(
        rid,
        cell,
        columns,
        np.asarray(codes, dtype=np.int64),
        np.asarray(owners, dtype=np.int64),
        zones,
        sensitive,
    )


def rows_of(
    ordered: NDArray[np.int64], by_rid: NDArray[np.int64], rids: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Rows of the ``rids`` present in an index (``ordered``: its rids ascending, ``by_rid``:
    their rows), and which of ``rids`` were."""
    if not len(ordered):
        return np.empty(0, dtype=np.int64), np.zeros(len(rids), dtype=bool)
    at = np.searchsorted(ordered, rids)
    found = (at < len(ordered)) & (ordered[np.minimum(at, len(ordered) - 1)] == rids)
    return by_rid[at[found]], found


def _cat(parts: list[NDArray[np.int64]]) -> NDArray[np.int64]:
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _star_rows(
    cursor: Iterator[Any] | sqlite3.Cursor,
) -> tuple[NDArray[np.int64], NDArray[np.int64], dict[str, NDArray[Any]]]:
    """rid, cell and the static columns of ``*`` rows (NULL as nan)."""
    blocks: list[NDArray[np.float64]] = []
    if isinstance(cursor, sqlite3.Cursor):
        while rows := cursor.fetchmany(_FETCH):
            blocks.append(np.array(rows, dtype=np.float64))
    else:
        for rows in cursor:
            blocks.append(np.array(rows, dtype=np.float64))
    width = 2 + len(STATIC_COLUMNS)
    table = np.concatenate(blocks) if blocks else np.empty((0, width), dtype=np.float64)
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), static_columns(table, 2)


def static_columns(table: NDArray[np.float64], first: int = 0) -> dict[str, NDArray[Any]]:
    """The :data:`STATIC_COLUMNS` of a table of rows whose column ``first`` is ``x``."""
    return {
        name: np.ascontiguousarray(table[:, first + i]).astype(_SMALL.get(name, np.float64))
        for i, name in enumerate(STATIC_COLUMNS)
    }


def assemble(
    rid: NDArray[np.int64],
    cell: NDArray[np.int64],
    columns: dict[str, NDArray[Any]],
    pair_codes: NDArray[np.int64],
    pair_rids: NDArray[np.int64],
    zones: Sequence[tuple[str, NDArray[np.int64]]],
    sensitive: Sequence[tuple[int, str]],
) -> MemoryIndex:
    """The index of these offers, rows in ``(cell, rid)`` order (the units near a point are
    near each other in memory), from (code_id, rid) pairs (``*`` added here)."""
    n = len(rid)
    spatial = np.lexsort((rid, cell))
    rid, cell = rid[spatial], cell[spatial]
    columns = {name: np.ascontiguousarray(a[spatial]) for name, a in columns.items()}
    by_rid = np.argsort(rid, kind="stable")
    ordered = rid[by_rid]
    pair_rows, keep = rows_of(ordered, by_rid, pair_rids)
    pair_codes = pair_codes[keep]
    code_ids = np.unique(np.concatenate(([STAR_CODE_ID], pair_codes)))
    pair_index = np.searchsorted(code_ids, pair_codes)
    # postings: "*" (index 0) then every code, rows ascending, i.e. by (code, cell, rid)
    all_index = np.concatenate((np.zeros(n, dtype=np.int64), pair_index))
    all_rows = np.concatenate((np.arange(n, dtype=np.int64), pair_rows))
    order = np.lexsort((all_rows, all_index))
    post_rows = all_rows[order]
    post_ptr = np.searchsorted(all_index[order], np.arange(len(code_ids) + 1))
    # each row's codes
    order = np.lexsort((pair_index, pair_rows))
    row_codes = pair_index[order].astype(np.int32)
    row_ptr = np.searchsorted(pair_rows[order], np.arange(n + 1))
    # zones and sensitive units
    zone_keys = tuple(sorted({k for k, _ in zones}))
    by_key: dict[str, list[NDArray[np.int64]]] = {}
    for key, rids in zones:
        by_key.setdefault(key, []).append(rows_of(ordered, by_rid, rids)[0])
    zone_lists = [np.unique(np.concatenate(by_key[k])) for k in zone_keys]
    zone_ptr = np.concatenate(([0], np.cumsum([len(z) for z in zone_lists]))).astype(np.int64)
    sens_rids = np.asarray([r for r, _ in sensitive], dtype=np.int64)
    sens_rows, kept = rows_of(ordered, by_rid, sens_rids)
    champs = [c for (_, c), k in zip(sensitive, kept.tolist(), strict=True) if k]
    sens = sorted(zip(sens_rows.tolist(), champs, strict=True))
    return MemoryIndex(
        rid=rid,
        by_rid=by_rid.astype(np.int64),
        cell=cell,
        columns=columns,
        code_ids=code_ids.astype(np.int64),
        post_ptr=post_ptr.astype(np.int64),
        post_rows=post_rows.astype(np.int32),
        post_cells=cell[post_rows],
        row_ptr=row_ptr.astype(np.int64),
        row_codes=row_codes,
        zone_keys=zone_keys,
        zone_ptr=zone_ptr,
        zone_rows=_cat(zone_lists).astype(np.int32),
        sensitive_rows=np.asarray([r for r, _ in sens], dtype=np.int64),
        sensitive_champs=tuple(c for _, c in sens),
    )
