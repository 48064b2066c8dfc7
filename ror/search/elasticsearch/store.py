"""Writes of the Elasticsearch engine: the versioned index behind its alias, bulk loads, upserts,
deletes and capacity pushes (reads are in ``elasticsearch.py``).

- **Index behind an alias.** Offers live in a versioned index (``ror-offers-20261126t140000…``)
  that the alias ``ror-offers`` points to. A full load builds a new index, swaps the alias in one
  ``_aliases`` call and drops the old index afterwards: readers see the old index or the new one.
- **Bulk.** ``helpers.streaming_bulk`` with per-document outcomes: a document Elasticsearch
  refuses, or one that cannot be built, lands in the same rejects list (``LoadStats.rejected``);
  the rest still loads. HTTP 429 (cluster busy) is retried with exponential back-off.
- **Locations.** Counters are copied into every offer using their Location and kept in step by
  one rule (``es_ledger.py``, the embedded engine's): newest ``updated_at`` wins. A push is a
  read-modify-write of each affected document guarded by ``if_seq_no``/``if_primary_term``, so a
  concurrent write is re-read and merged, never overwritten; an older or equal counter is
  reported stale. Elasticsearch has no multi-document transaction: the offers sharing a
  Location are updated one after the other (within the same request). Counters pushed while a
  full load runs reach the new index too (it is reachable through ``<alias>-building``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

from elasticsearch import ConflictError, Elasticsearch, NotFoundError, helpers
from elasticsearch import TransportError as EsTransportError

from ror.availability.indicators import implausible, pushed_field
from ror.availability.keys import location_keys
from ror.errors import Implausible, InvalidInput, NotFound, RorError
from ror.mappings import fields as f
from ror.mappings.template import index_body, synonym_rules
from ror.model import Capacity, Offer
from ror.search.elasticsearch.documents import (
    capacities_source,
    check_place,
    from_document,
    to_document,
)
from ror.search.elasticsearch.ledger import CounterLedger, counters_by_location
from ror.search.engine import CounterOutcome, LoadStats, Progress, UpdateResult

BULK_CHUNK: Final = 500
BULK_RETRIES: Final = 5  # on 429, waiting 2, 4, 8, 16, 32 s
UPSERT_BATCH: Final = 2000
CONFLICT_RETRIES: Final = 20
LOCATION_PAGE: Final = 1000
DROP_GRACE_SECONDS: Final = 10.0
#: Never needed to rewrite capacities.
NO_SOURCE: Final = [f.SOURCE, f.CONTACTS, f.LOOKUP_TERMS, f.LOOKUP_DATES, f.LOOKUP_NAMES]


class EngineUnavailable(RorError):
    """The cluster cannot be reached or refused the request (HTTP 503)."""

    status = 503
    code = "engine_unavailable"


@dataclass(slots=True)
class _Tracked:
    """What a full load remembers per offer to fix shared Locations afterwards."""

    id: str
    locs: tuple[str, ...]
    seen: tuple[int, ...]  # Location versions when the document was written


def versioned_name(alias: str, now: datetime) -> str:
    """A new index name behind ``alias`` (sortable, lower case as Elasticsearch requires)."""
    return f"{alias}-{now.astimezone(UTC):%Y%m%dt%H%M%S%f}"


def swap_actions(alias: str, new: str, old: Sequence[str], building: str) -> dict[str, Any]:
    """One atomic ``_aliases`` body: ``alias`` leaves the old indices for the new one."""
    actions: list[dict[str, Any]] = [{"remove": {"index": name, "alias": alias}} for name in old]
    actions.append({"remove": {"index": new, "alias": building}})
    actions.append({"add": {"index": new, "alias": alias}})
    return {"actions": actions}


def lay_term_rules() -> list[str]:
    """Synonym rules from the curated lay terms of the nomenclature ("réa" = its label)."""
    from ror.nomenclature.lay_terms import default

    table: dict[str, list[str]] = {}
    for entry in default().entries:
        if entry.kind == "lay":
            table.setdefault(entry.display, []).append(entry.label)
    return synonym_rules(table)


REPLACE_FIELDS: Final = (
    "for (e in params.fields.entrySet()) { ctx._source[e.getKey()] = e.getValue(); }"
)


def replace_fields_script(fields: Mapping[str, Any]) -> dict[str, Any]:
    """An update script that *replaces* top-level fields (a partial ``doc`` would merge the
    objects ``free``/``installed`` key by key and keep keys that should go)."""
    return {"source": REPLACE_FIELDS, "lang": "painless", "params": {"fields": dict(fields)}}


def _reason(item: Mapping[str, Any]) -> str:
    error = item.get("error")
    if isinstance(error, Mapping):
        caused = error.get("caused_by") or {}
        detail = f" ({caused.get('reason')})" if isinstance(caused, Mapping) and caused else ""
        return f"{error.get('type', 'error')}: {error.get('reason', '')}{detail}"
    return str(error or f"HTTP {item.get('status')}")


class OfferStore:
    """The index behind ``alias`` and every write to it."""

    def __init__(
        self,
        client: Elasticsearch,
        alias: str,
        *,
        refresh: bool | str = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        synonyms: Sequence[str] | None = None,
    ) -> None:
        if alias != alias.lower() or not alias:
            raise InvalidInput("le nom d'index Elasticsearch doit être en minuscules", "index")
        self.client = client
        self.alias = alias
        self.building = f"{alias}-building"
        self.refresh = refresh
        self.clock = clock
        self._synonyms = synonyms
        # After a swap, searches that opened their point in time on the old index may still be
        # reading it: it is dropped only after this grace period.
        self.drop_grace_seconds = DROP_GRACE_SECONDS

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EsTransportError as exc:  # connection refused, timeout, TLS
            raise EngineUnavailable(f"Elasticsearch injoignable : {exc}") from exc

    def _rules(self) -> list[str]:
        return list(self._synonyms) if self._synonyms is not None else lay_term_rules()

    def _create_index(self, name: str) -> None:
        body = index_body(self._rules())
        self.call(
            self.client.indices.create,
            index=name,
            settings=body["settings"],
            mappings=body["mappings"],
        )

    def indices_of(self, alias: str) -> list[str]:
        try:
            found = self.call(self.client.indices.get_alias, name=alias)
        except NotFoundError:
            return []
        return sorted(found.body if hasattr(found, "body") else found)

    def ensure_alias(self) -> None:
        found = self.indices_of(self.alias)
        if found:
            self._add_lookup_fields(found)
            return
        if self.call(self.client.indices.exists, index=self.alias):
            raise InvalidInput(
                f"« {self.alias} » est un index, pas un alias : renommez-le ou choisissez "
                "un autre nom d'index",
                "index",
            )
        name = versioned_name(self.alias, self.clock())
        self._create_index(name)
        self.call(
            self.client.indices.update_aliases,
            actions=[{"add": {"index": name, "alias": self.alias}}],
        )

    def _add_lookup_fields(self, names: Sequence[str]) -> None:
        """Indices made before the look-up keys get their fields (their strict mapping would
        refuse the new documents); the keys are found once a full load has written every
        document again (``lookup_ready``: the new index's ``_meta`` says so)."""
        mappings = self.call(self.client.indices.get_mapping, index=",".join(names)).body
        old = [
            name
            for name, found in mappings.items()
            if f.LOOKUP_TERMS not in (found.get("mappings") or {}).get("properties", {})
        ]
        if old:
            shipped = index_body()["mappings"]["properties"]
            added = {k: shipped[k] for k in (f.LOOKUP_TERMS, f.LOOKUP_DATES, f.LOOKUP_NAMES)}
            self.call(self.client.indices.put_mapping, index=",".join(old), properties=added)

    def pages(self, index: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every hit of a sorted search, page after page (``search_after``)."""
        after: list[Any] | None = None
        while True:
            page = dict(body)
            if after is not None:
                page["search_after"] = after
            hits = self.call(self.client.search, index=index, **page)["hits"]["hits"]
            yield from hits
            if len(hits) < body["size"]:
                return
            after = hits[-1]["sort"]

    def _docs_of_locations(self, index: str, locs: Iterable[str]) -> Iterator[dict[str, Any]]:
        """Hits (with seq_no and primary term) of the documents using these Locations."""
        wanted = sorted(set(locs))
        for start in range(0, len(wanted), LOCATION_PAGE):
            body = {
                "size": LOCATION_PAGE,
                "query": {"terms": {f.LOCATION_KEYS: wanted[start : start + LOCATION_PAGE]}},
                "sort": [{f.ID: "asc"}],
                "seq_no_primary_term": True,
                "track_total_hits": False,
                "_source": {"excludes": NO_SOURCE},
            }
            yield from self.pages(index, body)

    def _rewrite(
        self,
        index: str,
        hits: Iterable[Mapping[str, Any]],
        ledger: CounterLedger,
    ) -> None:
        """Give each document the counters ``ledger`` holds for its Locations; a document
        changed meanwhile is re-read, merged into the ledger and written again."""
        pending = {hit["_id"]: hit for hit in hits}
        for _ in range(CONFLICT_RETRIES):
            retry: list[str] = []
            for offer_id, hit in pending.items():
                source = hit["_source"]
                offer = from_document(source)
                caps = ledger.capacities_for(source.get(f.LOCATION_KEYS) or location_keys(offer))
                if caps == offer.capacities:
                    continue
                try:
                    self.call(
                        self.client.update,
                        index=hit["_index"],
                        id=offer_id,
                        script=replace_fields_script(
                            capacities_source(replace(offer, capacities=caps))
                        ),
                        if_seq_no=hit["_seq_no"],
                        if_primary_term=hit["_primary_term"],
                        refresh=self.refresh,
                    )
                except ConflictError:
                    retry.append(offer_id)
                except NotFoundError:
                    continue  # deleted meanwhile
            if not retry:
                return
            pending = {}
            for hit in self._docs_by_ids(index, retry):
                ledger.add_document(hit["_source"])
                pending[hit["_id"]] = hit
        raise EngineUnavailable("trop d'écritures concurrentes sur les mêmes lieux")

    def _docs_by_ids(self, index: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        """Documents by id, real time (``mget`` sees writes not yet refreshed), with the
        sequence number and primary term a guarded write needs."""
        found = self.call(self.client.mget, index=index, ids=list(ids), source_excludes=NO_SOURCE)
        return [doc for doc in found["docs"] if doc.get("found")]

    def _pushed(
        self, index: str, location_id: str, counters: Sequence[Capacity]
    ) -> tuple[list[dict[str, Any]], CounterLedger, list[CounterOutcome]]:
        """The documents using a Location, and its counters once ``counters`` are applied (as
        the embedded engine judges them: the newest ``updated_at`` per key wins)."""
        hits = list(self._docs_of_locations(index, [location_id]))
        ledger = CounterLedger()
        for hit in hits:  # every Location of theirs: each document is rewritten whole
            ledger.add_document(hit["_source"])
        ledger.know([location_id])
        outcomes = [ledger.store(location_id, c) for c in counters]
        return hits, ledger, outcomes

    def implausible_push(
        self, location_id: str, counters: Sequence[Capacity]
    ) -> tuple[Capacity, str] | None:
        """What ``indicators.implausible`` finds in the Location's counters once this push is
        applied (None when the push changes nothing or leaves them plausible); nothing written."""
        _, ledger, outcomes = self._pushed(self.alias, location_id, counters)
        if not any(o.applied for o in outcomes):
            return None
        return implausible(ledger.by_loc[location_id].values())

    def _push_to(self, index: str, location_id: str, counters: Sequence[Capacity]) -> Any:
        hits, ledger, outcomes = self._pushed(index, location_id, counters)
        if any(o.applied for o in outcomes):
            problem = implausible(ledger.by_loc[location_id].values())
            if problem is not None:
                bad, message = problem
                raise Implausible(
                    message, pushed_field([(location_id, counters)], location_id, bad)
                )
        self._rewrite(index, hits, ledger)
        return hits, outcomes

    def update_capacities(self, location_id: str, counters: Sequence[Capacity]) -> UpdateResult:
        """Apply pushed counters of one Location to every offer using it: per counter key a
        newer ``updated_at`` wins, an older or equal one is ignored and reported."""
        pushed = [replace(c, location_id=location_id) for c in counters]
        hits, outcomes = self._push_to(self.alias, location_id, pushed)
        if not hits:
            raise NotFound(f"Location inconnue : {location_id}", "location_id")
        for index in self.indices_of(self.building):  # a full load is running: it gets it too
            self._push_to(index, location_id, pushed)
        applied = sum(o.applied for o in outcomes)
        ids = tuple(sorted(hit["_id"] for hit in hits))
        return UpdateResult(location_id, applied, len(outcomes) - applied, ids, tuple(outcomes))

    # --- writing -----------------------------------------------------------------------------

    def _bulk(
        self, actions: Iterable[dict[str, Any]], rejected: list[tuple[str, str]]
    ) -> Iterator[str]:
        """Stream actions; yields the ids written, files refusals in ``rejected``."""
        try:
            for ok, item in helpers.streaming_bulk(
                self.client,
                actions,
                chunk_size=BULK_CHUNK,
                max_retries=BULK_RETRIES,
                initial_backoff=2,
                raise_on_error=False,
                raise_on_exception=True,
                yield_ok=True,
            ):
                (outcome,) = item.values()
                if ok:
                    yield str(outcome["_id"])
                else:
                    rejected.append((str(outcome.get("_id", "?")), _reason(outcome)))
        except EsTransportError as exc:
            raise EngineUnavailable(f"Elasticsearch injoignable : {exc}") from exc

    def load(
        self,
        offers: Iterable[Offer],
        *,
        replace_all: bool,
        progress: Progress | None = None,
    ) -> LoadStats:
        """Bulk load. ``replace_all``: a new index, filled, then swapped in atomically."""
        if not replace_all:
            return self._upsert_all(offers, progress)
        started = time.perf_counter()
        now = self.clock()
        new = versioned_name(self.alias, now)
        self._create_index(new)
        try:
            self.call(
                self.client.indices.put_settings, index=new, settings={"refresh_interval": "-1"}
            )
            self.call(
                self.client.indices.update_aliases,
                actions=[{"add": {"index": new, "alias": self.building}}],
            )
            loaded, rejected = self._fill(new, offers, now, progress)
            self.call(
                self.client.indices.put_settings, index=new, settings={"refresh_interval": "1s"}
            )
            self.call(self.client.indices.refresh, index=new)
            old = [name for name in self.indices_of(self.alias) if name != new]
            self._swap(new, old)
        except BaseException:
            with suppress(Exception):  # the cluster may be the reason we are here
                self.client.indices.delete(index=new, ignore_unavailable=True)
            raise
        if old:
            time.sleep(self.drop_grace_seconds)
        for name in old:
            self.call(self.client.indices.delete, index=name, ignore_unavailable=True)
        return LoadStats(loaded, time.perf_counter() - started, True, tuple(rejected))

    def _fill(
        self, index: str, offers: Iterable[Offer], now: datetime, progress: Progress | None
    ) -> tuple[int, list[tuple[str, str]]]:
        ledger = CounterLedger()
        tracked: dict[str, _Tracked] = {}
        rejected: list[tuple[str, str]] = []

        def actions() -> Iterator[dict[str, Any]]:
            for offer in offers:
                try:
                    check_place(offer)  # before its counters join the shared Locations
                    locs = tuple(location_keys(offer))
                    ledger.add_offer(offer)
                    merged = replace(offer, capacities=ledger.capacities_for(locs))
                    doc = to_document(merged, now)
                except (RorError, TypeError, ValueError, AttributeError) as exc:
                    rejected.append(
                        (str(getattr(offer, "id", "?")), f"{type(exc).__name__}: {exc}")
                    )
                    continue
                tracked[offer.id] = _Tracked(offer.id, locs, ledger.snapshot(locs))
                yield {"_op_type": "index", "_index": index, "_id": offer.id, "_source": doc}

        written = 0
        for _ in self._bulk(actions(), rejected):
            written += 1
            if progress is not None and written % 10_000 == 0:
                progress(written)
        refused = {offer_id for offer_id, _ in rejected}
        self.call(self.client.indices.refresh, index=index)
        self._merge_live_counters(ledger)
        stale = [
            t.id
            for t in tracked.values()
            if t.id not in refused and ledger.snapshot(t.locs) != t.seen
        ]
        for start in range(0, len(stale), LOCATION_PAGE):
            chunk = stale[start : start + LOCATION_PAGE]
            self._rewrite(index, self._docs_by_ids(index, chunk), ledger)
        if progress is not None:
            progress(written)
        return len({t for t in tracked if t not in refused}), rejected

    def _merge_live_counters(self, ledger: CounterLedger) -> None:
        """Counters of the live index newer than the loaded ones (pushed meanwhile) are kept,
        for the Locations the new data still has (``embedded_load.swap_in``)."""
        if not self.indices_of(self.alias):
            return
        query = {"nested": {"path": f.CAPACITIES, "query": {"match_all": {}}}}
        for hit in helpers.scan(
            self.client,
            index=self.alias,
            query={"query": query},
            _source=[f.ID, f.CAPACITIES],
            size=1000,
        ):
            for loc, counter in counters_by_location(hit["_source"]):
                if loc in ledger:
                    ledger.store(loc, counter)

    def _swap(self, new: str, old: Sequence[str]) -> None:
        self.call(
            self.client.indices.update_aliases,
            **swap_actions(self.alias, new, old, self.building),
        )

    def _upsert_all(self, offers: Iterable[Offer], progress: Progress | None) -> LoadStats:
        started = time.perf_counter()
        done = 0
        rejected: list[tuple[str, str]] = []
        for batch in _batches(offers, UPSERT_BATCH):
            done += self._upsert(batch, rejected)
            if progress is not None:
                progress(done)
        return LoadStats(done, time.perf_counter() - started, False, tuple(rejected))

    def upsert(self, offers: Iterable[Offer]) -> int:
        """Insert or replace offers (by id). Counters merge per Location, newest wins, and
        every other offer using a touched Location sees the result."""
        rejected: list[tuple[str, str]] = []
        n = 0
        for batch in _batches(offers, UPSERT_BATCH):
            n += self._upsert(batch, rejected)
        if rejected:
            offer_id, reason = rejected[0]
            raise InvalidInput(f"offre {offer_id} refusée : {reason}", "offers")
        return n

    def _upsert(self, batch: Sequence[Offer], rejected: list[tuple[str, str]]) -> int:
        locs = {loc for offer in batch for loc in location_keys(offer)}
        existing = list(self._docs_of_locations(self.alias, locs))
        ledger = CounterLedger()
        for hit in existing:  # every Location of theirs: the others are rewritten whole
            ledger.add_document(hit["_source"])
        ledger.know(locs)
        good: list[Offer] = []
        for offer in batch:
            try:
                check_place(offer)
            except InvalidInput as exc:
                rejected.append((offer.id, f"{type(exc).__name__}: {exc}"))
                continue
            ledger.add_offer(offer)
            good.append(offer)
        now = self.clock()
        ids = {offer.id for offer in batch}

        def actions() -> Iterator[dict[str, Any]]:
            for offer in good:
                try:
                    merged = replace(offer, capacities=ledger.capacities_for(location_keys(offer)))
                    doc = to_document(merged, now)
                except (RorError, TypeError, ValueError, AttributeError) as exc:
                    rejected.append((offer.id, f"{type(exc).__name__}: {exc}"))
                    continue
                yield {"_op_type": "index", "_index": self.alias, "_id": offer.id, "_source": doc}

        written = sum(1 for _ in self._bulk(actions(), rejected))
        others = [hit for hit in existing if hit["_id"] not in ids]
        self._rewrite(self.alias, others, ledger)
        if self.refresh:
            self.call(self.client.indices.refresh, index=self.alias)
        return written

    def delete(self, ids: Iterable[str]) -> int:
        actions = (
            {"_op_type": "delete", "_index": self.alias, "_id": offer_id} for offer_id in ids
        )
        ignored: list[tuple[str, str]] = []
        n = sum(1 for _ in self._bulk(actions, ignored))
        if self.refresh:
            self.call(self.client.indices.refresh, index=self.alias)
        return n


def _batches(items: Iterable[Offer], size: int) -> Iterator[list[Offer]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
