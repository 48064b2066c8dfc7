"""Candidates and facets of the embedded engine from its in-memory index (``memory_store.py``).

The same rows as the SQL statements of ``planner.py`` (the tests run both), read with numpy:
the anchor posting (the rarest requested code field) within the grid cells of each ring
(``cells.cap_ranges``), or whole for a rare anchor; the other requested fields as row masks;
distance on unit vectors (``x·qx + y·qy + z·qz``, the SQL expression in the same order, so the
same doubles); prefilter failures by ``prefilter.fails_array``; free beds from the live
availability figures (``memory_availability``).

Candidates come as :class:`Ring` arrays (:class:`RingStream`): the pipeline ranks them many at
once (``ranker_rings``) and can skip the units whose score bound
(``ranking.score_upper_bounds``, from the facts each ring carries) cannot reach the page.
Iterating a :class:`RingStream` gives the plain ``Candidate`` stream of the engine contract.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from ror import deadline
from ror.geo.distance import min_dot, unit_point
from ror.search.embedded import cells
from ror.search.embedded.memory.index import MemoryIndex, Rows
from ror.search.embedded.memory.store import Mask, Snapshot
from ror.search.embedded.planner import Plan
from ror.search.embedded.schema import STAR_CODE_ID
from ror.search.engine import CandidateQuery, Candidates, FacetCounts
from ror.search.prefilter import (
    fails_array,
    failure_tests,
    price_column_for,
    price_holds_array,
    sure_array,
)
from ror.search.rings import FREE, Ring, RingStream

_CHUNK: Final = 32_768  # facet populations are counted this many rows at a time
# Rings of the spatial strategy: fewer and wider than SQL's (``engine.ANNULI_KM``), numpy
# being cheap per unit and dear per call; radius steps within a ring are decided all the same.
RINGS_KM: Final = (5.0, 20.0, 50.0, 200.0, 1000.0)
WHOLE_FRACTION: Final = 0.5  # a ring holding more of the posting reads it all, as the last

Floats = NDArray[np.float64]


# --- selecting rows ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Reader:
    """One query over one snapshot: row selection shared by candidates and facets."""

    snap: Snapshot
    query: CandidateQuery
    posted: Mapping[str, int] = dataclasses.field(default_factory=dict)  # ``Plan.posted``
    point: tuple[float, float, float] | None = None
    price_column: str | None = None

    def __post_init__(self) -> None:
        if self.query.point is not None:
            self.point = unit_point(*self.query.point)
        self.price_column = price_column_for(self.query.prefilter)

    @property
    def max_fails(self) -> int:
        """Prefilter criteria a candidate may fail: none for a strict query (the FHIR facade
        wants no near-miss), else one (the referral search ranks them)."""
        return 0 if self.query.strict else 1

    def rows(
        self,
        part: MemoryIndex,
        dead: Mask | None,
        rows: Rows,
        others: Sequence[tuple[int, ...]],
    ) -> Rows:
        """The rows passing ``others`` (code groups), alive and visible to the audience."""
        deadline.check()
        if not len(rows):
            return rows
        keep = np.ones(len(rows), dtype=bool)
        if dead is not None:
            keep &= ~dead[rows]
        for group in others:
            keep &= part.code_mask(group)[rows]
        hidden = part.hidden(self.query.sensitive_champs)
        if hidden is not None:
            keep &= ~hidden[rows]
        return rows[keep]

    def dots(self, part: MemoryIndex, rows: Rows) -> Floats | None:
        if self.point is None:
            return None
        qx, qy, qz = self.point
        x, y, z = part.column("x")[rows], part.column("y")[rows], part.column("z")[rows]
        out: Floats = x * qx + y * qy + z * qz
        return out

    def figures(self, part: MemoryIndex, rows: Rows) -> Floats:
        """Availability figures of the rows (``memory_availability``)."""
        base = rows if part is self.snap.base else None
        return self.snap.availability.take(part.rid[rows], base)

    def columns(self, part: MemoryIndex, rows: Rows) -> Callable[[str], NDArray[Any]]:
        """The ``prefilter.Column`` of the rows: cover columns, free beds or places, and
        whether each row has a posted key (``Plan.posted``), each gathered once."""
        gathered: dict[str, NDArray[Any]] = {}

        def column(name: str) -> NDArray[Any]:
            out = gathered.get(name)
            if out is None:
                if name in ("beds", "places"):
                    base = rows if part is self.snap.base else None
                    figure = FREE["01" if name == "beds" else "02"]
                    out = self.snap.availability.take_one(figure, part.rid[rows], base)
                elif name in self.posted:
                    out = part.code_mask((self.posted[name],))[rows]
                else:
                    out = part.column(name)[rows]
                gathered[name] = out
            return out

        return column

    def ring(
        self,
        part: MemoryIndex,
        rows: Rows,
        dots: Floats | None,
        *,
        zone_term: bool,
        max_fails: int,
        covered: float | None,
    ) -> Ring:
        """The rows failing at most ``max_fails`` prefilter criteria, with their facts."""
        deadline.check()
        every = self.columns(part, rows)
        fails = fails_array(every, self.query.prefilter, zone_term=zone_term)
        keep = fails <= max_fails
        rows, fails = rows[keep], fails[keep]
        if dots is not None:
            dots = dots[keep]
        kept: dict[str, NDArray[Any]] = {}

        def column(name: str) -> NDArray[Any]:
            if name not in kept:
                kept[name] = every(name)[keep]
            return kept[name]

        price = column("price")
        if self.price_column is not None:
            selected = column(self.price_column)
            price = np.where(price_holds_array(column, self.query.prefilter.now), selected, price)
        refs = part.rid[rows]
        return Ring(
            refs,
            dots,
            fails,
            sure_array(column, self.query.prefilter),
            covered,
            column("aid") != 0,
            price,
            self.figures(part, rows),
        )


def _join(rings: Sequence[Ring], covered: float | None, has_point: bool) -> Ring:
    """Rings of several parts as one."""
    if len(rings) == 1:
        return dataclasses.replace(rings[0], covered=covered)
    return Ring(
        np.concatenate([r.refs for r in rings]),
        np.concatenate([r.dots for r in rings if r.dots is not None]) if has_point else None,
        np.concatenate([r.fails for r in rings]),
        np.concatenate([r.sure for r in rings]),
        covered,
        np.concatenate([r.social_aid for r in rings]),
        np.concatenate([r.price_floor for r in rings]),
        np.concatenate([r.figures for r in rings], axis=1),
    )


# --- candidates ----------------------------------------------------------------------------------


def candidates(snap: Snapshot, query: CandidateQuery, plan: Plan) -> Candidates:
    """The engine's candidates (``Engine.candidates``) from the snapshot."""
    reader = _Reader(snap, query, dict(plan.posted))
    zoned = _by_zone(reader, plan)
    if zoned is None:
        stream = RingStream(_rings(reader, plan, np.empty(0, dtype=np.int64)))
        return Candidates([], stream, plan.strategy, rings=stream, counts_without_reading=True)
    by_zone = zoned.candidates()
    by_zone.sort(key=lambda c: (c.distance_km or 0.0, c.ref))
    stream = RingStream(_rings(reader, plan, np.sort(zoned.refs)), zoned)
    return Candidates(by_zone, stream, plan.strategy, rings=stream, counts_without_reading=True)


