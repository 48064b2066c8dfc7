"""Ranking candidates given as ring arrays (``rings.Ring``), many at once.

The same answer as ``ranker.consume`` on the same units in distance order, with far less
Python per unit:

- radius steps are decided exactly as on a stream: once every unit within a step has been
  seen (the ring covers it, or holds a farther unit), ``Ranker.certain`` may stop the search;
- units failing one prefilter criterion are kept as arrays and become ``Candidate`` only when
  the near-misses read them, nearest first;
- eligible units are taken best score bound first (``ranking.score_upper_bounds`` on the
  facts the ring carries; then nearest, then ref). A unit whose bound cannot reach the page is
  counted without being read when the prefilter is sure of it, and so is every later one, the
  page only getting better; units the prefilter is not sure of are read and checked (for the
  total), scored only when they may enter.

Distances of read units are ``dot_to_km`` (``math``), as on the stream; the numpy
distances only bound scores (``ranking.BOUND_MARGIN`` absorbs their last-bit differences) and
split rings at radius steps (a unit within a hair of a step is measured with ``math``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ror import deadline
from ror.geo.distance import dot_to_km
from ror.ranking.scoring import bed_need, score_upper_bounds
from ror.search.engine import Candidate
from ror.search.ranker import Ranker, TiedUnits, final_radius
from ror.search.rings import Ring

_READ_AHEAD: Final = 2
_ID_CHUNK: Final = 512  # offers looked up per step when ties are read in id order (at first)
_ID_CHUNK_MAX: Final = 65_536  # the step doubles up to this
_BY_ID_MIN: Final = 2048  # a run this long or shorter is read whole rather than by id
_PAST_EVERY_ID: Final = "\U0010ffff"
_EDGE: Final = 1e-9  # relative: numpy distances this close to a step are measured again

Steps = tuple[float | None, ...]


def consume(
    ranker: Ranker, rings: Iterator[Ring], steps: Steps, by_zone: Ring | None = None
) -> tuple[float | None, Iterator[Candidate]]:
    """Rank the rings; returns the radius used and the near-miss material (nearest first).

    Units are ranked (hence read) only at a step where the search may stop: one where the
    ``wanted``-th best of the scores known and the bounds not yet ranked reaches the bound
    beyond the step; until then they wait, so that units a farther, better one would push off
    the page are seldom read.
    """
    fixed = ranker.criteria.radius_km is not None
    pool: list[Ring] = []
    if by_zone is not None:  # home-based units matched by zone: no distance factor
        pool.append(by_zone.take(by_zone.fails == 1))
        eligible = by_zone.take(by_zone.fails == 0)
        _rank(ranker, eligible, _bounds(ranker, eligible, by_zone=True), by_zone=True)
    waiting: list[Ring] = []  # units eligible by prefilter, not ranked yet
    bounds: list[NDArray[np.float64]] = []
    step = 0
    radius = steps[0]
    for ring in rings:
        deadline.check()
        km = ring.km()
        pending = np.ones(len(ring), dtype=bool)
        while True:
            inside = (
                pending if radius is None or km is None else pending & _within(ring, km, radius)
            )
            if inside.any():
                part = ring if inside.all() else ring.take(np.flatnonzero(inside))
                pool.append(part.take(part.fails == 1))
                eligible = part.take(part.fails == 0)
                waiting.append(eligible)
                bounds.append(_bounds(ranker, eligible))
                pending &= ~inside
            decidable = (
                not fixed
                and radius is not None
                and (pending.any() or (ring.covered is not None and ring.covered >= radius))
            )
            if not decidable:
                break
            assert radius is not None
            if _may_stop(ranker, bounds, radius):
                _rank_waiting(ranker, waiting, bounds)
                if ranker.certain(radius):
                    return radius, _nearest(pool)
            step += 1
            radius = steps[step]
    _rank_waiting(ranker, waiting, bounds)
    return final_radius(ranker, steps, step), _nearest(pool)


def _bounds(ranker: Ranker, ring: Ring, *, by_zone: bool = False) -> NDArray[np.float64]:
    criteria, weights = ranker.criteria, ranker.weights
    facts = ring.facts(bed_need(criteria, weights))
    return score_upper_bounds(ring.km(), facts, criteria, weights, ranker.now, by_zone=by_zone)


def _may_stop(ranker: Ranker, bounds: list[NDArray[np.float64]], radius: float) -> bool:
    """Could the search stop at ``radius`` once the waiting units are ranked? Not when the
    ``wanted``-th best of the known scores and waiting bounds is below the bound beyond."""
    wanted = ranker.wanted
    if wanted == 0:
        return True
    best = np.concatenate([np.asarray([r.score for r in ranker.top]), *bounds])
    if len(best) < wanted:
        return False
    kth = float(np.partition(best, len(best) - wanted)[len(best) - wanted])
    return kth >= ranker.bound(radius)


def _rank_waiting(ranker: Ranker, waiting: list[Ring], bounds: list[NDArray[np.float64]]) -> None:
    if waiting:
        _rank(ranker, _join(waiting), np.concatenate(bounds))
        waiting.clear()
        bounds.clear()


def _join(rings: list[Ring]) -> Ring:
    if len(rings) == 1:
        return rings[0]
    first = rings[0]
    return Ring(
        np.concatenate([r.refs for r in rings]),
        None
        if first.dots is None
        else np.concatenate([r.dots for r in rings if r.dots is not None]),
        np.concatenate([r.fails for r in rings]),
        np.concatenate([r.sure for r in rings]),
        None,
        np.concatenate([r.social_aid for r in rings]),
        np.concatenate([r.price_floor for r in rings]),
        np.concatenate([r.figures for r in rings], axis=1),
    )


def _within(ring: Ring, km: NDArray[np.float64], radius: float) -> NDArray[np.bool_]:
    """``distance <= radius`` with the distances ``math`` gives near the edge."""
    inside = km <= radius
    edge = np.flatnonzero(np.abs(km - radius) <= _EDGE * max(1.0, radius))
    if len(edge) and ring.dots is not None:
        for i in edge.tolist():
            inside[i] = dot_to_km(float(ring.dots[i])) <= radius
    return inside


def _rank(
    ranker: Ranker, ring: Ring, bounds: NDArray[np.float64], *, by_zone: bool = False
) -> None:
    """Eligible-by-prefilter units, best bound first (``bounds``: their score bounds)."""
    if not len(ring):
        return
    deadline.check()
    km = ring.km()
    near_km = km if km is not None else np.zeros(len(ring))
    order = np.lexsort((ring.refs, near_km, -bounds))
    deadline.check()
    sure_units = ring.sure & ranker.exact

    def refs(j: int) -> int:  # element by element: a page reads a few of a million units
        return int(ring.refs[j])

    def near(j: int) -> float:
        return float(near_km[j])

    def sure(j: int) -> bool:
        return bool(sure_units[j])

    def best_of(j: int) -> float:
        return float(bounds[j])

    # runs of equal bound and distance (``order`` sorts by both): where each ends, and how
    # many sure units come before each position
    ordered_bounds, ordered_km = bounds[order], near_km[order]
    cuts = np.flatnonzero(
        (ordered_bounds[1:] != ordered_bounds[:-1]) | (ordered_km[1:] != ordered_km[:-1])
    )
    ends = np.append(cuts + 1, len(order))
    sure_before = np.concatenate(([0], np.cumsum(sure_units[order])))
    i = 0
    while i < len(order):
        j = order[i]
        if sure(j) and ranker.in_id_order is not None:
            end = int(ends[np.searchsorted(ends, i, side="right")])
            tied = int(sure_before[end] - sure_before[i])
            if _by_id(ranker, best_of(j), near(j), tied):
                i = _rank_tie(ranker, ring, order, i, end, bounds, near_km, sure_units, by_zone)
                continue
        # read in one go what may enter: while the page fills, that many and a few more
        room = max(ranker.wanted - len(ranker.top), 0) + _READ_AHEAD
        ahead = order[i : i + room].tolist()
        ranker.read([refs(j) for j in ahead if not sure(j)])
        ranker.read_sure(
            [refs(j) for j in ahead if sure(j) and ranker.may_enter_bound(best_of(j), near(j))]
        )
        for j in ahead:
            if sure(j) and not ranker.may_enter_bound(best_of(j), near(j)):
                rest = order[i:]
                ranker.count_unread(ring.refs[rest[sure_units[rest]]])  # none can enter either
                for k in rest[~sure_units[rest]].tolist():
                    ranker.read([refs(k)])
                    offer = ranker.known[refs(k)]
                    if ranker.consider(_candidate(ring, k), offer, by_zone, best=best_of(k)):
                        ranker.total += 1
                return
            if sure(j):
                ranker.read_sure([refs(j)])
            else:
                ranker.read([refs(j)])
            offer = ranker.offer(refs(j))
            if ranker.consider(_candidate(ring, j), offer, by_zone, best_of(j), eligible=sure(j)):
                ranker.total += 1
            i += 1


def _by_id(ranker: Ranker, best: float, distance: float, tied: int) -> bool:
    """Rank a run of ``tied`` sure units of equal bound and distance in offer id order (the
    tie-break): when the page is full and its last unit ties them, or when the run is much
    longer than the room left on the page."""
    if not ranker.wanted:
        return False
    room = ranker.wanted - len(ranker.top)
    if room <= 0:
        last = ranker.top[ranker.wanted - 1]
        return best == last.score and distance == last.key[1]
    return tied > max(4 * room, _BY_ID_MIN)


def _rank_tie(
    ranker: Ranker,
    ring: Ring,
    order: NDArray[np.intp],
    start: int,
    end: int,
    bounds: NDArray[np.float64],
    near_km: NDArray[np.float64],
    sure_units: NDArray[np.bool_],
    by_zone: bool,
) -> int:
    """Rank the run ``order[start:end]`` of units of equal bound and distance; returns ``end``.

    The sure ones all count. They are read in offer id order (the engine's ``in_id_order``)
    while the page is not full; once it is, only those whose id comes before the last one's
    may enter, as long as the last one's score and distance tie the run's bound (scores are
    exact then): a page of them is read instead of the whole run. Should the last one score
    below the bound, the rest of the run is read as usual.
    """
    assert ranker.in_id_order is not None
    run = order[start:end]
    best, distance = float(bounds[run[0]]), float(near_km[run[0]])
    tied = run[sure_units[run]]
    ranker.count_unread(ring.refs[tied])
    by_ref = tied[np.argsort(ring.refs[tied], kind="stable")]
    refs = ring.refs[by_ref]
    done = np.zeros(len(refs), dtype=bool)
    after, size, settled = "", _ID_CHUNK, True
    while len(refs):
        before, want = _PAST_EVERY_ID, ranker.wanted - len(ranker.top) + _READ_AHEAD
        if want <= _READ_AHEAD:
            last = ranker.top[ranker.wanted - 1]
            if last.score != best or last.key[1] != distance:
                settled = False
                break
            before, want = last.offer.id, size
            size = min(2 * size, _ID_CHUNK_MAX)
        chunk, after = ranker.in_id_order(after, before, want)
        if not chunk:
            break
        found = np.asarray(chunk, dtype=refs.dtype)
        at = np.minimum(np.searchsorted(refs, found), len(refs) - 1)
        hits = at[(refs[at] == found) & ~done[at]]
        done[hits] = True
        _consider_all(ranker, ring, by_ref[hits].tolist(), by_zone, best)
    if not settled:
        _consider_all(ranker, ring, by_ref[~done].tolist(), by_zone, best)
    for k in run[~sure_units[run]].tolist():
        ranker.read([int(ring.refs[k])])
        offer = ranker.known[int(ring.refs[k])]
        if ranker.consider(_candidate(ring, k), offer, by_zone, best=best):
            ranker.total += 1
    return end


def _consider_all(ranker: Ranker, ring: Ring, units: list[int], by_zone: bool, best: float) -> None:
    """Read (for ranking) and consider sure units (already counted)."""
    for i in range(0, len(units), _ID_CHUNK):
        part = units[i : i + _ID_CHUNK]
        ranker.read_sure([int(ring.refs[k]) for k in part])
        for k in part:
            offer = ranker.offer(int(ring.refs[k]))
            ranker.consider(_candidate(ring, k), offer, by_zone, best, eligible=True)


def _candidate(ring: Ring, i: int) -> Candidate:
    dot = None if ring.dots is None else float(ring.dots[i])
    return Candidate(
        int(ring.refs[i]),
        None if dot is None else dot_to_km(dot),
        int(ring.fails[i]),
        bool(ring.sure[i]),
    )


def _nearest(parts: list[Ring]) -> Iterator[Candidate]:
    """The units of the rings as ``Candidate``, nearest first, made as they are read."""
    return _Nearest([p for p in parts if len(p)])


class _Nearest(Iterator[Candidate]):
    """Units of rings nearest first (then by ref), as ``Candidate`` made one at a time, or a
    whole run at one distance at once (:meth:`take_at`) without making them."""

    def __init__(self, parts: list[Ring]) -> None:
        self.i = 0
        if not parts:
            self.refs, self.dots = np.empty(0, dtype=np.int64), None
            self.sure = np.empty(0, dtype=bool)
            return
        refs = np.concatenate([p.refs for p in parts])
        if parts[0].dots is None:
            order = np.argsort(refs, kind="stable")
            self.refs, self.dots = refs[order], None
            self.sure = np.ones(len(refs), dtype=bool)
            return
        dots = np.concatenate([p.dots for p in parts if p.dots is not None])
        order = np.lexsort((refs, -dots))
        self.refs, self.dots = refs[order], dots[order]
        self.sure = np.concatenate([p.sure for p in parts])[order]

    def _make(self, i: int) -> Candidate:
        km = None if self.dots is None else dot_to_km(float(self.dots[i]))
        return Candidate(int(self.refs[i]), km, 1, bool(self.sure[i]))

    def __next__(self) -> Candidate:
        if self.i >= len(self.refs):
            raise StopIteration
        self.i += 1
        return self._make(self.i - 1)

    def take_at(self, distance: float) -> TiedUnits:
        """The units from here on at ``distance`` (none nearer remains), by ref; taken out."""
        start, end = self.i, len(self.refs)
        if self.dots is not None:
            dots = self.dots

            class _Km(Sequence[float]):
                def __len__(self) -> int:
                    return end

                def __getitem__(self, i: int) -> float:  # type: ignore[override]
                    return dot_to_km(float(dots[i]))

            end = bisect.bisect_right(_Km(), distance, lo=start)
        elif distance != 0.0:
            end = start
        self.i = end
        by_ref = start + np.argsort(self.refs[start:end], kind="stable")
        return TiedUnits(self.refs[by_ref], lambda k: self._make(int(by_ref[k])))
