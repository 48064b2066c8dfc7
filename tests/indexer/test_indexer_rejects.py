"""Each rejection reason lands in the rejects report with its field and reason; the rest loads."""

import json
from pathlib import Path
from typing import Any

import pytest

from ror.indexer.load import LoadReport, load_paths, write_rejects
from ror.model import Offer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests/fixtures/fhir"
RECORDS = FIXTURES / "invalid/records.ndjson"


@pytest.fixture(scope="module")
def loaded() -> tuple[dict[str, Offer], LoadReport]:
    result = load_paths([FIXTURES / "linked", RECORDS])
    offers = {o.id: o for o in result.offers}
    return offers, result.report


# line -> (resource, field, reason, offer)
EXPECTED = {
    1: ("", None, "malformed JSON: Expecting ',' delimiter at character 54", None),
    2: ("HealthcareService/no-activity", "specialty", "missing operational activity", None),
    3: ("HealthcareService/no-champ", "type", "missing champ d'activité", None),
    4: (
        "HealthcareService/no-age-range",
        "extension(ror-healthcareservice-patient-type).ageRange",
        "missing age range",
        None,
    ),
    5: (
        "HealthcareService/age-inverted",
        "extension[1].ageRange.valueRange",
        "age range low 90 > high 18",
        None,
    ),
    6: (
        "HealthcareService/unknown-activity",
        "specialty[0].coding[0].code",
        "unknown code 999 in TRE_R211-ActiviteOperationnelle",
        None,
    ),
    7: (
        "HealthcareService/unresolved-organization",
        "providedBy",
        "unresolved reference Organization/404",
        None,
    ),
    8: (
        "HealthcareService/unresolved-location",
        "location[0]",
        "unresolved reference Location/404; no location with coordinates or commune",
        None,
    ),
    10: (
        "Location/london",
        "position",
        "coordinates outside France",
        "HealthcareService/outside-france",
    ),
    11: ("HealthcareService/bad id!", "id", "malformed id 'bad id!'", None),
    12: ("HealthcareService/no-name", "name", "missing name", None),
    14: (
        "Location/bad-capacity",
        "extension[1].capacityStatus.coding[0].code",
        "unknown code 99 in TRE_R330-TypeStatutCapacite",
        "HealthcareService/uses-bad-capacity",
    ),
}


@pytest.mark.parametrize("line", sorted(EXPECTED))
def test_each_reason_is_reported_with_field(
    loaded: tuple[dict[str, Offer], LoadReport], line: int
) -> None:
    (issue,) = [i for i in loaded[1].rejects if i.position == line]
    resource, field, reason, offer = EXPECTED[line]
    assert issue.source == str(RECORDS)
    assert (issue.resource, issue.field, issue.offer) == (resource, field, offer)
    assert issue.reason.startswith(reason)


def test_nothing_else_is_rejected_and_the_rest_loads(
    loaded: tuple[dict[str, Offer], LoadReport],
) -> None:
    offers, report = loaded
    assert sorted(i.position for i in report.rejects) == sorted(EXPECTED)
    assert {"unchecked-act", "lambert-93", "swapped-degrees"} <= set(offers)
    assert report.offers == len(offers)


def test_codes_of_systems_without_a_table_are_kept(
    loaded: tuple[dict[str, Offer], LoadReport],
) -> None:
    assert loaded[0]["unchecked-act"].acts == ("9999",)


def test_lambert_93_metres_become_wgs84(loaded: tuple[dict[str, Offer], LoadReport]) -> None:
    offers, report = loaded
    place = offers["lambert-93"].place
    assert place.lat == pytest.approx(48.8566, abs=0.01)
    assert place.lon == pytest.approx(2.3522, abs=0.01)
    assert place.commune == "75056"
    assert any(
        w.resource == "Location/lambert" and "EPSG:2154" in w.reason for w in report.warnings
    )


def test_swapped_latitude_longitude_are_repaired_with_a_warning(
    loaded: tuple[dict[str, Offer], LoadReport],
) -> None:
    offers, report = loaded
    place = offers["swapped-degrees"].place
    assert (place.lat, place.lon, place.region) == (45.764, 4.8357, "84")
    assert any(w.resource == "Location/swapped" and "swapped" in w.reason for w in report.warnings)


