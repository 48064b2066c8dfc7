"""Referral search over real HTTP: POST and GET, replay, access profiles, and every bad input."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from ror.api.app import create_app
from ror.api.response_models import ReplayResponse, SearchResponse
from ror.config import Settings
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import CandidateQuery, Candidates
from tests.api.api_checks import error_of, valid
from tests.live_server import LiveServer

SEARCH = "/v1/referrals/search"
EHPAD_TOULOUSE: dict[str, Any] = {
    "where": {"place": "Toulouse"},
    "profile": "nursing_home",
    "offer_type": ["21"],
    "social_aid": True,
    "limit": 3,
    "facets": True,
}


def test_post_search_answers_matches_with_explanations(http: httpx.Client) -> None:
    response = http.post(SEARCH, json=EHPAD_TOULOUSE)
    assert response.status_code == 200, response.text
    body = response.json()
    valid(SearchResponse, body)
    assert 0 < len(body["matches"]) <= 3 and body["total"] >= len(body["matches"])
    assert body["criteria"]["commune"] == "31555"  # Toulouse, resolved
    for match in body["matches"]:
        offer = match["offer"]
        assert {"code": "21", "label": offer["offer_type"][0]["label"]} in offer["offer_type"]
        assert offer["establishment"]["social_aid"] is True
        assert match["explain"][0].startswith("à ")  # distance first
        assert "habilité à l'aide sociale" in match["explain"]
        assert match["distance_km"] <= body["radius_km"]
    scores = [m["score"] for m in body["matches"]]
    assert scores == sorted(scores, reverse=True)
    assert {f["field"] for f in body["facets"]} >= {"activity", "offer_type"}


def test_get_search_is_the_same_search(http: httpx.Client) -> None:
    posted = http.post(SEARCH, json=EHPAD_TOULOUSE).json()
    got = http.get(
        "/v1/search",
        params={
            "place": "Toulouse",
            "profile": "nursing_home",
            "offer_type": "21",
            "social_aid": "true",
            "limit": "3",
            "facets": "true",
        },
    )
    assert got.status_code == 200, got.text
    body = got.json()
    valid(SearchResponse, body)
    assert [m["offer"]["id"] for m in body["matches"]] == [
        m["offer"]["id"] for m in posted["matches"]
    ]
    assert body["criteria"] == posted["criteria"]
    assert body["id"] != posted["id"]


def test_facets_are_counted_only_when_asked(http: httpx.Client) -> None:
    plain = http.post(SEARCH, json={**EHPAD_TOULOUSE, "facets": False}).json()
    asked = http.post(SEARCH, json=EHPAD_TOULOUSE).json()
    assert plain["facets"] == [] and asked["facets"]
    assert [m["offer"]["id"] for m in plain["matches"]] == [
        m["offer"]["id"] for m in asked["matches"]
    ]
    offer_types = next(f for f in asked["facets"] if f["field"] == "offer_type")
    assert any(v["code"] == "21" and v["selected"] for v in offer_types["values"])


def test_nearest_point_search_widens_and_pages(http: httpx.Client) -> None:
    first = http.get("/v1/search", params={"lat": 48.8566, "lon": 2.3522, "limit": 5}).json()
    second = http.get(
        "/v1/search", params={"lat": 48.8566, "lon": 2.3522, "limit": 5, "offset": 5}
    ).json()
    ids = [m["offer"]["id"] for m in first["matches"] + second["matches"]]
    assert len(ids) == len(set(ids)) == 10
    assert first["radius_km"] is not None


def test_explain_and_debug_options(http: httpx.Client) -> None:
    plain = http.post(SEARCH, params={"explain": "false"}, json=EHPAD_TOULOUSE).json()
    assert all(m["explain"] == [] for m in plain["matches"]) and "debug" not in plain
    debug = http.post(SEARCH, params={"debug": "1"}, json=EHPAD_TOULOUSE).json()
    valid(SearchResponse, debug)
    assert debug["debug"]["weights"]["profile"] == "nursing_home"
    assert debug["debug"]["strategy"]
    error_of(http.post(SEARCH, params={"explain": "peut-être"}, json={}), 400, "explain")
    error_of(http.post(SEARCH, params={"verbose": "1"}, json={}), 400, "verbose")
    got = http.get("/v1/search", params={"place": "Toulouse", "debug": "1", "explain": "0"})
    assert got.status_code == 200, got.text
    assert got.json()["debug"]["strategy"]
    assert all(m["explain"] == [] for m in got.json()["matches"])
    error_of(http.get("/v1/search?place=Lyon&debug=1&debug=0"), 400, "debug")


def test_text_is_resolved_to_codes(http: httpx.Client) -> None:
    body = http.post(SEARCH, json={"where": {"place": "Paris"}, "text": "réanimation"}).json()
    asked = set(body["criteria"]["activity"])
    assert "126" in asked  # réanimation médicale
    assert body["matches"]
    assert all(asked & {a["code"] for a in m["offer"]["activity"]} for m in body["matches"])


def test_replay_gives_back_criteria_engine_and_results(http: httpx.Client) -> None:
    search = http.post(SEARCH, json=EHPAD_TOULOUSE).json()
    response = http.get(f"/v1/referrals/{search['id']}")
    assert response.status_code == 200, response.text
    replay = response.json()
    valid(ReplayResponse, replay)
    assert replay["engine"] == "embedded" and replay["engine_version"].startswith("embedded")
    assert replay["criteria"]["commune"] == "31555"
    assert [m["offer_id"] for m in replay["result"]["matches"]] == [
        m["offer"]["id"] for m in search["matches"]
    ]
    assert [m["explain"] for m in replay["result"]["matches"]] == [
        m["explain"] for m in search["matches"]
    ]
    error_of(http.get("/v1/referrals/0123456789abcdef"), 404, "id")


# --- access profiles -----------------------------------------------------------------------


def test_anonymous_callers_never_see_capacities(http: httpx.Client) -> None:
    body = http.post(
        SEARCH, json={"where": {"place": "Paris"}, "profile": "emergency", "limit": 20}
    ).json()
    assert body["matches"]
    for match in body["matches"]:
        assert "capacities" not in match["offer"]
        assert "capacity" not in match["parts"] and "stale" not in match
        assert not any("disponib" in s or "chiffre ancien" in s for s in match["explain"])
    error = error_of(http.post(SEARCH, json={"beds": {"min_available": 1}}), 403, "beds")
    assert error["code"] == "forbidden"
    error_of(http.get("/v1/search", params={"place": "Paris", "beds_min": "1"}), 403, "beds")


def test_trusted_callers_see_capacities_and_search_beds(trusted_http: httpx.Client) -> None:
    body = trusted_http.post(
        SEARCH,
        json={
            "where": {"place": "Paris"},
            "profile": "emergency",
            "activity": ["126", "127"],
            "beds": {"nature": "01", "min_available": 1},
        },
    ).json()
    valid(SearchResponse, body)
    assert body["matches"], body
    for match in body["matches"]:
        caps = match["offer"]["capacities"]
        assert any(c["status"]["code"] == "02" and c["count"] > 0 for c in caps)
        assert all(c["updated_at"] for c in caps)
        assert "capacity" in match["parts"] and isinstance(match["stale"], bool)
        assert any("disponible" in s for s in match["explain"])


def test_sensitive_units_are_hidden_from_anonymous_callers(
    http: httpx.Client, trusted_http: httpx.Client, offers: list[Offer]
) -> None:
    sensitive = next(o for o in offers if o.sensitive)
    error_of(http.get(f"/v1/offers/{sensitive.id}"), 404, "id")
    assert trusted_http.get(f"/v1/offers/{sensitive.id}").status_code == 200
    near = {
        "where": {"lat": sensitive.place.lat, "lon": sensitive.place.lon},
        "activity": list(sensitive.activity),
        "limit": 50,
    }
    trusted_ids = [m["offer"]["id"] for m in trusted_http.post(SEARCH, json=near).json()["matches"]]
    assert sensitive.id in trusted_ids
    search = http.post(SEARCH, json=near).json()
    assert sensitive.id not in [m["offer"]["id"] for m in search["matches"]]
    replay = http.get(f"/v1/referrals/{search['id']}").json()
    assert sensitive.id not in [m["offer_id"] for m in replay["result"]["matches"]]


# --- bad input: always the documented error, never a 500 --------------------------------------


def test_a_departement_is_searched_whole_and_said_in_french(http: httpx.Client) -> None:
    response = http.get("/v1/search", params={"place": "31", "limit": 50, "facets": "true"})
    assert response.status_code == 200, response.text
    body = response.json()
    valid(SearchResponse, body)
    assert body["radius_km"] is None and body["criteria"]["area"] == "D:31"
    assert body["territory"] == {
        "code": "D:31",
        "name": "Haute-Garonne (31)",
        "where": "en Haute-Garonne (31)",
        "departements": ["31"],
    }
    assert body["total"] >= len(body["matches"]) > 0
    assert {m["offer"]["place"]["departement"] for m in body["matches"]} == {"31"}
    assert not any(s.startswith("à ") for m in body["matches"] for s in m["explain"])
    point = http.get("/v1/search", params={"place": "Toulouse"}).json()
    assert point["territory"] is None


@pytest.mark.parametrize(
    ("body", "status", "field", "code"),
    [
        ({"where": {"lat": "nord", "lon": 2}}, 400, "where.lat", "invalid_value"),
        ({"where": {"lat": 48.8}}, 400, "where.lon", "missing_field"),
        ({"where": {"lat": 95, "lon": 2}}, 400, "where.lat", "invalid_value"),
        ({"where": {"place": "Xyzzyville-sur-Mer"}}, 422, "where.place", "unknown_place"),
        ({"activity": ["99999"]}, 422, "activity[0]", "unknown_code"),
        ({"activity": ["126", "999"]}, 422, "activity[1]", "unknown_code"),
        ({"activity": [126]}, 400, "activity[0]", "invalid_value"),
        ({"offer_type": ["zz"]}, 422, "offer_type[0]", "unknown_code"),
        ({"equipment": [{"code": "999"}]}, 422, "equipment[0].code", "unknown_code"),
        ({"radius_km": 0}, 400, "radius_km", "invalid_value"),
        ({"radius_km": -3}, 400, "radius_km", "invalid_value"),
        ({"where": {"place": "Haute-Garonne"}, "radius_km": 10}, 400, "radius_km", "bad_request"),
        ({"limit": 201}, 400, "limit", "invalid_value"),
        ({"limit": 0}, 400, "limit", "invalid_value"),
        ({"offset": -1}, 400, "offset", "invalid_value"),
        ({"age": 200}, 400, "age", "invalid_value"),
        ({"beds": {"min_available": "deux"}}, 400, "beds.min_available", "invalid_value"),
        ({"open_at": "2026-11-26T14:00:00"}, 400, "open_at", "invalid_value"),
        ({"profile": "urgence"}, 400, "profile", "invalid_value"),
        ({"where": {"lat": 1, "lon": 2}, "radius": 5}, 400, "radius", "unknown_field"),
        ({"where": []}, 400, "where", "invalid_value"),
    ],
)
def test_bad_criteria(
    http: httpx.Client, body: dict[str, Any], status: int, field: str, code: str
) -> None:
    error = error_of(http.post(SEARCH, json=body), status, field)
    assert error["code"] == code


def test_limit_too_large_says_so(http: httpx.Client) -> None:
    error = error_of(http.post(SEARCH, json={"limit": 500}), 400, "limit")
    assert "limit trop grand" in error["message"] and "200" in error["message"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "vide"),
        (b'{"where": {"place": "Paris"}', "JSON valide"),
        (b"{'where': 1}", "JSON valide"),
        (b'{"age": NaN}', "NaN"),
        (b"[]", "objet JSON"),
        (b"null", "objet JSON"),
        (b"\xff\xfe\x00", "UTF-8"),
    ],
)
def test_malformed_bodies(http: httpx.Client, content: bytes, words: str) -> None:
    response = http.post(SEARCH, content=content, headers={"content-type": "application/json"})
    error = error_of(response, 400, None)
    assert error["code"] == "invalid_json" and words in error["message"]


def test_body_too_large(http: httpx.Client) -> None:
    error = error_of(http.post(SEARCH, content=b" " * 100_000), 413, None)
    assert error["code"] == "body_too_large"


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"lat": "48.8"}, 400, "lon"),
        ({"place": "Paris", "beds_nature": "01", "beds_min": "x"}, 400, "beds_min"),
        ({"place": "Paris", "limit": "1000"}, 400, "limit"),
        ({"place": "Paris", "radius_km": "-1"}, 400, "radius_km"),
        ({"place": "Nullepartville-les-Bains"}, 422, "where.place"),
        ({"place": "Paris", "activity": "126,abc"}, 422, "activity[1]"),
        ({"place": "Paris", "equipment": "1:2:3:4"}, 400, "equipment"),
        ({"place": "Paris", "social_aid": "oui-non"}, 400, "social_aid"),
        ({"place": "Paris", "activty": "126"}, 400, "activty"),
    ],
)
def test_bad_query_parameters(
    http: httpx.Client, params: dict[str, str], status: int, field: str
) -> None:
    error_of(http.get("/v1/search", params=params), status, field)


def test_wrong_method_and_unknown_route(http: httpx.Client) -> None:
    error = error_of(http.get(SEARCH), 405, None)
    assert error["code"] == "method_not_allowed"
    assert "POST" in http.get(SEARCH).headers["allow"]
    error = error_of(http.post("/v1/search", json={}), 405, None)
    error = error_of(http.get("/v1/referals/search"), 404, None)
    assert error["code"] == "not_found"


class WhereSearched(EmbeddedEngine):
    """The test engine, noting whether each search ran on the server's event loop."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.on_loop: list[bool] = []

    def candidates(self, query: CandidateQuery) -> Candidates:
        try:
            asyncio.get_running_loop()
            self.on_loop.append(True)
        except RuntimeError:
            self.on_loop.append(False)
        return super().candidates(query)


