"""The shipped tables are exactly what the build script makes from the shared source data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ror.geo.tables import DATA_DIR

REPO = Path(__file__).resolve().parents[2]
BUILT_FILES = ("gazetteer.json.gz", "shapes.json.gz", "SOURCES.md")


@pytest.mark.slow
def test_rebuild_is_identical_to_shipped_data(tmp_path: Path, shared_geo: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "build_gazetteer.py"),
            "--source",
            str(shared_geo),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in BUILT_FILES:
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), name


def test_missing_sources_fail_clearly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_gazetteer.py"), "--source", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "missing source files" in result.stderr
    assert "laposte_hexasmal.csv" in result.stderr


def test_shipped_data_stays_small() -> None:
    total = sum((DATA_DIR / name).stat().st_size for name in BUILT_FILES)
    assert total < 3 * 1024 * 1024


def test_sources_note_names_the_licences() -> None:
    note = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for needle in ("ODbL", "Licence Ouverte", "MIT", "La Poste", "INSEE", "IGN", "Etalab"):
        assert needle in note
