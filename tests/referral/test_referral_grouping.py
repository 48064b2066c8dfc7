"""Issue 19 case 2: counted once, over real HTTP.

A SMUR doctor sees one option for two ICU offers sharing one bed zone (its beds said once);
a family looking for an EHPAD sees one match per establishment with its permanent,
temporary, protected-unit and day-care offers inside; ``total`` says what it counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ror.api.app import create_app
from ror.config import Settings
from ror.search.embedded import EmbeddedEngine
from tests.live_server import LiveServer
from tests.referral.world import BREST, LIMOGES


@pytest.fixture(scope="module")
def family(referral_settings: Settings) -> Iterator[httpx.Client]:
    """The public: no token, open data only (profile 0)."""
    engine = EmbeddedEngine(referral_settings.db_path)
    with (
        LiveServer(create_app(referral_settings, engine=engine, anonymous_profile=0)) as live,
        httpx.Client(base_url=live.url, timeout=30) as client,
    ):
        yield client
    engine.close()


def icu_beds(samu: httpx.Client, **extra: Any) -> httpx.Response:
    body = {
        **LIMOGES.where(radius_km=40),
        "profile": "emergency",
        "activity": ["126"],
        "beds": {"nature": "01", "min_available": 1},
        **extra,
    }
    return samu.post("/v1/referrals/search", json=body)


def test_two_icu_offers_of_one_bed_zone_are_one_option(samu: httpx.Client) -> None:
    answer = icu_beds(samu)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [m["offer"]["id"] for m in body["matches"]] == ["rea-chir", "rea-other"]
    assert (body["group"], body["total"], body["counted"]["total"]) == ("location", 2, "locations")
    first = body["matches"][0]
    assert [m["offer"]["id"] for m in first["members"]] == ["rea-med"]
    assert answer.text.count("2 lits disponibles") == 1  # the two beds, said once
    assert any(s.startswith("2 lits disponibles, mis à jour il y a") for s in first["explain"])
    assert "mêmes lits que : Réanimation rea-med (comptés une fois)" in first["explain"]
    assert body["matches"][1]["members"] == []


def test_asked_per_offer_the_two_offers_come_apart(samu: httpx.Client) -> None:
    body = icu_beds(samu, group="offer").json()
    assert [m["offer"]["id"] for m in body["matches"]] == ["rea-chir", "rea-med", "rea-other"]
    assert (body["total"], body["counted"]["total"]) == (3, "offers")
    assert "members" not in body["matches"][0]


def test_the_same_by_query_parameters(samu: httpx.Client) -> None:
    params: dict[str, str | float] = {
        "lat": LIMOGES.lat,
        "lon": LIMOGES.lon,
        "radius_km": 40,
        "profile": "emergency",
        "activity": "126",
        "beds_min": 1,
    }
    grouped = samu.get("/v1/search", params=params).json()
    assert [m["offer"]["id"] for m in grouped["matches"]] == ["rea-chir", "rea-other"]
    apart = samu.get("/v1/search", params={**params, "group": "offer"}).json()
    assert len(apart["matches"]) == 3
    bad = samu.get("/v1/search", params={**params, "group": "building"})
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "group"


def ehpad(family: httpx.Client, **extra: Any) -> dict[str, Any]:
    body = {"where": {"lat": BREST.lat, "lon": BREST.lon}, "text": "ehpad", **extra}
    answer = family.post("/v1/referrals/search", json={**body, "profile": "nursing_home"})
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_a_family_sees_one_match_per_ehpad_with_its_offers(family: httpx.Client) -> None:
    body = ehpad(family, radius_km=30)
    assert (body["group"], body["total"], body["counted"]) == (
        "establishment",
        2,
        {"total": "establishments", "facets": "offers"},
    )
    big, small = body["matches"]
    assert big["offer"]["establishment"]["name"] == "EHPAD eg-ehpad-iroise"
    offers = [big["offer"]["id"], *(m["offer"]["id"] for m in big["members"])]
    assert sorted(offers) == ["iroise-day", "iroise-perm", "iroise-temp", "iroise-uvp"]
    day = next(m for m in big["members"] if m["offer"]["id"] == "iroise-day")
    assert day["price"] == {"kind": "day_care", "daily_eur": 38.5}
    also = next(s for s in big["explain"] if s.startswith("aussi dans cet établissement : "))
    assert "Accueil de jour" in also and "Unité de vie protégée" in also
    assert [small["offer"]["id"], small["members"]] == ["elorn-perm", []]
    assert "capacities" not in big["offer"]  # the public sees no counts, members neither
    assert all("capacities" not in m["offer"] for m in big["members"])


def test_a_criterion_keeps_only_the_fitting_offers_inside(family: httpx.Client) -> None:
    body = ehpad(family, radius_km=30, reception="temporary")
    (match,) = body["matches"]
    assert match["offer"]["id"] == "iroise-temp"
    assert match["members"] == []
    # the permanent-only EHPAD fails one criterion: a near-miss; no offer of the matched
    # EHPAD is one (its establishment is already the answer)
    assert [n["offer"]["id"] for n in body["near_misses"]] == ["elorn-perm"]


def test_the_nearest_n_counts_establishments(family: httpx.Client) -> None:
    body = ehpad(family, limit=1)
    assert [m["offer"]["establishment"]["id"] for m in body["matches"]] == ["eg-ehpad-iroise"]
    assert body["total"] >= 1
