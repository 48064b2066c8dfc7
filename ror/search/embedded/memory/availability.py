"""Free and installed beds of every offer as numpy arrays, kept in step with the pushes.

Per offer (by rid), six figures summed over the counters of its Locations, as
``prefilter.available_counts`` and ``ranking.beds`` read them:

=================  ==========================================================================
``free_01/02``     available now: R330 02, temporality 01, assignment 01, any gender, lits (01)
                   or places (02), each counter ``max(count, 0)``
``since_01/02``    the oldest ``updated_at`` (epoch seconds) of those counters with free beds
                   (the date of the sum, ``ranking.beds``); nan: no free bed
``installed_01/02`` installed: R330 01, temporality 01, any assignment and gender
=================  ==========================================================================

An :class:`Availability` is immutable: a base array per figure plus the offers changed since
(sorted rids and their figures), folded into a new base when they grow many. A push is seen by
the next search of every process: ``memory_store`` reads the Locations logged since (the
``caps_changes`` table, written by triggers on ``capacities``) and recomputes their offers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ror.search.embedded.memory.index import MemoryIndex
from ror.search.rings import FIGURES

_EMPTY: Final = (0.0, 0.0, np.nan, np.nan, 0.0, 0.0)  # an offer without counters
_FOLD: Final = 20_000

_AVAILABLE = "c.status = '02' AND c.temporality = '01' AND c.assignment = '01'"
_INSTALLED = "c.status = '01' AND c.temporality = '01'"
SUMMARY_SQL: Final = ", ".join(
    [
        f"total(CASE WHEN {_AVAILABLE} AND c.nature = '01' THEN max(c.count, 0) END)",
        f"total(CASE WHEN {_AVAILABLE} AND c.nature = '02' THEN max(c.count, 0) END)",
        f"min(CASE WHEN {_AVAILABLE} AND c.nature = '01' AND c.count > 0 THEN c.updated_ts END)",
        f"min(CASE WHEN {_AVAILABLE} AND c.nature = '02' AND c.count > 0 THEN c.updated_ts END)",
        f"total(CASE WHEN {_INSTALLED} AND c.nature = '01' THEN max(c.count, 0) END)",
        f"total(CASE WHEN {_INSTALLED} AND c.nature = '02' THEN max(c.count, 0) END)",
    ]
)

Figures = NDArray[np.float64]  # shape (6, n)


@dataclass(frozen=True, slots=True, eq=False)
class Availability:
    """The six figures of every offer (module docstring): those of the base index's offers in
    its row order (the units near a point are near in memory), and the offers changed since
    (rids ascending) with theirs."""

    index: MemoryIndex  # the base index
    base: Figures  # by row of ``index``
    changed: NDArray[np.int64]
    changed_values: Figures

    @classmethod
    def of(cls, by_rid: Figures, index: MemoryIndex) -> Availability:
        """From figures by rid (``summarize_all``)."""
        base = _blank(index.size)
        inside = index.rid < by_rid.shape[1]
        base[:, inside] = by_rid[:, index.rid[inside]]
        return cls(index, base, np.empty(0, dtype=np.int64), _blank(0))

    def take(self, rids: NDArray[np.int64], rows: NDArray[np.int64] | None = None) -> Figures:
        """The figures of these offers, shape (6, len(rids)); ``rows``: their rows in the base
        index when they are read from it (else they are offers changed since)."""
        out = self.base[:, rows] if rows is not None else _blank(len(rids))
        at, hit = self._changed(rids)
        if at is not None:  # ``out`` is a copy (fancy indexing)
            out[:, hit] = self.changed_values[:, at[hit]]
        return out

    def take_one(
        self, figure: int, rids: NDArray[np.int64], rows: NDArray[np.int64] | None = None
    ) -> NDArray[np.float64]:
        """One figure (index in :data:`FIGURES`) of these offers (see :meth:`take`)."""
        out: NDArray[np.float64]
        if rows is not None:
            out = self.base[figure][rows]
        else:
            out = np.full(len(rids), _EMPTY[figure], dtype=np.float64)
        at, hit = self._changed(rids)
        if at is not None:
            out[hit] = self.changed_values[figure, at[hit]]
        return out

    def _changed(
        self, rids: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64] | None, NDArray[np.bool_]]:
        """Positions in the changes of the offers changed among ``rids`` (None: none)."""
        if not len(self.changed) or not len(rids):
            return None, np.zeros(0, dtype=bool)
        at = np.searchsorted(self.changed, rids)
        hit = (at < len(self.changed)) & (
            self.changed[np.minimum(at, len(self.changed) - 1)] == rids
        )
        return (at, hit) if hit.any() else (None, hit)

    def updated(self, rids: NDArray[np.int64], values: Figures) -> Availability:
        """With these offers' figures replaced (offers not given keep theirs)."""
        if not len(rids):
            return self
        rids, first = np.unique(rids, return_index=True)
        values = values[:, first]
        keep = ~np.isin(self.changed, rids)
        changed = np.concatenate((self.changed[keep], rids))
        changed_values = np.concatenate((self.changed_values[:, keep], values), axis=1)
        order = np.argsort(changed, kind="stable")
        merged = Availability(self.index, self.base, changed[order], changed_values[:, order])
        return merged.folded() if len(changed) > _FOLD else merged

    def folded(self) -> Availability:
        """The same figures with the changes to base offers written into a new base."""
        rows, found = self.index.rows_for(self.changed)
        base = self.base.copy()
        base[:, rows] = self.changed_values[:, found]
        return Availability(self.index, base, self.changed[~found], self.changed_values[:, ~found])


