"""Which base price a request pays: reception, aid condition, under-60, validity, cheapest room."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ror.criteria import Criteria
from ror.model import Price
from ror.ranking import prices
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


GIR_5_6 = Price(type="03", unit="2", amount_eur=5.0, dependency_level="03")
ALL_PRICES = (PUBLIC_PERM, AID_PERM, PUBLIC_TEMP, UNDER_60, DOUBLE_ROOM, FUTURE, GIR_5_6)


def test_priced_once_gives_each_request_its_own_price() -> None:
    offer = make_ehpad("e", establishment=make_establishment(prices=ALL_PRICES))
    asks: list[dict[str, Any]] = [dict(c[2]) for c in CASES]  # type: ignore[call-overload]
    asks.append({"age": 55, "social_aid": True})
    alone = [select_price(offer, toulouse_criteria(**a), TODAY) for a in asks]
    with prices.priced_once():
        twice = [select_price(offer, toulouse_criteria(**a), TODAY) for a in asks * 2]
        dependency = prices.dependency_price(offer, TODAY)
    assert twice == alone * 2
    assert dependency == prices.dependency_price(offer, TODAY)


def test_priced_once_computes_an_offer_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    select, dependency = prices._select_price, prices._dependency_price

    def counted_select(*args: Any) -> Price | None:
        calls.append("base")
        return select(*args)

    def counted_dependency(*args: Any) -> Price | None:
        calls.append("dependency")
        return dependency(*args)

    monkeypatch.setattr(prices, "_select_price", counted_select)
    monkeypatch.setattr(prices, "_dependency_price", counted_dependency)
    offer = make_ehpad("e", establishment=make_establishment(prices=ALL_PRICES))
    asks = toulouse_criteria(social_aid=True, max_monthly_price_eur=3000.0)
    with prices.priced_once():
        for _ in range(4):
            summary = prices.price_summary(offer, asks, TODAY)
            prices.family_monthly_eur(offer, asks, TODAY)
    assert summary is not None and summary["monthly_eur"] == round((72.0 + 5.0) * 30.4, 2)
    assert calls == ["base", "dependency"]
    prices.family_monthly_eur(offer, asks, TODAY)
    assert calls == ["base", "dependency", "base", "dependency"]  # nothing kept after the block


def test_a_changed_offer_is_priced_afresh() -> None:
    asks = toulouse_criteria()
    offer = make_ehpad("e", establishment=make_establishment(prices=(PUBLIC_PERM,)))
    changed = make_ehpad("e", establishment=make_establishment(prices=(NEW,)))
    with prices.priced_once():
        assert select_price(offer, asks, TODAY) == PUBLIC_PERM
        assert select_price(changed, asks, TODAY) == NEW
    with prices.priced_once():
        assert select_price(changed, asks, TODAY) == NEW
