"""Which of an establishment's prices a request would pay (ROR-MODEL §5.1).

The compared price is the R246 ``02 Forfait socle hébergement`` (per day for EHPAD, décret
2015-1868; ``Price.monthly_eur`` turns it into a monthly estimate, × 30.4). Among the EG's base
prices in force (no ``start_date`` after today) we prefer, in this order:

1. the requested reception (R240; permanent when none is asked); a price with no reception
   applies to both; a price for the other reception is excluded when a reception is asked;
2. the price condition (R250): ``02 Tarif agréé Aide Sociale`` (then ``03 ASH``) when social
   aid is asked, else ``01 Tarif public`` (then unspecified);
3. the under-60 price only for a person known to be under 60 (excluded for others);

then, within the best group, the latest price per (residential type, dependency level), and of
those the cheapest (the room the budget can reach).

**What families compare** (:func:`family_price`): the selected accommodation price plus the
dependency tariff every resident pays, GIR 5-6 (R246 ``03``, J27 ``03``; the département's
APA pays the difference for GIR 1-4), per day and per month (× 30.4). Its monthly figure is the
one the budget filter, the price factor of the ranking and the explanations use. A day-care
unit (R213 ``47`` Accueil de jour, without ``46`` Hébergement) has no monthly figure: its price
is the daily R246 ``05`` Accueil de jour tariff (:func:`day_care_price`).

**Once per offer per search** (:func:`priced_once`): the check, the score, the explanation and
the answer's price summary each ask for the same offer's prices; inside ``with priced_once():``
the selected and dependency prices are computed once per establishment object (whose prices
they read) and per the parts of the request they read, then reused. The memo lives only for
that block: an establishment that changes later is priced afresh; outside it nothing is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, TypeVar

from ror.criteria import RECEPTION_CODES, Criteria
from ror.model import Establishment, Offer, Price
from ror.nomenclature.named_codes import BASE_PRICE

DEPENDENCY: Final = "03"  # R246 Dépendance
DAY_CARE_PRICE: Final = "05"  # R246 Accueil de jour
GIR_5_6: Final = "03"  # J27
DAY_CARE: Final = "47"  # R213 Accueil de jour
RESIDENTIAL: Final = "46"  # R213 Hébergement (accueil jour et nuit)
PERMANENT: Final = RECEPTION_CODES["permanent"]

_CONDITION_RANK_AID: Final = {"02": 0, "03": 1, "01": 2, None: 2}
_CONDITION_RANK_PUBLIC: Final = {"01": 0, None: 1, "02": 2, "03": 3}


def _rank(price: Price, criteria: Criteria) -> tuple[int, int, int] | None:
    wanted = RECEPTION_CODES[criteria.reception] if criteria.reception else PERMANENT
    if price.reception == wanted:
        reception = 0
    elif price.reception is None:
        reception = 1
    elif criteria.reception is None:
        reception = 2
    else:
        return None
    table = _CONDITION_RANK_AID if criteria.social_aid else _CONDITION_RANK_PUBLIC
    condition = table.get(price.condition, 4)
    if criteria.age is not None and criteria.age < 60:
        age = {True: 0, None: 1, False: 2}[price.under_60]
    elif price.under_60:
        return None
    else:
        age = 0
    return reception, condition, age


_Key = tuple[int, str, date, str | None, bool, bool]
_Memo = dict[_Key, tuple[Establishment, Any]]
_memo: ContextVar[_Memo | None] = ContextVar("ror_prices_memo", default=None)
_T = TypeVar("_T")


@contextmanager
def priced_once() -> Iterator[None]:
    """Within the block (one search), each offer's selected and dependency prices are computed
    once; nested blocks share the outer memo."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _memo_key(kind: str, est: Establishment, today: date, criteria: Criteria | None) -> _Key:
    if criteria is None:
        return (id(est), kind, today, None, False, False)
    young = criteria.age is not None and criteria.age < 60
    return (id(est), kind, today, criteria.reception, bool(criteria.social_aid), young)


