"""The embedded engine's overview: per-Location counters in numpy arrays, kept in step with
SQLite, so that an overview over a million offers takes milliseconds.

What is counted is said in :mod:`ror.availability.overview`. How:

- **Static part**, rebuilt when the offers change (``docs_version``) or their facts do
  (``facts_version``): the Locations (sorted keys; a Location's number is its rank), the
  (offer, Location) links of ``location_offers``, the area of each Location (that of its first
  offer, from ``offer_facts``) and, per code asked for, the offers carrying it (``cover``).
  Facts out of step with the offers (a full load just swapped in) are computed first.
- **Counters**, per Location and nature: the sum per status of its current counters (temporality
  01, every assignment and gender) and the date of its latest one. Built with the static part;
  then, at each overview, the Locations named in ``capacity_history`` since the last sequence
  number seen are read again from ``capacities``. Pushes append to the history in the same
  transaction as they change the counters, and the refresh reads both in one snapshot, so the
  arrays always equal the committed counters of that snapshot.
- **Query**: a mask of the matching offers, the Locations they use (each once), then
  ``numpy.bincount`` per area for every figure and freshness bucket.

One index per engine object (so per server process); a lock serialises refreshes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from ror.availability.overview import (
    BED_NATURES,
    BUCKET_LIMITS_HOURS,
    BUCKETS,
    GROUPINGS,
    METRICS,
    STATUS_METRIC,
    Figures,
    Overview,
    OverviewQuery,
    assemble,
)
from ror.nomenclature.named_codes import CURRENT
from ror.search.embedded import capacities as embedded_capacities

if TYPE_CHECKING:
    from ror.search.embedded.db import Database

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]  # the arrays kept: half the memory of int64
_CHUNK: Final = 500
FULL_RECOUNT_ABOVE: Final = 50_000  # more changed Locations than this: read every counter
POSTINGS_CACHE: Final = 64  # code postings kept per static part
UNKNOWN_AREA: Final = "?"  # an offer whose place names no area (should not happen)

_COUNTER_SUMS: Final = (
    "SELECT loc, nature, status, sum(max(count, 0)), max(updated_ts) FROM capacities "
    f"WHERE temporality = '{CURRENT}' {{where}} GROUP BY loc, nature, status"
)
_NATURE_INDEX: Final = {n: i for i, n in enumerate(BED_NATURES)}
_METRIC_INDEX: Final = {s: METRICS.index(m) for s, m in STATUS_METRIC.items()}


@dataclass(slots=True)
class _State:
    docs_version: int
    facts_version: int
    seq: int
    locs: npt.NDArray[np.bytes_]  # sorted Location keys (UTF-8)
    link_rid: Int32Array  # one entry per (offer, Location) link
    link_lid: Int32Array
    max_rid: int
    offers: int
    area_codes: dict[str, list[str]]  # grouping -> area codes (index = area number)
    lid_area: dict[str, Int32Array]  # grouping -> area number of each Location
    sums: Int32Array  # [nature, metric, location]
    latest: npt.NDArray[np.float64]  # [nature, location]: newest updated_ts, -inf when none
    postings: dict[tuple[str, str], IntArray] = field(default_factory=dict)


class OverviewIndex:
    """The overview of one embedded engine (see the module docstring)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._state: _State | None = None
        self._lock = threading.Lock()

    def overview(self, query: OverviewQuery, now: datetime) -> Overview:
        with self._lock:
            state = self._current()
            with self.db.snapshot() as conn:
                mask = self._offer_mask(conn, state, query)
            return _aggregate(state, query, mask, now)

    # --- keeping in step ---------------------------------------------------------------------

    def _current(self) -> _State:
        for _ in range(3):
            with self.db.snapshot() as conn:
                docs, facts = _versions(conn)
                state = self._state
                if docs != facts:  # facts out of step with the offers
                    state = None
                elif state is None or (state.docs_version, state.facts_version) != (docs, facts):
                    state = _build(conn, docs, facts)
                else:
                    _catch_up(conn, state)
            if state is not None:
                self._state = state
                return state
            # a full load just swapped in: compute the facts (rebuild_facts would, a moment later)
            with self.db.writing() as wconn:
                if not embedded_capacities.facts_current(wconn):
                    embedded_capacities.fill_facts(wconn)
        raise RuntimeError("overview: offer facts still out of step after computing them")

    def _offer_mask(
        self, conn: sqlite3.Connection, state: _State, query: OverviewQuery
    ) -> npt.NDArray[np.bool_] | None:
        """Matching offers as a mask over offer numbers (None: no filter, every offer)."""
        mask: npt.NDArray[np.bool_] | None = None
        for name, codes in query.codes():
            within = np.zeros(state.max_rid + 1, dtype=bool)
            for code in codes:
                within[_postings(conn, state, name, code)] = True
            mask = within if mask is None else mask & within
        return mask


