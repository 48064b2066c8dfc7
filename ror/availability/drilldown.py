"""The drill-down of the overview: one territory's establishments and their units (bed zones),
each with its counts and their freshness (``GET /v1/availability/units``).

What is listed, exactly:

- **Which units.** The Locations used by the offers placed in the territory (région or
  département, INSEE code) that match the overview's code filters (``activity``,
  ``offer_type``, ``champ``): the same units as the overview's row of that territory. A Location
  is listed once, under the establishment of its first offer in id order, with the names of the
  matching offers using it.
- **Which counters** (:class:`CounterFilter`). Nature ``bed_nature``; ``temporality`` (R331, 01
  Courant by default) for the statuses that have forecasts (02 Disponible, 05 Fermé), the other
  statuses always current; ``assignment`` (R337, any of the codes given, all by default);
  ``gender`` (R332, any of the codes given) on the available counters, the only ones a gender
  qualifies. Figures per status as the overview's (negative counts read as zero).
- **Freshness.** A unit's ``updated_at`` is the date of its newest counted counter and its
  ``freshness`` that date's bucket (:data:`overview.BUCKETS`); ``freshness`` as a filter keeps the
  units of the buckets given.
- **Listed.** Units with at least one counted counter; establishments with at least one such
  unit, by name; ``totals`` adds the units up (so, unfiltered, it equals the overview's row).

Capacities are restricted data: the API answers only callers entitled to them, and the units
an audience may not see (sensitive units) are left out before anything is counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from ror import nomenclature
from ror.availability.keys import location_key
from ror.availability.overview import (
    BUCKETS,
    METRICS,
    STATUS_METRIC,
    Figures,
    OverviewQuery,
    area_names,
    area_ref,
    freshness_bucket,
)
from ror.criteria import Audience
from ror.errors import InvalidInput
from ror.model import Capacity, Offer
from ror.nomenclature.named_codes import CURRENT
from ror.text import fold

FORECAST_STATUSES: Final = frozenset({"02", "05"})  # the statuses that have forecasts (R331)
GENDERED_STATUS: Final = "02"


@dataclass(frozen=True, slots=True)
class CounterFilter:
    """Which counters of a unit are counted (see the module docstring)."""

    temporality: str = CURRENT
    assignment: tuple[str, ...] = ()
    gender: tuple[str, ...] = ()
    freshness: tuple[str, ...] = ()

    def checked(self) -> CounterFilter:
        """Codes normalised and known; ``InvalidInput``/``UnknownCode`` naming the field."""
        for bucket in self.freshness:
            if bucket not in BUCKETS:
                raise InvalidInput(
                    f"freshness : {bucket!r} n'est pas une tranche ({', '.join(BUCKETS)})",
                    "freshness",
                )
        return CounterFilter(
            nomenclature.require("R331", self.temporality, "temporality"),
            _codes("R337", self.assignment, "assignment"),
            _codes("R332", self.gender, "gender"),
            tuple(b for b in BUCKETS if b in self.freshness),
        )

    def counts(self, c: Capacity, nature: str) -> bool:
        """``c`` is one of the counters summed."""
        if c.nature != nature or c.status not in STATUS_METRIC:
            return False
        wanted = self.temporality if c.status in FORECAST_STATUSES else CURRENT
        if c.temporality != wanted:
            return False
        if self.assignment and c.assignment not in self.assignment:
            return False
        return not (self.gender and c.status == GENDERED_STATUS and c.gender not in self.gender)

    def to_dict(self) -> dict[str, Any]:
        return {
            "temporality": self.temporality,
            "assignment": list(self.assignment),
            "gender": list(self.gender),
            "freshness": list(self.freshness),
        }


def _codes(system: str, codes: Iterable[str], name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(nomenclature.require(system, code, name) for code in codes))


@dataclass(frozen=True, slots=True)
class UnitsQuery:
    """One territory of an overview, and the counters to count."""

    overview: OverviewQuery
    area: str
    counters: CounterFilter = CounterFilter()

    def checked(self) -> UnitsQuery:
        overview = self.overview.checked()
        area = self.area.strip().upper()
        if area not in area_names(overview.group_by):
            kind = "région" if overview.group_by == "region" else "département"
            raise InvalidInput(f"area : {kind} inconnu ({self.area!r}, code INSEE attendu)", "area")
        return UnitsQuery(overview, area, self.counters.checked())


@dataclass(frozen=True, slots=True)
class UnitFigures:
    """One unit (Location): its counts, the offers using it, its newest counter's date."""

    location_id: str
    offers: tuple[tuple[str, str], ...]  # (id, name) of the matching offers using it
    figures: Figures
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        f = self.figures
        return {
            "location_id": self.location_id,
            "offers": [{"id": i, "name": n} for i, n in self.offers],
            **{name: getattr(f, name) for name in METRICS},
            "updated_at": self.updated_at.isoformat(),
            "freshness": BUCKETS[f.freshness.index(1)],
        }