def _once(
    kind: str,
    offer: Offer,
    today: date,
    criteria: Criteria | None,
    compute: Callable[[Offer, Criteria, date], _T],
    request: Criteria,
) -> _T:
    """``compute(offer, request, today)``, kept in the search's memo (when one is open) under
    the offer's establishment, ``kind`` and the parts of the request it reads (``criteria``;
    None: it reads none)."""
    memo = _memo.get()
    if memo is None:
        return compute(offer, request, today)
    est = offer.establishment
    key = _memo_key(kind, est, today, criteria)
    hit = memo.get(key)
    if hit is not None and hit[0] is est:
        return hit[1]  # type: ignore[no-any-return]
    value = compute(offer, request, today)
    memo[key] = (est, value)
    return value


def select_price(offer: Offer, criteria: Criteria, today: date) -> Price | None:
    """The base accommodation price this request would pay, or None when none is given."""
    return _once("base", offer, today, criteria, _select_price, criteria)


def _select_price(offer: Offer, criteria: Criteria, today: date) -> Price | None:
    best: tuple[int, int, int] | None = None
    group: list[tuple[Price, float]] = []
    for price in offer.establishment.prices:
        if price.type != BASE_PRICE:
            continue
        monthly = price.monthly_eur
        if monthly is None or (price.start_date is not None and price.start_date > today):
            continue
        rank = _rank(price, criteria)
        if rank is None:
            continue
        if best is None or rank < best:
            best, group = rank, [(price, monthly)]
        elif rank == best:
            group.append((price, monthly))
    if len(group) <= 1:
        return group[0][0] if group else None
    latest: dict[tuple[str | None, str | None], tuple[Price, float]] = {}
    for price, monthly in group:
        key = (price.residential_type, price.dependency_level)
        kept = latest.get(key)
        if kept is None or (price.start_date or date.min) > (kept[0].start_date or date.min):
            latest[key] = (price, monthly)
    return min(latest.values(), key=lambda pm: pm[1])[0]


@dataclass(frozen=True, slots=True)
class FamilyPrice:
    """Accommodation plus the GIR 5-6 dependency tariff: the price a family compares."""

    accommodation: Price
    dependency: Price | None  # R246 03, GIR 5-6, daily; None when the EG gives none

    @property
    def daily_eur(self) -> float | None:
        """Per day, when the accommodation price is daily."""
        if self.accommodation.unit != "2":
            return None
        extra = self.dependency.amount_eur if self.dependency is not None else 0.0
        return round(self.accommodation.amount_eur + extra, 2)

    @property
    def monthly_eur(self) -> float | None:
        """Per month: × 30.4 of the daily total, or a monthly price plus the dependency's."""
        daily = self.daily_eur
        if daily is not None:
            return round(daily * Price.DAYS_PER_MONTH, 2)
        base = self.accommodation.monthly_eur
        if base is None:
            return None
        extra = self.dependency.monthly_eur if self.dependency is not None else None
        return round(base + (extra or 0.0), 2)


def is_day_care(offer: Offer) -> bool:
    """A day-care unit: priced per day, never per month."""
    return DAY_CARE in offer.care_mode and RESIDENTIAL not in offer.care_mode


def _latest(prices: list[Price], today: date) -> Price | None:
    in_force = [p for p in prices if p.start_date is None or p.start_date <= today]
    return max(in_force, key=lambda p: p.start_date or date.min, default=None)


def dependency_price(offer: Offer, today: date) -> Price | None:
    """The GIR 5-6 dependency tariff in force (the latest started)."""
    return _once("dependency", offer, today, None, _dependency_price, _NO_REQUEST)


_NO_REQUEST: Final = Criteria()


def _dependency_price(offer: Offer, _: Criteria, today: date) -> Price | None:
    return _latest(
        [
            p
            for p in offer.establishment.prices
            if p.type == DEPENDENCY and p.dependency_level == GIR_5_6
        ],
        today,
    )


