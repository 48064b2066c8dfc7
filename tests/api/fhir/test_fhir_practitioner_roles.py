"""PractitionerRole and Practitioner searches over real HTTP (``api/fhir/role_search.py``): the
linked ROR example set plus generated roles and practitioners, loaded by ``ror index`` into the
index and the resource store. Each parameter, alone and together, finds what a direct reading of
the loaded resources finds, page after page through the ``next`` cursors; includes, access
(a role shows when it serves an offer kept live; no Practitioner for profile 4), the
CapabilityStatement and the errors; every Bundle and resource validated by ``fhir.resources``."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from ror.api.app import create_app
from ror.commands.index import run_index
from ror.commands.search import index_sink
from ror.config import Settings
from ror.resources.store import ResourceStore
from ror.search.embedded import EmbeddedEngine
from tests.api.fhir.fhir_checks import outcome_of, query
from tests.live_server import LiveServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures/fhir"
SERVICES = ["ror-healthcareservice-exemple", "ror-healthcareservice-exemple-ville"]
RPPS = "https://rpps.esante.gouv.fr"
Json = dict[str, Any]


def generated() -> list[Json]:
    """30 roles over 8 practitioners: the linked services, two serving an unknown service
    only (never shown), three inactive, two organisations, dates through 2024."""
    out: list[Json] = []
    for n in range(8):
        out.append(
            {
                "resourceType": "Practitioner",
                "id": f"pract-{n}",
                "meta": {"lastUpdated": f"2024-02-{n + 1:02d}T09:00:00+01:00"},
                "identifier": [{"system": RPPS, "value": f"8100000000{n}"}],
                "name": [{"family": f"Nom{n}", "given": ["Camille"]}],
            }
        )
    for n in range(30):
        service = "hs-absent" if n in (7, 19) else SERVICES[n % 2]
        role: Json = {
            "resourceType": "PractitionerRole",
            "id": f"role-{n:02d}",
            "meta": {"lastUpdated": f"2024-{n % 12 + 1:02d}-15T10:00:00+01:00"},
            "identifier": [{"system": RPPS, "value": f"role{n:02d}"}],
            "practitioner": {"reference": f"Practitioner/pract-{n % 8}"},
            "organization": {"reference": f"Organization/{'4500' if n % 3 else 'ehpad-eg'}"},
            "healthcareService": [{"reference": f"HealthcareService/{service}"}],
        }
        if n in (4, 11, 25):
            role["active"] = False
        out.append(role)
    return out


def _kept(item: Json) -> bool:
    return item.get("active") is not False


def visible_roles() -> dict[str, Json]:
    """Every role that serves a linked service, by id (fixtures and generated)."""
    roles = [r for r in generated() if r["resourceType"] == "PractitionerRole"]
    for line in (FIXTURES / "linked/practitioner-roles.ndjson").read_text().splitlines():
        roles.append(json.loads(line))
    roles.append(
        json.loads(
            (FIXTURES / "ig-fsh/PractitionerRole-ror-practitionerrole-exemple.json").read_text()
        )
    )
    services = {*SERVICES, "ehpad-hebergement-permanent"}
    return {
        r["id"]: r
        for r in roles
        if any(s["reference"].split("/")[-1] in services for s in r.get("healthcareService", []))
    }


def loaded(root: Path) -> Settings:
    """The example set and the generated roles indexed by ``ror index`` under ``root``."""
    extra = root / "roles.ndjson"
    extra.write_bytes(b"\n".join(orjson.dumps(r) for r in generated()) + b"\n")
    path = root / "roles.sqlite"
    settings = Settings.from_env({"ROR_DB": str(path), "ROR_RATE_LIMIT": "0"})  # many calls
    engine = EmbeddedEngine(path)
    store = ResourceStore(settings.resources_path)
    status = run_index(
        [FIXTURES / "ig-fsh", FIXTURES / "linked", extra],
        rejects=root / "rejects.jsonl",
        out=None,
        engine=index_sink(engine, replace_all=False),
        store=store,
        remove=engine.delete,
        stdout=io.StringIO(),
    )
    assert status == 0
    store.close()
    engine.close()
    return settings


@contextmanager
def served(settings: Settings) -> Iterator[Callable[[int], httpx.Client]]:
    """A client of the service for each anonymous profile asked for."""
    servers: dict[int, LiveServer] = {}
    clients: list[httpx.Client] = []

    def client(profile: int) -> httpx.Client:
        if profile not in servers:
            servers[profile] = LiveServer(
                create_app(settings, anonymous_profile=profile)
            ).__enter__()
        made = httpx.Client(base_url=servers[profile].url + "/fhir", timeout=30)
        clients.append(made)
        return made

    try:
        yield client
    finally:
        for made in clients:
            made.close()
        for live in servers.values():
            live.__exit__(None, None, None)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[int], httpx.Client]]:
    with served(loaded(tmp_path_factory.mktemp("roles"))) as client:
        yield client


def every_page(
    fhir: httpx.Client, path: str, params: list[tuple[str, str]]
) -> tuple[list[Json], list[Json]]:
    """The matches and includes of every page, following ``next``; each Bundle validated."""
    matches: list[Json] = []
    includes: list[Json] = []
    answer = fhir.get(path, params=query(params))
    totals = set()
    while True:
        assert answer.status_code == 200, answer.text
        bundle = answer.json()
        Bundle.model_validate(bundle)
        totals.add(bundle["total"])
        for entry in bundle.get("entry", []):
            resource = entry["resource"]
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
            (matches if entry["search"]["mode"] == "match" else includes).append(resource)
        after = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not after:
            assert totals == {len(matches)}
            return matches, includes
        answer = fhir.get(after[0])


def _ids(resources: list[Json]) -> list[str]:
    return [r["id"] for r in resources]


ROLE_QUERIES: list[tuple[list[tuple[str, str]], Callable[[Json], bool]]] = [
    ([], lambda r: True),
    (
        [("_id", "role-03,role-07,role-psychologue,nope")],
        lambda r: r["id"] in ("role-03", "role-psychologue"),
    ),
    ([("identifier", f"{RPPS}|role05,role06")], lambda r: r["id"] in ("role-05", "role-06")),
    ([("identifier", "other-system|role05")], lambda r: False),
    (
        [("service", "HealthcareService/ror-healthcareservice-exemple-ville")],
        lambda r: any(
            s["reference"].endswith("/ror-healthcareservice-exemple-ville")
            for s in r["healthcareService"]
        ),
    ),
    (
        [("practitioner", "pract-3")],
        lambda r: r.get("practitioner", {}).get("reference") == "Practitioner/pract-3",
    ),
    (
        [("organization", "Organization/ehpad-eg"), ("active", "true")],
        lambda r: (
            r.get("organization", {}).get("reference") == "Organization/ehpad-eg" and _kept(r)
        ),
    ),
    ([("active", "false")], lambda r: not _kept(r)),
    (
        [("_lastUpdated", "ge2024-06-01"), ("_lastUpdated", "lt2024-09-01")],
        lambda r: "2024-06-01" <= r["meta"]["lastUpdated"][:10] < "2024-09-01",
    ),
    (
        [
            ("service", "ror-healthcareservice-exemple"),
            ("practitioner", "Practitioner/pract-0,pract-2"),
        ],
        lambda r: (
            r["healthcareService"][0]["reference"].endswith("/ror-healthcareservice-exemple")
            and r.get("practitioner", {}).get("reference")
            in ("Practitioner/pract-0", "Practitioner/pract-2")
        ),
    ),
]


@pytest.mark.parametrize(("params", "wanted"), ROLE_QUERIES, ids=[str(q[0]) for q in ROLE_QUERIES])
def test_practitioner_roles_by_each_parameter(
    stored: Callable[[int], httpx.Client],
    params: list[tuple[str, str]],
    wanted: Callable[[Json], bool],
) -> None:
    expected = sorted(i for i, r in visible_roles().items() if wanted(r))
    for count in ("3", "50"):
        found, _ = every_page(stored(1), "/PractitionerRole", [*params, ("_count", count)])
        assert _ids(found) == expected, params
    assert params == [] or len(expected) < len(visible_roles())


def test_includes_and_access(stored: Callable[[int], httpx.Client]) -> None:
    params = [
        ("service", "ror-healthcareservice-exemple-ville"),
        ("_include", "PractitionerRole:practitioner"),
        ("_include", "PractitionerRole:service"),
        ("_count", "4"),
    ]
    found, included = every_page(stored(1), "/PractitionerRole", params)
    people = {r["practitioner"]["reference"].split("/")[1] for r in found if "practitioner" in r}
    known = {f"pract-{n}" for n in range(8)} | {"ror-practitioner-exemple"}
    assert {r["id"] for r in included if r["resourceType"] == "Practitioner"} == people & known
    services = {r["id"] for r in included if r["resourceType"] == "HealthcareService"}
    assert services == {"ror-healthcareservice-exemple-ville"}
    assert [r for r in found if not _kept(r)]
    for role in found:  # inactive ones too
        assert role == stored(1).get(f"/PractitionerRole/{role['id']}").json()
    hidden, included = every_page(stored(4), "/PractitionerRole", params)
    assert _ids(hidden) == _ids(found)
    assert not [r for r in included if r["resourceType"] == "Practitioner"]
    assert all("display" not in r.get("practitioner", {}) for r in hidden)
    assert every_page(stored(4), "/Practitioner", [])[0] == []


def test_a_role_is_read_as_searches_list_it_when_the_index_lacks_its_offer(
    tmp_path: Path,
) -> None:
    """A role serving an offer kept in the store but not in the index (as after a rejected
    load) is listed and read alike, with the directory's contact levels; so is its
    Practitioner; a role whose only service is gone from both is neither."""
    settings = loaded(tmp_path)
    engine = EmbeddedEngine(settings.db_path)
    engine.delete(SERVICES[1])
    engine.close()
    with served(settings) as client:
        for profile in (1, 4):
            fhir = client(profile)
            roles, _ = every_page(fhir, "/PractitionerRole", [("_count", "7")])
            assert _ids(roles) == sorted(visible_roles())
            for role in roles:
                assert role == fhir.get(f"/PractitionerRole/{role['id']}").json()
            for person in every_page(fhir, "/Practitioner", [])[0]:
                assert person == fhir.get(f"/Practitioner/{person['id']}").json()
            assert fhir.get("/PractitionerRole/role-07").status_code == 404  # hs-absent only


def test_practitioners(stored: Callable[[int], httpx.Client]) -> None:
    roles = [r for r in visible_roles().values() if _kept(r)]
    shown = sorted(
        {r["practitioner"]["reference"].split("/")[1] for r in roles if "practitioner" in r}
    )
    known = [p for p in shown if p.startswith("pract-") or p == "ror-practitioner-exemple"]
    found, _ = every_page(stored(1), "/Practitioner", [("_count", "2")])
    assert _ids(found) == known
    assert _ids(
        every_page(stored(1), "/Practitioner", [("identifier", f"{RPPS}|81000000003")])[0]
    ) == ["pract-3"]
    dated = every_page(stored(1), "/Practitioner", [("_lastUpdated", "ge2024-02-05")])[0]
    assert _ids(dated) == [p for p in known if p.startswith("pract-") and int(p[-1]) >= 4]
    posted = stored(1).post(
        "/Practitioner/_search",
        content="_id=pract-1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert _ids([e["resource"] for e in posted.json()["entry"]]) == ["pract-1"]


def test_capability_and_errors(stored: Callable[[int], httpx.Client]) -> None:
    fhir = stored(1)
    every = {r["type"]: r for r in fhir.get("/metadata").json()["rest"][0]["resource"]}
    role = every["PractitionerRole"]
    assert [i["code"] for i in role["interaction"]] == ["read", "search-type"]
    assert [p["name"] for p in role["searchParam"]] == [
        "_id",
        "identifier",
        "service",
        "practitioner",
        "organization",
        "active",
        "_lastUpdated",
    ]
    assert role["searchInclude"] == ["PractitionerRole:practitioner", "PractitionerRole:service"]
    assert [p["name"] for p in every["Practitioner"]["searchParam"]] == [
        "_id",
        "identifier",
        "active",
        "_lastUpdated",
    ]
    for params, field in (
        ([("specialty", "x")], "specialty"),
        ([("active", "maybe")], "active"),
        ([("_sort", "name")], "_sort"),
        ([("_include", "PractitionerRole:location")], "_include"),
        ([("service", "Location/x")], "service"),
        ([("_cursor", "nope")], "_cursor"),
        ([("_lastUpdated", "ge2024-13-45")], "_lastUpdated"),
    ):
        issues = outcome_of(fhir.get("/PractitionerRole", params=query(params)), 400)
        assert [i.get("expression") for i in issues] == [[field]], params
    lenient = fhir.get(
        "/PractitionerRole",
        params=[("specialty", "x"), ("_id", "role-01")],
        headers={"Prefer": "handling=lenient"},
    ).json()
    modes = [e["search"]["mode"] for e in lenient["entry"]]
    assert modes == ["match", "outcome"] and lenient["total"] == 1