def _versions(conn: sqlite3.Connection) -> tuple[int, int]:
    """(docs_version, facts_version): equal when the facts are in step with the offers."""
    meta = dict(
        conn.execute("SELECT key, value FROM meta WHERE key IN ('docs_version', 'facts_version')")
    )
    return int(meta.get("docs_version", 0)), int(meta.get("facts_version", -1))


def _last_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(seq), 0) FROM capacity_history").fetchone()[0])


def _build(conn: sqlite3.Connection, docs: int, facts: int) -> _State | None:
    """The whole index from the snapshot being read (facts in step); None when an offer using
    a Location has no facts (which facts in step never lack)."""
    seq = _last_seq(conn)
    links = conn.execute("SELECT loc, rid FROM location_offers ORDER BY loc, rid").fetchall()
    n_links = len(links)
    link_rid = np.fromiter((r for _, r in links), dtype=np.int32, count=n_links)
    keys = np.array([loc for loc, _ in links], dtype=object)
    del links
    starts = np.ones(n_links, dtype=bool)
    if n_links:
        starts[1:] = keys[1:] != keys[:-1]
    link_lid = (np.cumsum(starts, dtype=np.int32) - 1).astype(np.int32)
    locs = np.array([k.encode() for k in keys[starts]], dtype=np.bytes_)
    first_rid = link_rid[starts]  # links are ordered by (loc, rid): the lowest rid first
    max_rid = int(
        conn.execute(
            "SELECT max(coalesce((SELECT max(rid) FROM offers), 0), "
            "coalesce((SELECT max(rid) FROM offer_facts), 0))"
        ).fetchone()[0]
    )
    offers = int(conn.execute("SELECT count(*) FROM offers").fetchone()[0])

    area_codes: dict[str, list[str]] = {}
    lid_area: dict[str, Int32Array] = {}
    rid_area: dict[str, IntArray] = {g: np.full(max_rid + 1, -1, dtype=np.int64) for g in GROUPINGS}
    numbers: dict[str, dict[str, int]] = {g: {} for g in GROUPINGS}
    rows = conn.execute("SELECT rid, region, departement FROM offer_facts")
    for rid, region, departement in rows:
        for grouping, code in (("region", region), ("departement", departement)):
            table = numbers[grouping]
            rid_area[grouping][rid] = table.setdefault(code or UNKNOWN_AREA, len(table))
    for grouping in GROUPINGS:
        area = rid_area[grouping][first_rid]
        if (area < 0).any():
            return None
        lid_area[grouping] = area.astype(np.int32)
        area_codes[grouping] = list(numbers[grouping])

    shape = (len(BED_NATURES), len(METRICS), len(locs))
    state = _State(
        docs_version=docs,
        facts_version=facts,
        seq=seq,
        locs=locs,
        link_rid=link_rid,
        link_lid=link_lid,
        max_rid=max_rid,
        offers=offers,
        area_codes=area_codes,
        lid_area=lid_area,
        sums=np.zeros(shape, dtype=np.int32),
        latest=np.full((len(BED_NATURES), len(locs)), -np.inf),
    )
    _apply(state, conn.execute(_COUNTER_SUMS.format(where="")).fetchall())
    return state


def _catch_up(conn: sqlite3.Connection, state: _State) -> None:
    """Read again the Locations pushed since the last sequence number seen."""
    seq = _last_seq(conn)
    if seq == state.seq:
        return
    changed = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT loc FROM capacity_history WHERE seq > ? AND seq <= ?",
            (state.seq, seq),
        )
    ]
    if len(changed) > FULL_RECOUNT_ABOVE:
        state.sums[:] = 0
        state.latest[:] = -np.inf
        _apply(state, conn.execute(_COUNTER_SUMS.format(where="")).fetchall())
    else:
        lids = _lids(state, changed)
        known = lids[lids >= 0]
        state.sums[:, :, known] = 0
        state.latest[:, known] = -np.inf
        for start in range(0, len(changed), _CHUNK):
            chunk = changed[start : start + _CHUNK]
            where = f"AND loc IN ({', '.join('?' * len(chunk))})"
            _apply(state, conn.execute(_COUNTER_SUMS.format(where=where), chunk).fetchall())
    state.seq = seq