@dataclass(slots=True)
class EstablishmentUnits:
    id: str
    name: str
    finess: str | None
    city: str
    units: list[UnitFigures] = field(default_factory=list)

    def figures(self) -> Figures:
        total = Figures()
        for unit in self.units:
            total.add(unit.figures)
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "finess": self.finess,
            "city": self.city,
            **self.figures().to_dict(),
            "locations": [u.to_dict() for u in self.units],
        }


@dataclass(frozen=True, slots=True)
class AreaUnits:
    """The answer: the territory's establishments with their units, and the totals."""

    query: UnitsQuery
    generated_at: datetime
    establishments: tuple[EstablishmentUnits, ...]
    totals: Figures
    offers: int

    def to_dict(self) -> dict[str, Any]:
        q = self.query
        return {
            "group_by": q.overview.group_by,
            "area": area_ref(q.overview.group_by, q.area),
            "generated_at": self.generated_at.isoformat(),
            "filters": {**q.overview.to_dict(), **q.counters.to_dict()},
            "totals": self.totals.to_dict(),
            "offers": self.offers,
            "establishments": [e.to_dict() for e in self.establishments],
        }


def unit_figures(
    counters: Sequence[Capacity], query: UnitsQuery, now: datetime
) -> tuple[Figures, datetime] | None:
    """The counted figures of one unit and its newest counted date (None: nothing counted)."""
    nature = query.overview.bed_nature
    counted = [c for c in counters if query.counters.counts(c, nature)]
    if not counted:
        return None
    figures = Figures(units=1)
    for c in counted:
        metric = STATUS_METRIC[c.status]
        setattr(figures, metric, getattr(figures, metric) + max(c.count, 0))
    latest = max(c.updated_at for c in counted)
    bucket = freshness_bucket((now - latest).total_seconds() / 3600.0)
    if query.counters.freshness and BUCKETS[bucket] not in query.counters.freshness:
        return None
    figures.freshness[bucket] = 1
    return figures, latest


@dataclass(slots=True)
class AreaCounters:
    """The area's units (Location keys) as the offers a caller may see give them."""

    users: dict[str, list[Offer]] = field(default_factory=dict)  # key -> offers, id order
    counters: dict[str, list[Capacity]] = field(default_factory=dict)  # key -> its counters
    offers: int = 0


def area_counters(offers: Iterable[Offer], audience: Audience) -> AreaCounters:
    """Each unit once, with the counters its first offer (in the order given) carries."""
    out = AreaCounters()
    for offer in offers:
        if not audience.shows(offer):
            continue
        out.offers += 1
        seen: dict[str, list[Capacity]] = {}
        for c in offer.capacities:
            seen.setdefault(location_key(offer.id, c.location_id), []).append(c)
        for key, counters in seen.items():
            if key not in out.users:
                out.counters[key] = counters
            out.users.setdefault(key, []).append(offer)
    return out


def area_units(
    query: UnitsQuery, offers: Iterable[Offer], audience: Audience, now: datetime
) -> AreaUnits:
    """Group the area's matching ``offers`` (id order) by establishment and unit."""
    found_units = area_counters(offers, audience)
    establishments: dict[str, EstablishmentUnits] = {}
    totals = Figures()
    for key, using in found_units.users.items():
        found = unit_figures(found_units.counters[key], query, now)
        if found is None:
            continue
        figures, latest = found
        first = using[0]
        est = establishments.get(first.establishment.id)
        if est is None:
            est = establishments[first.establishment.id] = EstablishmentUnits(
                first.establishment.id,
                first.establishment.name,
                first.establishment.finess,
                first.place.city,
            )
        est.units.append(UnitFigures(key, tuple((o.id, o.name) for o in using), figures, latest))
        totals.add(figures)
    for est in establishments.values():
        est.units.sort(key=lambda u: (fold(u.offers[0][1]), u.location_id))
    ordered = sorted(establishments.values(), key=lambda e: (fold(e.name), e.id))
    return AreaUnits(query, now, tuple(ordered), totals, found_units.offers)
