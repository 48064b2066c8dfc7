"""The national query surface over real HTTP, on the linked ROR example set (EJ -> EG -> OI ->
offer, PractitionerRoles and their Practitioner): ROR-MODEL §9's "everything" query with all its
includes, ``_has``, ``:above``, ``_summary``, ``_elements``, ``_sort=name``; and the synthetic
Locations' identifiers (``<FINESS>/<id>``) and names."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fhir.resources.R4B import get_fhir_model_class

from ror.api.app import create_app
from ror.api.fhir.subset import SUMMARY
from ror.commands.index import run_index
from ror.commands.search import index_sink
from ror.config import Settings
from ror.indexer.load import load_paths
from ror.model import Offer
from ror.resources.store import ResourceStore
from ror.search.embedded import EmbeddedEngine
from ror.text import fold
from tests.api.fhir.fhir_checks import (
    bundle_of,
    expected_includes,
    included,
    matches,
    outcome_of,
    query,
)
from tests.live_server import LiveServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures/fhir"
EVERYTHING = [
    (
        "_filter",
        "(_lastUpdated ge 2022-11-06T15:00 or organization._lastUpdated:above ge 2022-11-06T15:00)",
    ),
    ("_include", "HealthcareService:organization"),
    ("_include:iterate", "Organization:partof"),
    ("_include", "HealthcareService:location"),
    ("_revinclude", "PractitionerRole:service"),
    ("_include", "PractitionerRole:practitioner"),
]
RPPS = "11111573474"


@pytest.fixture(scope="module")
def linked_offers() -> list[Offer]:
    result = load_paths([FIXTURES / "ig-fsh", FIXTURES / "linked"])
    assert result.report.rejects == []
    return list(result.offers)


@pytest.fixture(scope="module")
def linked(
    tmp_path_factory: pytest.TempPathFactory, linked_offers: list[Offer]
) -> Iterator[Callable[[int], httpx.Client]]:
    path = tmp_path_factory.mktemp("linked") / "linked.sqlite"
    settings = Settings.from_env({"ROR_DB": str(path)})
    engine = EmbeddedEngine(path)
    store = ResourceStore(settings.resources_path)  # as `ror index` fills it
    status = run_index(
        [FIXTURES / "ig-fsh", FIXTURES / "linked"],
        rejects=path.with_name("rejects.jsonl"),
        out=None,
        engine=index_sink(engine, replace_all=False),
        store=store,
        remove=engine.delete,
        stdout=io.StringIO(),
    )
    assert status == 0
    assert engine.count() == len(linked_offers)
    store.close()
    engine.close()
    servers: dict[int, LiveServer] = {}
    clients: list[httpx.Client] = []

    def client(profile: int) -> httpx.Client:
        if profile not in servers:
            live = LiveServer(create_app(settings, anonymous_profile=profile))
            servers[profile] = live.__enter__()
        made = httpx.Client(base_url=servers[profile].url + "/fhir", timeout=30)
        clients.append(made)
        return made

    yield client
    for made in clients:
        made.close()
    for live in servers.values():
        live.__exit__(None, None, None)


def test_the_national_everything_query(
    linked: Callable[[int], httpx.Client], linked_offers: list[Offer]
) -> None:
    bundle = bundle_of(linked(1).get("/HealthcareService", params=query(EVERYTHING)))
    assert sorted(matches(bundle)) == sorted(o.id for o in linked_offers)
    expected = expected_includes(linked_offers)
    assert {"4500", "4501", "5958"} <= expected["Organization"]  # OI -> EG -> EJ
    assert expected["Practitioner"] and expected["PractitionerRole"]
    for rtype, ids in expected.items():
        assert sorted(included(bundle, rtype)) == sorted(ids), rtype
    plain = [(k, v) for k, v in EVERYTHING if k != "_include:iterate"]
    without = bundle_of(linked(1).get("/HealthcareService", params=query(plain)))
    assert "4501" not in included(without, "Organization")


def test_no_personal_data_for_profile_4(
    linked: Callable[[int], httpx.Client], linked_offers: list[Offer]
) -> None:
    bundle = bundle_of(linked(4).get("/HealthcareService", params=query(EVERYTHING)))
    assert included(bundle, "Practitioner") == []
    roles = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "PractitionerRole"
    ]
    assert roles and not any("display" in r.get("practitioner", {}) for r in roles)
    assert not any("telecom" in r for r in roles)
    opened = bundle_of(linked(0).get("/HealthcareService", params=query(EVERYTHING)))
    people = [
        e["resource"] for e in opened["entry"] if e["resource"]["resourceType"] == "Practitioner"
    ]
    assert people and not any("telecom" in p for p in people)  # the e-mail is "restreint"


def test_has_practitioner_and_above(linked: Callable[[int], httpx.Client]) -> None:
    fhir = linked(1)
    has = f"/HealthcareService?_has:PractitionerRole:service:practitioner.identifier={RPPS}"
    assert matches(bundle_of(fhir.get(has))) == ["ror-healthcareservice-exemple-ville"]
    assert matches(bundle_of(fhir.get(has.replace(RPPS, "1")))) == []
    ej = "/HealthcareService?organization.identifier{}=269999999"
    assert matches(bundle_of(fhir.get(ej.format(":above")))) == ["ror-healthcareservice-exemple"]
    assert matches(bundle_of(fhir.get(ej.format("")))) == []
    dated = "/HealthcareService?_filter=organization._lastUpdated:above ge 2025-01-01"
    assert sorted(matches(bundle_of(fhir.get(dated)))) == [
        "ehpad-hebergement-permanent",
        "ror-healthcareservice-exemple",
        "ror-healthcareservice-exemple-ville",
    ]


def test_summary_and_elements(linked: Callable[[int], httpx.Client]) -> None:
    fhir = linked(1)
    bundle = bundle_of(fhir.get("/HealthcareService", params=[*EVERYTHING, ("_summary", "true")]))
    for entry in bundle["entry"]:
        resource = entry["resource"]
        rtype = resource["resourceType"]
        assert set(resource) <= SUMMARY[rtype] | {"resourceType", "id", "meta"}
        assert "SUBSETTED" in {t["code"] for t in resource["meta"]["tag"]}
    cut = bundle_of(
        fhir.get("/HealthcareService?_elements=name&_include=HealthcareService:location")
    )
    for entry in cut["entry"]:
        if entry["search"]["mode"] == "match":
            assert set(entry["resource"]) == {"resourceType", "id", "meta", "name"}
        else:
            assert len(set(entry["resource"]) - {"resourceType", "id", "meta"}) > 1  # whole


@pytest.mark.parametrize("rtype", sorted(SUMMARY))
def test_summary_elements_are_fhir_s(rtype: str) -> None:
    model = get_fhir_model_class(rtype)
    fhir_summary = {
        f.alias or name
        for name, f in model.model_fields.items()
        if isinstance(f.json_schema_extra, dict)
        and f.json_schema_extra.get("summary_element_property")
    }
    assert SUMMARY[rtype] == fhir_summary - {"id", "meta", "implicitRules"}


def test_synthetic_locations_have_identifiers_and_names(
    trusted_server: LiveServer, offers: list[Offer], db_path: Path
) -> None:
    offer = next(o for o in offers if o.establishment.finess and o.location_ids and not o.sensitive)
    lid = offer.location_ids[0]
    with httpx.Client(base_url=trusted_server.url + "/fhir", timeout=30) as fhir:
        location = fhir.get(f"/Location/{lid}").json()
        identifier = location["identifier"][0]["value"]
        assert identifier == f"{offer.establishment.finess}/{lid}"
        assert location["name"]
        found = bundle_of(fhir.get("/Location", params={"identifier": identifier}))
        assert matches(found) == [lid]
        named = bundle_of(fhir.get("/Location", params={"name:exact": location["name"]}))
        assert lid in matches(named)
        ordered = bundle_of(fhir.get("/HealthcareService?_sort=name&_count=30&service-type=04"))
        expected = sorted((fold(o.name), o.id) for o in offers if "04" in o.champ)
        assert matches(ordered) == [i for _, i in expected[:30]]
        backwards = bundle_of(fhir.get("/HealthcareService?_sort=-name&_count=5&service-type=04"))
        by_name = sorted(expected, key=lambda k: k[0], reverse=True)
        assert [fold(e["resource"]["name"]) for e in backwards["entry"]] == [
            n for n, _ in by_name[:5]
        ]
    engine = EmbeddedEngine(db_path)
    try:  # the national push addresses the Location by the same identifier
        assert engine.find_locations(*identifier.split("/", 1)) == [lid]
    finally:
        engine.close()


def test_reads_of_stored_resources(linked: Callable[[int], httpx.Client]) -> None:
    fhir = linked(1)
    ej = fhir.get("/Organization/4501")
    assert ej.status_code == 200 and ej.json()["id"] == "4501"
    get_fhir_model_class("Organization").model_validate(ej.json())
    role = fhir.get("/PractitionerRole/role-infirmiere").json()
    get_fhir_model_class("PractitionerRole").model_validate(role)
    person = fhir.get("/Practitioner/ror-practitioner-exemple").json()
    assert person["telecom"]  # level 2 (restricted): profile 1 sees it
    assert "telecom" not in linked(0).get("/Practitioner/ror-practitioner-exemple").json()
    assert linked(4).get("/Practitioner/ror-practitioner-exemple").status_code == 404
    no_name = linked(4).get("/PractitionerRole/role-infirmiere").json()
    assert "display" not in no_name["practitioner"]
    for missing in ("/Organization/nope", "/PractitionerRole/nope", "/Practitioner/nope"):
        assert outcome_of(fhir.get(missing), 404)[0]["code"] == "not-found"
    searched = fhir.get("/Organization?_id=4501").json()  # the sync's search (tests/sync)
    assert [e["resource"]["id"] for e in searched["entry"]] == ["4501"]
    assert fhir.get("/PractitionerRole?_id=role-infirmiere").json()["total"] == 1
    assert outcome_of(fhir.get("/Task?_id=x"), 404)[0]["code"] == "not-supported"
