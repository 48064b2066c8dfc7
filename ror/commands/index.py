"""``ror index PATH…``: load ROR FHIR files, hand the Offers on, report counts and rejects.

Offers go to ``out`` as NDJSON (``Offer.to_dict``, one per line) and/or to ``engine``: a
callable ``sink(offers) -> int`` or an object with ``index_offers(offers) -> int`` (the search
engines). With neither, the run only validates. Rejects are always written (JSON lines) to
``rejects`` (default ``var/rejects.jsonl``), warnings beside them (``….warnings.jsonl``).
Exit status: 0 when offers loaded (even if some records were rejected), 1 when nothing could
load, 2 for bad usage (no path, missing path).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TextIO

from ror.errors import RorError
from ror.indexer.load import LoadReport, load_paths, write_offers, write_rejects
from ror.model import Offer
from ror.resources.load import load_into_store
from ror.resources.store import ResourceStore

Sink = Callable[[Iterable[Offer]], int]
Remover = Callable[[list[str]], int]
DEFAULT_REJECTS = Path("var/rejects.jsonl")


def run_index(
    paths: list[Path],
    *,
    rejects: Path | None,
    out: Path | None,
    engine: object | None,
    store: ResourceStore | None = None,
    remove: Remover | None = None,
    rebuild_all: bool = False,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run ``ror index``; returns the exit status.

    With a ``store``, resources are kept in it and only the offers they change are built
    (``ror.resources.load``); ``remove`` takes out the offers of inactive or deleted ones."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if not paths:
        print("ror index: give at least one file or directory", file=stderr)
        return 2
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"ror index: no such file or directory: {missing[0]}", file=stderr)
        return 2
    try:
        sink = as_sink(engine)
    except TypeError as exc:
        print(f"ror index: {exc}", file=stderr)
        return 2
    if store is not None:
        result = load_into_store(paths, store, rebuild_all=rebuild_all)
    else:
        result = load_paths(paths)
    try:
        stored = _deliver(result.offers, out, sink)
        removed = remove(result.report.removed) if remove and result.report.removed else 0
        if sink is not None:
            result.done()
    except (RorError, OSError) as exc:
        print(f"ror index: failed while storing offers: {exc}", file=stderr)
        return 1
    report = result.report
    rejects_path = rejects or DEFAULT_REJECTS
    write_rejects(report, rejects_path)
    warnings_path = rejects_path.with_name(rejects_path.stem + ".warnings.jsonl")
    if report.warnings:
        write_rejects(report, warnings_path, warnings=True)
    _print_summary(report, stored, out, rejects_path, warnings_path, stdout)
    if report.stored is not None:
        _print_changes(report, removed, stdout)
        changed = report.offers or report.removed
        return 0 if report.read and (changed or not report.rejects) else 1
    return 0 if report.offers else 1


def as_sink(engine: object | None) -> Sink | None:
    """The callable that stores offers for ``engine`` (None: nothing to store into)."""
    if engine is None:
        return None
    method = getattr(engine, "index_offers", None)
    if callable(method):
        return method  # type: ignore[no-any-return]
    if callable(engine):
        return engine
    raise TypeError(f"engine {engine!r} is neither callable nor has index_offers()")


def _deliver(offers: Iterator[Offer], out: Path | None, sink: Sink | None) -> int:
    if out is not None and sink is not None:
        with out.open("w", encoding="utf-8"):
            pass
        return sink(_tee(offers, out))
    if out is not None:
        return write_offers(offers, out)
    if sink is not None:
        return sink(offers)
    return sum(1 for _ in offers)


def _tee(offers: Iterator[Offer], out: Path) -> Iterator[Offer]:
    import json

    with out.open("a", encoding="utf-8") as handle:
        for offer in offers:
            handle.write(json.dumps(offer.to_dict(), ensure_ascii=False, separators=(",", ":")))
            handle.write("\n")
            yield offer


def _print_changes(report: LoadReport, removed: int, stdout: TextIO) -> None:
    stored: Mapping[str, int] = report.stored or {}
    resources = ", ".join(
        f"{stored.get(k, 0)} {k}" for k in ("added", "changed", "unchanged", "stale", "kept")
    )
    changes = report.offers + removed
    print(f"resources: {resources}", file=stdout)
    print(f"changes: {changes} ({report.offers} offers built, {removed} removed)", file=stdout)


def _print_summary(
    report: LoadReport,
    stored: int,
    out: Path | None,
    rejects_path: Path,
    warnings_path: Path,
    stdout: TextIO,
) -> None:
    read = ", ".join(f"{n} {t}" for t, n in sorted(report.read.items())) or "nothing"
    print(f"read: {read}", file=stdout)
    print(
        f"offers: {report.offers} built, {stored} stored"
        + (f" in {out}" if out else "")
        + f"; {report.duplicates} duplicates skipped",
        file=stdout,
    )
    print(f"rejected: {report.rejected} (see {rejects_path})", file=stdout)
    if report.warnings:
        print(f"warnings: {len(report.warnings)} (see {warnings_path})", file=stdout)
    print(f"elapsed: {report.elapsed_s:.2f} s", file=stdout)
