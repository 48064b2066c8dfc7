"""Load FHIR files into Offers, with a report of what was read, built and rejected.

Two streaming passes over the inputs keep memory to the context resources only:

1. read everything once; index Organizations, Locations and PractitionerRoles; note which
   occurrence of each HealthcareService id comes last; report unreadable records;
2. read again and build one Offer per HealthcareService (its last occurrence: duplicates are
   reported and skipped, so "last wins"), yielding Offers as they are built.

The offers iterator fills the report as it goes (``report.complete`` once exhausted). The same
input always gives the same Offers (equal by value, same ids), so reloading is idempotent.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ror.errors import InvalidInput
from ror.model import Offer

from .assemble import Assembler, Rejected, service_id
from .fhir import resource_key
from .references import CONTEXT_TYPES, ResourceIndex
from .sources import Sourced, SourceError, read_resources
from .validate import Issue


@dataclass(slots=True)
class LoadReport:
    """Counts and issues of one load."""

    read: Counter[str] = field(default_factory=Counter)  # resources read, by type
    offers: int = 0  # offers built
    duplicates: int = 0  # HealthcareService occurrences superseded by a later one
    replaced_context: int = 0  # Organization/Location/PractitionerRole read more than once
    rejects: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    elapsed_s: float = 0.0
    complete: bool = False
    removed: list[str] = field(default_factory=list)  # offers to take out (inactive, deleted)
    stored: Counter[str] | None = None  # resources by store outcome (a load into the store)

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def summary(self) -> str:
        read = ", ".join(f"{n} {t}" for t, n in sorted(self.read.items())) or "nothing"
        return (
            f"read {read}; built {self.offers} offers; rejected {self.rejected}; "
            f"{len(self.warnings)} warnings; {self.duplicates} duplicates; "
            f"{self.elapsed_s:.2f} s"
        )


@dataclass(slots=True)
class LoadResult:
    offers: Iterator[Offer]
    report: LoadReport
    done: Callable[[], None] = lambda: None  # call once the offers (and removals) are indexed


def load_paths(paths: Sequence[Path], *, keep_source: bool = True) -> LoadResult:
    """Index the context of ``paths``, then stream their Offers (see the module docstring)."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise InvalidInput(f"no such file or directory: {missing[0]}", "paths")
    started = time.perf_counter()
    report = LoadReport()
    index = ResourceIndex()
    last_of = _first_pass(paths, index, report)
    report.replaced_context = index.replaced
    assembler = Assembler(index, keep_source=keep_source)
    return LoadResult(_second_pass(paths, assembler, last_of, report, started), report)


def _first_pass(paths: Sequence[Path], index: ResourceIndex, report: LoadReport) -> dict[str, int]:
    last_of: dict[str, int] = {}
    ordinal = 0
    for item in read_resources(paths):
        if isinstance(item, SourceError):
            report.rejects.append(Issue(item.source, item.position, "", None, item.reason))
            continue
        rtype = str(item.resource["resourceType"])
        report.read[rtype] += 1
        if rtype == "HealthcareService":
            with suppress(Rejected):  # a malformed id is reported in the second pass
                last_of[service_id(item.resource)] = ordinal
            ordinal += 1
        elif rtype in CONTEXT_TYPES:
            try:
                index.add(item.resource, item.full_url)
            except InvalidInput as exc:
                report.rejects.append(
                    Issue(item.source, item.position, rtype, exc.field, exc.message)
                )
    return last_of


def _second_pass(
    paths: Sequence[Path],
    assembler: Assembler,
    last_of: dict[str, int],
    report: LoadReport,
    started: float,
) -> Iterator[Offer]:
    ordinal = -1
    try:
        for item in read_resources(paths):
            if (
                not isinstance(item, Sourced)
                or item.resource["resourceType"] != "HealthcareService"
            ):
                continue
            ordinal += 1
            offer = _build(item, ordinal, assembler, last_of, report)
            if offer is not None:
                report.offers += 1
                yield offer
        report.complete = True
    finally:
        report.elapsed_s = time.perf_counter() - started


def _build(
    item: Sourced, ordinal: int, assembler: Assembler, last_of: dict[str, int], report: LoadReport
) -> Offer | None:
    hs = item.resource
    try:
        oid = service_id(hs)
        if last_of.get(oid, ordinal) != ordinal:
            report.duplicates += 1
            reason = "duplicate id: superseded by a later occurrence"
            report.warnings.append(
                Issue(item.source, item.position, f"HealthcareService/{oid}", "id", reason)
            )
            return None
        offer = assembler.build(hs)
    except Rejected as exc:
        offer_key = resource_key(hs)
        report.rejects.append(
            Issue(
                item.source,
                item.position,
                exc.resource,
                exc.field,
                exc.reason,
                offer=offer_key if exc.resource != offer_key else None,
            )
        )
        offer = None
    finally:
        for resource, path, reason in assembler.notes:
            report.warnings.append(Issue(item.source, item.position, resource, path, reason))
        assembler.notes.clear()
    return offer


# --- reports and Offer NDJSON ------------------------------------------------------------------


def write_rejects(report: LoadReport, path: Path, *, warnings: bool = False) -> int:
    """Write the rejects (or the warnings) as JSON lines; returns how many were written."""
    rows = report.warnings if warnings else report.rejects
    return _write_jsonl((issue.to_dict() for issue in rows), path)


def write_offers(offers: Iterable[Offer], path: Path) -> int:
    """Write Offers as NDJSON (``Offer.to_dict``), one per line; returns how many."""
    return _write_jsonl((offer.to_dict() for offer in offers), path)


def read_offers(path: Path) -> Iterator[Offer]:
    """Offers back from :func:`write_offers` NDJSON; a malformed line raises InvalidInput."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield Offer.from_dict(json.loads(line))
            except (ValueError, TypeError, KeyError) as exc:
                raise InvalidInput(f"{path}:{number}: not an Offer ({exc})", "offers") from exc


def _write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            handle.write("\n")
            count += 1
    return count