def _by_zone(reader: _Reader, plan: Plan) -> Ring | None:
    """Home-based units matched by zone (any distance; None: zones do not apply)."""
    query = reader.query
    if not query.zone_keys or plan.strategy == "empty":
        return None
    keys = sorted(query.zone_keys)
    found = []
    for part, dead in reader.snap.parts():
        rows = part.zone_rows_of(keys)
        rows = reader.rows(part, dead, rows, (plan.anchor_ids, *plan.others))
        found.append(
            reader.ring(
                part,
                rows,
                reader.dots(part, rows),
                zone_term=False,
                max_fails=reader.max_fails,
                covered=None,
            )
        )
    return _join(found, None, query.point is not None)


def _rings(reader: _Reader, plan: Plan, exclude: NDArray[np.int64]) -> Iterator[Ring]:
    query = reader.query
    if plan.strategy == "empty":
        return
    zone_term = bool(query.zone_keys)
    limit = query.max_radius_km

    def ring(
        ranges: Sequence[tuple[int, int]] | None,
        lo_dot: float | None,
        hi_dot: float | None,
        covered: float | None,
    ) -> Ring:
        found = []
        for part, dead in reader.snap.parts():
            rows = part.rows_of(plan.anchor_ids, ranges)
            rows = reader.rows(part, dead, rows, plan.others)
            if len(exclude):
                rows = rows[~np.isin(part.rid[rows], exclude)]
            dots = reader.dots(part, rows)
            if dots is not None and (lo_dot is not None or hi_dot is not None):
                keep = np.ones(len(rows), dtype=bool)
                if lo_dot is not None:
                    keep &= dots >= lo_dot
                if hi_dot is not None:
                    keep &= dots < hi_dot
                rows, dots = rows[keep], dots[keep]
            found.append(
                reader.ring(
                    part,
                    rows,
                    dots,
                    zone_term=zone_term,
                    max_fails=reader.max_fails,
                    covered=covered,
                )
            )
        return _join(found, covered, query.point is not None)

    if query.point is None:
        yield ring(None, None, None, None)
        return
    if plan.strategy == "facet-first":  # one ring: the whole posting (within the bound)
        yield ring(None, None if limit is None else min_dot(limit), None, None)
        return
    inner = 0.0
    for outer in (*RINGS_KM, None):
        if limit is not None and (outer is None or outer >= limit):
            outer = limit
        hi_dot = min_dot(inner) if inner > 0 else None
        if outer is None:
            yield ring(None, None, hi_dot, None)
            return
        ranges = cells.cap_ranges(query.point[0], query.point[1], outer)
        if _most_of(reader, plan, ranges):  # one pass over the posting rather than two
            yield ring(None, None, hi_dot, None)
            return
        yield ring(ranges, min_dot(outer), hi_dot, outer)
        if limit is not None and outer >= limit:
            return
        inner = outer


