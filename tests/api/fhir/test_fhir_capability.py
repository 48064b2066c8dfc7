"""``/fhir/metadata`` lists exactly what the facade accepts; access profiles 3 and 5 over the
scenario units."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from ror import nomenclature
from ror.api.fhir import catalog
from ror.api.fhir.params import parse_search
from tests.api.fhir.fhir_checks import FHIR_JSON, bundle_of, included, matches, outcome_of, query

SAMPLES = {
    "token": "01",
    "number": "gt0",
    "quantity": "ge1",
    "date": "ge2020-01-01",
    "string": "a",
    "reference": "x",
}
SPECIAL = {"near": "47|2|5|km", "near-insee-code": "45234|5|km"}


def test_capability_statement_lists_exactly_the_supported_parameters(fhir: httpx.Client) -> None:
    response = fhir.get("/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    CapabilityStatement.model_validate(body)
    assert body["fhirVersion"] == "4.0.1" and body["kind"] == "instance"
    every = {r["type"]: r for r in body["rest"][0]["resource"]}
    stored = {"PractitionerRole", "Practitioner"}  # tests/api/fhir/test_fhir_practitioner_roles
    for rtype in stored:
        assert every[rtype]["interaction"] == [{"code": "read"}, {"code": "search-type"}]
    organization = every["Organization"]  # read by id, searched by the sync (tests/sync)
    assert organization["interaction"] == [{"code": "read"}, {"code": "search-type"}]
    assert [p["name"] for p in organization["searchParam"]] == ["_lastUpdated", "_id", "identifier"]
    resources = {t: r for t, r in every.items() if t not in {*stored, "Organization"}}
    assert set(resources) == {"HealthcareService", "Location"}
    for rtype, resource in resources.items():
        listed = {p["name"]: p["type"] for p in resource["searchParam"]}
        names = set(catalog.supported_names(rtype))
        assert set(listed) == names | {"_filter"}
        for name, kind in listed.items():
            if name == "_filter":
                continue
            param = catalog.find(rtype, name)
            assert param is not None and param.type == kind
            sample = SPECIAL[param.name] if kind == "special" else SAMPLES[kind]
            if param.name == "intervention-zone":
                sample = "45234"
            elif param.system and nomenclature.has_table(param.system):
                sample = next(iter(nomenclature.codes(param.system)))
            parse_search(rtype, [(name, sample)])  # accepted
    service = resources["HealthcareService"]
    assert service["searchInclude"] == [
        "HealthcareService:location",
        "HealthcareService:organization",
        "Organization:partof",
        "PractitionerRole:practitioner",
    ]
    assert service["searchRevInclude"] == ["PractitionerRole:service"]
    assert resources["Location"]["searchRevInclude"] == ["HealthcareService:location"]
    for resource in resources.values():
        assert [i["code"] for i in resource["interaction"]] == ["read", "search-type"]
    for name in ("location.capacity-status", "location.near-insee-code", "organization.price-type"):
        assert name in {p["name"] for p in service["searchParam"]}


def test_profile_3_uses_capacities_of_medico_social_offers_only(
    fhir_as: Callable[[int], httpx.Client],
) -> None:
    client = fhir_as(3)
    places = [("location.capacity-type", "02"), ("location.capacity-status", "02")]
    issues = outcome_of(client.get("/HealthcareService", params=query(places)), 403)
    assert "service-type=04" in issues[0]["diagnostics"]
    medico_social = [("service-type", "04"), *places, ("_include", "HealthcareService:location")]
    bundle = bundle_of(client.get("/HealthcareService", params=query(medico_social)))
    assert matches(bundle) == ["ehpad-capitole", "ehpad-garonne", "ehpad-minimes", "ehpad-tilleuls"]
    locations = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert all(
        any(x["url"].endswith("supported-capacity") for x in loc["extension"]) for loc in locations
    )
    hospital = bundle_of(
        client.get("/HealthcareService?specialty=356&_include=HealthcareService:location")
    )
    assert included(hospital, "Location")
    for entry in hospital["entry"]:
        assert not any(
            x["url"].endswith("supported-capacity") for x in entry["resource"].get("extension", [])
        )


def test_profile_5_sees_no_capacity_and_no_restricted_contact(
    fhir_as: Callable[[int], httpx.Client], fhir: httpx.Client
) -> None:
    client = fhir_as(5)
    outcome_of(client.get("/Location?capacity-status=05"), 403)
    bundle = bundle_of(client.get("/Location?address-postalcode=31"))
    assert len(matches(bundle)) == 4
    assert "supported-capacity" not in str(bundle)
    assert "supported-capacity" in str(bundle_of(fhir.get("/Location?address-postalcode=31")))
    ehpad = "/HealthcareService?_id=ehpad-tilleuls"
    assert "accueil@ehpad-tilleuls" in fhir.get(ehpad).text  # level 2 (restricted)
    assert "accueil@ehpad-tilleuls" in client.get(ehpad).text  # profile 5: all but level 3
    assert "accueil@ehpad-tilleuls" not in fhir_as(0).get(ehpad).text
