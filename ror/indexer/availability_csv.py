"""Availability snapshots from CSV files, for bed-management tools that export files.

One line per unit: the establishment, the unit's code, bed counts by status and when the tool
counted them. Each count becomes a counter (a ROR indicator) pushed exactly like
``PUT /v1/locations/{id}/capacities``: validated, applied only when newer than the stored one
(an older or equal one is counted ``ignored_stale``), durable, logged in the history. A bad
line is rejected alone, with its line number, the column at fault and why; the others land.

Columns (a header line is required; ``;``, ``,`` or tab separated; UTF-8, or Windows-1252 as
spreadsheet exports often are; header names compared without case or accents):

==========================  ==========================================================  ======
column                      meaning                                                     needed
==========================  ==========================================================  ======
etablissement               FINESS, IdNatStruct ("1" + FINESS) or FHIR id of the EG     yes
unite                       the unit: Location id or the tool's synchro code            yes
horodatage                  when the tool counted (ISO 8601; ``26/11/2026 14:05``;      yes
                            without an offset: Europe/Paris time)
nature                      01 lits (default), 02 places (``lits``/``places`` too)
installes                   status 01 Installé
disponibles                 status 02 Disponible, gender 03 Indifférencié
disponibles_femmes          status 02, gender 01 Femme
disponibles_hommes          status 02, gender 02 Homme
occupes                     status 03 Occupé
reserves                    status 04 Réservé
fermes                      status 05 Fermé (with ``type_fermeture``, R333, if given)
supplementaires             status 06 (with ``type_lit_supplementaire`` R334, ``crise`` R336)
affectation                 R337 temporary assignment (default 01 Aucune)
source                      R335 (default 02 Bed management)
==========================  ==========================================================  ======

English names are accepted too (``establishment``, ``unit``, ``updated_at``, ``installed``,
``available``, ``available_female``, ``available_male``, ``occupied``, ``reserved``,
``closed``, ``extra``, ``assignment``, ``closing_type``, ``extra_bed_type``, ``crisis``). An
empty cell pushes nothing for that status. Counts are the current temporality (R331 01).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TextIO
from zoneinfo import ZoneInfo

from ror.availability.indicators import InvalidIndicator, LocationCounters, check_counter
from ror.errors import InvalidInput, RorError
from ror.model import Capacity
from ror.text import fold

PARIS: Final = ZoneInfo("Europe/Paris")
BATCH_ROWS: Final = 200  # lines applied per durable transaction

# folded header -> our column name
HEADERS: Final = {
    **dict.fromkeys(["etablissement", "establishment", "finess", "idnatstruct", "eg"], "est"),
    **dict.fromkeys(["unite", "unit", "code unite", "lieu", "location", "code"], "unit"),
    **dict.fromkeys(
        ["horodatage", "updated at", "date maj", "date", "timestamp", "mise a jour"], "at"
    ),
    "nature": "nature",
    **dict.fromkeys(["installes", "installed", "lits installes"], "installed"),
    **dict.fromkeys(["disponibles", "available", "lits disponibles"], "available"),
    **dict.fromkeys(["disponibles femmes", "available female"], "available_female"),
    **dict.fromkeys(["disponibles hommes", "available male"], "available_male"),
    **dict.fromkeys(["occupes", "occupied", "lits occupes"], "occupied"),
    **dict.fromkeys(["reserves", "reserved"], "reserved"),
    **dict.fromkeys(["fermes", "closed", "lits fermes"], "closed"),
    **dict.fromkeys(["supplementaires", "extra", "lits supplementaires"], "extra"),
    **dict.fromkeys(["affectation", "assignment"], "assignment"),
    "source": "source",
    **dict.fromkeys(["type fermeture", "closing type"], "closing_type"),
    **dict.fromkeys(["type lit supplementaire", "extra bed type"], "extra_bed_type"),
    **dict.fromkeys(["crise", "crisis"], "crisis"),
}
REQUIRED: Final = ("est", "unit", "at")
# count column -> (status R330, gender R332)
COUNTS: Final = {
    "installed": ("01", None),
    "available": ("02", "03"),
    "available_female": ("02", "01"),
    "available_male": ("02", "02"),
    "occupied": ("03", None),
    "reserved": ("04", None),
    "closed": ("05", None),
    "extra": ("06", None),
}
NATURES: Final = {"01": "01", "1": "01", "lit": "01", "lits": "01", "02": "02", "2": "02"} | {
    "place": "02",
    "places": "02",
}
_FRENCH_DATE: Final = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


@dataclass(frozen=True, slots=True)
class Reject:
    line: int  # 1 = the header
    establishment: str
    unit: str
    field: str  # the column at fault, as the file names it
    reason: str


@dataclass(slots=True)
class ImportReport:
    lines: int = 0  # data lines read
    accepted: int = 0  # lines whose counters were pushed (applied or stale)
    applied: int = 0  # counters applied
    ignored_stale: int = 0  # counters not newer than the stored ones
    rejected: list[Reject] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.lines} lignes : {self.accepted} acceptées, {len(self.rejected)} rejetées ; "
            f"{self.applied} compteurs appliqués, {self.ignored_stale} ignorés (plus anciens)"
        )


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    establishment: str
    unit: str
    location: str
    counters: list[Capacity]


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _rows(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, [])

    def numbered() -> Iterator[tuple[int, list[str]]]:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row

    return header, numbered()


def columns_of(header: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Our column name -> (index, the file's name); ``InvalidInput`` for a missing one."""
    found: dict[str, tuple[int, str]] = {}
    for i, name in enumerate(header):
        ours = HEADERS.get(fold(name))
        if ours is not None and ours not in found:
            found[ours] = (i, name.strip())
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        wanted = {"est": "etablissement", "unit": "unite", "at": "horodatage"}
        raise InvalidInput(
            "colonne(s) obligatoire(s) absente(s) de l'en-tête : "
            + ", ".join(wanted[m] for m in missing),
            "header",
        )
    if not any(name in found for name in COUNTS):
        raise InvalidInput(
            "aucune colonne de lits (installes, disponibles, occupes, fermes…) dans l'en-tête",
            "header",
        )
    return found