def _most_of(reader: _Reader, plan: Plan, ranges: Sequence[tuple[int, int]]) -> bool:
    """Do these cells hold most of the anchor posting (of the base index)?"""
    part = reader.snap.base
    inside = whole = 0
    bounds = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
    for k in part.code_indexes(plan.anchor_ids):
        start, end = part.posting(k)
        found = part.post_cells[start:end]
        lo = np.searchsorted(found, bounds[:, 0], side="left")
        hi = np.searchsorted(found, bounds[:, 1], side="right")
        inside += int((hi - lo).sum())
        whole += end - start
    return inside > WHOLE_FRACTION * whole


# --- facets --------------------------------------------------------------------------------------


def facets(
    snap: Snapshot,
    query: CandidateQuery,
    radius_km: float | None,
    fields: Sequence[str],
    plans: Mapping[tuple[tuple[str, tuple[str, ...]], ...], Plan],
    code_names: Mapping[int, tuple[str, str]],
    max_units: int,
) -> FacetCounts:
    """``Engine.facets`` from the snapshot; ``plans`` has the plan of each group of fields
    (the query's codes without those fields)."""
    groups: dict[tuple[tuple[str, tuple[str, ...]], ...], list[str]] = {}
    for name in fields:
        codes = tuple((k, v) for k, v in query.codes if k != name)
        groups.setdefault(codes, []).append(name)
    counts: dict[str, dict[str, int]] = {name: {} for name in fields}
    incomplete: list[str] = []
    for codes, names in groups.items():
        sub = dataclasses.replace(query, codes=codes)
        plan = plans[codes]
        if plan.strategy == "empty":
            continue
        population = _population(_Reader(snap, sub, dict(plan.posted)), plan, radius_km, max_units)
        if population is None:
            incomplete.extend(names)
            continue
        for part, rows in population:
            codes_found = part.codes_of_rows(rows)
            tally = np.bincount(codes_found, minlength=len(part.code_ids))
            for k in np.flatnonzero(tally).tolist():
                name, code = code_names.get(int(part.code_ids[k]), ("", ""))
                if name in names:
                    counts[name][code] = counts[name].get(code, 0) + int(tally[k])
    for name in incomplete:
        counts.pop(name, None)
    return FacetCounts(
        counts,
        "units within the radius used (or matched by zone) having a code of every other "
        "requested field and failing no prefilter criterion",
        tuple(incomplete),
    )


def _population(
    reader: _Reader, plan: Plan, radius_km: float | None, max_units: int
) -> list[tuple[MemoryIndex, Rows]] | None:
    """Rows of each part counted by the facets (``planner.population_statement``), or None
    when more than ``max_units``."""
    query = reader.query
    zone_keys = sorted(query.zone_keys)
    near = query.point is not None and radius_km is not None
    total = 0
    out = []
    for part, dead in reader.snap.parts():
        kept: list[Rows] = []
        zoned = np.empty(0, dtype=np.int64)
        if zone_keys:
            rows = reader.rows(part, dead, part.zone_rows_of(zone_keys), plan.others)
            rows = rows[_has_any(part, rows, plan.anchor_ids)]
            zoned = _passing(reader, part, rows, zone_term=False)
            kept.append(zoned)
            total += len(zoned)
        ranges = None
        if near:
            assert query.point is not None and radius_km is not None
            ranges = cells.cap_ranges(query.point[0], query.point[1], radius_km)
        candidates = part.rows_of(plan.anchor_ids, ranges)
        for start in range(0, len(candidates), _CHUNK):
            rows = reader.rows(part, dead, candidates[start : start + _CHUNK], plan.others)
            rows = _passing(reader, part, rows, zone_term=bool(zone_keys))
            if near:
                assert radius_km is not None
                dots = reader.dots(part, rows)
                assert dots is not None
                rows = rows[dots >= min_dot(radius_km)]
            if len(zoned):
                rows = rows[~np.isin(rows, zoned)]
            kept.append(rows)
            total += len(rows)
            if total > max_units:
                return None
        if total > max_units:
            return None
        out.append((part, np.concatenate(kept) if kept else np.empty(0, dtype=np.int64)))
    return out


def _has_any(part: MemoryIndex, rows: Rows, code_ids: tuple[int, ...]) -> NDArray[np.bool_]:
    if tuple(code_ids) == (STAR_CODE_ID,):
        return np.ones(len(rows), dtype=bool)
    return part.code_mask(tuple(code_ids))[rows]


def _passing(reader: _Reader, part: MemoryIndex, rows: Rows, *, zone_term: bool) -> Rows:
    """The rows failing no prefilter criterion (tested one criterion at a time)."""
    for test in failure_tests(reader.query.prefilter, zone_term=zone_term):
        if not len(rows):
            break
        rows = rows[~test(reader.columns(part, rows))]
    return rows