def test_rejects_file_is_one_json_line_each(
    loaded: tuple[dict[str, Offer], LoadReport], tmp_path: Path
) -> None:
    path = tmp_path / "out" / "rejects.jsonl"
    assert write_rejects(loaded[1], path) == len(EXPECTED)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    row = next(r for r in rows if r["position"] == 6)
    assert row == {
        "source": str(RECORDS),
        "position": 6,
        "resource": "HealthcareService/unknown-activity",
        "field": "specialty[0].coding[0].code",
        "reason": "unknown code 999 in TRE_R211-ActiviteOperationnelle",
    }
    assert next(r for r in rows if r["position"] == 10)["offer"] == (
        "HealthcareService/outside-france"
    )


def test_a_shared_bad_location_rejects_every_offer_using_it(tmp_path: Path) -> None:
    lines = RECORDS.read_text().splitlines()
    second = json.loads(lines[13])
    second["id"] = "also-uses-bad-capacity"
    path = tmp_path / "two.ndjson"
    path.write_text("\n".join([lines[12], lines[13], json.dumps(second)]) + "\n")
    result = load_paths([FIXTURES / "linked", path])
    built = {o.id for o in result.offers}
    assert not built & {"uses-bad-capacity", "also-uses-bad-capacity"}
    assert [i.offer for i in result.report.rejects] == [
        "HealthcareService/uses-bad-capacity",
        "HealthcareService/also-uses-bad-capacity",
    ]


def _capacity_location(location_id: str, count: object, updated: str) -> dict[str, object]:
    location: dict[str, Any] = json.loads(RECORDS.read_text().splitlines()[12])
    location["id"] = location_id
    capacity = location["extension"][1]["extension"]
    capacity[1]["valueCodeableConcept"]["coding"][0]["code"] = "02"
    capacity[3] = {"url": "nbCapacity", "valueInteger": count}
    capacity[4] = {"url": "capacityUpdateDate", "valueDateTime": updated}
    return location


def _offer_at(offer_id: str, location_id: str) -> dict[str, object]:
    offer: dict[str, Any] = json.loads(RECORDS.read_text().splitlines()[13])
    offer["id"] = offer_id
    offer["location"] = [{"reference": f"Location/{location_id}"}]
    return offer


def test_future_huge_and_deep_records_are_reject_lines_and_the_rest_loads(
    tmp_path: Path,
) -> None:
    """Issue 22: a counter dated 9999-12-31 was loaded (and blocked every later push), and
    ``nbCapacity`` 10^30 or a record nested 1,000 deep aborted the load with a traceback."""
    deep: object = "x"
    for _ in range(200):
        deep = {"a": [deep]}
    records = [
        _capacity_location("future", 4, "2099-12-31T00:00:00Z"),
        _offer_at("uses-future", "future"),
        _capacity_location("far", 4, "9999-12-31T00:00:00Z"),
        _offer_at("uses-far", "far"),
        _capacity_location("huge", 10**30, "2025-02-01T09:00:00Z"),
        _offer_at("uses-huge", "huge"),
        _capacity_location("fine", 4, "2025-02-01T09:00:00Z"),
        _offer_at("uses-fine", "fine"),
    ]
    path = tmp_path / "hostile.ndjson"
    lines = [json.dumps(r) for r in records]
    lines.insert(
        2,
        '{"resourceType": "Location", "id": "deep", "extension": ' + "[" * 1000 + "]" * 1000 + "}",
    )
    lines.insert(3, json.dumps({"resourceType": "Location", "id": "deep2", "extension": [deep]}))
    path.write_text("\n".join(lines) + "\n")
    result = load_paths([FIXTURES / "linked", path])
    assert "uses-fine" in {o.id for o in result.offers}
    reasons = {(i.offer or i.resource): (i.field, i.reason) for i in result.report.rejects}
    field, reason = reasons["HealthcareService/uses-future"]
    assert field is not None and field.endswith("capacityUpdateDate")
    assert "futur" in reason
    field, reason = reasons["HealthcareService/uses-far"]
    assert field is not None and field.endswith("capacityUpdateDate")
    field, reason = reasons["HealthcareService/uses-huge"]
    assert field is not None and field.endswith("nbCapacity")
    deep_lines = [i for i in result.report.rejects if i.position in (3, 4)]
    assert [i.reason for i in deep_lines] == ["nested more than 32 levels deep"] * 2
