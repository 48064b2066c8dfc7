"""Prefilter: the cheap hard criteria an engine evaluates on flat columns before Python.

Every offer is reduced to a few columns (:class:`OfferColumns`); a request is reduced to a
:class:`Prefilter`. An engine counts, per unit, how many prefilter criteria it fails, so that
only units failing at most one reach ``ror.ranking.check`` (matches and near-misses).

The prefilter must never be stricter than ``ranking.check``: each test below is either
*exact* (the same verdict as ``check``) or a *necessary condition* (lenient). When the request
uses a lenient or Python-only criterion, :attr:`Prefilter.exact` is False and the pipeline
checks every candidate in Python before counting it.

=================  ==========================================================  =========
criterion          column test                                                  verdict
=================  ==========================================================  =========
age                ``age_min ≤ age_to`` and ``age ≤ age_max`` (missing bound     exact
                   open; ``age_to`` is ``age`` unless a range is asked)
reception          the offer lists the R240 code                                exact
social aid         EG accredited (R241 02) and not zero places for the asked    exact
                   reception
closed             ``closed_from ≤ t < reopens_at`` at ``open_at`` or now       exact
beds (no gender,   Σ available counters (R330 02, temporality 01, assignment    exact
current, none)     01) of the nature ``≥ min_available``
beds (gender …)    the same sum over every gender, an upper bound               lenient
price ceiling      the family price ``ranking.prices.family_price`` (selected   exact
                   base price plus GIR 5-6, for age unknown or ≥ 60, each
                   reception × social aid), computed at load time and valid
                   until the next base or dependency price start date
price ceiling      cheapest base price (R246 02) as monthly estimate ≤ budget;  lenient
(age < 60, or      none at all fails (day care: always fails)
prices changed)
equipment,         not evaluated here                                           Python
open at,
colocated          (the establishment's other offers: ``ranking.eligibility``)
=================  ==========================================================  =========
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ror.criteria import RECEPTION_CODES, Criteria
from ror.model import Capacity, Offer
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
    exact: bool = True  # every criterion of the request is decided exactly by the columns

    @classmethod
    def from_criteria(cls, criteria: Criteria, now: datetime) -> Prefilter:
        exact = not (criteria.equipment or criteria.open_at is not None or criteria.colocated)
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
            if criteria.age is None or criteria.age >= 60:
                price_column = PRICE_COLUMNS[(criteria.reception, criteria.social_aid)]
            else:
                exact = False
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
            exact=exact and (bed_nature in (None, "01", "02")),
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
        )


# Selected-price column per (reception asked, social aid asked), for an age unknown or ≥ 60.
PRICE_COLUMNS: Final[dict[tuple[str | None, bool], str]] = {
    (None, False): "p_n0",
    (None, True): "p_n1",
    ("permanent", False): "p_p0",
    ("permanent", True): "p_p1",
    ("temporary", False): "p_t0",
    ("temporary", True): "p_t1",
}


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


def fails(columns: OfferColumns, prefilter: Prefilter) -> int:
    """How many prefilter criteria the offer fails (zones and codes aside)."""
    p, c = prefilter, columns
    n = 0
    if p.age is not None and (
        (c.age_min is not None and (p.age_to or p.age) < c.age_min)
        or (c.age_max is not None and p.age > c.age_max)
    ):
        n += 1
    if p.reception_bit is not None and not c.reception_mask & p.reception_bit:
        n += 1
    if p.social_aid:
        places = {
            "permanent": c.aid_places_permanent,
            "temporary": c.aid_places_temporary,
        }.get(p.social_aid_reception or "")
        if not c.social_aid or places == 0:
            n += 1
    if p.max_monthly_price_eur is not None:
        price = c.min_monthly_price_eur
        if p.price_column is not None and price_holds(c, p.now):
            price = c.selected_prices[list(PRICE_COLUMNS.values()).index(p.price_column)]
        if price is None or price > p.max_monthly_price_eur:
            n += 1
    if p.closed_at is not None and is_closed(c.closed_from, c.reopens_at, p.closed_at):
        n += 1
    if p.bed_nature is not None:
        have = c.beds_available if p.bed_nature == "01" else c.places_available
        if have < p.bed_min:
            n += 1
    return n


def price_holds(c: OfferColumns, moment: float | None) -> bool:
    """Whether the selected-price columns are valid at ``moment``."""
    if moment is None:
        return False
    return (c.price_from is None or moment >= c.price_from) and (
        c.price_until is None or moment < c.price_until
    )


def is_closed(closed_from: float | None, reopens_at: float | None, moment: float) -> bool:
    """``ranking.hours.closed_until`` on epoch seconds."""
    if closed_from is None and reopens_at is None:
        return False
    if closed_from is not None and moment < closed_from:
        return False
    return reopens_at is None or moment < reopens_at


# --- the same tests over many units at once (the embedded engine's in-memory index) ----------

Column = Callable[[str], NDArray[np.float64]]  # a ``cover`` column of the units (NULL = nan)


def fails_array(column: Column, prefilter: Prefilter, *, zone_term: bool) -> NDArray[np.int8]:
    """:func:`fails` of many units at once (``planner.fails_sql`` in numpy).

    ``column(name)`` gives a ``cover`` column of the units (``embedded_schema.COVER_COLUMNS``,
    NULL as nan), or ``"beds"``/``"places"`` (available now); ``zone_term`` adds a failure to
    home-based units (matched by zone instead).
    """
    out = np.zeros(len(column("home")), dtype=np.int8)
    for test in failure_tests(prefilter, zone_term=zone_term):
        out += test(column)
    return out


Test = Callable[[Column], NDArray[np.bool_]]  # which units fail one criterion


def failure_tests(prefilter: Prefilter, *, zone_term: bool) -> list[Test]:
    """One test per criterion the request asks, the most selective usually first (free beds),
    so that a caller keeping only units failing none can test fewer and fewer units."""
    p = prefilter
    tests: list[Test] = []
    if p.bed_nature is not None:
        name, wanted = ("beds" if p.bed_nature == "01" else "places"), p.bed_min
        tests.append(lambda column: column(name) < wanted)
    if p.reception_bit is not None:
        bit = p.reception_bit
        tests.append(lambda column: (column("recep").astype(np.int64) & bit) == 0)
    if p.social_aid:
        places = {"permanent": "aid_perm", "temporary": "aid_temp"}.get(
            p.social_aid_reception or ""
        )

        def no_aid(column: Column) -> NDArray[np.bool_]:
            bad: NDArray[np.bool_] = column("aid") == 0
            return bad | (column(places) == 0) if places is not None else bad

        tests.append(no_aid)
    if p.age is not None:  # comparisons with nan are false: a missing bound is open
        age, age_to = p.age, p.age_to or p.age
        tests.append(lambda column: (age_to < column("age_min")) | (age > column("age_max")))
    if p.max_monthly_price_eur is not None:
        budget, selected = p.max_monthly_price_eur, p.price_column

        def too_dear(column: Column) -> NDArray[np.bool_]:
            price = column("price")
            if selected is not None:
                price = np.where(price_holds_array(column, p.now), column(selected), price)
            out: NDArray[np.bool_] = np.isnan(price) | (price > budget)
            return out

        tests.append(too_dear)
    if p.closed_at is not None:
        t = p.closed_at

        def closed(column: Column) -> NDArray[np.bool_]:
            closed_from, reopens_at = column("closed_from"), column("reopens_at")
            some = ~(np.isnan(closed_from) & np.isnan(reopens_at))
            started = np.isnan(closed_from) | (t >= closed_from)
            going = np.isnan(reopens_at) | (t < reopens_at)
            out: NDArray[np.bool_] = some & started & going
            return out

        tests.append(closed)
    if zone_term:
        tests.append(lambda column: column("home") != 0)
    return tests


def sure_array(column: Column, prefilter: Prefilter) -> NDArray[np.bool_]:
    """Whether each unit's failure count is exact (``planner.sure_sql``)."""
    if prefilter.max_monthly_price_eur is not None and prefilter.price_column is not None:
        return price_holds_array(column, prefilter.now)
    return np.ones(len(column("home")), dtype=bool)


def price_holds_array(column: Column, moment: float | None) -> NDArray[np.bool_]:
    """:func:`price_holds` of many units."""
    start, until = column("price_from"), column("price_until")
    if moment is None:
        return np.zeros(len(start), dtype=bool)
    return (np.isnan(start) | (moment >= start)) & (np.isnan(until) | (moment < until))


def price_column_for(prefilter: Prefilter) -> str | None:
    """The selected-price column ``ranking.prices.select_price`` would read for this request,
    budget or not (None for a person under 60: the column does not apply)."""
    if prefilter.age is not None and prefilter.age < 60:
        return None
    reception = {1: "temporary", 2: "permanent"}.get(prefilter.reception_bit or 0)
    return PRICE_COLUMNS[(reception, prefilter.social_aid)]
