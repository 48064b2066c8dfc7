"""Brute-force reference: every offer in numpy arrays, the same hard criteria and ranking.

Tests use it to prove the engine exact (``truth=True``: ``ranking.check`` on every offer
carrying the requested codes, no prefilter at all); the benchmark uses it as the baseline
(``truth=False``: the prefilter evaluated as numpy masks first, then ``check`` on the few
left). It answers with ids, in order, under the pipeline's definitions (``pipeline.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from ror.criteria import CODE_FIELDS, Criteria
from ror.geo import zone_key
from ror.geo.distance import dot_to_km, min_dot, unit_point
from ror.geo.territory import territory_departements
from ror.model import Offer
from ror.ranking import check, near_miss_reason, score, score_upper_bound, weights_for
from ror.search.grouping import group_key
from ror.search.pipeline import (
    FACET_FIELDS,
    NEAR_MISSES,
    patient_zones,
    resolve_place,
    resolve_text,
    validate,
)
from ror.search.prefilter import OfferColumns, Prefilter, equipment_key
from ror.search.ranker import RADIUS_STEPS_KM

Mask = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class ReferenceAnswer:
    ids: tuple[str, ...]  # the page, in order
    scores: tuple[float, ...]
    radius_km: float | None
    total: int
    near_misses: tuple[tuple[str, str], ...]  # (offer id, criterion), nearest first
    facets: dict[str, dict[str, int]]  # only meaningful when the prefilter is exact
    members: tuple[tuple[str, ...], ...] = ()  # grouped: the other units of each page group


def _column(values: list[float | None]) -> NDArray[np.float64]:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


class Reference:
    """All offers in memory; answers a search by scanning them."""

    def __init__(self, offers: Iterable[Offer]) -> None:
        by_id = {o.id: o for o in offers}
        self.offers = list(by_id.values())
        n = len(self.offers)
        vectors = [unit_point(o.place.lat, o.place.lon) for o in self.offers]
        self.x = np.array([v[0] for v in vectors], dtype=np.float64)
        self.y = np.array([v[1] for v in vectors], dtype=np.float64)
        self.z = np.array([v[2] for v in vectors], dtype=np.float64)
        self.postings: dict[tuple[str, str], NDArray[np.int64]] = {}
        lists: dict[tuple[str, str], list[int]] = {}
        for i, o in enumerate(self.offers):
            for name in CODE_FIELDS:
                for code in set(getattr(o, name)):
                    lists.setdefault((name, code), []).append(i)
        self.postings = {k: np.array(v, dtype=np.int64) for k, v in lists.items()}
        cols = [OfferColumns.of(o) for o in self.offers]
        self.home = np.array([c.home for c in cols], dtype=bool)
        self.age_min = _column([c.age_min for c in cols])
        self.age_max = _column([c.age_max for c in cols])
        self.aid = np.array([c.social_aid for c in cols], dtype=bool)
        self.aid_perm = _column([c.aid_places_permanent for c in cols])
        self.aid_temp = _column([c.aid_places_temporary for c in cols])
        self.recep = np.array([c.reception_mask for c in cols], dtype=np.int64)
        self.price = _column([c.min_monthly_price_eur for c in cols])
        self.closed_from = _column([c.closed_from for c in cols])
        self.reopens_at = _column([c.reopens_at for c in cols])
        self.beds = np.array([c.beds_available for c in cols], dtype=np.int64)
        self.places = np.array([c.places_available for c in cols], dtype=np.int64)
        self.departement = np.array([o.place.departement for o in self.offers], dtype=object)
        self.equipment = [c.equipment for c in cols]
        self.size = n

    # --- masks -----------------------------------------------------------------------------

    def code_mask(self, criteria: Criteria, skip: str | None = None) -> Mask:
        mask = np.ones(self.size, dtype=bool)
        for name in CODE_FIELDS:
            codes = getattr(criteria, name)
            if not codes or name == skip:
                continue
            hit = np.zeros(self.size, dtype=bool)
            for code in codes:
                rows = self.postings.get((name, code))
                if rows is not None:
                    hit[rows] = True
            mask &= hit
        return mask

    def territory_mask(self, criteria: Criteria) -> Mask:
        """The offers located in the territory searched (every offer without one)."""
        if not criteria.area:
            return np.ones(self.size, dtype=bool)
        return np.isin(self.departement, territory_departements(criteria.area))

    def audience_mask(self, criteria: Criteria) -> Mask:
        """The offers the criteria's audience may see (sensitive units left out)."""
        if criteria.audience.sensitive_champs is None:
            return np.ones(self.size, dtype=bool)
        return np.array([criteria.audience.shows(o) for o in self.offers], dtype=bool)

    def zone_matched(self, zone_keys: frozenset[str]) -> Mask:
        """Home-based offers one of whose zones holds a patient zone key."""
        matched = np.zeros(self.size, dtype=bool)
        if zone_keys:
            for i in np.flatnonzero(self.home).tolist():
                zones = self.offers[i].zones
                matched[i] = any(zone_key(z.type, z.code) in zone_keys for z in zones)
        return matched

    def prefilter_fails(self, p: Prefilter) -> NDArray[np.int64]:
        """``prefilter.fails`` over every offer at once."""
        fails = np.zeros(self.size, dtype=np.int64)
        if p.age is not None:
            fails += (self.age_min > (p.age_to or p.age)) | (self.age_max < p.age)
        if p.reception_bit is not None:
            fails += (self.recep & p.reception_bit) == 0
        if p.social_aid:
            places = {"permanent": self.aid_perm, "temporary": self.aid_temp}.get(
                p.social_aid_reception or ""
            )
            bad = ~self.aid
            if places is not None:
                bad |= places == 0
            fails += bad
        if p.max_monthly_price_eur is not None:
            fails += np.isnan(self.price) | (self.price > p.max_monthly_price_eur)
        if p.closed_at is not None:
            t = p.closed_at
            some = ~np.isnan(self.closed_from) | ~np.isnan(self.reopens_at)
            started = np.isnan(self.closed_from) | (t >= self.closed_from)
            going = np.isnan(self.reopens_at) | (t < self.reopens_at)
            fails += some & started & going
        if p.bed_nature is not None:
            have = self.beds if p.bed_nature == "01" else self.places
            fails += have < p.bed_min
        if p.equipment:
            keys = [equipment_key(code, feature) for code, feature in p.equipment]
            fails += np.array([not all(k in e for k in keys) for e in self.equipment], dtype=bool)
        return fails

    # --- search ----------------------------------------------------------------------------

    def prepare(self, criteria: Criteria) -> tuple[Criteria, frozenset[str]]:
        """The pipeline's input preparation (place, text, codes), so both see the same query."""
        criteria = validate(resolve_text(resolve_place(criteria)))
        if criteria.colocated:  # the establishments having each requirement, by brute force
            everyone = criteria.audience.sensitive_champs is None
            egs = tuple(
                frozenset(
                    o.establishment.id
                    for o in self.offers
                    if set(getattr(o, name)) & set(codes) and (everyone or not o.sensitive)
                )
                for name, codes in criteria.colocated
            )
            criteria = criteria.with_(colocated_egs=egs)
        return criteria, patient_zones(criteria)

    def search(self, criteria: Criteria, now: datetime, *, truth: bool = True) -> ReferenceAnswer:
        criteria, zone_keys = self.prepare(criteria)
        weights = weights_for(criteria.profile)
        dot = self._dots(criteria)
        codes = self.code_mask(criteria) & self.audience_mask(criteria)
        codes &= self.territory_mask(criteria)
        if truth:
            look = codes
        else:
            fails = self.prefilter_fails(Prefilter.from_criteria(criteria, now))
            look = codes & (fails <= 1)
        zoned = self.zone_matched(zone_keys)
        km: dict[int, float | None] = {}
        eligible: list[tuple[tuple[float, float, str], int]] = []
        near: list[tuple[float, str, int, str]] = []
        for i in np.flatnonzero(look).tolist():
            d = None if dot is None else dot_to_km(float(dot[i]))
            km[i] = d
            offer = self.offers[i]
            failures = check(offer, criteria, now=now, patient_zone_keys=zone_keys, distance_km=d)
            if not failures:
                s = score(offer, criteria, distance_km=d, now=now, weights=weights).score
                eligible.append(((-s, d or 0.0, offer.id), i))
            else:
                failure = near_miss_reason(failures)
                if failure is not None:
                    near.append((d or 0.0, offer.id, i, failure.criterion))
        eligible.sort()
        wanted = criteria.offset + criteria.limit
        by = criteria.grouping
        group = {i: group_key(self.offers[i], by) for _, i in eligible}

        def inside(i: int, radius: float | None) -> bool:
            d = km[i]
            return bool(zoned[i]) or radius is None or d is None or d <= radius

        def best_of_groups(units: list[tuple[tuple[float, float, str], int]]) -> list[int]:
            """Positions in ``units`` of each group's best unit (units sorted best first)."""
            seen: set[str] = set()
            out = []
            for k, (_, i) in enumerate(units):
                if group[i] not in seen:
                    seen.add(group[i])
                    out.append(k)
            return out

        radius = criteria.radius_km
        if radius is None and dot is not None and not criteria.area:
            radius = None
            for step in RADIUS_STEPS_KM:
                within = [e for e in eligible if inside(e[1], step)]
                kept = [within[k] for k in best_of_groups(within)]
                bound = score_upper_bound(step, criteria, weights)
                if len(kept) >= wanted and (
                    wanted == 0
                    or -kept[wanted - 1][0][0] > bound
                    or (-kept[wanted - 1][0][0] == bound and kept[wanted - 1][0][1] <= step)
                ):
                    radius = step
                    break
        within = [e for e in eligible if inside(e[1], radius)]
        kept = [within[k] for k in best_of_groups(within)]
        page = kept[criteria.offset : criteria.offset + criteria.limit]
        misses = sorted(n for n in near if inside(n[2], radius))
        if by != "offer":  # no near-miss of a group that fits; one per group, its nearest
            fitting = {group[i] for _, i in within}
            first: dict[str, tuple[float, str, int, str]] = {}
            for n in misses:
                first.setdefault(group_key(self.offers[n[2]], by), n)
            misses = sorted(n for g, n in first.items() if g not in fitting)
        misses = misses[:NEAR_MISSES]
        if not kept and criteria.radius_km is not None and dot is not None:
            beyond = sorted(
                n for n in near if n[3] == "radius_km" and not inside(n[2], criteria.radius_km)
            )
            misses = beyond[:1] + misses  # the nearest that fits beyond the radius (pipeline)
        return ReferenceAnswer(
            ids=tuple(key[2] for key, _ in page),
            scores=tuple(-key[0] for key, _ in page),
            radius_km=radius,
            total=len(kept),
            near_misses=tuple((m[1], m[3]) for m in misses),
            facets=self._facets(criteria, now, zone_keys, dot, radius, zoned),
            members=tuple(
                tuple(e[0][2] for e in within if group[e[1]] == group[i] and e[1] != i)
                for _, i in page
            )
            if by != "offer"
            else (),
        )

    def _dots(self, criteria: Criteria) -> NDArray[np.float64] | None:
        if not criteria.has_point:
            return None
        assert criteria.lat is not None and criteria.lon is not None
        qx, qy, qz = unit_point(criteria.lat, criteria.lon)
        return self.x * qx + self.y * qy + self.z * qz

    def _facets(
        self,
        criteria: Criteria,
        now: datetime,
        zone_keys: frozenset[str],
        dot: NDArray[np.float64] | None,
        radius: float | None,
        zoned: Mask,
    ) -> dict[str, dict[str, int]]:
        """Per facet field, codes of the units eligible when that field's selection is
        ignored (``ranking.check`` on every candidate: slow, for tests)."""
        near = np.ones(self.size, dtype=bool)
        if dot is not None and radius is not None:
            near = (dot >= min_dot(radius)) | zoned
        out: dict[str, dict[str, int]] = {}
        for name in FACET_FIELDS:
            relaxed = criteria.with_(**{name: ()})
            counts: dict[str, int] = {}
            mask = self.code_mask(criteria, skip=name) & near & self.audience_mask(criteria)
            mask &= self.territory_mask(criteria)
            for i in np.flatnonzero(mask).tolist():
                offer = self.offers[i]
                d = None if dot is None else dot_to_km(float(dot[i]))
                if check(offer, relaxed, now=now, patient_zone_keys=zone_keys, distance_km=d):
                    continue
                for code in set(getattr(offer, name)):
                    counts[code] = counts.get(code, 0) + 1
            out[name] = counts
        return out


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance as the engines compute it (``R·acos`` of unit vectors)."""
    ua, ub = unit_point(*a), unit_point(*b)
    return dot_to_km(ua[0] * ub[0] + ua[1] * ub[1] + ua[2] * ub[2])
