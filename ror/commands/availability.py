"""``ror availability import``: push a CSV snapshot of capacities into the engine."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from ror.errors import InvalidInput
from ror.indexer.availability_csv import import_snapshots, read_text, write_rejects


def import_command(
    engine: Any,
    path: Path,
    *,
    rejects: Path | None = None,
    out: TextIO | None = None,
) -> int:
    """``ror availability import FILE.csv [--rejects FILE]``: push a snapshot into ``engine``.

    Prints the counts (and the rejects path). Exit status: 0 when every line landed or some
    were rejected but others landed (as ``ror index``); 1 when every line was rejected.
    A file that cannot be read or lacks a required column raises ``InvalidInput`` (exit 2).
    """
    stream = out or sys.stderr
    if not path.is_file():
        raise InvalidInput(f"fichier introuvable : {path}", "FILE")
    report = import_snapshots(engine, read_text(path))
    print(f"ror availability import {path}: {report.summary()}", file=stream)
    if report.rejected:
        target = rejects or path.with_name(path.stem + ".rejects.csv")
        with open(target, "w", encoding="utf-8", newline="") as handle:
            write_rejects(report.rejected, handle)
        print(f"rejets : {target}", file=stream)
        for r in report.rejected[:5]:
            print(f"  ligne {r.line} ({r.field}) : {r.reason}", file=stream)
    return 1 if report.lines and not report.accepted else 0
