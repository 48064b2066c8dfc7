"""The build script: reproducible, faithful to the ANS files, able to read newer editions."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ror.source_data import NOMENCLATURES

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "build_nomenclatures.py"
SHIPPED = REPO / "ror" / "nomenclature" / "data"


def build(source: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--source", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert NOMENCLATURES.is_dir(), f"the NOS files are expected at {NOMENCLATURES}"
    out = tmp_path_factory.mktemp("nomenclature")
    result = build(NOMENCLATURES, out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def systems(rebuilt: Path) -> dict[str, Any]:
    systems: dict[str, Any] = json.loads((rebuilt / "systems.json").read_text("utf-8"))["systems"]
    return systems


def test_rebuild_gives_the_shipped_files_byte_for_byte(rebuilt: Path) -> None:
    for name in ("systems.json", "SOURCES.md"):
        assert (rebuilt / name).read_bytes() == (SHIPPED / name).read_bytes(), name


def _tabs_rows(name: str) -> list[list[str]]:
    lines = (NOMENCLATURES / "tabs" / name).read_text("utf-8").splitlines()
    return [line.split(";") for line in lines[3:] if line.strip()]  # after the 3 header lines


def _fsh_codes(name: str) -> list[str]:
    text = (NOMENCLATURES / "fsh" / name).read_text("utf-8")
    return re.findall(r"^\* \$TRE-R\d+-\w+#(\S+) ", text, flags=re.M)


@pytest.mark.parametrize(
    ("key", "expected", "counted_from"),
    [
        ("R211", 548, "JDV_J17_ActiviteOperationnelle_ROR.fsh"),
        ("R244", 273, "JDV_J238_TypeOffre_ROR.fsh"),
        ("R213", 36, "JDV_J19_ModePriseEnCharge_ROR.fsh"),
        ("R245", 66, "JDV_J35_SpecialisationDePriseEnCharge_ROR.fsh"),
        ("R239", 11, "JDV_J29_PublicPrisEnCharge_ROR.fsh"),
    ],
)
def test_value_set_code_counts_match_the_fsh_files(
    systems: dict[str, Any], key: str, expected: int, counted_from: str
) -> None:
    in_file = _fsh_codes(counted_from)
    assert len(in_file) == expected
    assert set(systems[key]["codes"]) == set(in_file)


def test_tabs_tables_match_the_files(systems: dict[str, Any]) -> None:
    j55 = _tabs_rows("JDV_J55-CategorieEG-ROR.tabs")
    assert len(j55) == 170
    assert set(systems["R66"]["codes"]) == {row[1] for row in j55}
    assert {c for c, o in systems["R66"]["origin"].items() if o == "R02"} == {
        "SA05",
        "SA07",
        "SA08",
        "SA09",
    }
    assert set(systems["R02"]["codes"]) == {"SA05", "SA07", "SA08", "SA09"}
    j18 = _tabs_rows("JDV_J18-EquipementSpecifique-ROR.tabs")
    assert len(j18) == 137 == len(systems["R212"]["codes"])
    assert {row[1]: row[2] for row in j18} == systems["R212"]["codes"]


def test_capacity_status_has_the_nine_statuses_and_marks_07_deprecated(
    systems: dict[str, Any],
) -> None:
    r330 = systems["R330"]
    assert list(r330["codes"]) == [f"0{i}" for i in range(1, 10)]
    assert r330["codes"]["02"] == "Disponible"
    assert r330["deprecated"] == ["07"]
    assert r330["oids"] == ["1.2.250.1.213.3.3.213"]


def test_professions_keep_the_mixed_j54_table_under_g15(systems: dict[str, Any]) -> None:
    g15 = systems["G15"]
    assert len(g15["codes"]) == 53
    assert g15["codes"]["93"] == "Psychologue"
    assert g15["origin"]["41"] == "R94"
    assert [v["jdv"] for v in g15["value_sets"]] == ["J54", "J229"]


def test_offer_types_keep_older_j34_labels_as_aliases(systems: dict[str, Any]) -> None:
    r244 = systems["R244"]
    assert r244["codes"]["30"] == "Service autonomie à domicile (SAD) aide"
    assert "Service d'aide et d'Accompagnement à Domicile (SAAD)" in r244["aliases"]["30"]


def test_every_value_set_binds_a_known_system(rebuilt: Path) -> None:
    doc = json.loads((rebuilt / "systems.json").read_text("utf-8"))
    for jdv, key in doc["value_sets"].items():
        assert key in doc["systems"], jdv
    for oid, key in doc["oids"].items():
        assert re.fullmatch(r"[0-2](\.\d+)+", oid) and key in doc["systems"]
    assert doc["value_sets"]["J17"] == "R211"
    assert doc["value_sets"]["J55"] == "R66"
    assert doc["value_sets"]["J227"] == "J227"


def test_sources_note_names_every_table_and_the_licence(rebuilt: Path) -> None:
    text = (rebuilt / "SOURCES.md").read_text("utf-8")
    doc = json.loads((rebuilt / "systems.json").read_text("utf-8"))
    for key in doc["systems"]:
        assert f"\n| {key} |" in text, key
    assert "Agence du Numérique en Santé" in text
    assert "lay_terms.json" in text


def test_rebuilds_from_a_newer_edition_of_the_same_formats(tmp_path: Path) -> None:
    source = tmp_path / "nos"
    shutil.copytree(NOMENCLATURES, source)
    tabs = source / "tabs" / "JDV_J18-EquipementSpecifique-ROR.tabs"
    tabs.write_text(
        tabs.read_text("utf-8") + "1.2.250.1.213.3.3.10;999;Équipement d'une édition future\n",
        "utf-8",
    )
    fsh = source / "fsh" / "JDV_J17_ActiviteOperationnelle_ROR.fsh"
    fsh.write_text(
        fsh.read_text("utf-8")
        + '\n* $TRE-R211-ActiviteOperationnelle#999 "Activité d\'une édition future"',
        "utf-8",
    )
    # An official file in the older Windows encoding of the NOS distribution.
    old = source / "tabs" / "JDV_J30-TemporaliteAccueil-ROR.tabs"
    old.write_bytes(old.read_text("utf-8").encode("cp1252"))
    out = tmp_path / "out"
    result = build(source, out)
    assert result.returncode == 0, result.stderr
    systems = json.loads((out / "systems.json").read_text("utf-8"))["systems"]
    assert systems["R212"]["codes"]["999"] == "Équipement d'une édition future"
    assert systems["R211"]["codes"]["999"] == "Activité d'une édition future"
    assert len(systems["R211"]["codes"]) == 549
    assert systems["R240"]["codes"] == {"01": "Temporaire", "02": "Permanent"}


def test_a_code_system_oid_nobody_names_stops_the_build(tmp_path: Path) -> None:
    source = tmp_path / "nos"
    shutil.copytree(NOMENCLATURES, source)
    tabs = source / "tabs" / "JDV_J30-TemporaliteAccueil-ROR.tabs"
    tabs.write_text(tabs.read_text("utf-8") + "1.2.3.4.5;03;Inconnu\n", "utf-8")
    result = build(source, tmp_path / "out")
    assert result.returncode == 1
    assert "1.2.3.4.5" in result.stderr and "JDV_J30" in result.stderr


def test_a_missing_source_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = build(tmp_path / "nowhere", tmp_path / "out")
    assert result.returncode == 2
    assert "not found" in result.stderr