def test_searches_never_run_on_the_event_loop(settings: Settings) -> None:
    """Issue 22: a search on the loop kept ``/health`` waiting for seconds under load."""
    engine = WhereSearched(settings.db_path)
    with LiveServer(create_app(settings, engine=engine)) as live:
        answer = httpx.post(live.url + "/v1/referrals/search", json=EHPAD_TOULOUSE, timeout=30)
        fhir = httpx.get(live.url + "/fhir/HealthcareService?_count=1", timeout=30)
    engine.close()
    assert answer.status_code == 200 and answer.json()["matches"]
    assert fhir.status_code == 200
    assert engine.on_loop and set(engine.on_loop) == {False}


def test_offer_and_establishment_say_how_far_from_a_point(
    http: httpx.Client, offers: list[Offer]
) -> None:
    offer = next(o for o in offers if o.establishment.finess and not o.sensitive)
    plain = http.get(f"/v1/offers/{offer.id}").json()
    assert "travel" not in plain
    # 0.09° of latitude north of the offer: 10.0 km; 13 road km, 5 at 30 km/h and 8 at 60 km/h
    start = {"lat": offer.place.lat + 0.09, "lon": offer.place.lon}
    one = http.get(f"/v1/offers/{offer.id}", params=start).json()
    assert one["travel"]["distance_km"] == pytest.approx(10.0, abs=0.05)
    assert one["travel"]["minutes"] == 18
    listed = http.get(f"/v1/establishments/{offer.establishment.finess}", params=start).json()
    mine = next(o for o in listed["offers"] if o["id"] == offer.id)
    assert mine["travel"] == one["travel"]
    error_of(http.get(f"/v1/offers/{offer.id}", params={"lat": 43.6}), 400, "lon")
    error_of(http.get(f"/v1/offers/{offer.id}", params={"lat": 91, "lon": 1}), 400, "lat")
    error_of(
        http.get(f"/v1/establishments/{offer.establishment.finess}", params={"x": 1}), 400, "x"
    )
