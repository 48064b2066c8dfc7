"""The sync benchmark's FHIR world: synthetic offers written as FHIR load back, every one."""

from __future__ import annotations

from pathlib import Path

from bench.sync import _changes, _index, _write, fhir_world


def test_the_synthetic_fhir_world_loads_whole_and_a_second_load_changes_nothing(
    tmp_path: Path,
) -> None:
    world = tmp_path / "world.ndjson"
    _write(world, fhir_world(60, seed=3))
    _, first = _index(tmp_path / "ror.sqlite", world, tmp_path / "rejects.jsonl")
    assert _changes(first) == "changes: 60 (60 offers built, 0 removed)"
    _, again = _index(tmp_path / "ror.sqlite", world, tmp_path / "rejects.jsonl")
    assert _changes(again) == "changes: 0 (0 offers built, 0 removed)"
