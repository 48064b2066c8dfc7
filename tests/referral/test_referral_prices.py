"""Issue 19 case 7: the EHPAD price as families compare it, over the API.

Accommodation plus the GIR 5-6 dependency tariff, per month (× 30.4) and per room type, in the
explanation, in the answer's ``price`` and in the budget filter; a day-care unit has a daily
price and no monthly estimate.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.referral.world import GRENOBLE

N = "\u202f"


def nursing_home(samu: httpx.Client, **extra: Any) -> dict[str, Any]:
    body = {**GRENOBLE.where(radius_km=20), "offer_type": ["21"], "profile": "nursing_home"}
    answer = samu.post("/v1/referrals/search", json={**body, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def by_id(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["offer"]["id"]: m for m in answer["matches"]}


def test_the_monthly_price_adds_the_dependency_tariff_per_room(samu: httpx.Client) -> None:
    match = by_id(nursing_home(samu))["ehpad-a"]
    assert match["price"] == {
        "kind": "residential",
        "monthly_eur": 1948.64,  # (58.00 + 6.10) × 30.4, the double room
        "daily_eur": 64.1,
        "accommodation_daily_eur": 58.0,
        "dependency_gir56_daily_eur": 6.1,
        "rooms": [
            {"residential_type": "01", "monthly_eur": 1948.64},
            {"residential_type": "02", "monthly_eur": 2161.44},  # (65.00 + 6.10) × 30.4
        ],
    }
    sentence = next(s for s in match["explain"] if s.startswith("tarif estimé"))
    assert sentence == (
        f"tarif estimé 1{N}949{N}€/mois (hébergement 58,00{N}€ + dépendance GIR 5-6 6,10{N}€ "
        f"par jour) ; chambre double 1{N}949{N}€/mois, chambre simple 2{N}161{N}€/mois"
    )


def test_the_budget_compares_the_full_price(samu: httpx.Client) -> None:
    answer = nursing_home(samu, max_monthly_price_eur=2000, reception="permanent")
    assert set(by_id(answer)) == {"ehpad-a"}  # 1,949 €; B's accommodation alone is 1,824 €
    misses = {n["offer"]["id"]: n for n in answer["near_misses"]}
    assert misses["ehpad-b"]["reason"] == f"tarif estimé 2{N}037{N}€/mois, au-delà de 2{N}000{N}€"


def test_day_care_has_a_daily_price_and_no_monthly_estimate(samu: httpx.Client) -> None:
    match = by_id(nursing_home(samu, group="offer"))["ehpad-a-day"]
    assert match["price"] == {"kind": "day_care", "daily_eur": 38.5}
    assert f"accueil de jour : 38,50{N}€/jour" in match["explain"]
    assert not any("/mois" in s for s in match["explain"])
    (member,) = by_id(nursing_home(samu))["ehpad-a"]["members"]  # one match per EHPAD
    assert member["offer"]["id"] == "ehpad-a-day"
    assert member["price"] == {"kind": "day_care", "daily_eur": 38.5}
