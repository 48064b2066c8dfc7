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
those the cheapest (the room the budget can reach). The GIR 5-6 dependency tariff is not added.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from ror.criteria import RECEPTION_CODES, Criteria
from ror.model import Offer, Price

BASE_PRICE: Final = "02"  # R246 Forfait socle hébergement
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


def select_price(offer: Offer, criteria: Criteria, today: date) -> Price | None:
    """The base accommodation price this request would pay, or None when none is given."""
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
