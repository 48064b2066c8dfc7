"""Round trip: the real ROR examples, indexed, read back through the facade, compared field
by field with the files they came from.

Every difference is listed below with its reason; anything else fails the test:

- ``r4-array``: the documentation examples write single objects where FHIR R4 has arrays
  (``identifier``, ``type``, ``category``): answers must be valid R4, the value is the same;
- ``r4-integer``: they write integers as strings (``"valueInteger": "1"``), likewise;
- ``derived-id``: they have no ``id`` (POST bodies); the indexer gives a stable one derived
  from the content (``sha1-…``), which the facade must carry to be addressable;
- ``relative-reference``: a reference to another server's absolute URL that the indexer
  resolved is written ``Location/{id}``, so that it meets the included Location's
  ``fullUrl``.

Not read back, by design: Practitioner and PractitionerRole (not exposed by the facade), the
EJ and the EG above an OI (``_include:iterate=Organization:partof`` is not supported), and
the Locations no offer references (``ror-location-exemple``, ``ror-location-exemple-1``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ror.api.app import create_app
from ror.config import Settings
from ror.indexer.assemble import service_id
from ror.indexer.load import load_paths
from ror.indexer.sources import Sourced, read_resources
from ror.search.embedded import EmbeddedEngine
from ror.source_data import ROR_JSON_EXAMPLES
from tests.api.fhir.fhir_checks import bundle_of, query
from tests.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests/fixtures/fhir"
EXAMPLES = [FIXTURES / "ig-fsh", FIXTURES / "linked", *ROR_JSON_EXAMPLES]
SAAD = "HealthcareService/sha1-e2d02004e8f01adfd76e5652"  # doc example 1 (no id)
NEURO = "HealthcareService/sha1-9530fbe9e1eb53aa290aa524"  # doc example 2 (no id)

EXPECTED: dict[tuple[str, str], str] = {
    ("HealthcareService/ehpad-hebergement-permanent", ".location[0].reference"): (
        "relative-reference"
    ),
    (NEURO, ".id"): "derived-id",
    (NEURO, ".identifier"): "r4-array",
    (NEURO, ".type"): "r4-array",
    **{(NEURO, f".availableTime[{i}].extension[1].valueInteger"): "r4-integer" for i in range(7)},
    (SAAD, ".id"): "derived-id",
    (SAAD, ".identifier"): "r4-array",
    (SAAD, ".type"): "r4-array",
    (SAAD, ".category"): "r4-array",
    **{(SAAD, f".availableTime[{i}].extension[1].valueInteger"): "r4-integer" for i in range(5)},
    ("Location/ehpad-hebergement", ".extension[3].extension[1].valueInteger"): "r4-integer",
    ("Organization/ehpad-eg", ".extension[3].valueInteger"): "r4-integer",
}
READ_BACK = {
    "HealthcareService": {
        "1234564",
        "ehpad-hebergement-permanent",
        "ror-healthcareservice-exemple",
        "ror-healthcareservice-exemple-ville",
        SAAD.split("/")[1],
        NEURO.split("/")[1],
    },
    "Location": {"5253", "1215", "654", "ehpad-hebergement"},
    "Organization": {"999999", "ehpad-eg", "5958", "4947", "2424"},
}


@pytest.fixture(scope="module")
def examples_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    result = load_paths(EXAMPLES)
    offers = list(result.offers)
    assert result.report.rejects == []
    path = tmp_path_factory.mktemp("fhir-examples") / "examples.sqlite"
    engine = EmbeddedEngine(path)
    engine.load(offers, replace_all=True)
    app = create_app(Settings.from_env({"ROR_DB": str(path)}), engine=engine, anonymous_profile=1)
    with LiveServer(app) as live:
        yield live.url + "/fhir"
    engine.close()


def sources() -> dict[str, dict[str, Any]]:
    """The example files' resources by ``Type/id`` (the last one read wins, as indexing)."""
    found = {}
    for item in read_resources(EXAMPLES):
        if isinstance(item, Sourced):
            res = item.resource
            rid = service_id(res) if res["resourceType"] == "HealthcareService" else res["id"]
            found[f"{res['resourceType']}/{rid}"] = res
    return found


def differences(a: Any, b: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    if type(a) is not type(b):
        yield path, a, b
    elif isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                yield f"{path}.{key}", a.get(key), b.get(key)
            else:
                yield from differences(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield path, a, b
        else:
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                yield from differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield path, a, b


def reason(source: Any, answer: Any, resource: dict[str, Any], path: str) -> str | None:
    """Which listed reason explains a difference (None: unexplained)."""
    if isinstance(answer, list) and answer == [source]:
        return "r4-array"
    if isinstance(source, str) and isinstance(answer, int) and int(source) == answer:
        return "r4-integer"
    if path == ".id" and source is None and answer == service_id(resource):
        return "derived-id"
    if (
        isinstance(source, str)
        and isinstance(answer, str)
        and source.startswith("https://")
        and source.endswith("/" + answer)
    ):
        return "relative-reference"
    return None


def test_examples_read_back_field_by_field(examples_url: str) -> None:
    params = [
        ("_include", "HealthcareService:location"),
        ("_include", "HealthcareService:organization"),
        ("_count", "1000"),
    ]
    with httpx.Client(base_url=examples_url, timeout=30) as client:
        bundle = bundle_of(client.get("/HealthcareService", params=query(params)))
    source = sources()
    answered: dict[str, set[str]] = {}
    found: dict[tuple[str, str], str | None] = {}
    for entry in bundle["entry"]:
        res = entry["resource"]
        key = f"{res['resourceType']}/{res['id']}"
        answered.setdefault(res["resourceType"], set()).add(res["id"])
        original = source[key]
        for path, was, now in differences(original, res):
            found[(key, path)] = reason(was, now, original, path)
    assert answered == READ_BACK
    assert found == EXPECTED


def test_locations_read_back_the_same_through_location_search(examples_url: str) -> None:
    with httpx.Client(base_url=examples_url, timeout=30) as client:
        services = bundle_of(
            client.get(
                "/HealthcareService",
                params=[("_include", "HealthcareService:location"), ("_count", "1000")],
            )
        )
        locations = bundle_of(
            client.get(
                "/Location",
                params=[("_revinclude", "HealthcareService:location"), ("_count", "1000")],
            )
        )

    def by_key(bundle: dict[str, Any]) -> dict[str, Any]:
        return {
            f"{e['resource']['resourceType']}/{e['resource']['id']}": e["resource"]
            for e in bundle["entry"]
        }

    via_services, via_locations = by_key(services), by_key(locations)
    # HealthcareService-1234564's only Location (888888) was never published.
    assert set(via_services) - set(via_locations) == {"HealthcareService/1234564"}
    assert via_locations == {k: v for k, v in via_services.items() if k in via_locations}
