"""Each ROR access profile on a fixed fixture, over real HTTP (ROR-MODEL §8, DESIGN §7).

The expectations are written out here as the profile table says them, not computed with the
code under test.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ror.api.response_models import EstablishmentOffersOut, OfferOut, SearchResponse
from tests.api.access_checks import World, build_world, contact_level
from tests.api.api_checks import error_of, valid

CALLERS = ("anonymous", "p0", "p1", "p2", "p3", "p4", "p5")
# Which of the four marked units each caller may see at all.
VISIBLE = {
    "anonymous": {"open_san", "open_ms"},
    "p0": {"open_san", "open_ms"},
    "p1": {"open_san", "open_ms", "sens_san", "sens_ms"},
    "p2": {"open_san", "open_ms", "sens_san", "sens_ms"},
    "p3": {"open_san", "open_ms", "sens_ms"},  # sanitaire: open data only
    "p4": {"open_san", "open_ms", "sens_san", "sens_ms"},
    "p5": {"open_san", "open_ms", "sens_san", "sens_ms"},
}
# Contact levels (R283) shown, for a sanitaire (01) and a medico-social (04) unit.
CONTACTS = {
    "anonymous": ({"1"}, {"1"}),
    "p0": ({"1"}, {"1"}),
    "p1": ({"1", "2", "3"}, {"1", "2", "3"}),
    "p2": ({"1", "2"}, {"1", "2"}),
    "p3": ({"1"}, {"1", "2"}),
    "p4": (set(), set()),
    "p5": ({"1", "2"}, {"1", "2"}),
}
# Capacities shown, for a sanitaire and a medico-social unit.
CAPACITIES = {
    "anonymous": (False, False),
    "p0": (False, False),
    "p1": (True, True),
    "p2": (True, True),
    "p3": (False, True),
    "p4": (True, True),
    "p5": (False, False),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("access"))


def headers(world: World, caller: str) -> dict[str, str]:
    return {} if caller == "anonymous" else world.token(caller)


def near(world: World) -> dict[str, Any]:
    a = world.anchor.place
    return {"lat": a.lat, "lon": a.lon, "radius_km": 2, "limit": 200, "facets": "true"}


@pytest.mark.parametrize("caller", CALLERS)
def test_offers_by_profile(world: World, client: httpx.Client, caller: str) -> None:
    for tag, offer in world.specials.items():
        answer = client.get(f"/v1/offers/{offer.id}", headers=headers(world, caller))
        if tag not in VISIBLE[caller]:
            error_of(answer, 404, "id")  # a hidden unit answers like a missing one
            continue
        assert answer.status_code == 200, answer.text
        body = answer.json()
        valid(OfferOut, body)
        medico_social = tag.endswith("_ms")
        shown = {contact_level(c["value"]) for c in body["contacts"]}
        assert shown == CONTACTS[caller][medico_social], (tag, body["contacts"])
        assert ("capacities" in body) is CAPACITIES[caller][medico_social], tag
        if "capacities" in body:
            assert len(body["capacities"]) == len(offer.capacities)


@pytest.mark.parametrize("caller", CALLERS)
def test_establishment_pages_show_what_the_offer_pages_show(
    world: World, client: httpx.Client, caller: str
) -> None:
    for tag, special in world.specials.items():
        for key in (special.establishment.finess, special.establishment.id):
            assert key
            answer = client.get(f"/v1/establishments/{key}", headers=headers(world, caller))
            siblings = sorted(
                o.id
                for o in world.offers
                if o.establishment.id == special.establishment.id
                and not o.sensitive
                and o.id != special.id
            )
            expected = sorted([*siblings, special.id]) if tag in VISIBLE[caller] else siblings
            if not expected:
                error_of(answer, 404, "id")  # a hidden unit answers like a missing one
                continue
            assert answer.status_code == 200, answer.text
            body = answer.json()
            valid(EstablishmentOffersOut, body)
            assert [o["id"] for o in body["offers"]] == expected
            assert body["establishment"]["id"] == special.establishment.id
            medico_social = tag.endswith("_ms")
            for shown in body["offers"]:
                if shown["id"] != special.id:
                    continue
                levels = {contact_level(c["value"]) for c in shown["contacts"]}
                assert levels == CONTACTS[caller][medico_social], tag
                assert ("capacities" in shown) is CAPACITIES[caller][medico_social], tag
    error_of(client.get("/v1/establishments/000000000", headers=headers(world, caller)), 404, "id")


@pytest.mark.parametrize("caller", CALLERS)
def test_searches_leave_hidden_units_out_of_everything(
    world: World, client: httpx.Client, caller: str
) -> None:
    each = {**near(world), "group": "offer"}  # units, whatever the caller's default grouping
    everything = client.get("/v1/search", params=each, headers=world.token("p1")).json()
    answer = client.get("/v1/search", params=each, headers=headers(world, caller))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    valid(SearchResponse, body)
    ids = {m["offer"]["id"] for m in body["matches"]}
    hidden = {t for t in world.specials if t not in VISIBLE[caller]}
    for tag, offer in world.specials.items():
        assert (offer.id in ids) is (tag not in hidden), tag
        assert offer.name not in answer.text or tag not in hidden
    assert body["total"] == everything["total"] - len(hidden)
    champ = {
        v["code"]: v["count"] for f in body["facets"] if f["field"] == "champ" for v in f["values"]
    }
    full = {
        v["code"]: v["count"]
        for f in everything["facets"]
        if f["field"] == "champ"
        for v in f["values"]
    }
    assert full["01"] - champ.get("01", 0) == ("sens_san" in hidden)
    assert full["04"] - champ.get("04", 0) == ("sens_ms" in hidden)
    for match in body["matches"]:
        special = next((t for t, o in world.specials.items() if o.id == match["offer"]["id"]), None)
        if special is None:
            continue
        sees = CAPACITIES[caller][special.endswith("_ms")]
        assert ("capacities" in match["offer"]) is sees
        assert ("stale" in match) is sees


@pytest.mark.parametrize(
    ("caller", "extra", "status"),
    [
        ("anonymous", {}, 403),
        ("p0", {}, 403),
        ("p5", {}, 403),
        ("p3", {}, 403),  # capacities of sanitaire offers are not for profile 3…
        ("p3", {"champ": "04", "beds_nature": "02"}, 200),  # …those of medico-social ones are
        ("p1", {}, 200),
        ("p2", {}, 200),
        ("p4", {}, 200),
    ],
)
def test_filtering_by_beds_needs_capacity_access(
    world: World, client: httpx.Client, caller: str, extra: dict[str, str], status: int
) -> None:
    params = {**near(world), "beds_nature": "01", "beds_min": 1, **extra}
    answer = client.get("/v1/search", params=params, headers=headers(world, caller))
    if status == 403:
        error = error_of(answer, 403, "beds")
        assert "restreintes" in error["message"]
        a = world.anchor.place
        body = {
            "where": {"lat": a.lat, "lon": a.lon},
            "radius_km": 2,
            "beds": {"nature": "01", "min_available": 1},
        }
        posted = client.post("/v1/referrals/search", json=body, headers=headers(world, caller))
        error_of(posted, 403, "beds")
    else:
        assert answer.status_code == 200, answer.text


def test_ranking_ignores_capacities_for_callers_who_may_not_see_them(
    world: World, client: httpx.Client
) -> None:
    params = {**near(world), "profile": "emergency"}
    full = client.get("/v1/search", params=params, headers=world.token("p1")).json()
    assert any("capacity" in m["parts"] for m in full["matches"])
    for caller in ("anonymous", "p5"):
        body = client.get("/v1/search", params=params, headers=headers(world, caller)).json()
        for m in body["matches"]:
            assert set(m["parts"]) <= {"distance", "social_aid", "price"}, m["parts"]
        scores = [m["score"] for m in body["matches"]]
        distances = [m["distance_km"] for m in body["matches"] if not m["by_zone"]]
        assert scores == sorted(scores, reverse=True)
        assert distances == sorted(distances)  # distance alone orders them (zone matches: 1)


@pytest.mark.parametrize(
    ("searcher", "replayer", "status"),
    [
        ("p1", "p1", 200),
        ("p1", "p2", 200),  # sees everything a profile-1 search could show
        ("p1", "p4", 200),
        ("p1", "p0", 403),
        ("p1", "anonymous", 403),
        ("p1", "p3", 403),
        ("p1", "p5", 403),  # the order came from capacities it may not see
        ("p0", "p0", 200),
        ("anonymous", "p1", 200),
        ("p5", "p0", 403),  # a profile-5 search could show sensitive units
        ("p5", "p5", 200),
    ],
)
def test_replays_only_for_callers_who_may_see_all_the_search_could(
    world: World, client: httpx.Client, searcher: str, replayer: str, status: int
) -> None:
    search = client.get("/v1/search", params=near(world), headers=headers(world, searcher)).json()
    answer = client.get(f"/v1/referrals/{search['id']}", headers=headers(world, replayer))
    if status == 403:
        error_of(answer, 403, "id")
        assert world.specials["sens_san"].name not in answer.text
        return
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [m["offer_id"] for m in body["result"]["matches"]] == [
        m["offer"]["id"] for m in search["matches"]
    ]
    if "stale" not in search["matches"][0]:
        assert all("stale" not in m for m in body["result"]["matches"])


def test_replays_record_the_audience(world: World, client: httpx.Client) -> None:
    wide = client.get("/v1/search", params=near(world), headers=world.token("p1")).json()
    body = client.get(f"/v1/referrals/{wide['id']}", headers=world.token("p1")).json()
    assert body["criteria"]["audience"] == {"sensitive_champs": None, "capacities": True}
    narrow = client.get("/v1/search", params=near(world)).json()
    body = client.get(f"/v1/referrals/{narrow['id']}").json()
    assert body["criteria"]["audience"] == {"sensitive_champs": [], "capacities": False}
    assert "audience" not in narrow["criteria"]  # the caller's scope is not a criterion


def test_the_public_compares_establishments_unless_it_asks_otherwise(
    world: World, client: httpx.Client
) -> None:
    public = client.get("/v1/search", params=near(world)).json()
    assert (public["group"], public["counted"]["total"]) == ("establishment", "establishments")
    establishments = [m["offer"]["establishment"]["id"] for m in public["matches"]]
    assert len(establishments) == len(set(establishments))
    per_unit = client.get("/v1/search", params={**near(world), "group": "offer"}).json()
    assert (per_unit["group"], per_unit["counted"]["total"]) == ("offer", "offers")
    assert per_unit["total"] > public["total"]
    professional = client.get("/v1/search", params=near(world), headers=world.token("p1")).json()
    assert professional["group"] == "offer"