def _blank(n: int) -> Figures:
    out = np.empty((len(FIGURES), n), dtype=np.float64)
    out[:] = np.asarray(_EMPTY, dtype=np.float64)[:, None]
    return out


def summarize_all(conn: sqlite3.Connection, suffix: str = "", top: int | None = None) -> Figures:
    """The figures of every offer by rid, from ``capacities`` and ``location_offers``
    (``top``: the largest rid, read from ``offer_meta`` if not given)."""
    rows = conn.execute(
        f"SELECT lo.rid, {SUMMARY_SQL} FROM location_offers{suffix} lo "
        f"JOIN capacities{suffix} c ON c.loc = lo.loc GROUP BY lo.rid"
    ).fetchall()
    if top is None:
        (top,) = conn.execute(f"SELECT max(rid) FROM offer_meta{suffix}").fetchone()
    base = _blank(int(top or 0) + 1)
    if rows:
        table = np.array(rows, dtype=np.float64)
        base[:, table[:, 0].astype(np.int64)] = table[:, 1:].T
    return base


def summarize(conn: sqlite3.Connection, rids: Sequence[int]) -> tuple[NDArray[np.int64], Figures]:
    """The figures of some offers (offers without counters get the empty figures)."""
    wanted = np.unique(np.asarray(rids, dtype=np.int64))
    values = _blank(len(wanted))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500].tolist()
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT m.rid, {SUMMARY_SQL} FROM offer_meta m, json_each(m.loc_keys) j "
            f"JOIN capacities c ON c.loc = j.value WHERE m.rid IN ({marks}) GROUP BY m.rid",
            chunk,
        ).fetchall()
        if rows:
            table = np.array(rows, dtype=np.float64)
            at = np.searchsorted(wanted, table[:, 0].astype(np.int64))
            values[:, at] = table[:, 1:].T
    return wanted, values


def offers_of_locations(conn: sqlite3.Connection, locs: Sequence[str]) -> list[int]:
    """Rids of the offers using these Locations."""
    out: set[int] = set()
    unique = sorted(set(locs))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        out.update(
            r[0]
            for r in conn.execute(
                f"SELECT rid FROM location_offers WHERE loc IN ({marks})", tuple(chunk)
            )
        )
    return sorted(out)


def to_blob(availability: Availability) -> bytes:
    """The figures of the base index's offers (changes since written in)."""
    folded = availability.folded()
    if len(folded.changed):
        raise ValueError("figures of offers outside the base index cannot be stored")
    return np.ascontiguousarray(folded.base).tobytes()


def from_blob(data: bytes, index: MemoryIndex) -> Availability:
    flat = np.frombuffer(data, dtype=np.float64)
    base = flat.reshape(len(FIGURES), -1)
    return Availability(index, base, np.empty(0, dtype=np.int64), _blank(0))
