"""The two sides every prefilter criterion reads: the request (:class:`Prefilter`) and the
offer's flat columns (:class:`OfferColumns`), with the types of each criterion's forms.

An offer is reduced to a few columns once, at load time; a request to a :class:`Prefilter`.
Each criterion (one module of this package) states its test on them in every engine's form:
:class:`Criterion`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from ror.criteria import RECEPTION_CODES, Criteria
from ror.mappings.dsl import Clause
from ror.model import Capacity, Equipment, Offer
from ror.nomenclature.named_codes import AVAILABLE, BASE_PRICE, CURRENT, NO_ASSIGNMENT
from ror.ranking.hours import local_zone
from ror.ranking.prices import DEPENDENCY, family_monthly_eur, is_day_care

RECEPTION_BITS: Final = {"01": 1, "02": 2}  # R240 01 Temporaire, 02 Permanent


@dataclass(frozen=True, slots=True)
class Prefilter:
    """The request side: which column tests apply, with their values."""

    age: int | None = None
    age_to: int | None = None  # the highest age of a range (``Criteria.ages``), else ``age``
    reception_bit: int | None = None
    social_aid: bool = False
    social_aid_reception: str | None = None  # "permanent" | "temporary" | None
    max_monthly_price_eur: float | None = None
    closed_at: float | None = None  # epoch seconds of the moment "closed" is judged at
    bed_nature: str | None = None  # "01" lits / "02" places, when beds are prefiltered
    bed_min: int = 0
    price_column: str | None = None  # the selected-price column, when it decides exactly
    now: float | None = None  # epoch seconds of the search (price validity)
    equipment: tuple[tuple[str, str | None], ...] = ()  # (R212 type, R340 feature) asked
    exact: bool = True  # every criterion of the request is decided exactly by the columns
    # every one but the co-located requirements (an engine may decide those: ``Candidates``)
    exact_but_colocated: bool = True

    @classmethod
    def from_criteria(cls, criteria: Criteria, now: datetime) -> Prefilter:
        exact = not (
            criteria.open_at is not None
            or any(need.min_value is not None for need in criteria.equipment)
        )
        bed_nature: str | None = None
        bed_min = 0
        need = criteria.beds
        if need is not None:
            if need.temporality == CURRENT and need.assignment == NO_ASSIGNMENT:
                bed_nature, bed_min = need.nature, need.min_available
                exact = exact and need.gender is None
            else:
                exact = False
        price_column: str | None = None
        if criteria.max_monthly_price_eur is not None:
            price_column = selected_price_column(
                criteria.age, criteria.reception, criteria.social_aid
            )
            exact = exact and price_column is not None
        moment = criteria.open_at or now
        ages = criteria.ages
        return cls(
            age=None if ages is None else ages[0],
            age_to=None if ages is None else ages[1],
            reception_bit=RECEPTION_BITS[RECEPTION_CODES[criteria.reception]]
            if criteria.reception
            else None,
            social_aid=criteria.social_aid,
            social_aid_reception=criteria.reception if criteria.social_aid else None,
            max_monthly_price_eur=criteria.max_monthly_price_eur,
            closed_at=moment.timestamp(),
            bed_nature=bed_nature if bed_nature in ("01", "02") else None,
            bed_min=bed_min,
            price_column=price_column,
            now=now.timestamp(),
            equipment=tuple(dict.fromkeys((n.code, n.feature) for n in criteria.equipment)),
            exact=exact and bed_nature in (None, "01", "02") and not criteria.colocated,
            exact_but_colocated=exact and bed_nature in (None, "01", "02"),
        )


@dataclass(frozen=True, slots=True)
class OfferColumns:
    """The offer side: flat values the prefilter tests read."""

    home: bool
    age_min: int | None
    age_max: int | None
    social_aid: bool
    aid_places_permanent: int | None
    aid_places_temporary: int | None
    reception_mask: int
    min_monthly_price_eur: float | None
    closed_from: float | None
    reopens_at: float | None
    beds_available: int  # R329 01 lits, available now (any gender)
    places_available: int  # R329 02 places, available now (any gender)
    selected_prices: tuple[float | None, ...] = (None,) * 6  # per PRICE_COLUMNS, monthly
    price_from: float | None = None  # the selected prices hold from (epoch seconds)…
    price_until: float | None = None  # …until (the next base price start, local midnight)
    equipment: frozenset[str] = frozenset()  # ``equipment_keys`` of its items

    @classmethod
    def of(cls, offer: Offer, now: datetime | None = None) -> OfferColumns:
        """The columns of an offer; selected prices as of ``now`` (default: the clock)."""
        est = offer.establishment
        mask = 0
        for code in offer.reception:
            mask |= RECEPTION_BITS.get(code, 0)
        monthly = [
            m for m in (p.monthly_eur for p in est.prices if p.type == BASE_PRICE) if m is not None
        ]  # a lower bound of the family price (dependency tariff left out)
        if is_day_care(offer):  # priced per day: no monthly price at all
            monthly = []
        beds, places = available_now(offer)
        selected, price_from, price_until = _selected_prices(offer, now or datetime.now(UTC))
        return cls(
            home=offer.home_based,
            age_min=offer.age_min,
            age_max=offer.age_max,
            social_aid=est.social_aid,
            aid_places_permanent=est.social_aid_places_permanent,
            aid_places_temporary=est.social_aid_places_temporary,
            reception_mask=mask,
            min_monthly_price_eur=min(monthly) if monthly else None,
            closed_from=offer.closed_from.timestamp() if offer.closed_from else None,
            reopens_at=offer.reopens_at.timestamp() if offer.reopens_at else None,
            beds_available=beds,
            places_available=places,
            selected_prices=selected,
            price_from=price_from,
            price_until=price_until,
            equipment=equipment_keys(offer.equipment),
        )


def equipment_key(code: str, feature: str | None) -> str:
    """The key of an equipment type (R212), or of a type with a feature (R340): ``088-001``."""
    return code if feature is None else f"{code}-{feature}"


def equipment_keys(items: Iterable[Equipment]) -> frozenset[str]:
    """Every key some equipment answers: each item's type, and its type with its feature."""
    out: set[str] = set()
    for e in items:
        out.add(e.code)
        if e.feature is not None:
            out.add(equipment_key(e.code, e.feature))
    return frozenset(out)


