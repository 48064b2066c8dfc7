"""``ror index`` with the resource store: files -> store -> the offers that changed.

One pass reads every resource into the store (a transaction per :data:`BATCH`); the offers are
then built from the store: those of the HealthcareServices that changed and those that depend
on a changed Organization, Location or PractitionerRole, whether that service is in the files
or was loaded before. With ``rebuild_all`` every service of the files is built (a full
replacement of the index). The report has the same shape as the store-less load
(``ror.indexer.load``), plus the resources by outcome and the offers to take out.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from itertools import islice
from pathlib import Path

from ror.errors import InvalidInput
from ror.indexer.assemble import Rejected, service_id
from ror.indexer.load import LoadReport, LoadResult
from ror.indexer.sources import Sourced, SourceError, read_resources
from ror.indexer.validate import Issue
from ror.model import Offer

from .apply import Delta
from .store import ResourceStore

BATCH = 5000
SUPERSEDED = "duplicate id: superseded by a later occurrence"


def load_into_store(
    paths: Sequence[Path],
    store: ResourceStore,
    *,
    source: str = "local",
    rebuild_all: bool = False,
    keep_source: bool = True,
) -> LoadResult:
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise InvalidInput(f"no such file or directory: {missing[0]}", "paths")
    return load_resources(
        read_resources(paths),
        store,
        source=source,
        rebuild_all=rebuild_all,
        keep_source=keep_source,
    )


def load_resources(
    items: Iterable[Sourced | SourceError],
    store: ResourceStore,
    *,
    source: str = "local",
    rebuild_all: bool = False,
    keep_source: bool = True,
    batch: int = BATCH,
) -> LoadResult:
    """:func:`load_into_store` of resources already read (``batch`` per transaction)."""
    started = time.perf_counter()
    report = LoadReport()
    delta = Delta(store, source, keep_source=keep_source)
    in_files: set[str] = set()
    stream = iter(items)
    while chunk := list(islice(stream, batch)):
        with store.batch():
            for item in chunk:
                _receive(item, delta, report, in_files)
    if rebuild_all:
        delta.rebuild(in_files)
    report.rejects += delta.report.rejects
    delta.report.rejects = []
    report.stored = delta.report.resources
    return LoadResult(_offers(delta, report, started), report, delta.done)


def _receive(
    item: Sourced | SourceError, delta: Delta, report: LoadReport, in_files: set[str]
) -> None:
    if isinstance(item, SourceError):
        report.rejects.append(Issue(item.source, item.position, "", None, item.reason))
        return
    rtype = str(item.resource["resourceType"])
    report.read[rtype] += 1
    where = (item.source, item.position)
    sid = None
    if rtype == "HealthcareService":
        with suppress(Rejected):  # a malformed id is reported by Delta.receive
            sid = service_id(item.resource)
        if sid in in_files:
            report.duplicates += 1
            earlier = delta.where.get(sid, where)
            report.warnings.append(
                Issue(earlier[0], earlier[1], f"HealthcareService/{sid}", "id", SUPERSEDED)
            )
    outcome = delta.receive(item.resource, full_url=item.full_url, where=where)
    if sid is not None and outcome is not None:
        in_files.add(sid)


def _offers(delta: Delta, report: LoadReport, started: float) -> Iterator[Offer]:
    try:
        for offer in delta.offers():
            report.offers += 1
            yield offer
        report.complete = True
    finally:
        report.rejects += delta.report.rejects
        report.warnings += delta.report.warnings
        report.removed = delta.report.removed
        report.elapsed_s = time.perf_counter() - started
