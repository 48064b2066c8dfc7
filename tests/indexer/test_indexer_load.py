"""Loading is idempotent, dedupes by id (last wins), and Offers round-trip through NDJSON."""

import json
from pathlib import Path

import pytest

from ror.errors import InvalidInput
from ror.indexer.load import load_paths, read_offers, write_offers
from ror.source_data import ROR_JSON_EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests/fixtures/fhir"
ALL = [FIXTURES / "ig-fsh", FIXTURES / "linked", *ROR_JSON_EXAMPLES]


def test_reloading_the_same_data_gives_the_same_offers() -> None:
    first = list(load_paths(ALL).offers)
    second = list(load_paths(ALL).offers)
    assert [o.id for o in first] == [o.id for o in second]
    assert first == second
    assert [o.source for o in first] == [o.source for o in second]


def test_the_same_files_twice_in_one_load_dedupe_to_the_same_offers() -> None:
    once = list(load_paths(ALL).offers)
    result = load_paths(ALL + ALL)
    twice = list(result.offers)
    assert sorted(o.id for o in twice) == sorted(o.id for o in once)
    assert {o.id: o for o in twice} == {o.id: o for o in once}
    assert result.report.duplicates == len(once)
    assert sum("duplicate id" in w.reason for w in result.report.warnings) == len(once)


def test_last_occurrence_wins(tmp_path: Path) -> None:
    original = FIXTURES / "linked/HealthcareService-ehpad-hebergement-permanent.json"
    source = json.loads(original.read_text())
    renamed = {**source, "name": "Nouveau nom"}
    path = tmp_path / "versions.ndjson"
    path.write_text(json.dumps(source) + "\n" + json.dumps(renamed) + "\n")
    result = load_paths([FIXTURES / "linked", path])
    names = {o.id: o.name for o in result.offers if o.id == source["id"]}
    assert names == {source["id"]: "Nouveau nom"}
    # The linked/ file and line 1 were superseded by line 2.
    dups = [(w.source, w.position) for w in result.report.warnings if "duplicate" in w.reason]
    assert dups == [
        (str(original), 0),
        (str(path), 1),
    ]
    assert result.report.duplicates == 2


def test_offers_round_trip_through_ndjson(tmp_path: Path) -> None:
    offers = list(load_paths(ALL).offers)
    path = tmp_path / "offers.ndjson"
    assert write_offers(offers, path) == len(offers)
    again = list(read_offers(path))
    assert again == offers
    assert [o.source for o in again] == [o.source for o in offers]


def test_reading_a_bad_offers_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "offers.ndjson"
    path.write_text('{"id": "x"}\n')
    with pytest.raises(InvalidInput, match=r"offers\.ndjson:1"):
        list(read_offers(path))


def test_report_is_complete_once_the_offers_are_consumed() -> None:
    result = load_paths([FIXTURES / "linked"])
    assert result.report.read["Organization"] == 8  # the first pass ran eagerly
    assert not result.report.complete and result.report.offers == 0
    offers = list(result.offers)
    assert result.report.complete and result.report.offers == len(offers) == 1
    assert result.report.elapsed_s > 0
    assert "built 1 offers" in result.report.summary()


def test_missing_path_is_refused_before_reading(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        load_paths([FIXTURES / "linked", tmp_path / "absent.ndjson"])


def test_context_only_load_builds_nothing() -> None:
    result = load_paths([FIXTURES / "ig-fsh" / "Location-ror-location-exemple-1.json"])
    assert list(result.offers) == []
    assert result.report.read == {"Location": 1}


def test_transaction_bundle_with_uuid_references_and_contained_resources(tmp_path: Path) -> None:
    linked = FIXTURES / "linked"
    org = json.loads((linked / "organizations.ndjson").read_text().splitlines()[-1])  # EHPAD EG
    hs = json.loads((linked / "HealthcareService-ehpad-hebergement-permanent.json").read_text())
    location = json.loads((linked / "locations.bundle.json").read_text())["entry"][-1]["resource"]
    by_uuid = {**hs, "id": "by-uuid", "providedBy": {"reference": "urn:uuid:eg"}}
    by_uuid["location"] = [{"reference": "urn:uuid:loc"}]
    contained = {**hs, "id": "contained", "contained": [{**location, "id": "here"}]}
    contained["location"] = [{"reference": "#here"}]
    contained["providedBy"] = {"reference": "urn:uuid:eg"}
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": "urn:uuid:eg", "resource": org, "request": {"method": "PUT"}},
            {"fullUrl": "urn:uuid:loc", "resource": location},
            {"resource": by_uuid},
            {"resource": contained},
        ],
    }
    path = tmp_path / "transaction.json"
    path.write_text(json.dumps(bundle))
    offers = {o.id: o for o in load_paths([path]).offers}
    assert offers["by-uuid"].establishment.id == "ehpad-eg"
    assert offers["by-uuid"].location_ids == ("ehpad-hebergement",)
    assert offers["contained"].location_ids == ("here",)
    assert offers["contained"].capacities[0].location_id == "here"
    assert offers["by-uuid"].capacities[0].location_id == "ehpad-hebergement"
