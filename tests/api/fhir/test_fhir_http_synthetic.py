"""The facade over the 2,000 synthetic offers of the API tests (no kept source: every resource
is synthesised in ROR IG shape), over real HTTP: paging past 200, distance order checked
against a brute-force scan, access profiles, errors."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ror.api.fhir.params import MAX_OFFSET
from ror.model import Offer
from tests.api.fhir.fhir_checks import (
    bundle_of,
    distance,
    included,
    link,
    matches,
    outcome_of,
    query,
)

TOULOUSE = (43.6045, 1.4440)
CAPACITY = "ror-location-supported-capacity"


def km(lat: float, lon: float, offer: Offer) -> float:
    p1, p2 = math.radians(lat), math.radians(offer.place.lat)
    dp, dl = p2 - p1, math.radians(offer.place.lon - lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def capacity_extensions(resource: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in resource.get("extension", []) if e["url"].endswith(CAPACITY)]


def test_pages_go_past_200_with_next_links(full_fhir: httpx.Client, offers: list[Offer]) -> None:
    seen: list[str] = []
    url: str | None = "/HealthcareService?_count=700"
    pages = 0
    while url is not None:
        bundle = bundle_of(full_fhir.get(url), sample=20)
        assert bundle["total"] == len(offers)
        seen += matches(bundle)
        url = link(bundle, "next")
        pages += 1
    assert pages == 3
    assert seen == sorted(o.id for o in offers)  # every offer once, in _id order
    outcome_of(full_fhir.get("/HealthcareService?_count=1001"), 400)


def test_summary_count_and_offset(full_fhir: httpx.Client, offers: list[Offer]) -> None:
    counted = bundle_of(full_fhir.get("/HealthcareService?_summary=count&service-type=04"))
    medico_social = sorted(o.id for o in offers if "04" in o.champ)
    assert counted["total"] == len(medico_social) and "entry" not in counted
    page = bundle_of(full_fhir.get("/HealthcareService?service-type=04&_count=5&_offset=10"))
    assert matches(page) == medico_social[10:15]
    assert link(page, "previous") is not None


def test_offset_is_bounded_and_deeper_pages_go_by_cursor(
    full_fhir: httpx.Client, offers: list[Offer]
) -> None:
    """``_offset`` up to ``MAX_OFFSET`` (read without a scan: at most that many keys skipped);
    beyond it a 400 OperationOutcome names ``_offset`` and points to the ``next`` links."""
    ordered = sorted(o.id for o in offers)
    page = bundle_of(full_fhir.get("/HealthcareService?_count=3&_offset=1500"))
    assert matches(page) == ordered[1500:1503]
    nxt = link(page, "next")
    assert nxt is not None and "_cursor=" in nxt and "_offset" not in nxt
    assert matches(bundle_of(full_fhir.get(nxt))) == ordered[1503:1506]
    deepest = bundle_of(full_fhir.get(f"/HealthcareService?_count=3&_offset={MAX_OFFSET}"))
    assert deepest["total"] == len(offers) and matches(deepest) == []
    for beyond in (MAX_OFFSET + 1, 10**12):
        issues = outcome_of(full_fhir.get(f"/HealthcareService?_offset={beyond}"), 400)
        assert [i["expression"] for i in issues] == [["_offset"]]
        assert str(MAX_OFFSET) in issues[0]["diagnostics"]
        assert "_cursor" in issues[0]["diagnostics"]
    capability = full_fhir.get("/metadata").json()
    assert f"_offset au plus {MAX_OFFSET}" in capability["rest"][0]["documentation"]


def test_nearest_first_within_the_radius(full_fhir: httpx.Client, offers: list[Offer]) -> None:
    lat, lon = TOULOUSE
    params = [("location.near", f"{lat}|{lon}|60|km"), ("service-type", "04"), ("_count", "1000")]
    bundle = bundle_of(full_fhir.get("/HealthcareService", params=query(params)))
    expected = sorted(
        (km(lat, lon, o), o.id)
        for o in offers
        if "04" in o.champ and km(lat, lon, o) <= 60 and not o.sensitive
    )
    assert bundle["total"] == len(expected) > 10
    assert matches(bundle) == [i for _, i in expected]
    shown = [distance(e) for e in bundle["entry"] if e["search"]["mode"] == "match"]
    assert shown == pytest.approx([round(d, 3) for d, _ in expected], abs=2e-3)


def test_locations_near_with_their_offers(full_fhir: httpx.Client, offers: list[Offer]) -> None:
    lat, lon = TOULOUSE
    params = [("near", f"{lat}|{lon}|20000|m"), ("_revinclude", "HealthcareService:location")]
    bundle = bundle_of(full_fhir.get("/Location", params=[*params, ("_count", "1000")]), sample=30)
    within = [o for o in offers if km(lat, lon, o) <= 20]
    assert sorted(matches(bundle)) == sorted({lid for o in within for lid in o.location_ids})
    distances = [distance(e) for e in bundle["entry"] if e["search"]["mode"] == "match"]
    assert distances == sorted(distances)  # type: ignore[type-var]
    assert sorted(included(bundle, "HealthcareService")) == sorted(o.id for o in within)


def test_capacities_only_for_profiles_that_may_see_them(
    open_fhir: httpx.Client, full_fhir: httpx.Client, offers: list[Offer]
) -> None:
    query = "/HealthcareService?service-type=01&_include=HealthcareService:location&_count=200"
    full = bundle_of(full_fhir.get(query), sample=20)
    assert any(capacity_extensions(e["resource"]) for e in full["entry"])
    opened = bundle_of(open_fhir.get(query), sample=20)
    assert not any(capacity_extensions(e["resource"]) for e in opened["entry"])
    everything = full_fhir.get("/HealthcareService?_summary=count").json()["total"]
    hidden = sum(o.sensitive for o in offers)  # sensitive units: not for the open profile
    assert hidden and everything == len(offers)
    assert open_fhir.get("/HealthcareService?_summary=count").json()["total"] == everything - hidden
    issues = outcome_of(
        open_fhir.get("/HealthcareService?location.capacity-status=02&location.nb-capacity=gt0"),
        403,
    )
    assert {i["expression"][0] for i in issues} == {
        "location.capacity-status",
        "location.nb-capacity",
    }
    assert all(i["code"] == "forbidden" for i in issues)
    outcome_of(open_fhir.get("/Location?capacity-status=02"), 403)
    closed = (  # no other parameter: answered from the stored counters (``counter_lookup``)
        "/HealthcareService?location.capacity-type=01&location.capacity-closing-type=01"
        "&location.capacity-status=05&location.nb-capacity=gt0&_include=HealthcareService:location"
    )
    outcome_of(open_fhir.get(closed), 403)
    found = bundle_of(full_fhir.get(closed), sample=5)
    assert found["total"] > 0
    for entry in found["entry"]:
        if entry["search"]["mode"] == "include":
            assert capacity_extensions(entry["resource"])


def test_open_data_contacts_only(open_fhir: httpx.Client, offers: list[Offer]) -> None:
    public = {c.value for o in offers for c in o.contacts if c.confidentiality == "1"}
    restricted = {c.value for o in offers for c in o.contacts} - public
    assert restricted
    bundle = bundle_of(open_fhir.get("/HealthcareService?_count=1000"), sample=20)
    shown = {value for e in bundle["entry"] for value in telecom_values(e["resource"])}
    assert shown and shown <= public


def telecom_values(element: Any) -> Iterator[str]:
    """Every contact value of a resource (contact extensions and telecoms)."""
    if isinstance(element, list):
        for item in element:
            yield from telecom_values(item)
    elif isinstance(element, dict):
        if element.get("url") == "telecomAddress":
            yield element["valueString"]
        for key, item in element.items():
            if key == "telecom":
                yield from (t["value"] for t in item)
            else:
                yield from telecom_values(item)


def test_bad_requests_are_operation_outcomes(
    full_fhir: httpx.Client, open_fhir: httpx.Client
) -> None:
    issues = outcome_of(
        full_fhir.get("/HealthcareService?specialty=999&_contained=true&foo=1"), 400
    )
    assert {i["expression"][0]: i["code"] for i in issues} == {
        "specialty": "code-invalid",
        "_contained": "not-supported",
        "foo": "not-supported",
    }
    lenient = bundle_of(
        full_fhir.get(
            "/HealthcareService?foo=1&service-type=04&_count=1",
            headers={"Prefer": "handling=lenient"},
        )
    )
    outcome = [e for e in lenient["entry"] if e["search"]["mode"] == "outcome"]
    assert outcome[0]["resource"]["issue"][0]["severity"] == "warning"
    assert len(matches(lenient)) == 1
    bad = outcome_of(full_fhir.get("/HealthcareService?location.near=91|2|5|km"), 400)
    assert bad[0]["code"] == "invalid" and bad[0]["expression"] == ["location.near"]
    outcome_of(full_fhir.get("/HealthcareService?_sort=near"), 400)
    outcome_of(full_fhir.get("/HealthcareService?_include=HealthcareService:endpoint"), 400)
    missing = outcome_of(open_fhir.get("/Patient"), 404)
    assert missing[0]["code"] == "not-supported"
