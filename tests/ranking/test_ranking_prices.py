"""Which base price a request pays: reception, aid condition, under-60, validity, cheapest room."""

from __future__ import annotations

from datetime import date

import pytest

from ror.criteria import Criteria
from ror.model import Price
from ror.ranking.prices import select_price
from tests.ranking.ranking_builders import (
    base_price,
    make_ehpad,
    make_establishment,
    toulouse_criteria,
)

TODAY = date(2026, 11, 26)
PUBLIC_PERM = base_price(80.0, reception="02", condition="01")
AID_PERM = base_price(72.0, reception="02", condition="02")
PUBLIC_TEMP = base_price(90.0, reception="01", condition="01")
UNDER_60 = base_price(60.0, reception="02", condition="01", under_60=True)
DOUBLE_ROOM = base_price(65.0, reception="02", condition="01", residential_type="01")
FUTURE = base_price(50.0, reception="02", condition="01", start_date=date(2027, 1, 1))
OLD = base_price(75.0, reception="02", condition="01", start_date=date(2025, 1, 1))
NEW = base_price(78.0, reception="02", condition="01", start_date=date(2026, 1, 1))
DEPENDENCY = Price(type="03", unit="2", amount_eur=5.0)
MONTHLY = base_price(2100.0, unit="3", reception="02")

CASES = [
    ("public price by default, permanent", (PUBLIC_PERM, AID_PERM, PUBLIC_TEMP), {}, PUBLIC_PERM),
    ("aid price when aid is asked", (PUBLIC_PERM, AID_PERM), {"social_aid": True}, AID_PERM),
    ("public price when no aid price exists", (PUBLIC_PERM,), {"social_aid": True}, PUBLIC_PERM),
    ("temporary asked", (PUBLIC_PERM, PUBLIC_TEMP), {"reception": "temporary"}, PUBLIC_TEMP),
    ("other reception excluded when asked", (PUBLIC_PERM,), {"reception": "temporary"}, None),
    ("under-60 price for a 55 year old", (PUBLIC_PERM, UNDER_60), {"age": 55}, UNDER_60),
    ("under-60 price never for an 80 year old", (PUBLIC_PERM, UNDER_60), {"age": 80}, PUBLIC_PERM),
    ("cheapest room of the group", (PUBLIC_PERM, DOUBLE_ROOM), {}, DOUBLE_ROOM),
    ("future price ignored", (PUBLIC_PERM, FUTURE), {}, PUBLIC_PERM),
    ("latest price in force", (OLD, NEW), {}, NEW),
    ("dependency price is not a base price", (DEPENDENCY,), {}, None),
    ("monthly unit", (MONTHLY,), {}, MONTHLY),
]


@pytest.mark.parametrize(
    ("prices", "asks", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_select_price(
    prices: tuple[Price, ...], asks: dict[str, object], expected: Price | None
) -> None:
    offer = make_ehpad("e", establishment=make_establishment(prices=prices))
    assert select_price(offer, toulouse_criteria(**asks), TODAY) == expected


def test_monthly_estimate_is_daily_times_30_4() -> None:
    assert base_price(82.5).monthly_eur == 2508.0
    assert MONTHLY.monthly_eur == 2100.0
    assert select_price(make_ehpad("e"), Criteria(), TODAY) == base_price(70.0, reception="02")
