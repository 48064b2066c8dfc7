"""The sync benchmark runs as its commands say, on a small directory: the synthetic offers
written as FHIR load whole, a delta builds only its offers, a second load changes nothing, and
a follower over HTTP takes its leader's delta."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.sync import main


def _rows(results: Path) -> dict[str, dict[str, object]]:
    rows: dict[str, dict[str, object]] = json.loads(results.read_text())
    return rows


@pytest.mark.slow
def test_delta_and_follower_figures_come_from_real_runs(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    common = ["--changed", "7", "--work", str(tmp_path / "work"), "--results", str(results)]
    assert main(["delta", "--sizes", "60", *common]) == 0
    row = _rows(results)["delta-60"]
    assert row["full_load"] == "changes: 60 (60 offers built, 0 removed)"
    assert row["delta"] == "changes: 7 (7 offers built, 0 removed)"
    assert row["delta_again"] == "changes: 0 (0 offers built, 0 removed)"
    assert main(["http", "--size", "60", "--page-size", "25", *common]) == 0
    rows = _rows(results)
    full, follow = rows["http_full_sync-60"], rows["follower_delta-60"]
    assert full["status"] == 0 and full["offers_built"] == 60
    assert follow["status"] == 0 and follow["offers_built"] == 7
    assert follow["leader_delta"] == "changes: 7 (7 offers built, 0 removed)"
