"""The shipped tables are exactly what the build script makes from the source data in data/geo."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ror.geo.tables import DATA_DIR

REPO = Path(__file__).resolve().parents[2]
BUILT_FILES = ("gazetteer.json.gz", "shapes.json.gz", "communes.json.gz", "SOURCES.md")


@pytest.mark.slow
def test_rebuild_is_identical_to_shipped_data(tmp_path: Path, geo_sources: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "build_gazetteer.py"),
            "--source",
            str(geo_sources),
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
    tables = ("gazetteer.json.gz", "shapes.json.gz", "SOURCES.md")
    assert sum((DATA_DIR / name).stat().st_size for name in tables) < 3 * 1024 * 1024
    assert (DATA_DIR / "communes.json.gz").stat().st_size < 4 * 1024 * 1024


def test_sources_note_names_the_licences() -> None:
    note = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for needle in ("ODbL", "Licence Ouverte", "MIT", "La Poste", "INSEE", "IGN", "Etalab"):
        assert needle in note


def load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_gazetteer", REPO / "scripts" / "build_gazetteer.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_newer_la_poste_layout_is_read(tmp_path: Path) -> None:
    """Later editions: "#" before the first header, other column names, Latin-1, no GPS."""
    build = load_build_script()
    path = tmp_path / "laposte.csv"
    path.write_bytes(
        "#Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5\n"
        "01001;L ABERGEMENT CLEMENCIAT;01400;L ABERGEMENT CLEMENCIAT;\n"
        "42218;ST ETIENNE;42000;ST ETIENNE;\n".encode("latin-1")
    )
    rows = build.read_laposte(path)
    assert [(r["insee"], r["name"], r["postcode"], r["gps"]) for r in rows] == [
        ("01001", "L ABERGEMENT CLEMENCIAT", "01400", ""),
        ("42218", "ST ETIENNE", "42000", ""),
    ]
    assert build.laposte_points(rows) == {}


def test_points_fall_back_in_the_documented_order() -> None:
    build = load_build_script()
    current = [
        {"code": "10001", "departement": "10", "codesPostaux": ["10100"]},  # La Poste point
        {"code": "10002", "departement": "10", "codesPostaux": ["10200"]},  # Etalab centre
        {"code": "10003", "departement": "10", "codesPostaux": ["10300"]},  # former communes
        {"code": "10004", "departement": "10", "codesPostaux": ["10100"]},  # shares a postcode
        {"code": "10005", "departement": "10", "codesPostaux": ["10500"]},  # nothing: département
    ]
    former = [
        {"current": "10003", "lat": 48.0, "lon": 4.0},
        {"current": "10003", "lat": 48.2, "lon": 4.2},
    ]
    points = build.commune_points(
        current,
        [],
        former,
        {"10001": (48.3, 4.1)},
        {"10002": (48.5, 4.5)},
        {"10": (48.25, 4.15)},
    )
    assert points == {
        "10001": ((48.3, 4.1), "laposte"),
        "10002": ((48.5, 4.5), "etalab"),
        "10003": ((48.1, 4.1), "former_communes"),
        "10004": ((48.3, 4.1), "postcode"),
        "10005": ((48.25, 4.15), "departement"),
    }
