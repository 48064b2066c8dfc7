"""The repository carries every input it reads: nothing refers to a folder beside the checkout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ror.source_data import (
    GEO,
    NOMENCLATURES,
    ROR_EXAMPLES,
    ROR_JSON_EXAMPLES,
    SOURCE_DATA,
    read_bytes,
    stored,
)

REPO = Path(__file__).resolve().parents[1]
SCANNED = ("ror", "tests", "bench", "scripts", "ui", ".ci", "Makefile", "pyproject.toml")
SKIPPED_SUFFIXES = {".png", ".gz", ".sqlite", ".pyc", ".woff", ".woff2"}
SIBLING = "shared"  # the development checkout's neighbour folder, which a clone does not have
UP = ".."  # the examples below are assembled, so that this file holds no reference itself
OUTSIDE = re.compile(
    rf"\.\.[/\\]+{SIBLING}\b"
    rf"|[/\\]work[/\\]+{SIBLING}\b"
    rf"|[\"']{SIBLING}[\"']\s*/"
    rf"|/\s*[\"']{SIBLING}[\"']"
    rf"|[\"']\.\.[\"']\s*/\s*[\"']{SIBLING}"
)


def scanned_files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        path = REPO / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files.extend(
            p
            for p in candidates
            if p.is_file()
            and p.suffix not in SKIPPED_SUFFIXES
            and not {"node_modules", "__pycache__", ".venv"} & set(p.parts)
        )
    return files


def test_nothing_reads_outside_the_repository() -> None:
    files = scanned_files()
    assert len(files) > 100
    offending = []
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                offending.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offending == []


@pytest.mark.parametrize(
    "line",
    [
        f'EXAMPLES = ROOT / "{UP}/{SIBLING}/data/ror/examples"',
        f'SOURCE = REPO.parent / "{SIBLING}" / "data"',
        f'DEFAULT = REPO / "{UP}" / "{SIBLING}" / "data" / "geo"',
        f"cat /work/{SIBLING}/data/geo/SOURCES.md",
        f"rebuild from {UP}\\{SIBLING}\\data",
    ],
)
def test_the_check_sees_every_spelling_of_the_sibling_folder(line: str) -> None:
    assert OUTSIDE.search(line)


@pytest.mark.parametrize("line", ["shared = {}", "a Location shared by offers", "shared_location("])
def test_the_word_alone_is_not_a_reference(line: str) -> None:
    assert not OUTSIDE.search(line)


def test_source_data_sits_in_the_repository() -> None:
    assert SOURCE_DATA == REPO / "data"
    for folder in (*ROR_JSON_EXAMPLES, ROR_EXAMPLES / "ig-fsh", NOMENCLATURES / "tabs", GEO):
        assert any(folder.iterdir()), folder


def test_every_source_folder_names_its_sources_and_licence() -> None:
    for folder in (SOURCE_DATA / "ror", SOURCE_DATA / "geo"):
        note = (folder / "SOURCES.md").read_text("utf-8")
        assert "licence" in note.lower() or "license" in note.lower(), folder
        assert (folder / "LICENCES.md").is_file(), folder


def test_every_stored_source_file_is_listed_in_its_sources_note() -> None:
    for folder in (SOURCE_DATA / "ror", SOURCE_DATA / "geo"):
        note = (folder / "SOURCES.md").read_text("utf-8")
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name not in ("SOURCES.md", "LICENCES.md", "LICENSE"):
                assert Path(path.name.removesuffix(".gz")).stem in note, path.relative_to(REPO)


def test_large_files_are_stored_compressed() -> None:
    for path in SOURCE_DATA.rglob("*"):
        if path.is_file() and path.suffix != ".gz":
            assert path.stat().st_size < 1_000_000, path.relative_to(REPO)


def test_a_compressed_file_is_read_by_its_plain_name(tmp_path: Path) -> None:
    laposte = GEO / "laposte_hexasmal.csv"
    assert not laposte.exists() and stored(laposte) == GEO / "laposte_hexasmal.csv.gz"
    assert read_bytes(laposte).startswith(b"Code_commune_INSEE;Nom_commune;Code_postal")
    assert stored(tmp_path / "missing.csv") is None
    with pytest.raises(FileNotFoundError):
        read_bytes(tmp_path / "missing.csv")
