"""Conformance: every query ROR-MODEL §9 and §10 document, as written there, over real HTTP,
each scenario with the national include tail (``_include:iterate=Organization:partof&
_revinclude=PractitionerRole:service&_include=PractitionerRole:practitioner``, plus the
organisation and location includes of the "everything" query). Each answer is a valid FHIR R4
Bundle with every resource validated by ``fhir.resources``; its matches are the scenario's
expected units and its includes are computed directly from the matched offers' sources."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from ror.model import Offer
from tests.api.fhir.fhir_checks import bundle_of, expected_includes, included, matches, query
from tests.api.fhir.systems import (
    COMMUNE_OM,
    R211,
    R212,
    R244,
    R246,
    R329,
    R330,
    R331,
    R332,
    R333,
    R340,
    UCUM,
)

SINCE = "2022-11-06T15:00"

#: What the §9 "everything" query appends to a search.
TAIL = [
    ("_include", "HealthcareService:organization"),
    ("_include:iterate", "Organization:partof"),
    ("_include", "HealthcareService:location"),
    ("_revinclude", "PractitionerRole:service"),
    ("_include", "PractitionerRole:practitioner"),
]
USINV = ["usinv-blois", "usinv-olivet", "usinv-orleans", "usinv-tours"]
EHPADS = ["ehpad-capitole", "ehpad-garonne", "ehpad-minimes", "ehpad-tilleuls"]

#: (name, parameters as ROR-MODEL §9 writes them, expected matches in order; None: every unit
#: the direct computation finds).
SCENARIOS: list[tuple[str, list[tuple[str, str]], list[str] | None]] = [
    (
        "everything since a date",
        [("_filter", f"(_lastUpdated ge {SINCE} or organization._lastUpdated:above ge {SINCE})")],
        None,
    ),
    (
        "ICU-type bed free for a woman",
        [
            ("specialty", f"{R211}|356"),
            ("location.capacity-type", f"{R329}|01"),
            ("location.gender-capacity-available", f"{R332}|01"),
            ("location.temporality-capacity", f"{R331}|01"),
            ("location.capacity-status", f"{R330}|02"),
            ("location.nb-capacity", "gt0"),
        ],
        ["usinv-olivet", "usinv-orleans"],
    ),
    (
        "closed re-openable beds",
        [
            ("location.capacity-type", f"{R329}|01"),
            ("location.capacity-closing-type", f"{R333}|01"),
            ("location.capacity-status", f"{R330}|05"),
            ("location.nb-capacity", "gt0"),
        ],
        ["usinv-tours"],
    ),
    (
        "bariatric operating table of 200 kg",
        [
            ("specialty", f"{R211}|025"),
            ("location.equipment-type", f"{R212}|088"),
            ("location.equipment-feature", f"{R340}|001"),
            ("location.limit-value", f"ge200|{UCUM}|kg"),
        ],
        ["ortho-orleans", "ortho-pithiviers"],
    ),
    (
        "EHPAD base price, newest first",
        [
            ("organization.price-type", f"{R246}|02"),
            ("organization.price-amount-value", "lt75"),
            ("_sort", "-organization.price-validity-start-date"),
        ],
        ["ehpad-capitole", "ehpad-tilleuls", "ehpad-minimes"],
    ),
    (
        "home help by intervention zone",
        [
            ("intervention-zone", f"{COMMUNE_OM}|29151"),
            ("specialty", f"{R211}|293"),
            ("service-category", f"{R244}|30"),
        ],
        ["saad-morlaix"],
    ),
    (
        "age 35 by _filter",
        [
            ("specialty", "025"),
            (
                "_filter",
                "(age-range-low le 35|https://unitsofmeasure.org|a and "
                "age-range-high ge 35|https://unitsofmeasure.org|a)",
            ),
        ],
        ["ortho-orleans", "ortho-pithiviers"],
    ),
    (
        "15 km around an INSEE code",
        [("location.near-insee-code", "45234|15|km")],
        ["neurochir-orleans", "usinv-orleans", "ortho-orleans", "usinv-olivet"],
    ),
    (
        "département by postcode prefix",
        [("location.address-postalcode", "45")],
        ["neurochir-orleans", "ortho-orleans", "ortho-pithiviers", "usinv-olivet", "usinv-orleans"],
    ),
    (
        "communes by COG",
        [("location.commune-cog", f"{COMMUNE_OM}|45232,45234")],
        ["neurochir-orleans", "ortho-orleans", "usinv-olivet", "usinv-orleans"],
    ),
    ("region source tag", [("_tag", "76")], EHPADS),
]


def _updated(resource: dict[str, Any]) -> datetime | None:
    raw = resource.get("meta", {}).get("lastUpdated")
    return datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None


def changed_since(offers: list[Offer], since: datetime) -> list[str]:
    """The "everything" query's matches, from the sources: the offer or an organisation it
    depends on (providedBy, then partOf) updated since the date."""
    found = []
    for offer in offers:
        assert offer.source is not None
        res = {
            (e["resource"]["resourceType"], e["resource"]["id"]): e["resource"]
            for e in offer.source["entry"]
        }
        dates = [_updated(res[("HealthcareService", offer.id)])]
        dates += [_updated(r) for (t, _), r in res.items() if t == "Organization"]
        if any(d is not None and d >= since for d in dates):
            found.append(offer.id)
    return sorted(found)


@pytest.mark.parametrize(("name", "params", "expected"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_documented_consumer_query(
    fhir: httpx.Client,
    scenario_offers: list[Offer],
    name: str,
    params: list[tuple[str, str]],
    expected: list[str] | None,
) -> None:
    bundle = bundle_of(fhir.get("/HealthcareService", params=[*params, *TAIL, ("_count", "200")]))
    since = datetime.fromisoformat(SINCE).astimezone()
    want = expected if expected is not None else changed_since(scenario_offers, since)
    assert matches(bundle) == want
    assert bundle["total"] == len(want)
    by_id = {o.id: o for o in scenario_offers}
    for rtype, ids in expected_includes([by_id[i] for i in want]).items():
        assert sorted(included(bundle, rtype)) == sorted(ids), rtype


def _locations(offers: list[Offer]) -> dict[str, set[str]]:
    """Location id -> ids of the offers using it."""
    out: dict[str, set[str]] = {}
    for offer in offers:
        for lid in offer.location_ids:
            out.setdefault(lid, set()).add(offer.id)
    return out


def _tagged(offers: list[Offer], region: str) -> set[str]:
    found = set()
    for offer in offers:
        assert offer.source is not None
        for entry in offer.source["entry"]:
            resource = entry["resource"]
            tags = resource.get("meta", {}).get("tag", [])
            if resource["resourceType"] == "Location" and region in {t["code"] for t in tags}:
                found.add(resource["id"])
    return found


@pytest.mark.parametrize(
    ("extra", "subset"),
    [
        ([], None),
        ([("_tag", "24")], "tag"),
        ([("_lastUpdated", "ge2025-01-01")], "recent"),
        ([("identifier", "24/loc-usinv-blois")], "identifier"),
    ],
    ids=["national", "region", "since", "one Location"],
)
def test_capacity_synchronisation(
    fhir: httpx.Client,
    scenario_offers: list[Offer],
    extra: list[tuple[str, str]],
    subset: str | None,
) -> None:
    """``Location?_revinclude=HealthcareService:location`` (ROR-MODEL §9, capacity sync), all
    pages followed: each Location once, with every offer that uses it."""
    using = _locations(scenario_offers)
    wanted = set(using)
    if subset == "tag":
        wanted = _tagged(scenario_offers, "24")
    elif subset == "recent":
        wanted = {f"loc-{e}" for e in EHPADS}  # counters pushed in 2025 (the fixture's dates)
    elif subset == "identifier":
        wanted = {"loc-usinv-blois"}
    seen: list[str] = []
    services: set[str] = set()
    url: str | None = "/Location"
    params: httpx.QueryParams | None = query(
        [("_revinclude", "HealthcareService:location"), *extra, ("_count", "3")]
    )
    while url is not None:
        bundle = bundle_of(fhir.get(url, params=params))
        page = matches(bundle)
        seen += page
        services |= set(included(bundle, "HealthcareService"))
        for lid in page:  # every user of a Location of the page is on the page
            assert using[lid] <= set(included(bundle, "HealthcareService")) | services
        url, params = (
            next((x["url"] for x in bundle["link"] if x["relation"] == "next"), None),
            None,
        )
    assert sorted(seen) == sorted(wanted) and len(seen) == len(set(seen))
    assert services == set().union(*(using[lid] for lid in wanted))
