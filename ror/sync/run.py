"""One sync of one source: its pages into the store, the offers they change into the engine.

Page by page (a page is applied whole before the next is asked for): the resources go into
the store in one transaction with the offers they change marked pending; the engine then
upserts and deletes those offers; then the run's position (query, ``next`` URL) is saved. A
run killed anywhere resumes at the page it was on (resources already stored are unchanged, the
offers still pending are built); a run that ends moves the checkpoint to the source's clock at
its start. ``full`` reads everything and then removes what the source no longer publishes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ror.errors import RorError
from ror.indexer.fhir import objects, text
from ror.indexer.validate import Issue
from ror.model import Offer
from ror.resources.apply import Delta
from ror.resources.store import STORED_TYPES, ResourceStore
from ror.search.engine import Engine

from .client import FhirClient
from .queries import Query, check_capability, plan
from .state import Run, SourceState, SyncStates

Json = dict[str, Any]
CLOCK_MARGIN: Final = timedelta(seconds=2)  # the checkpoint is moved back by this much
UPSERT_BATCH: Final = 2000


@dataclass(slots=True)
class SyncReport:
    source: str
    full: bool
    pages: int = 0
    resources: Counter[str] = field(default_factory=Counter)  # store outcome -> count
    offers_built: int = 0
    offers_removed: int = 0
    rejects: list[Issue] = field(default_factory=list)
    warnings: int = 0
    retries: int = 0
    skipped: list[str] = field(default_factory=list)  # what the source could not be asked
    seconds: float = 0.0

    def counts(self, conflicts: int) -> dict[str, int]:
        return {
            "added": self.resources["added"],
            "changed": self.resources["changed"],
            "removed": self.resources["deleted"],
            "rejected": len(self.rejects),
            "conflicts": conflicts,
            "unchanged": self.resources["unchanged"],
            "resources": sum(self.resources.values()),
        }


Progress = Callable[[SyncReport, str], None]


def sync_source(
    store: ResourceStore,
    engine: Engine,
    client: FhirClient,
    state: SourceState,
    *,
    full: bool = False,
    page_size: int = 200,
    progress: Progress | None = None,
) -> SyncReport:
    """Run (or resume) one sync of ``state``'s source; the state is saved as it goes."""
    started = datetime.now(UTC)
    states = SyncStates(store)
    report = SyncReport(state.name, full)
    conflicts_before = store.conflict_count()
    try:
        metadata = client.get(client.url("metadata"), expect="CapabilityStatement")
        check_capability(metadata.bundle, client.url("metadata"))
        queries = plan(metadata.bundle)
        run = state.run
        if run is None or run.full != full:
            clock = metadata.server_time or datetime.now(UTC)
            run = Run(started=(clock - CLOCK_MARGIN).isoformat(timespec="seconds"), full=full)
            if full:
                states.forget_seen(state.name)
            state.run = run
            states.save(state)
        for index in range(run.query, len(queries)):
            _run_query(
                store, engine, client, state, states, queries[index], report, page_size, progress
            )
            run.query, run.next = index + 1, None
            states.save(state)
        if full:
            _reconcile(store, engine, state, states, report)
        state.since, state.run = run.started, None
        state.last_error = None
    except (RorError, OSError) as exc:
        state.last_error = exc.message if isinstance(exc, RorError) else str(exc)
        raise
    finally:
        report.retries = client.retries
        report.seconds = (datetime.now(UTC) - started).total_seconds()
        state.last_sync = datetime.now(UTC).isoformat(timespec="seconds")
        state.counts = report.counts(store.conflict_count() - conflicts_before)
        states.save(state)
    return report


def _run_query(
    store: ResourceStore,
    engine: Engine,
    client: FhirClient,
    state: SourceState,
    states: SyncStates,
    query: Query,
    report: SyncReport,
    page_size: int,
    progress: Progress | None,
) -> None:
    run = state.run
    assert run is not None
    since = None if run.full else state.since
    url: str | None = run.next or client.url(query.type, query.url_params(since, page_size))
    while url is not None:
        page = client.get(url)
        _apply_page(store, engine, state, states, page.bundle, report)
        url = next_link(page.bundle)
        run.next = url
        states.save(state)
        report.pages += 1
        if progress is not None:
            progress(report, query.type)


def next_link(bundle: Json) -> str | None:
    for link in objects(bundle.get("link")):
        if link.get("relation") == "next":
            return text(link.get("url"))
    return None


def _apply_page(
    store: ResourceStore,
    engine: Engine,
    state: SourceState,
    states: SyncStates,
    bundle: Json,
    report: SyncReport,
) -> None:
    delta = Delta(store, state.name)
    seen: list[tuple[str, str]] = []
    with store.batch():
        for position, entry in enumerate(objects(bundle.get("entry"))):
            resource = entry.get("resource")
            if not isinstance(resource, dict) or resource.get("resourceType") not in STORED_TYPES:
                continue
            full_url = text(entry.get("fullUrl"))
            delta.receive(resource, full_url=full_url, where=(full_url or "", position))
            if isinstance(resource.get("id"), str):
                seen.append((str(resource["resourceType"]), resource["id"]))
        if state.run is not None and state.run.full:
            states.see(state.name, seen)
    apply_delta(delta, engine, report)


def apply_delta(delta: Delta, engine: Engine, report: SyncReport) -> None:
    """Build the pending offers into ``engine``, take out the removed ones, clear them."""
    batch: list[Offer] = []
    for offer in delta.offers():
        batch.append(offer)
        if len(batch) >= UPSERT_BATCH:
            engine.upsert(batch)
            batch = []
    if batch:
        engine.upsert(batch)
    if delta.report.removed:
        engine.delete(delta.report.removed)
    delta.done()
    report.resources.update(delta.report.resources)
    report.offers_built += delta.report.built
    report.offers_removed += len(delta.report.removed)
    report.rejects += delta.report.rejects
    report.warnings += len(delta.report.warnings)


def _reconcile(
    store: ResourceStore,
    engine: Engine,
    state: SourceState,
    states: SyncStates,
    report: SyncReport,
) -> None:
    """A full run: what this source no longer publishes is deleted."""
    delta = Delta(store, state.name)
    with store.batch():
        for rtype in STORED_TYPES:
            for rid in sorted(
                store.ids_of_source(state.name, rtype) - states.seen(state.name, rtype)
            ):
                delta.remove(rtype, rid)
        states.forget_seen(state.name)
    apply_delta(delta, engine, report)
