"""From resources received (a file, a page of a sync) to the offers they change.

A :class:`Delta` stores each resource received from one source (:meth:`Delta.receive`, newer
wins: see ``store``), notes which offers depend on what changed (before the change too, so that
a Location moved to another service re-derives both), then :meth:`Delta.offers` builds those
offers again from the store and lists the ones to take out: a HealthcareService inactive or
deleted, or whose Organization chain is. An offer that can no longer be built for another
reason is a reject and its indexed version stays. Receiving the same resources twice changes
nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ror.errors import InvalidInput
from ror.indexer.assemble import Assembler, Rejected, service_id
from ror.indexer.fhir import Json, resource_key
from ror.indexer.validate import Issue
from ror.model import Offer

from .index import StoreIndex
from .store import STORED_TYPES, Outcome, ResourceStore, StoredResource

STORE_POSITION = ("store", 0)
BUILD_BATCH = 500  # offers built from one read of their resources


@dataclass(slots=True)
class DeltaReport:
    """What a delta did: resources by outcome, offers built and taken out, rejects."""

    resources: Counter[str] = field(default_factory=Counter)  # outcome -> count
    built: int = 0  # offers built again (added or changed)
    removed: list[str] = field(default_factory=list)  # offer ids to take out of the index
    rejects: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def changed_resources(self) -> int:
        return self.resources["added"] + self.resources["changed"] + self.resources["deleted"]


class Delta:
    """Resources from ``source`` on their way into the store, then the offers they change."""

    def __init__(self, store: ResourceStore, source: str, *, keep_source: bool = True) -> None:
        self.store = store
        self.source = source
        self.keep_source = keep_source
        self.index = StoreIndex(store)
        self.built_ids: list[str] = []
        self.where: dict[str, tuple[str, int]] = {}  # service id -> where it was read
        self.report = DeltaReport()
        self.received_at = datetime.now(UTC)

    def receive(
        self, resource: Json, *, full_url: str | None = None, where: tuple[str, int] = ("", 0)
    ) -> Outcome | None:
        """Store one resource; None (and a reject) when it cannot be stored."""
        rtype = str(resource.get("resourceType"))
        if rtype not in STORED_TYPES:
            return None
        if rtype == "HealthcareService":
            try:
                sid = service_id(resource)
            except Rejected as exc:
                self._reject(where, exc.resource, exc.field, exc.reason)
                return None
            if not resource.get("id"):
                resource = {**resource, "id": sid}
            self.where[sid] = where
        rid = str(resource.get("id") or "")
        if full_url and rid:
            self.index.by_full_url[full_url] = (rtype, rid)
        key = (rtype, rid)
        # only a role's own links name the offers it serves: other types are found by links to them
        before = self.store.dependents([key]) if rtype == "PractitionerRole" else set()
        try:
            outcome = self.store.put(
                resource,
                self.source,
                received_at=self.received_at,
                full_urls=self.index.by_full_url,
            )
        except InvalidInput as exc:
            self._reject(where, resource_key(resource), exc.field, exc.message)
            return None
        self.report.resources[outcome] += 1
        if outcome in ("added", "changed"):
            self.store.add_pending(before | self.store.dependents([key]))
        return outcome

    def remove(self, rtype: str, rid: str) -> bool:
        """A resource of this source deleted at the source: its offers go (or are rebuilt)."""
        if not self.store.mark_deleted(rtype, rid, self.source):
            return False
        self.report.resources["deleted"] += 1
        self.store.add_pending(self.store.dependents([(rtype, rid)]))
        return True

    def rebuild(self, service_ids: Iterable[str]) -> None:
        """Build these offers again even if nothing they use changed (a full replacement)."""
        with self.store.batch():
            self.store.add_pending(service_ids)

    def offers(self) -> Iterator[Offer]:
        """The offers to index again (every pending one, those left by an interrupted run
        included), built :data:`BUILD_BATCH` at a time; :attr:`report` lists those to take out
        as it goes. Call :meth:`done` once the index holds the result."""
        assembler = Assembler(self.index, keep_source=self.keep_source)
        self.built_ids = self.store.pending()
        for start in range(0, len(self.built_ids), BUILD_BATCH):
            batch = self.built_ids[start : start + BUILD_BATCH]
            services = self.index.prefetch(batch)
            for sid in batch:
                offer = self._build(sid, services.get(sid), assembler)
                if offer is not None:
                    self.report.built += 1
                    yield offer

    def done(self) -> None:
        """The offers built (and taken out) are in the index: they are no longer pending."""
        self.store.clear_pending(self.built_ids)
        self.built_ids = []

    def _build(self, sid: str, stored: StoredResource | None, assembler: Assembler) -> Offer | None:
        if stored is None:
            return None
        if not stored.live:
            self.report.removed.append(sid)
            return None
        where = self.where.get(sid, STORE_POSITION)
        self.index.dead.clear()
        try:
            return assembler.build(stored.resource)
        except Rejected as exc:
            if self.index.dead:
                self.report.removed.append(sid)
                return None
            me = f"HealthcareService/{sid}"
            self.report.rejects.append(
                Issue(
                    where[0],
                    where[1],
                    exc.resource,
                    exc.field,
                    exc.reason,
                    offer=me if exc.resource != me else None,
                )
            )
            return None
        finally:
            for resource, path, reason in assembler.notes:
                self.report.warnings.append(Issue(where[0], where[1], resource, path, reason))
            assembler.notes.clear()

    def _reject(self, where: tuple[str, int], resource: str, path: str | None, reason: str) -> None:
        self.report.rejects.append(Issue(where[0], where[1], resource, path, reason))
