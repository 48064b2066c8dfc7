"""The Elasticsearch engine (DESIGN §4 "scale-out"): the :class:`Engine` interface over a cluster.

Reads live here, writes in ``es_store.py`` (index behind an alias, bulk, capacity pushes).

- **Snapshot.** One search reads one point in time (``open_point_in_time``), the equivalent of
  the embedded engine's read transaction: a capacity push or a reindex during a search does not
  mix two states into one answer.
- **Candidates** mirror the embedded planner (``candidates.py``): code filters, prefilter
  criteria and co-located requirements of which at most one may fail, rings of growing
  ``geo_distance`` sorted by distance, zone matches apart. Each criterion clause is named: a
  hit's failures are the names missing from its ``matched_queries`` (``prefilter.fails`` and
  one per co-located requirement not met), its distance is measured as the embedded engine
  does from its point, and its narrow ``_source`` (``GROUP_SOURCE``) tells its groups
  (``GroupKeys``), so the pipeline ranks the same units alike and reads, by ``_mget``, only
  the documents of the units it checks. A stream whose every unit is checked in Python (a
  criterion no clause decides exactly: ``open_at``, a selected price…) asks whole documents
  with its hits and recounts them with ``prefilter.fails``, as the FHIR facade's non-exact
  strict queries do.
- **Strict queries** (the FHIR facade's) are decided in the cluster: every prefilter criterion
  in ``bool.filter``, hits carrying the id, point and last update only; the documents of the
  units read (a page) come afterwards by ``_mget``, and ``count_candidates`` is a ``_count``.
- **Facets** are filter aggregations, one per field, over the population its own selection
  does not narrow.
- **Replay** records live in their own index (``<alias>-searches``); those older than the
  retention (``ROR_REPLAY_DAYS``) are deleted by a ``delete_by_query`` on ``created_at`` at a
  process's first record and every ``REPLAY_PRUNE_EVERY`` records it saves.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from elasticsearch import BadRequestError, Elasticsearch, NotFoundError

import ror
from ror.availability.history import DEFAULT_PAGE, HistoryPage, page_size
from ror.availability.keys import establishment_keys
from ror.availability.overview import Overview, OverviewQuery
from ror.criteria import Criteria
from ror.errors import InvalidInput, NotFound
from ror.geo.distance import dot_to_km, unit_point
from ror.mappings import fields as f
from ror.mappings.template import searches_body
from ror.model import Capacity, Offer
from ror.search.elasticsearch.availability import EsAvailability, area_offers_body
from ror.search.elasticsearch.candidates import (
    GROUP_SOURCE,
    LIGHT_SOURCE,
    LOCATIONS_AGG,
    count_body,
    counted_exactly,
    decided_in_cluster,
    facets_body,
    failures,
    id_order_body,
    locations_body,
    named_criteria,
    narrow_hits,
    rings,
    sensitive_body,
    stream_body,
    zone_body,
)
from ror.search.elasticsearch.documents import from_document
from ror.search.elasticsearch.filters import establishments_query
from ror.search.elasticsearch.lookups import EsLookups, mapping_ready
from ror.search.elasticsearch.referral import NativeRanking, native_ranking
from ror.search.elasticsearch.refs import GroupFacts, RefTable
from ror.search.elasticsearch.store import EngineUnavailable, OfferStore
from ror.search.engine import (
    AREA_OFFERS_MAX,
    ESTABLISHMENT_OFFERS_MAX,
    REPLAY_KEEP_DAYS,
    REPLAY_PRUNE_EVERY,
    Candidate,
    CandidateQuery,
    Candidates,
    FacetCounts,
    LoadStats,
    LocationCounters,
    LocationInfo,
    Lookup,
    LookupRow,
    OrderKeys,
    Progress,
    SearchRecord,
    UpdateResult,
)
from ror.search.grouping import key_of
from ror.search.prefilter import OfferColumns, fails

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MAPPING_VERSION: Final = 1  # bump when offers.json changes in a way old indices lack
FACET_MAX_UNITS: Final = 20_000  # as the embedded engine: a larger facet is left out
CACHE_SIZE: Final = 100_000  # whole documents kept read (refs outlive them)
KEEP_ALIVE: Final = "2m"  # a point in time outlives the slowest search
READ_BATCH: Final = 500  # documents read by one _mget
LOCATION_COUNT_PAGE: Final = 10_000  # Location keys per request when counting them

__all__ = ["ElasticsearchEngine", "EngineUnavailable", "open_es_engine"]


class ElasticsearchEngine:
    """Offers in an Elasticsearch index behind an alias. Thread-safe (the client is)."""

    name = "elasticsearch"

    def __init__(
        self,
        client: Elasticsearch,
        alias: str = "ror-offers",
        *,
        refresh: bool | str = False,
        synonyms: Sequence[str] | None = None,
        replay_days: int = REPLAY_KEEP_DAYS,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        """``refresh`` is given to writes ("wait_for": return once searchable; tests use True);
        ``synonyms``: extra analyser rules for new indices (default: the nomenclature's lay
        terms); ``replay_days``: how long replay records are kept; ``cache_size``: how many
        whole documents are kept read (a ref stays valid whatever it is: its offer's id and
        last update are kept with it, and a document no longer cached is read again)."""
        self.store = OfferStore(client, alias, refresh=refresh, synonyms=synonyms)
        self.client = client
        self.alias = alias
        self.searches = f"{alias}-searches"
        self.replay_keep = timedelta(days=replay_days)
        self._saved = itertools.count()
        self.refs = RefTable(cache_size)
        self._local = threading.local()
        info = self.store.call(client.info).body
        server = info.get("version", {}).get("number", "?")
        self.version = f"elasticsearch-{server}/mapping-{MAPPING_VERSION}/ror-{ror.__version__}"
        self.store.ensure_alias()
        self.availability = EsAvailability(self)
        self.lookups = EsLookups(self._search, self._light_ref, lambda ref: self._known(ref)[0])
        self._lookup_ready = False

    def close(self) -> None:
        self.client.close()

    def count(self) -> int:
        return int(self.store.call(self.client.count, index=self.alias)["count"])

    def warm_up(self) -> None:
        """Nothing to read ahead: this process keeps no index of its own (the cluster does)."""

    # --- writes (es_store.py) ----------------------------------------------------------------

    def load(
        self, offers: Iterable[Offer], *, replace_all: bool, progress: Progress | None = None
    ) -> LoadStats:
        if replace_all:
            try:
                return self.store.load(offers, replace_all=True, progress=progress)
            finally:
                self.refs.clear_documents()
        met: dict[str, datetime | None] = {}
        try:
            return self.store.load(self._noted(offers, met), replace_all=False, progress=progress)
        finally:
            self.refs.changed(met, met)

    def upsert(self, offers: Iterable[Offer]) -> int:
        met: dict[str, datetime | None] = {}
        try:
            return self.store.upsert(self._noted(offers, met))
        finally:
            self.refs.changed(met, met)

    def _noted(self, offers: Iterable[Offer], met: dict[str, datetime | None]) -> Iterator[Offer]:
        """``offers`` passed on, the last update of those the refs hold noted in ``met``."""
        for offer in offers:
            if self.refs.met(offer.id):
                met[offer.id] = offer.last_updated
            yield offer

    def delete(self, ids: Iterable[str]) -> int:
        listed = list(ids)
        try:
            return self.store.delete(listed)
        finally:
            self.refs.changed(listed)

    def update_capacities(self, location_id: str, counters: Sequence[Capacity]) -> UpdateResult:
        return self.update_capacities_many([(location_id, counters)])[0]

    # --- availability: availability.py -------------------------------------------------------

    def update_capacities_many(self, updates: Sequence[LocationCounters]) -> list[UpdateResult]:
        results = self.availability.push(updates)
        self.refs.changed(offer_id for result in results for offer_id in result.offers)
        return results

    def locations_info(self, location_ids: Sequence[str]) -> dict[str, LocationInfo]:
        return self.availability.locations_info(location_ids)

    def find_locations(self, establishment: str, code: str) -> list[str]:
        return self.availability.find_locations(establishment, code)

    def availability_overview(self, query: OverviewQuery, now: datetime) -> Overview:
        return self.availability.overview(query.checked(), now)

    def area_offers(self, query: OverviewQuery, area: str) -> list[Offer]:
        out: list[Offer] = []
        with self.snapshot():
            for hit in self._pages(area_offers_body(query.checked(), area)):
                out.append(from_document(hit["_source"]))
                if len(out) > AREA_OFFERS_MAX:
                    break
        return out

    def capacity_history(
        self,
        location_id: str,
        *,
        since: datetime | None = None,
        after: int | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> HistoryPage:
        return self.availability.history(location_id, since, after, page_size(limit))

    # --- one consistent view per search ------------------------------------------------------

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees one point in time of the index."""
        if getattr(self._local, "pit", None) is not None:  # nested: the outer one holds
            yield
            return
        opened = self.store.call(
            self.client.open_point_in_time, index=self.alias, keep_alive=KEEP_ALIVE
        )
        self._local.pit = opened["id"]
        try:
            yield
        finally:
            pit, self._local.pit = self._local.pit, None
            with suppress(Exception):  # it expires by itself after KEEP_ALIVE
                self.client.close_point_in_time(id=pit)

    def _search(self, body: Mapping[str, Any]) -> Any:
        pit = getattr(self._local, "pit", None)
        if pit is None:
            return self.store.call(self.client.search, index=self.alias, **body)
        found = self.store.call(
            self.client.search, pit={"id": pit, "keep_alive": KEEP_ALIVE}, **body
        )
        self._local.pit = found.body.get("pit_id", pit)
        return found

    def _pages(self, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        after: list[Any] | None = None
        while True:
            page = dict(body) if after is None else {**body, "search_after": after}
            hits = self._search(page)["hits"]["hits"]
            yield from hits
            if len(hits) < body["size"]:
                return
            after = hits[-1]["sort"]

    # --- reading -----------------------------------------------------------------------------

    def get(self, offer_id: str) -> Offer | None:
        try:
            found = self.store.call(self.client.get, index=self.alias, id=offer_id)
        except NotFoundError:
            return None
        return from_document(found["_source"])

    def establishment_offers(self, establishment: str) -> list[Offer]:
        keys = sorted(establishment_keys(establishment))
        found = self.store.call(
            self.client.search,
            index=self.alias,
            size=ESTABLISHMENT_OFFERS_MAX,
            query={
                "bool": {
                    "should": [{"terms": {f.EST_FINESS: keys}}, {"terms": {f.EST_ID: keys}}],
                    "minimum_should_match": 1,
                }
            },
            sort=[{f.ID: "asc"}],
        )
        return [from_document(hit["_source"]) for hit in found["hits"]["hits"]]

    def establishments_with(
        self, field: str, codes: Sequence[str], sensitive_champs: tuple[str, ...] | None
    ) -> frozenset[str]:
        found: set[str] = set()
        after: dict[str, Any] | None = None
        while True:  # a composite aggregation, page by page
            body = establishments_query(field, codes, sensitive_champs, after)
            answer = self.store.call(self.client.search, index=self.alias, **body)
            agg = answer["aggregations"]["egs"]
            found.update(str(b["key"]["eg"]) for b in agg["buckets"])
            after = agg.get("after_key")
            if not agg["buckets"] or after is None:
                return frozenset(found)

    def _remember(self, offer: Offer | OrderKeys, *, keep: bool = False) -> int:
        """The ref of an offer (``refs.RefTable``); a whole offer is kept read, light keys
        drop a cached document (the page reads it live)."""
        if isinstance(offer, Offer):
            return self.refs.remember((offer.id, offer.last_updated), offer, keep=keep)
        return self.refs.remember(offer, keep=keep)

    def _light_ref(self, hit: Mapping[str, Any]) -> int:
        updated = hit["_source"].get(f.LAST_UPDATED)
        return self._remember((hit["_id"], datetime.fromisoformat(updated) if updated else None))

    # --- listings in key order (``Listings``) -----------------------------------------------

    def offer_refs(self, offer_ids: Sequence[str]) -> dict[str, int]:
        found = self.store.call(
            self.client.mget, index=self.alias, ids=list(offer_ids), source_includes=LIGHT_SOURCE
        )
        return {doc["_id"]: self._light_ref(doc) for doc in found["docs"] if doc.get("found")}

    def offers_in_id_order(self, after: str, limit: int) -> list[tuple[int, str]]:
        body = id_order_body(after, limit)
        return [(self._light_ref(hit), hit["_id"]) for hit in self._search(body)["hits"]["hits"]]

    def locations_in_id_order(self, after: str, limit: int) -> list[tuple[str, tuple[int, ...]]]:
        agg = self._search(locations_body(after, limit))["aggregations"][LOCATIONS_AGG]
        return [
            (
                str(b["key"]["loc"]),
                tuple(
                    self._remember((str(o["key"]), None), keep=True)
                    for o in sorted(b["offers"]["buckets"], key=lambda o: str(o["key"]))
                ),
            )
            for b in agg["buckets"]
        ]

    def location_count(self) -> int:
        """Exact: the Locations walked by a composite aggregation (a scan of the keys)."""
        count, after = 0, ""
        while True:
            body = locations_body(after, LOCATION_COUNT_PAGE, offers=False)
            agg = self._search(body)["aggregations"][LOCATIONS_AGG]
            count += len(agg["buckets"])
            if len(agg["buckets"]) < LOCATION_COUNT_PAGE:
                return count
            after = str(agg["buckets"][-1]["key"]["loc"])

    def sensitive_units(self) -> dict[int, tuple[str, ...]]:
        return {
            self._light_ref(hit): tuple(hit["_source"].get(f.CHAMP) or ())
            for hit in self._pages(sensitive_body())
        }

    # --- look-up keys (``Lookups``, lookups.py) ----------------------------------------------

    def lookup_ready(self) -> bool:
        """The index maps the keys (its mapping's ``_meta``; an index made before it had them
        is not ready until a full load makes a new one)."""
        if not self._lookup_ready:
            found = self.store.call(self.client.indices.get_mapping, index=self.alias)
            self._lookup_ready = mapping_ready(found.body)
        return self._lookup_ready

    def lookup_contains(self) -> bool:
        return True

    def lookup_counters(self) -> bool:
        """Not kept here: a counter condition is tested on the offers (as before the key)."""
        return False

    def lookup_names_order(self) -> bool:
        """Not kept here: ``_sort=name`` is ordered on the offers (as before the key)."""
        return False

    def lookup_among(self) -> bool:
        """Not here: the offers several look-ups find together are tested one by one."""
        return False

    def lookup_prices(self) -> bool:
        """Not kept here: a price amount and a price order are tested on the offers."""
        return False

    def lookup_equipment(self) -> bool:
        """Not kept here: the equipment parameters are tested on the offers."""
        return False

    def lookup_page(
        self,
        lookup: Lookup | None,
        order: str,
        after: tuple[int | None, str] | None,
        limit: int,
        among: Sequence[int] | NDArray[np.int64] = (),
    ) -> list[LookupRow]:
        if len(among):
            raise ValueError("no page of a set of refs here (lookup_among)")
        return self.lookups.page(lookup, order, after, limit)

    def lookup_refs(self, lookup: Lookup, limit: int, among: Sequence[int] = ()) -> set[int] | None:
        return self.lookups.refs(lookup, limit, among)

    def lookup_count(self, lookup: Lookup | None) -> int:
        return self.lookups.count(lookup)

    def _known(self, ref: int) -> OrderKeys:
        found = self.refs.known(ref)
        if found is None:
            raise NotFound(f"offre inconnue (ref {ref})")
        return found

    def offers(self, refs: Sequence[int]) -> list[Offer]:
        """The offers behind ``refs``: those of hits decided in the cluster are read now, by
        ``_mget`` (real time: the live counters of a page)."""
        offers: dict[int, Offer] = {}
        unread: dict[int, str] = {}
        for ref in refs:
            offer_id = self._known(ref)[0]
            cached = self.refs.document(ref)
            if cached is None:
                unread[ref] = offer_id
            else:
                offers[ref] = cached
        for batch in _batches(sorted(unread), READ_BATCH):
            ids = [unread[ref] for ref in batch]
            found = self.store.call(self.client.mget, index=self.alias, ids=ids)
            read = {doc["_id"]: doc["_source"] for doc in found["docs"] if doc.get("found")}
            for ref in batch:
                if unread[ref] not in read:
                    raise NotFound(f"offre {unread[ref]} supprimée pendant la recherche")
                offers[ref] = from_document(read[unread[ref]])
            self.refs.cache({ref: offers[ref] for ref in batch})
        return [offers[ref] for ref in refs]

    def order_keys(self, refs: Sequence[int]) -> list[OrderKeys]:
        return [self._known(ref) for ref in refs]

    def group_keys(self, refs: Sequence[int], by: str) -> list[str]:
        """``grouping.group_key`` of the offers behind ``refs`` (``GroupKeys``) without reading
        them: from the group facts their hits carried (``GROUP_SOURCE``) or their documents
        read, else from an ``_mget`` of those fields alone."""
        if by not in ("establishment", "location"):
            return [f"O:{self._known(ref)[0]}" for ref in refs]
        facts: dict[int, GroupFacts] = {}
        unread: dict[int, str] = {}
        for ref in refs:
            found = self.refs.facts(ref)
            if found is None:
                unread[ref] = self._known(ref)[0]
            else:
                facts[ref] = found
        for batch in _batches(sorted(unread), READ_BATCH):
            ids = [unread[ref] for ref in batch]
            answer = self.store.call(
                self.client.mget, index=self.alias, ids=ids, source_includes=GROUP_SOURCE
            )
            read = {d["_id"]: group_facts(d["_source"]) for d in answer["docs"] if d.get("found")}
            for ref in batch:
                if unread[ref] not in read:
                    raise NotFound(f"offre {unread[ref]} supprimée pendant la recherche")
                facts[ref] = read[unread[ref]]
            self.refs.keep_facts({ref: facts[ref] for ref in batch})
        return [key_of(by, self._known(ref)[0], *facts[ref]) for ref in refs]

    def count_candidates(self, query: CandidateQuery) -> int | None:
        """A ``_count`` of the strict query (see ``Counts``)."""
        if not decided_in_cluster(query) or query.zone_keys:
            return None
        if any(not values for _, values in query.codes):
            return 0
        found = self.store.call(self.client.count, index=self.alias, **count_body(query))
        return int(found["count"])

    def _candidate(
        self, hit: Mapping[str, Any], query: CandidateQuery, zone_term: bool, names: list[str]
    ) -> Candidate | None:
        if decided_in_cluster(query):
            return self._decided(hit, query)
        if narrow_hits(query):
            return self._named(hit, query, names)
        offer = from_document(hit["_source"])
        n = fails(OfferColumns.of(offer), query.prefilter)
        n += sum(offer.establishment.id not in egs for egs in query.colocated_egs)
        if zone_term and offer.home_based:
            n += 1
        if n > 1:
            return None
        distance = None
        if query.point is not None:
            distance = distance_km(query.point, offer.place.lat, offer.place.lon)
        return Candidate(self._remember(offer), distance, n)

    def _named(
        self, hit: Mapping[str, Any], query: CandidateQuery, names: list[str]
    ) -> Candidate | None:
        """A hit of a referral stream: its failures are the named criteria (``names``) it
        does not meet (``matched_queries``); its narrow ``_source`` orders it and tells its
        groups."""
        n = failures(hit, names)
        if n > 1:
            return None
        source = hit["_source"]
        updated = source.get(f.LAST_UPDATED)
        keys: OrderKeys = (hit["_id"], datetime.fromisoformat(updated) if updated else None)
        distance = None
        if query.point is not None:
            point = source[f.LOCATION]
            distance = distance_km(query.point, point["lat"], point["lon"])
        ref = self.refs.remember(keys, facts=group_facts(source))
        return Candidate(ref, distance, n, counted_exactly(query))

    def _decided(self, hit: Mapping[str, Any], query: CandidateQuery) -> Candidate:
        """A hit of a query decided in the cluster: it fails nothing; its id, point and last
        update are all it carries."""
        source = hit["_source"]
        updated = source.get(f.LAST_UPDATED)
        keys: OrderKeys = (hit["_id"], datetime.fromisoformat(updated) if updated else None)
        distance = None
        if query.point is not None:
            point = source[f.LOCATION]
            distance = distance_km(query.point, point["lat"], point["lon"])
        return Candidate(self._remember(keys), distance, 0)

    def candidates(self, query: CandidateQuery) -> Candidates:
        if any(not values for _, values in query.codes):
            return Candidates([], iter(()), "empty")
        by_zone: list[Candidate] = []
        seen: set[str] = set()
        if query.zone_keys:
            names = [name for name, _ in named_criteria(query, zone_term=False)]
            for hit in self._pages(zone_body(query)):
                candidate = self._candidate(hit, query, False, names)
                if candidate is not None:
                    by_zone.append(candidate)
                    seen.add(hit["_id"])
            by_zone.sort(key=lambda c: (c.distance_km or 0.0, c.ref))
        strategy = "rings" if query.point is not None else "scan"
        return Candidates(
            by_zone,
            self._stream(query, seen),
            strategy,
            counts_without_reading=decided_in_cluster(query) or narrow_hits(query),
            decides_colocated=not query.strict,
        )

    def _stream(self, query: CandidateQuery, seen: set[str]) -> Iterator[Candidate]:
        zone_term = bool(query.zone_keys)
        names = [name for name, _ in named_criteria(query, zone_term=zone_term)]
        if query.point is None:
            bodies: Iterable[dict[str, Any]] = [stream_body(query, None)]
        else:
            bodies = (stream_body(query, ring) for ring in rings(query.max_radius_km))
        for body in bodies:
            for hit in self._pages(body):
                if hit["_id"] in seen:
                    continue
                seen.add(hit["_id"])
                candidate = self._candidate(hit, query, zone_term, names)
                if candidate is not None:
                    yield candidate

    def facets(
        self, query: CandidateQuery, radius_km: float | None, fields: Sequence[str]
    ) -> FacetCounts:
        """Counts per code of each facet field, each ignoring its own selection (the
        population and limit of ``EmbeddedEngine.facets``)."""
        counts: dict[str, dict[str, int]] = {}
        incomplete: list[str] = []
        if fields:
            aggs = self._search(facets_body(query, radius_km, fields))["aggregations"]
            for name in fields:
                agg = aggs[name]
                if agg["doc_count"] > FACET_MAX_UNITS:
                    incomplete.append(name)
                    continue
                counts[name] = {b["key"]: b["doc_count"] for b in agg["codes"]["buckets"]}
        return FacetCounts(
            counts,
            "units within the radius used (or matched by zone) having a code of every other "
            "requested field and failing no prefilter criterion",
            tuple(incomplete),
        )

    # --- the referral in one request (es_referral.py) ---------------------------------------

    def rank_natively(self, criteria: Criteria, *, now: datetime | None = None) -> NativeRanking:
        """The best units for ``criteria`` ranked by Elasticsearch itself (``function_score``),
        confirmed and explained in Python: the same answer as ``pipeline.search``'s matches."""
        from ror.search import pipeline  # the dormant native path resolves as the pipeline does

        now = now or criteria.now or datetime.now(UTC)
        criteria = pipeline.colocate(pipeline.resolve(criteria), self)
        zone_keys = pipeline.patient_zones(criteria)
        lat, lon = criteria.lat, criteria.lon

        def measure(offer: Offer) -> float | None:
            if lat is None or lon is None:
                return None
            return distance_km((lat, lon), offer.place.lat, offer.place.lon)

        with self.snapshot():
            return native_ranking(
                self._pages,
                criteria,
                now=now,
                zone_keys=zone_keys,
                distance_of=measure,
                read=from_document,
            )

    # --- replay ------------------------------------------------------------------------------

    def save_search(self, record: SearchRecord) -> None:
        if not self.store.call(self.client.indices.exists, index=self.searches):
            body = searches_body()
            try:
                self.store.call(
                    self.client.indices.create,
                    index=self.searches,
                    settings=body["settings"],
                    mappings=body["mappings"],
                )
            except BadRequestError as exc:  # created by another process meanwhile
                if "resource_already_exists" not in str(exc):
                    raise
        self.store.call(
            self.client.index,
            index=self.searches,
            id=record.id,
            document=record.to_dict(),
            refresh=self.store.refresh,
        )
        if next(self._saved) % REPLAY_PRUNE_EVERY == 0:
            self.prune_searches()

    def prune_searches(self, now: datetime | None = None) -> int:
        """Delete the replay records older than the retention; how many were deleted."""
        cutoff = (now or datetime.now(UTC)) - self.replay_keep
        try:
            answer = self.store.call(
                self.client.delete_by_query,
                index=self.searches,
                query={"range": {"created_at": {"lt": cutoff.astimezone(UTC).isoformat()}}},
                conflicts="proceed",
                refresh=bool(self.store.refresh),
            )
        except NotFoundError:  # no search recorded yet
            return 0
        return int(answer.get("deleted", 0))

    def get_search(self, search_id: str) -> SearchRecord | None:
        try:
            found = self.store.call(self.client.get, index=self.searches, id=search_id)
        except NotFoundError:
            return None
        return SearchRecord.from_dict(found["_source"])


def _batches(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def group_facts(source: Mapping[str, Any]) -> GroupFacts:
    """The group facts of a document's ``GROUP_SOURCE`` fields."""
    parent, leaf = f.EST_ID.split(".")
    establishment = source.get(parent) or {}
    return str(establishment.get(leaf) or ""), tuple(source.get(f.LOCATION_KEYS) or ())


def distance_km(point: tuple[float, float], lat: float, lon: float) -> float:
    """As the embedded engine measures (``R·acos`` of unit vectors), for identical scores."""
    qx, qy, qz = unit_point(*point)
    x, y, z = unit_point(lat, lon)
    return dot_to_km(x * qx + y * qy + z * qz)


def open_es_engine(
    url: str,
    index: str = "ror-offers",
    *,
    refresh: bool | str = False,
    ca_certs: str | None = None,
    request_timeout: float = 30.0,
    replay_days: int = REPLAY_KEEP_DAYS,
) -> ElasticsearchEngine:
    """The engine at ``url`` (``http://host:9200``; credentials may ride in the URL,
    ``https://user:password@host:9200``, with ``ca_certs`` for a private CA). Raises
    ``InvalidInput`` (field ``es_url``) for a malformed URL and ``EngineUnavailable`` (503)
    when the cluster does not answer."""
    if "://" not in url:
        raise InvalidInput(f"URL Elasticsearch sans schéma : {url!r} (http://hôte:9200)", "es_url")
    try:
        if ca_certs is None:
            client = Elasticsearch(url, request_timeout=request_timeout)
        else:
            client = Elasticsearch(url, ca_certs=ca_certs, request_timeout=request_timeout)
    except ValueError as exc:
        raise InvalidInput(f"URL Elasticsearch invalide : {exc}", "es_url") from exc
    return ElasticsearchEngine(client, index, refresh=refresh, replay_days=replay_days)