def _lids(state: _State, locs: Sequence[str]) -> IntArray:
    """Location numbers of these keys; -1 for a key the index does not hold."""
    if not locs or not len(state.locs):
        return np.full(len(locs), -1, dtype=np.int64)
    wanted = np.array([loc.encode() for loc in locs], dtype=np.bytes_)
    found = np.searchsorted(state.locs, wanted)
    found = np.minimum(found, len(state.locs) - 1)
    return np.where(state.locs[found] == wanted, found, -1).astype(np.int64)


def _apply(state: _State, rows: Sequence[tuple[Any, ...]]) -> None:
    """Add summed counter rows ``(loc, nature, status, sum, latest_ts)``."""
    rows = [r for r in rows if r[1] in _NATURE_INDEX and r[2] in _METRIC_INDEX]
    if not rows:
        return
    lids = _lids(state, [r[0] for r in rows])
    nature = np.fromiter((_NATURE_INDEX[r[1]] for r in rows), dtype=np.int64, count=len(rows))
    metric = np.fromiter((_METRIC_INDEX[r[2]] for r in rows), dtype=np.int64, count=len(rows))
    total = np.fromiter((r[3] for r in rows), dtype=np.int64, count=len(rows))
    ts = np.fromiter((r[4] for r in rows), dtype=np.float64, count=len(rows))
    keep = lids >= 0  # counters of a Location no offer uses any more are not counted
    np.add.at(state.sums, (nature[keep], metric[keep], lids[keep]), total[keep])
    np.maximum.at(state.latest, (nature[keep], lids[keep]), ts[keep])


def _postings(conn: sqlite3.Connection, state: _State, name: str, code: str) -> IntArray:
    """Offer numbers carrying ``code`` in field ``name`` (cached per static part)."""
    found = state.postings.get((name, code))
    if found is None:
        row = conn.execute(
            "SELECT code_id FROM codes WHERE field = ? AND code = ?", (name, code)
        ).fetchone()
        rids: list[int] = []
        if row is not None:
            rids = [r[0] for r in conn.execute("SELECT rid FROM cover WHERE code_id = ?", row)]
        found = np.array(rids, dtype=np.int64)
        found = found[found <= state.max_rid]
        if len(state.postings) >= POSTINGS_CACHE:
            state.postings.clear()
        state.postings[(name, code)] = found
    return found


def _aggregate(
    state: _State, query: OverviewQuery, mask: npt.NDArray[np.bool_] | None, now: datetime
) -> Overview:
    n_locs = len(state.locs)
    if mask is None:
        chosen = np.ones(n_locs, dtype=bool)
        offers = state.offers
    else:
        chosen = np.zeros(n_locs, dtype=bool)
        chosen[state.link_lid[mask[state.link_rid]]] = True
        offers = int(mask.sum())
    nature = _NATURE_INDEX[query.bed_nature]
    lids = np.flatnonzero(chosen & (state.latest[nature] > -np.inf))
    codes = state.area_codes[query.group_by]
    area = state.lid_area[query.group_by][lids]
    n_areas = len(codes)
    per_metric = {
        name: np.bincount(area, weights=state.sums[nature, i, lids], minlength=n_areas)
        for i, name in enumerate(METRICS)
    }
    units = np.bincount(area, minlength=n_areas)
    age_hours = (now.timestamp() - state.latest[nature, lids]) / 3600.0
    bucket = np.searchsorted(np.array(BUCKET_LIMITS_HOURS), age_hours, side="right")
    fresh = np.bincount(area * len(BUCKETS) + bucket, minlength=n_areas * len(BUCKETS))
    fresh = fresh.reshape(n_areas, len(BUCKETS))
    per_area: dict[str, Figures] = {}
    for i, code in enumerate(codes):
        if not units[i]:
            continue
        per_area[code] = Figures(
            **{name: int(per_metric[name][i].round()) for name in METRICS},
            units=int(units[i]),
            freshness=[int(n) for n in fresh[i]],
        )
    return assemble(query, now, per_area, offers)