# Selected-price column per (reception asked, social aid asked), for an age unknown or ≥ 60.
PRICE_COLUMNS: Final[dict[tuple[str | None, bool], str]] = {
    (None, False): "p_n0",
    (None, True): "p_n1",
    ("permanent", False): "p_p0",
    ("permanent", True): "p_p1",
    ("temporary", False): "p_t0",
    ("temporary", True): "p_t1",
}


def selected_price_column(age: int | None, reception: str | None, social_aid: bool) -> str | None:
    """The selected-price column ``ranking.prices.select_price`` would read for a request,
    budget or not (None for a person under 60: the column does not apply)."""
    if age is not None and age < 60:
        return None
    return PRICE_COLUMNS[(reception, social_aid)]


def reception_of(bit: int | None) -> str | None:
    """The reception (``Criteria.reception``) whose R240 code has this bit, or None."""
    return next(
        (name for name, code in RECEPTION_CODES.items() if RECEPTION_BITS[code] == bit), None
    )


@functools.cache
def _price_requests() -> tuple[Criteria, ...]:
    """The requests of PRICE_COLUMNS, made once (6 µs each; a full load asks for millions)."""
    return tuple(
        Criteria(reception=reception, social_aid=aid)  # type: ignore[arg-type]
        for reception, aid in PRICE_COLUMNS
    )


def _selected_prices(
    offer: Offer, now: datetime
) -> tuple[tuple[float | None, ...], float | None, float | None]:
    """Family monthly price (``family_price``) per PRICE_COLUMNS today, and when that holds."""
    bases = [p for p in offer.establishment.prices if p.type in (BASE_PRICE, DEPENDENCY)]
    if not any(p.type == BASE_PRICE for p in bases) or is_day_care(offer):
        return (None,) * 6, None, None
    zone = local_zone(offer.place)
    today = now.astimezone(zone).date()
    selected = []
    for request in _price_requests():
        selected.append(family_monthly_eur(offer, request, today))
    starts = {p.start_date for p in bases if p.start_date is not None}

    def midnight(day: date) -> float:
        return datetime.combine(day, time.min, tzinfo=zone).timestamp()

    past = [d for d in starts if d <= today]
    future = [d for d in starts if d > today]
    return (
        tuple(selected),
        midnight(max(past)) if past else None,
        midnight(min(future)) if future else None,
    )


def available_now(offer: Offer) -> tuple[int, int]:
    """Available (lits, places) now, every gender: what ``ranking.available_beds`` sums."""
    return available_counts(offer.capacities)


def available_counts(counters: Iterable[Capacity]) -> tuple[int, int]:
    """Free (lits, places) now over some counters (R330 02, R331 01, R337 01, any gender)."""
    beds = places = 0
    for c in counters:
        if c.status == AVAILABLE and c.temporality == CURRENT and c.assignment == NO_ASSIGNMENT:
            if c.nature == "01":
                beds += max(c.count, 0)
            elif c.nature == "02":
                places += max(c.count, 0)
    return beds, places


Column = Callable[[str], NDArray[np.float64]]  # a ``cover`` column of the units (NULL = nan)
Test = Callable[[Column], NDArray[np.bool_]]  # which units fail one criterion
Params = dict[str, Any]  # the named parameters of an SQL fragment


@dataclass(frozen=True, slots=True)
class Criterion:
    """One prefilter criterion in each engine's form, side by side (Nominatim's ``@compiles``).

    Every form gives the same verdict on the same offer (the parity test of ``tests/search``);
    each module's docstring says how that verdict stands against ``ranking.check``.
    """

    name: str  # the ``Failure.criterion`` of ``ranking.check`` it stands for
    asked: Callable[[Prefilter], bool]  # whether the request asks it (else no form applies)
    fails: Callable[[OfferColumns, Prefilter], bool]  # Python, one offer's columns
    array: Callable[[Prefilter], Test]  # numpy, many units' ``cover`` columns at once
    sql: Callable[[Prefilter], tuple[str, Params]]  # SQLite, 1 when a ``cover c`` row fails
    clause: Callable[[Prefilter], Clause]  # Elasticsearch, holding when the unit passes
