"""Checks shared by the FHIR facade tests: answers validated as FHIR R4 by ``fhir.resources``
(its R4B models, which R4 resources of these types satisfy), plus the facade's own rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from ror.indexer.facts import reference_id
from ror.model import Offer

FHIR_JSON = "application/fhir+json"
DISTANCE = "http://hl7.org/fhir/StructureDefinition/location-distance"


def query(pairs: Iterable[tuple[str, str]]) -> httpx.QueryParams:
    """Search parameters in their order, repeats kept, as ``params=`` of httpx (which types a
    list of pairs as pairs of any primitive value, so a list of string pairs is not one)."""
    return httpx.QueryParams(tuple(pairs))


def bundle_of(response: httpx.Response, *, sample: int | None = None) -> dict[str, Any]:
    """A 200 searchset Bundle, valid FHIR, every resource valid for its own type (only the
    first ``sample`` entries and the last one for big pages: validation costs ~7 ms each)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body: dict[str, Any] = response.json()
    entries = body.get("entry", [])
    if sample is not None and len(entries) > sample:
        entries = [*entries[:sample], entries[-1]]
    Bundle.model_validate({**body, "entry": entries} if entries else body)
    for entry in entries:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    for entry in body.get("entry", []):
        resource = entry["resource"]
        if entry["search"]["mode"] == "outcome":
            assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        else:
            assert entry["fullUrl"].endswith(f"/{resource['resourceType']}/{resource['id']}")
    assert body["type"] == "searchset"
    return body


def outcome_of(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    """The issues of an error answer: a valid OperationOutcome with that status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    OperationOutcome.model_validate(body)
    issues: list[dict[str, Any]] = body["issue"]
    assert issues and all(i["diagnostics"] for i in issues)
    return issues


def matches(bundle: dict[str, Any]) -> list[str]:
    """Ids of the match entries, in order."""
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def included(bundle: dict[str, Any], rtype: str) -> list[str]:
    return [
        e["resource"]["id"]
        for e in bundle.get("entry", [])
        if e["search"]["mode"] == "include" and e["resource"]["resourceType"] == rtype
    ]


def distance(entry: dict[str, Any]) -> float | None:
    for ext in entry["search"].get("extension", []):
        if ext["url"] == DISTANCE:
            value: float = ext["valueDistance"]["value"]
            assert ext["valueDistance"]["code"] == "km"
            return value
    return None


def link(bundle: dict[str, Any], relation: str) -> str | None:
    return next((x["url"] for x in bundle["link"] if x["relation"] == relation), None)


def _sources(offer: Offer) -> dict[tuple[str, str], dict[str, Any]]:
    assert offer.source is not None
    return {
        (e["resource"]["resourceType"], e["resource"]["id"]): e["resource"]
        for e in offer.source["entry"]
    }


def expected_includes(offers: list[Offer], *, personal: bool = True) -> dict[str, set[str]]:
    """What the §9 query must include, computed from the offers' sources directly."""
    out: dict[str, set[str]] = {"Organization": set(), "Location": set()}
    out |= {"PractitionerRole": set(), "Practitioner": set()}
    for offer in offers:
        res = _sources(offer)
        out["Location"] |= set(offer.location_ids)
        org_id = reference_id(res[("HealthcareService", offer.id)]["providedBy"], "Organization")
        while org_id is not None and ("Organization", org_id) in res:
            out["Organization"].add(org_id)
            org_id = reference_id(res[("Organization", org_id)].get("partOf"), "Organization")
        for (rtype, rid), role in res.items():
            refs = [reference_id(r, "HealthcareService") for r in role.get("healthcareService", [])]
            if rtype == "PractitionerRole" and offer.id in refs:
                out["PractitionerRole"].add(rid)
                pid = reference_id(role.get("practitioner"), "Practitioner")
                if personal and ("Practitioner", pid) in res:
                    out["Practitioner"].add(str(pid))
    return out