def parse_time(value: str) -> datetime:
    """ISO 8601 or ``JJ/MM/AAAA HH:MM[:SS]``; without an offset, Europe/Paris time."""
    text = value.strip()
    french = _FRENCH_DATE.match(text)
    try:
        if french:
            d, m, y, hh, mm, ss = french.groups()
            parsed = datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"horodatage illisible {text!r} : ISO 8601 ou JJ/MM/AAAA HH:MM attendu", None
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=PARIS)


class _LineError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _counters(
    row: Sequence[str], cols: dict[str, tuple[int, str]], now: datetime
) -> list[Capacity]:
    def cell(name: str) -> str:
        found = cols.get(name)
        return row[found[0]].strip() if found and found[0] < len(row) else ""

    def named(name: str) -> str:
        return cols[name][1] if name in cols else name

    try:
        at = parse_time(cell("at"))
    except InvalidInput as exc:
        raise _LineError(named("at"), exc.message) from None
    nature = NATURES.get(fold(cell("nature")) or "01")
    if nature is None:
        raise _LineError(named("nature"), f"nature {cell('nature')!r} : 01 (lits) ou 02 (places)")
    out = []
    for column, (status, gender) in COUNTS.items():
        text = cell(column)
        if not text:
            continue
        if not re.fullmatch(r"\d+", text):
            raise _LineError(named(column), f"nombre entier positif attendu, pas {text!r}")
        counter = Capacity(
            nature=nature,
            status=status,
            temporality="01",
            count=int(text),
            updated_at=at,
            source=cell("source") or "02",
            gender=gender,
            closing_type=(cell("closing_type") or None) if status == "05" else None,
            extra_bed_type=(cell("extra_bed_type") or None) if status == "06" else None,
            crisis=(cell("crisis") or None) if status == "06" else None,
            assignment=cell("assignment") or "01",
        )
        try:
            out.append(check_counter(counter, now=now))
        except InvalidIndicator as exc:
            attr = (exc.field or "").rsplit(".", 1)[-1]
            where = {"updated_at": "at", "count": column, "status": column}.get(attr, attr)
            raise _LineError(named(where), exc.message) from None
    if not out:
        raise _LineError(named("installed"), "aucun nombre de lits sur la ligne")
    return out


def import_snapshots(engine: Any, text: str) -> ImportReport:
    """Push every line of a CSV snapshot into ``engine`` (an ``Engine``); see the module."""
    header, rows = _rows(text)
    cols = columns_of(header)
    report = ImportReport()
    pending: list[_Line] = []
    now = datetime.now(UTC)
    for number, row in rows:
        report.lines += 1
        est = row[cols["est"][0]].strip() if cols["est"][0] < len(row) else ""
        unit = row[cols["unit"][0]].strip() if cols["unit"][0] < len(row) else ""
        try:
            if not est:
                raise _LineError(cols["est"][1], "établissement manquant")
            if not unit:
                raise _LineError(cols["unit"][1], "unité manquante")
            counters = _counters(row, cols, now)
            found = engine.find_locations(est, unit)
            if not found:
                raise _LineError(cols["unit"][1], f"aucun lieu {unit!r} pour l'établissement {est}")
            if len(found) > 1:
                raise _LineError(
                    cols["unit"][1], f"{len(found)} lieux portent le code {unit!r} : à dédoublonner"
                )
        except _LineError as exc:
            report.rejected.append(Reject(number, est, unit, exc.column, exc.reason))
            continue
        pending.append(_Line(number, est, unit, found[0], counters))
        if len(pending) >= BATCH_ROWS:
            _apply(engine, pending, report)
    _apply(engine, pending, report)
    report.rejected.sort(key=lambda r: r.line)
    return report


def _apply(engine: Any, lines: list[_Line], report: ImportReport) -> None:
    if not lines:
        return
    updates: list[LocationCounters] = [(line.location, line.counters) for line in lines]
    try:
        results = engine.update_capacities_many(updates)
    except RorError as exc:  # a Location removed meanwhile: apply the lines one by one
        if len(lines) == 1:
            line = lines[0]
            report.rejected.append(
                Reject(line.number, line.establishment, line.unit, exc.field or "", exc.message)
            )
            lines.clear()
            return
        for line in lines:
            _apply(engine, [line], report)
        lines.clear()
        return
    for result in results:
        report.applied += result.applied
        report.ignored_stale += result.ignored_stale
    report.accepted += len(lines)
    lines.clear()


def write_rejects(rejects: Sequence[Reject], stream: TextIO) -> None:
    writer = csv.writer(stream, delimiter=";")
    writer.writerow(["ligne", "etablissement", "unite", "colonne", "motif"])
    for r in rejects:
        writer.writerow([r.line, r.establishment, r.unit, r.field, r.reason])
