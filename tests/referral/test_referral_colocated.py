"""Issue 19 case 1: the emergency question can be asked, over the API.

"An ICU bed free now, in an establishment that also has a trauma-capable emergency service":
the co-located criterion (``colocated``), in lay terms ("polytraumatisé") or explicitly; a unit
whose establishment lacks it is a near-miss that says so; the explanation names what is there.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.referral.world import DIJON


def emergency(samu: httpx.Client, **body: Any) -> httpx.Response:
    return samu.post(
        "/v1/referrals/search", json={**DIJON.where(radius_km=40), "profile": "emergency", **body}
    )


@pytest.mark.parametrize(
    "asked",
    [
        {"text": "polytraumatisé"},
        {"text": "polytraumatisme"},
        {"activity": ["126"], "colocated": [{"activity": ["159", "160"]}]},
        {"activity": ["126"], "colocated": [{"activity": ["160"]}], "beds": {"min_available": 1}},
    ],
)
def test_an_icu_in_a_hospital_with_a_trauma_capable_emergency(
    samu: httpx.Client, asked: dict[str, Any]
) -> None:
    answer = emergency(samu, **asked)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [m["offer"]["id"] for m in body["matches"]] == ["icu-trauma"]
    assert body["total"] == 1
    (sentence,) = [s for s in body["matches"][0]["explain"] if s.startswith("même établissement")]
    assert "urgences vitales" in sentence
    (miss,) = [n for n in body["near_misses"] if n["offer"]["id"] == "icu-plain"]
    assert miss["criterion"] == "colocated"
    assert miss["reason"].startswith("l'établissement n'a pas : ")
    assert not any(n["offer"]["id"] == "ortho-plain" for n in body["near_misses"])


def test_without_the_requirement_the_nearer_icu_comes_first(samu: httpx.Client) -> None:
    body = emergency(samu, activity=["126"]).json()
    assert [m["offer"]["id"] for m in body["matches"]] == ["icu-plain", "icu-trauma"]


def test_the_suggestion_carries_the_requirement(samu: httpx.Client) -> None:
    got = samu.get("/v1/suggest", params={"q": "polytraumatisé"}).json()["suggestions"]
    first = got[0]
    assert first["codes"] == ["126", "127", "122"]
    assert first["colocated"] == [{"activity": ["159", "160"]}]


@pytest.mark.parametrize(
    ("colocated", "status", "field"),
    [
        ([{"activity": ["999"]}], 422, "colocated[0].activity[0]"),
        ([{"acts": ["160"]}], 400, "colocated[0].acts.[key]"),
    ],
)
def test_a_bad_requirement_is_named(
    samu: httpx.Client, colocated: list[dict[str, list[str]]], status: int, field: str
) -> None:
    answer = emergency(samu, activity=["126"], colocated=colocated)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["field"] == field


def test_the_requirement_as_a_query_parameter(samu: httpx.Client) -> None:
    params: dict[str, str | float] = {
        "lat": DIJON.lat,
        "lon": DIJON.lon,
        "radius_km": 40,
        "profile": "emergency",
        "activity": "126",
    }
    got = samu.get("/v1/search", params={**params, "colocated": "activity:159|160"}).json()
    assert [m["offer"]["id"] for m in got["matches"]] == ["icu-trauma"]
    assert got["criteria"]["colocated"] == [["activity", ["159", "160"]]]
    two = samu.get("/v1/search", params={**params, "colocated": "activity:160,activity:157"})
    assert [m["offer"]["id"] for m in two.json()["matches"]] == ["icu-trauma"]


@pytest.mark.parametrize(
    ("value", "status", "message"),
    [
        ("159|160", 400, "CHAMP:CODE|CODE"),
        ("activity:", 400, "CHAMP:CODE|CODE"),
        ("color:159", 400, ""),
        ("activity:99999", 422, "code inconnu"),
    ],
)
def test_a_malformed_query_requirement_names_the_parameter(
    samu: httpx.Client, value: str, status: int, message: str
) -> None:
    params: dict[str, str | float] = {
        "lat": DIJON.lat,
        "lon": DIJON.lon,
        "activity": "126",
        "colocated": value,
    }
    answer = samu.get("/v1/search", params=params)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["field"].startswith("colocated")
    assert message in error["message"]


def fhir_ids(samu: httpx.Client, **params: str) -> list[str]:
    near = f"{DIJON.lat}|{DIJON.lon}|40|km"
    answer = samu.get("/fhir/HealthcareService", params={"location.near": near, **params})
    assert answer.status_code == 200, answer.text
    return [e["resource"]["id"] for e in answer.json().get("entry", [])]


def test_the_requirement_as_a_fhir_search_parameter(samu: httpx.Client) -> None:
    assert fhir_ids(samu, specialty="126") == ["icu-plain", "icu-trauma"]
    assert fhir_ids(samu, **{"specialty": "126", "colocated-specialty": "159,160"}) == [
        "icu-trauma"
    ]
    # every offer of the trauma hospital, the emergency itself included
    assert fhir_ids(samu, **{"colocated-specialty": "160"}) == ["icu-trauma", "urg-trauma"]
    assert fhir_ids(samu, **{"specialty": "126", "colocated-specialty:not": "160"}) == ["icu-plain"]
    metadata = samu.get("/fhir/metadata").json()
    service = next(r for r in metadata["rest"][0]["resource"] if r["type"] == "HealthcareService")
    assert "colocated-specialty" in {p["name"] for p in service["searchParam"]}
