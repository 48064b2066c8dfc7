"""CSV availability snapshots: good lines land as pushes (stale rule, history), bad lines are
rejected one by one with line, column and reason, and the rejects report is written."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ror.availability.overview import OverviewQuery
from ror.commands.availability import import_command
from ror.errors import InvalidInput
from ror.indexer.availability_csv import import_snapshots, parse_time
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine
from tests.availability.availability_world import offers
from tests.service import build_db

AT = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)


@pytest.fixture(scope="module")
def items() -> list[Offer]:
    return offers()


@pytest.fixture()
def engine(tmp_path: Path, items: list[Offer]) -> EmbeddedEngine:
    return EmbeddedEngine(build_db(tmp_path / "csv.sqlite", items))


def units(items: list[Offer], n: int) -> list[tuple[str, str]]:
    """(FINESS, Location id) of ``n`` single-offer Locations with counters."""
    seen: dict[str, list[Offer]] = {}
    for o in items:
        for loc in o.location_ids:
            seen.setdefault(loc, []).append(o)
    out = [
        (found[0].establishment.finess or "", loc)
        for loc, found in sorted(seen.items())
        if len(found) == 1 and found[0].establishment.finess and found[0].capacities
    ]
    return out[:n]


def snapshot(lines: list[list[str]], delimiter: str = ";") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(
        ["Établissement", "Unité", "Horodatage", "Installés", "Disponibles", "Occupés", "Fermés"]
    )
    writer.writerows(lines)
    return buffer.getvalue()


def test_good_lines_land_and_bad_ones_are_reported(
    engine: EmbeddedEngine, items: list[Offer]
) -> None:
    (f1, u1), (f2, u2), (f3, u3) = units(items, 3)
    paris = AT.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M")
    text = snapshot(
        [
            [f1, u1, AT.isoformat(), "20", "4", "15", "1"],
            ["1" + f2, u2, AT.isoformat(), "12", "2", "", ""],  # IdNatStruct, empty cells
            [f3, "INCONNUE", AT.isoformat(), "5", "1", "4", "0"],
            [f3, u3, "hier", "5", "1", "4", "0"],
            [f3, u3, AT.isoformat(), "5", "-1", "4", "0"],
            [f3, u3, (AT + timedelta(days=2)).isoformat(), "5", "1", "4", "0"],
            ["", u3, AT.isoformat(), "5", "1", "4", "0"],
            [f3, u3, paris, "9", "", "", ""],
        ]
    )
    report = import_snapshots(engine, text)
    assert report.lines == 8 and report.accepted == 3
    assert report.applied == 4 + 2 + 1
    assert [(r.line, r.field) for r in report.rejected] == [
        (4, "Unité"),
        (5, "Horodatage"),
        (6, "Disponibles"),
        (7, "Horodatage"),
        (8, "Établissement"),
    ]
    assert "futur" in report.rejected[3].reason
    entries = engine.capacity_history(u1).entries
    assert sorted((e.counter.status, e.counter.count) for e in entries) == [
        ("01", 20),
        ("02", 4),
        ("03", 15),
        ("05", 1),
    ]
    assert {e.counter.gender for e in entries if e.counter.status == "02"} == {"03"}
    assert all(e.counter.updated_at == AT and e.counter.source == "02" for e in entries)
    [late] = engine.capacity_history(u3).entries  # the French date, read as Paris time
    assert (late.counter.count, late.counter.updated_at) == (9, AT.replace(second=0))
    again = import_snapshots(engine, text)  # the same file again: nothing newer
    assert (again.applied, again.ignored_stale, again.accepted) == (0, 7, 3)


def test_the_command_writes_the_rejects_report(
    tmp_path: Path, engine: EmbeddedEngine, items: list[Offer]
) -> None:
    [(f1, u1)] = units(items, 1)
    path = tmp_path / "export.csv"
    text = snapshot([[f1, u1, AT.isoformat(), "10", "2", "8", ""], [f1, "X", AT.isoformat(), "1"]])
    path.write_bytes(text.replace(";", ",").encode("cp1252"))  # a spreadsheet export
    out = io.StringIO()
    assert import_command(engine, path, out=out) == 0
    rejects = tmp_path / "export.rejects.csv"
    rows = list(csv.reader(rejects.open(encoding="utf-8"), delimiter=";"))
    assert rows[0] == ["ligne", "etablissement", "unite", "colonne", "motif"]
    assert rows[1][:4] == ["3", f1, "X", "Unité"]
    assert "1 rejetées" in out.getvalue() and str(rejects) in out.getvalue()
    only_bad = tmp_path / "bad.csv"
    only_bad.write_text(snapshot([[f1, "X", AT.isoformat(), "1"]]), encoding="utf-8")
    assert import_command(engine, only_bad, rejects=tmp_path / "r.csv", out=out) == 1
    overview = engine.availability_overview(OverviewQuery(), datetime.now(UTC))
    assert overview.totals.units > 0


def test_a_file_without_the_needed_columns_is_refused(engine: EmbeddedEngine) -> None:
    with pytest.raises(InvalidInput) as refused:
        import_snapshots(engine, "etablissement;lits\n310000011;3\n")
    assert refused.value.field == "header"
    assert "unite" in refused.value.message and "horodatage" in refused.value.message
    with pytest.raises(InvalidInput):
        import_snapshots(engine, "etablissement,unite,horodatage\n1,2,3\n")


def test_times_without_an_offset_are_paris_time() -> None:
    assert parse_time("26/11/2026 14:05").utcoffset() == timedelta(hours=1)
    assert parse_time("2026-07-01T14:05:00").utcoffset() == timedelta(hours=2)
    assert parse_time("2026-11-26T13:05:00Z") == parse_time("26/11/2026 14:05")
    with pytest.raises(InvalidInput):
        parse_time("31/02/2026 10:00")