def day_care_price(offer: Offer, today: date) -> Price | None:
    """The daily Accueil de jour tariff in force, for a day-care unit."""
    if not is_day_care(offer):
        return None
    return _latest(
        [p for p in offer.establishment.prices if p.type == DAY_CARE_PRICE and p.unit == "2"],
        today,
    )


def family_price(offer: Offer, criteria: Criteria, today: date) -> FamilyPrice | None:
    """Accommodation (:func:`select_price`) plus GIR 5-6; None for a day-care unit or when the
    establishment gives no accommodation price."""
    if is_day_care(offer) or not offer.establishment.prices:
        return None
    return _once("family", offer, today, criteria, _family_price, criteria)


def _family_price(offer: Offer, criteria: Criteria, today: date) -> FamilyPrice | None:
    base = select_price(offer, criteria, today)
    if base is None:
        return None
    return FamilyPrice(base, dependency_price(offer, today))


def family_monthly_eur(offer: Offer, criteria: Criteria, today: date) -> float | None:
    """The monthly figure of :func:`family_price`, or None."""
    if is_day_care(offer) or not offer.establishment.prices:
        return None
    return _once("family_monthly", offer, today, criteria, _family_monthly_eur, criteria)


def _family_monthly_eur(offer: Offer, criteria: Criteria, today: date) -> float | None:
    price = family_price(offer, criteria, today)
    return None if price is None else price.monthly_eur


def room_prices(offer: Offer, criteria: Criteria, today: date) -> list[tuple[str, float]]:
    """Per residential type (R242) the request could pay, the family's monthly price, cheapest
    first: the rooms of the selected accommodation price's group."""
    if is_day_care(offer) or not offer.establishment.prices:
        return []
    return list(_once("rooms", offer, today, criteria, _room_prices, criteria))


def _room_prices(offer: Offer, criteria: Criteria, today: date) -> tuple[tuple[str, float], ...]:
    dependency = dependency_price(offer, today)
    best: dict[str, float] = {}
    chosen = select_price(offer, criteria, today)
    if chosen is None:
        return ()
    rank = _rank(chosen, criteria)
    latest: dict[str, Price] = {}
    for price in offer.establishment.prices:
        if price.type != BASE_PRICE or price.residential_type is None:
            continue
        if price.start_date is not None and price.start_date > today:
            continue
        if _rank(price, criteria) != rank:
            continue
        kept = latest.get(price.residential_type)
        if kept is None or (price.start_date or date.min) > (kept.start_date or date.min):
            latest[price.residential_type] = price
    for room, price in latest.items():
        monthly = FamilyPrice(price, dependency).monthly_eur
        if monthly is not None:
            best[room] = monthly
    return tuple(sorted(best.items(), key=lambda kv: (kv[1], kv[0])))


def price_summary(offer: Offer, criteria: Criteria, today: date) -> dict[str, Any] | None:
    """The price of an answer, as families compare it (``MatchOut.price``); None without one.

    ``{"kind": "day_care", "daily_eur"}`` for a day-care unit; else ``{"kind": "residential",
    "monthly_eur", "daily_eur", "accommodation_daily_eur", "dependency_gir56_daily_eur",
    "rooms": [{"residential_type", "monthly_eur"}]}`` (rooms cheapest first).
    """
    if not offer.establishment.prices:
        return None
    if is_day_care(offer):
        daily = day_care_price(offer, today)
        return None if daily is None else {"kind": "day_care", "daily_eur": daily.amount_eur}
    price = family_price(offer, criteria, today)
    if price is None or price.monthly_eur is None:
        return None
    per_day = price.accommodation.unit == "2"
    return {
        "kind": "residential",
        "monthly_eur": price.monthly_eur,
        "daily_eur": price.daily_eur,
        "accommodation_daily_eur": price.accommodation.amount_eur if per_day else None,
        "dependency_gir56_daily_eur": (
            price.dependency.amount_eur if price.dependency is not None else None
        ),
        "rooms": [
            {"residential_type": room, "monthly_eur": eur}
            for room, eur in room_prices(offer, criteria, today)
        ],
    }
