"""The facade as a source: Organizations from the store, withdrawn services, who sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ror.api.fhir.outcome import FhirError
from ror.api.fhir.store_search import organization_search, withdrawn_entries
from ror.resources.store import ResourceStore
from tests.sync.world import organization, service, stamped

BASE = "http://x/fhir"
LEVEL = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-telecom-confidentiality-level"
LEVEL = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-telecom-confidentiality-level"
SENSITIVE = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-healthcareservice-sensitive-unit"


@pytest.fixture
def store(tmp_path: Path) -> ResourceStore:
    store = ResourceStore(tmp_path / "s.sqlite")
    for n in (1, 2, 3):
        store.put(stamped(organization(n), f"2026-01-0{n}T00:00:00+00:00"), "local")
    store.put({**stamped(service(1), "2026-02-01T00:00:00+00:00"), "active": False}, "local")
    hidden = stamped(service(2), "2026-02-02T00:00:00+00:00")
    hidden["extension"] = [{"url": SENSITIVE, "valueBoolean": True}]
    store.put({**hidden, "active": False}, "local")
    store.put(stamped(service(3), "2026-02-03T00:00:00+00:00"), "local")
    return store


def _ids(bundle: dict[str, object]) -> list[str]:
    return [e["resource"]["id"] for e in bundle["entry"]]  # type: ignore[attr-defined]


def test_organizations_by_last_updated_with_a_keyset_cursor(store: ResourceStore) -> None:
    first = organization_search(
        store, (("_lastUpdated", "gt2026-01-01T00:00:00Z"), ("_count", "1")), BASE, 1
    )
    assert _ids(first) == ["eg-2"]
    after = next(link["url"] for link in first["link"] if link["relation"] == "next")
    cursor = after.split("_cursor=")[1].replace("%7C", "|").replace("%3A", ":").replace("%2B", "+")
    second = organization_search(
        store,
        (("_lastUpdated", "gt2026-01-01T00:00:00Z"), ("_count", "1"), ("_cursor", cursor)),
        BASE,
        1,
    )
    assert _ids(second) == ["eg-3"]
    assert not any(link["relation"] == "next" for link in second["link"])
    assert _ids(
        organization_search(store, (("_lastUpdated", "lt2026-01-02T00:00:00Z"),), BASE, 2)
    ) == ["eg-1"]
    assert _ids(
        organization_search(store, (("_lastUpdated", "le2026-01-02T00:00:00Z"),), BASE, 2)
    ) == ["eg-1", "eg-2"]
    assert _ids(
        organization_search(store, (("identifier", "310099999"), ("_id", "eg-3")), BASE, 1)
    ) == ["eg-3"]


@pytest.mark.parametrize("profile", [0, 3])
def test_organizations_are_directory_data_shaped_by_profile(
    store: ResourceStore, profile: int
) -> None:
    restricted = stamped(organization(4), "2026-01-04T00:00:00+00:00")
    level = {"url": LEVEL, "valueCodeableConcept": {"coding": [{"code": "3"}]}}
    restricted["telecom"] = [{"system": "phone", "value": "0102030405", "extension": [level]}]
    store.put(restricted, "local")
    found = organization_search(store, (("_id", "eg-4"),), BASE, profile)["entry"][0]["resource"]
    assert "0102030405" not in str(found)
    full = organization_search(store, (("_id", "eg-4"),), BASE, 1)["entry"][0]["resource"]
    assert full["telecom"][0]["value"] == "0102030405"


def test_unknown_parameter_is_a_400(store: ResourceStore) -> None:
    with pytest.raises(FhirError) as refused:
        organization_search(store, (("name", "x"),), BASE, 1)
    assert refused.value.status == 400


def test_withdrawn_services_end_a_sync_search_and_hide_sensitive_units(
    store: ResourceStore,
) -> None:
    items = (("_lastUpdated", "ge2026-01-15"), ("_count", "50"))
    everyone = withdrawn_entries(store, items, BASE, 0)
    assert [e["resource"] for e in everyone] == [
        {
            "resourceType": "HealthcareService",
            "id": "hs-1",
            "meta": {"lastUpdated": "2026-02-01T00:00:00+00:00"},
            "active": False,
        }
    ]
    assert [e["resource"]["id"] for e in withdrawn_entries(store, items, BASE, 1)] == [
        "hs-1",
        "hs-2",
    ]
    assert withdrawn_entries(store, (*items, ("service-category", "21")), BASE, 1) == []
    assert withdrawn_entries(store, (("_lastUpdated", "ge2026-02-02"),), BASE, 0) == []
