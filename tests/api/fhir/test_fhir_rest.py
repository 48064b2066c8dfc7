"""The facade's REST shape over real HTTP: reads by id, ``POST _search``, and every error under
``/fhir`` an OperationOutcome with its status (routing, method, authentication, body size)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.location import Location

from ror.api.app import create_app
from ror.config import Settings
from ror.model import Offer
from ror.search.embedded import EmbeddedEngine
from tests.api.fhir.fhir_checks import FHIR_JSON, bundle_of, matches, outcome_of
from tests.live_server import LiveServer

CAPACITY = "ror-location-supported-capacity"


def _with_capacities(offers: list[Offer]) -> Offer:
    return next(o for o in offers if o.capacities and o.location_ids and not o.sensitive)


def test_read_a_healthcare_service_by_id(open_fhir: httpx.Client, offers: list[Offer]) -> None:
    offer = offers[3]
    response = open_fhir.get(f"/HealthcareService/{offer.id}")
    assert response.status_code == 200 and response.headers["content-type"].startswith(FHIR_JSON)
    resource = response.json()
    HealthcareService.model_validate(resource)
    assert resource["id"] == offer.id
    searched = bundle_of(open_fhir.get(f"/HealthcareService?_id={offer.id}"))
    assert searched["entry"][0]["resource"] == resource


def test_read_a_location_by_id_with_counters_for_entitled_callers_only(
    open_fhir: httpx.Client, full_fhir: httpx.Client, offers: list[Offer]
) -> None:
    offer = _with_capacities(offers)
    lid = next(c.location_id for c in offer.capacities)
    full = full_fhir.get(f"/Location/{lid}").json()
    Location.model_validate(full)
    assert full["id"] == lid
    assert any(e["url"].endswith(CAPACITY) for e in full.get("extension", []))
    opened = open_fhir.get(f"/Location/{lid}").json()
    assert opened["id"] == lid
    assert not any(e["url"].endswith(CAPACITY) for e in opened.get("extension", []))


def test_unknown_and_hidden_ids_are_the_same_404(
    open_fhir: httpx.Client, full_fhir: httpx.Client, offers: list[Offer]
) -> None:
    sensitive = next(o for o in offers if o.sensitive)
    assert full_fhir.get(f"/HealthcareService/{sensitive.id}").status_code == 200
    hidden = outcome_of(open_fhir.get(f"/HealthcareService/{sensitive.id}"), 404)
    unknown = outcome_of(open_fhir.get("/HealthcareService/nope"), 404)
    assert hidden[0]["code"] == unknown[0]["code"] == "not-found"
    assert outcome_of(open_fhir.get("/Location/nope"), 404)[0]["code"] == "not-found"
    assert outcome_of(open_fhir.get("/Patient/1"), 404)[0]["code"] == "not-supported"


def test_post_search_answers_as_the_get(full_fhir: httpx.Client) -> None:
    query = {"service-type": "04", "_count": "7", "_sort": "-_lastUpdated"}
    got = bundle_of(full_fhir.get("/HealthcareService", params=query))
    posted = bundle_of(full_fhir.post("/HealthcareService/_search", data=query))
    assert matches(posted) == matches(got) and len(matches(got)) == 7
    assert posted["total"] == got["total"]
    both = full_fhir.post("/HealthcareService/_search?_count=3", data={"service-type": "04"})
    combined = bundle_of(both)  # the URL's parameters and the body's, together
    assert combined["total"] == got["total"] and len(matches(combined)) == 3
    located = bundle_of(full_fhir.post("/Location/_search", data={"_count": "2"}))
    assert len(matches(located)) == 2
    refused = full_fhir.post(
        "/HealthcareService/_search", content=b'{"a": 1}', headers={"content-type": "text/json"}
    )
    assert outcome_of(refused, 415)[0]["expression"] == ["Content-Type"]
    bad = outcome_of(full_fhir.post("/HealthcareService/_search", data={"foo": "1"}), 400)
    assert bad[0]["expression"] == ["foo"]


def test_every_error_under_fhir_is_an_operation_outcome(
    open_fhir: httpx.Client, server: LiveServer
) -> None:
    assert outcome_of(open_fhir.delete("/HealthcareService"), 405)[0]["code"] == "not-supported"
    assert outcome_of(open_fhir.get("/HealthcareService/a/b"), 404)[0]["code"] == "not-found"
    denied = open_fhir.get("/HealthcareService", headers={"Authorization": "Bearer nope"})
    assert outcome_of(denied, 401)[0]["code"] == "login"
    assert denied.headers["www-authenticate"].startswith("Bearer")
    big = open_fhir.post(
        "/HealthcareService/_search",
        content=b"x",
        headers={"content-type": "application/x-www-form-urlencoded", "content-length": "1"},
    )
    assert big.status_code == 400  # a body that is no form
    huge = httpx.post(
        server.url + "/fhir/HealthcareService/_search",
        content=b"_count=1&" + b"a" * 100_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert outcome_of(huge, 413)[0]["code"] == "too-costly"
    elsewhere = httpx.get(server.url + "/v1/nope")
    assert elsewhere.status_code == 404 and "error" in elsewhere.json()


def test_an_integrator_s_first_calls_on_a_fresh_server(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, offers: list[Offer]
) -> None:
    """Issue 18's first report: a fresh one-worker server answered 500 to its second search
    once a process had read more offers than its cache holds. The cache is shrunk to 16 here
    (50,000 in production) so that 2,000 offers overflow it as 100 k did."""
    monkeypatch.setattr("ror.search.embedded.engine.OFFER_CACHE_SIZE", 16)
    engine = EmbeddedEngine(db_path)
    settings = Settings.from_env({"ROR_DB": str(db_path)})
    commune = next(o.place.commune for o in offers if o.location_ids)
    calls = [
        "/Location?_count=1&_sort=-_lastUpdated",
        "/HealthcareService?_count=1&_sort=name",
        "/Location?_count=1",
        "/HealthcareService?_count=1",
        f"/Location?_id={offers[5].location_ids[0]}",
        f"/HealthcareService?location.commune-cog={commune},13213",
        "/Location?_revinclude=HealthcareService:location&_count=200&_sort=-_lastUpdated",
    ]
    try:
        with (
            LiveServer(create_app(settings, engine=engine)) as live,
            httpx.Client(base_url=live.url + "/fhir", timeout=60) as fhir,
        ):
            for call in calls:
                assert bundle_of(fhir.get(call), sample=2)["total"] > 0, call
    finally:
        engine.close()
