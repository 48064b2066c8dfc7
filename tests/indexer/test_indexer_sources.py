"""Reading FHIR resources from Bundles, NDJSON, single files and directories."""

import gzip
import json
from pathlib import Path

import pytest

from ror.errors import InvalidInput
from ror.indexer.sources import Sourced, SourceError, data_files, read_file, read_resources
from ror.source_data import ROR_EXAMPLES, ROR_JSON_EXAMPLES


def _location(lid: str) -> dict[str, object]:
    return {"resourceType": "Location", "id": lid}


def test_bundle_entries_are_read_with_their_index_and_full_url(tmp_path: Path) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"fullUrl": "urn:uuid:a", "resource": _location("a")},
            {"search": {"mode": "outcome"}},
            {"resource": _location("b")},
        ],
    }
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    items = list(read_file(path))
    assert items == [
        Sourced(_location("a"), str(path), 0, "urn:uuid:a"),
        Sourced(_location("b"), str(path), 2, None),
    ]


def test_ndjson_malformed_line_is_reported_and_others_continue(tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson"
    path.write_text(
        json.dumps(_location("1"))
        + "\n\n"
        + '{"resourceType": "Loc\n'
        + json.dumps([1])
        + "\n"
        + json.dumps(_location("2"))
        + "\n"
    )
    items = list(read_file(path))
    assert [type(i) for i in items] == [Sourced, SourceError, SourceError, Sourced]
    bad, missing = items[1], items[2]
    assert isinstance(bad, SourceError) and isinstance(missing, SourceError)
    assert bad == SourceError(str(path), 3, bad.reason)
    assert "malformed JSON" in bad.reason
    assert missing.position == 4 and "no resourceType" in missing.reason
    assert items[3].position == 5


def test_ndjson_lines_holding_bundles_are_flattened(tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson.gz"
    bundle = {"resourceType": "Bundle", "entry": [{"resource": _location("1")}]}
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(bundle) + "\n")
    assert list(read_file(path)) == [Sourced(_location("1"), str(path), 1, None)]


def test_single_resource_file_is_position_zero() -> None:
    path = ROR_EXAMPLES / "ig-json/HealthcareService-1234564.json"
    (item,) = list(read_file(path))
    assert isinstance(item, Sourced)
    assert item.resource["id"] == "1234564" and item.position == 0


def test_malformed_json_file_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    (item,) = list(read_file(path))
    assert isinstance(item, SourceError) and item.position == 0


def test_directory_is_read_recursively_sorted_json_and_ndjson_only(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.ndjson").write_text(json.dumps(_location("b")) + "\n")
    (tmp_path / "a.json").write_text(json.dumps(_location("a")))
    (tmp_path / "notes.txt").write_text("ignored")
    assert [p.name for p in data_files(tmp_path)] == ["a.json", "b.ndjson"]
    ids = [i.resource["id"] for i in read_resources([tmp_path]) if isinstance(i, Sourced)]
    assert ids == ["a", "b"]


def test_real_examples_directory_reads_every_file() -> None:
    items = list(read_resources(ROR_JSON_EXAMPLES))
    assert all(isinstance(i, Sourced) for i in items)
    assert len(items) == 4


def test_missing_path_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        list(read_file(tmp_path / "nope.json"))
