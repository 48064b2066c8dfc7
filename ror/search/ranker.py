"""The ranker: the best ``offset + limit`` eligible units of a candidate stream, exactly.

It checks (``ranking.check``) and scores units as the engine streams them, nearest first, and
decides when widening may stop (see ``pipeline`` for the semantics). Ring arrays are ranked
many at once by ``ranker_rings``.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ror import deadline
from ror.criteria import Criteria
from ror.model import Offer
from ror.ranking import Weights, check, score, score_upper_bound
from ror.ranking.scoring import Scored, bed_need
from ror.search.engine import Candidate, Engine, RankingOffers, RingMark, Streamed
from ror.search.grouping import Groups, group_key, keys_of
from ror.search.rings import IdOrder, union

RADIUS_STEPS_KM: Final = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)
LOOKAHEAD: Final = 32
_READ_AHEAD: Final = 2  # offers read beyond those the page still needs


@dataclass(order=True, frozen=True, slots=True)
class Ranked:
    """An eligible unit: sorts best first (score, then distance, then id)."""

    key: tuple[float, float, str]
    offer: Offer = field(compare=False)
    distance_km: float | None = field(compare=False)
    scored: Scored = field(compare=False)  # its score, factors and freshness, explained as is
    by_zone: bool = field(compare=False)
    group: str = field(default="", compare=False)  # ``grouping.group_key`` ("" ungrouped)
    ref: int = field(default=-1, compare=False)  # the engine's ref of the unit

    @property
    def score(self) -> float:
        return self.scored.score


@dataclass(slots=True)
class Ranking:
    top: list[Ranked]
    total: int  # eligible units, or groups when grouped
    radius_km: float | None
    strategy: str
    pool: list[Candidate]  # near-miss material (any order; filtered by radius when read)
    known: dict[int, Offer]  # offers already read
    by_zone: set[int]  # refs of the home-based units matched by zone (any distance)
    more_pool: Iterator[Candidate] = field(default_factory=lambda: iter(()))  # nearest first
    in_id_order: IdOrder | None = None  # the engine's offers by id: ties are read by id
    # the groups counted in ``total``, with the refs of their eligible units (grouped only)
    groups: Groups = field(default_factory=Groups)
    # offers read for ranking alone (``RankingOffers``), kept for the search: never shown
    partial: dict[int, Offer] = field(default_factory=dict)

    def page(self, engine: Engine, start: int, stop: int) -> list[Ranked]:
        """``top[start:stop]`` with whole offers (those ranked on partial ones read now)."""
        page = self.top[start:stop]
        wanted = [r.ref for r in page if r.ref in self.partial and r.ref not in self.known]
        if wanted:
            self.known.update(zip(wanted, engine.offers(wanted), strict=True))
        return [
            dataclasses.replace(r, offer=self.known[r.ref]) if r.ref in self.partial else r
            for r in page
        ]

    def nearest_pool(self) -> NearMissPool:
        """Near-miss material within the radius used (zone matches: any distance), nearest
        first."""
        return NearMissPool(self)


class TiedUnits(Mapping[int, Candidate]):
    """Units at one distance, by ref, from sorted arrays: a ``Candidate`` is made only for a
    ref looked up (a search without a position may leave a million units tied)."""

    def __init__(self, refs: NDArray[np.int64], make: Callable[[int], Candidate]) -> None:
        self.refs, self.make = refs, make  # refs sorted; make(i): the unit at refs[i]

    def _at(self, ref: int) -> int:
        i = int(np.searchsorted(self.refs, ref))
        if i >= len(self.refs) or int(self.refs[i]) != ref:
            raise KeyError(ref)
        return i

    def __getitem__(self, ref: int) -> Candidate:
        return self.make(self._at(ref))

    def __contains__(self, ref: object) -> bool:
        try:
            self._at(int(ref))  # type: ignore[call-overload]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[int]:
        return iter(self.refs.tolist())

    def present(self, refs: Sequence[int]) -> NDArray[np.bool_]:
        """Which of ``refs`` are among these units, looked up in one pass."""
        wanted = np.asarray(refs, dtype=np.int64)
        at = np.searchsorted(self.refs, wanted)
        inside = at < len(self.refs)
        hit = np.zeros(len(wanted), dtype=np.bool_)
        hit[inside] = self.refs[at[inside]] == wanted[inside]
        return hit

    def __len__(self) -> int:
        return len(self.refs)

    def all_refs(self) -> NDArray[np.int64]:
        return self.refs

    def only(self, keep: NDArray[np.bool_]) -> TiedUnits:
        kept = np.flatnonzero(keep)
        return TiedUnits(self.refs[kept], lambda i: self.make(int(kept[i])))


class NearMissPool(Iterator[Candidate]):
    """The near-miss material of a ranking, nearest first: the units listed one by one and
    those the rings left as arrays (``ranker_rings``), merged (listed first at equal
    distance), within the radius used (zone matches: any distance)."""

    def __init__(self, ranked: Ranking) -> None:
        self.radius, self.by_zone = ranked.radius_km, ranked.by_zone
        self.listed = sorted((c for c in ranked.pool if self.inside(c)), key=distance_of)
        self.more = ranked.more_pool
        self.i = 0
        self.head: Candidate | None = None  # the next unit of ``more`` within the radius

    def inside(self, c: Candidate) -> bool:
        radius = self.radius
        return (
            c.ref in self.by_zone
            or radius is None
            or c.distance_km is None
            or c.distance_km <= radius
        )

    def _peek(self) -> Candidate | None:
        while self.head is None:
            c = next(self.more, None)
            if c is None:
                return None
            if self.inside(c):
                self.head = c
        return self.head

    def __next__(self) -> Candidate:
        head = self._peek()
        if self.i < len(self.listed) and (
            head is None or distance_of(self.listed[self.i]) <= distance_of(head)
        ):
            self.i += 1
            return self.listed[self.i - 1]
        if head is None:
            raise StopIteration
        self.head = None
        return head

    def at(self, distance: float) -> Mapping[int, Candidate]:
        """Every remaining unit at ``distance`` (none nearer remains), by ref, taken out."""
        tied: dict[int, Candidate] = {}
        while self.i < len(self.listed) and distance_of(self.listed[self.i]) == distance:
            tied[self.listed[self.i].ref] = self.listed[self.i]
            self.i += 1
        take_at = getattr(self.more, "take_at", None)
        if take_at is None:
            for c in itertools.takewhile(functools.partial(at_distance, distance), self):
                tied[c.ref] = c
            return tied
        if self.head is not None:
            if distance_of(self.head) != distance:
                return tied
            tied[self.head.ref], self.head = self.head, None
        arrays: TiedUnits = take_at(distance)
        if self.radius is not None and distance > self.radius:  # zone matches only
            arrays = arrays.only(np.isin(arrays.refs, np.fromiter(self.by_zone, np.int64)))
        return Merged(tied, arrays)


class Merged(Mapping[int, Candidate]):
    """Several mappings read as one (the first that has a key answers)."""

    def __init__(self, *maps: Mapping[int, Candidate]) -> None:
        self.maps = maps

    def __getitem__(self, ref: int) -> Candidate:
        for m in self.maps:
            if ref in m:
                return m[ref]
        raise KeyError(ref)

    def __contains__(self, ref: object) -> bool:
        return any(ref in m for m in self.maps)

    def present(self, refs: Sequence[int]) -> NDArray[np.bool_]:
        """Which of ``refs`` some mapping has (a run of a search without a position holds a
        million units: looked up by array, not one by one)."""
        hit = np.zeros(len(refs), dtype=np.bool_)
        for m in self.maps:
            if isinstance(m, TiedUnits | Merged):
                hit |= m.present(refs)
            else:
                hit |= np.fromiter((r in m for r in refs), dtype=np.bool_, count=len(refs))
        return hit

    def all_refs(self) -> NDArray[np.int64]:
        """Every ref of the mappings (each once)."""
        parts = [
            m.all_refs() if isinstance(m, TiedUnits | Merged) else np.fromiter(m, np.int64, len(m))
            for m in self.maps
        ]
        return union(parts)

    def having(self, refs: Sequence[int]) -> list[int]:
        """The refs of ``refs`` that some mapping has, in their order."""
        return [r for r, h in zip(refs, self.present(refs).tolist(), strict=True) if h]

    def __iter__(self) -> Iterator[int]:
        return iter(dict.fromkeys(k for m in self.maps for k in m))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def distance_of(c: Candidate) -> float:
    return c.distance_km or 0.0


def at_distance(distance: float, c: Candidate) -> bool:
    return distance_of(c) == distance


def deep(criteria: Criteria) -> bool:
    """The page lies deep enough that the units ranked above it are read for ranking alone
    (``RankingOffers``) and the page read whole again: they outnumber the page twice over. A
    nearer page reads its units whole once (a second read of each would cost more than the
    partial reads save)."""
    return criteria.offset > 0 and criteria.offset >= 2 * criteria.limit


class Ranker:
    """The best ``offset + limit`` eligible units seen so far, and what is known of the rest.

    ``consider`` checks (``ranking.check``) and scores a unit; the ``may_enter*`` and
    ``certain`` rules let a search skip units and stop widening without changing its answer.

    Grouped (``Criteria.grouping`` other than "offer"), the top holds one entry per group, its
    best unit: a group ranks as its best member, so a unit that cannot enter an ungrouped top
    cannot change a grouped one either, and the same rules hold. ``total`` then counts units
    as they come and :meth:`group_total` the groups among them (units counted without being
    read are kept by ref and their groups asked of the engine at the end); ``groups`` keeps the
    refs of each group's units, the members a page's groups list.
    """

    def __init__(
        self,
        engine: Engine,
        criteria: Criteria,
        weights: Weights,
        now: datetime,
        zone_keys: frozenset[str],
        exact: bool,
    ) -> None:
        self.engine = engine
        self.criteria = criteria
        self.weights = weights
        self.now = now
        self.zone_keys = zone_keys
        self.exact = exact  # the prefilter decides every criterion: sure units need no check
        self.wanted = criteria.offset + criteria.limit
        self.top: list[Ranked] = []
        self._keys: list[tuple[float, float, str]] = []  # the keys of ``top``, searched by bisect
        self.total = 0
        self.pool: list[Candidate] = []
        self.known: dict[int, Offer] = {}
        self.partial: dict[int, Offer] = {}  # read for ranking alone (sure units)
        # the engine reads units for ranking alone (asked once: a runtime Protocol check is slow)
        self._partly = engine if deep(criteria) and isinstance(engine, RankingOffers) else None
        self._counters = bed_need(criteria, weights) is not None or criteria.grouping == "location"
        self._closed_beyond = float("inf")  # no stream unit this far can enter the top
        self.in_id_order: IdOrder | None = None  # the engine's offers by id (``ranker_rings``)
        self._bound_at_zero: float | None = None
        self.grouping = criteria.grouping
        self.grouped = self.grouping != "offer"
        self.groups = Groups()  # the groups of the eligible units (grouped)
        self._unread: list[np.ndarray] = []  # refs counted without being read (grouped only)
        self._top_of: dict[str, Ranked] = {}  # group -> its entry in the top

    def count_unread(self, refs: Sequence[int] | np.ndarray) -> None:
        """Count eligible units without reading them (their groups are asked later)."""
        self.total += len(refs)
        if self.grouped and len(refs):
            self._unread.append(np.asarray(refs, dtype=np.int64))

    def group_total(self) -> int:
        """Groups among the eligible units counted (``total`` when not grouped)."""
        if not self.grouped:
            return self.total
        if self._unread:
            refs = union(self._unread).tolist()
            self.groups.add_unread(refs, keys_of(self.engine, refs, self.grouping))
            self._unread.clear()
        return len(self.groups)

    def bound(self, distance: float | None) -> float:
        """The best score of any unit at ``distance`` or farther (``score_upper_bound``)."""
        if distance is None:
            return float("inf")
        if distance == 0.0:  # every unit matched by zone: asked once
            if self._bound_at_zero is None:
                self._bound_at_zero = score_upper_bound(0.0, self.criteria, self.weights)
            return self._bound_at_zero
        return score_upper_bound(distance, self.criteria, self.weights)

    def may_enter(self, distance: float | None, by_zone: bool = False) -> bool:
        """Could a unit at this distance still enter the top (ties go to the nearer)?
        Units matched by zone have no distance penalty: their bound is the one at 0 km."""
        if len(self.top) < self.wanted:
            return True
        if self.wanted == 0:
            return False
        if not by_zone and distance is not None and distance >= self._closed_beyond:
            return False  # the bound only falls with distance, the top only gets better
        best = self.bound(0.0 if by_zone and distance is not None else distance)
        could = self.may_enter_bound(best, distance)
        if not could and not by_zone and distance is not None:
            self._closed_beyond = distance
        return could

    def may_enter_bound(self, best: float, distance: float | None) -> bool:
        """Could a unit whose score is at most ``best`` enter the top?"""
        if len(self.top) < self.wanted:
            return True
        if self.wanted == 0:
            return False
        last = self.top[self.wanted - 1]
        return best > last.score or (best == last.score and (distance or 0.0) <= last.key[1])

    def certain(self, radius: float) -> bool:
        """No unit beyond ``radius`` can enter the top: the answer is final."""
        if len(self.top) < self.wanted:
            return False
        if self.wanted == 0:
            return True
        best, last = self.bound(radius), self.top[self.wanted - 1]
        return last.score > best or (last.score == best and last.key[1] <= radius)

    def consider(
        self,
        c: Candidate,
        offer: Offer,
        by_zone: bool,
        best: float | None = None,
        *,
        eligible: bool = False,
    ) -> bool:
        """Check one unit (unless ``eligible``: the prefilter decides it exactly) and score it
        unless its bound ``best`` keeps it out of the top; True when eligible (a unit failing
        one criterion joins the near-miss pool)."""
        if not eligible:
            failures = check(
                offer,
                self.criteria,
                now=self.now,
                patient_zone_keys=self.zone_keys,
                distance_km=c.distance_km,
            )
            if failures:
                if len(failures) == 1:
                    self.pool.append(c)
                return False
        group = group_key(offer, self.grouping) if self.grouped else ""
        if group:
            self.groups.add(group, c.ref)
        if best is not None and not self.may_enter_bound(best, c.distance_km):
            return True
        scored = score(
            offer, self.criteria, distance_km=c.distance_km, now=self.now, weights=self.weights
        )
        key = (-scored.score, c.distance_km or 0.0, offer.id)
        held = self._top_of.get(group) if group else None
        if held is not None:
            if held.key <= key:
                return True  # a member of a group already ranked by a better unit
            i = bisect.bisect_left(self._keys, held.key)
            del self._keys[i], self.top[i], self._top_of[group]
        at = bisect.bisect_right(self._keys, key)
        if at >= self.wanted:
            return True
        entry = Ranked(key, offer, c.distance_km, scored, by_zone, group, c.ref)
        self._keys.insert(at, key)
        self.top.insert(at, entry)
        if group:
            self._top_of[group] = entry
            for dropped in self.top[self.wanted :]:
                del self._top_of[dropped.group]
        del self._keys[self.wanted :], self.top[self.wanted :]
        return True

    def read(self, refs: Sequence[int]) -> None:
        """Read, in one go, the offers not read yet among ``refs``."""
        deadline.check()
        missing = [r for r in dict.fromkeys(refs) if r not in self.known]
        if missing:
            self.known.update(zip(missing, self.engine.offers(missing), strict=True))

    def read_sure(self, refs: Sequence[int]) -> None:
        """Read, in one go, units the prefilter is sure of, for ranking alone: partly where the
        engine can (``RankingOffers``), else whole."""
        partly = self._partly
        if partly is None:
            self.read(refs)
            return
        deadline.check()
        missing = [r for r in dict.fromkeys(refs) if r not in self.known and r not in self.partial]
        if missing:
            read = partly.ranking_offers(missing, self._counters)
            self.partial.update(zip(missing, read, strict=True))

    def offer(self, ref: int) -> Offer:
        """A unit read (whole, else for ranking)."""
        found = self.known.get(ref)
        return found if found is not None else self.partial[ref]


def consume_by_zone(ranker: Ranker, by_zone: list[Candidate]) -> None:
    """Rank the home-based units matched by zone (nearest first), reading in small batches
    those that may enter the page."""
    exact = ranker.exact

    def needed(c: Candidate) -> bool:
        sure = exact and c.sure
        return c.fails == 0 and (not sure or ranker.may_enter(c.distance_km, by_zone=True))

    i = 0
    while i < len(by_zone):
        batch = by_zone[i : i + max(ranker.wanted - len(ranker.top), 0) + _READ_AHEAD]
        i += len(batch)
        ranker.read([c.ref for c in batch if needed(c)])
        for c in batch:
            if c.fails != 0:
                ranker.pool.append(c)
            elif exact and c.sure and not ranker.may_enter(c.distance_km, by_zone=True):
                ranker.count_unread([c.ref])  # eligible for sure, cannot reach the page
            else:
                ranker.read([c.ref])
                if ranker.consider(c, ranker.known[c.ref], True):
                    ranker.total += 1


def consume(
    ranker: Ranker, stream: Iterator[Streamed], steps: tuple[float | None, ...]
) -> float | None:
    """Rank a distance-ordered stream; returns the radius used (the first certain step)."""
    fixed = ranker.criteria.radius_km is not None
    exact = ranker.exact
    step = 0
    radius: float | None = steps[0]
    for batch in _batches(stream, LOOKAHEAD):
        for c in batch:
            if isinstance(c, RingMark):  # everything within it seen: a step may be decided
                while not fixed and radius is not None and c.covered_km >= radius:
                    if ranker.certain(radius):
                        return radius
                    step += 1
                    radius = steps[step]
                continue
            d = c.distance_km
            while d is not None and radius is not None and d > radius:
                if ranker.certain(radius):
                    return radius
                step += 1
                radius = steps[step]
            if c.fails != 0:
                ranker.pool.append(c)
            elif exact and c.sure and not ranker.may_enter(d):
                ranker.count_unread([c.ref])  # eligible for sure, cannot reach the page
            else:
                if c.ref not in ranker.known:
                    ranker.read(
                        [
                            b.ref
                            for b in batch
                            if isinstance(b, Candidate)
                            and b.fails == 0
                            and (not (exact and b.sure) or ranker.may_enter(b.distance_km))
                        ]
                    )
                if ranker.consider(c, ranker.known[c.ref], False):
                    ranker.total += 1
    return final_radius(ranker, steps, step)


def final_radius(ranker: Ranker, steps: tuple[float | None, ...], step: int) -> float | None:
    """Every candidate seen: the first step from ``step`` on where the answer is certain."""
    radius = steps[step]
    while radius is not None and ranker.criteria.radius_km is None:
        if ranker.certain(radius):
            break
        step += 1
        radius = steps[step] if step < len(steps) else None
    return radius


def _batches(stream: Iterator[Streamed], size: int) -> Iterator[list[Streamed]]:
    batch: list[Streamed] = []
    for c in stream:
        batch.append(c)
        if len(batch) >= size or isinstance(c, RingMark):  # never read past a ring unasked
            yield batch
            batch = []
    if batch:
        yield batch
