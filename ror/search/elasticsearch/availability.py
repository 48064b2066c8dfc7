"""Availability on Elasticsearch: the overview as a composite-aggregation scan, the history
index, Location owners and identifiers. Request bodies are built and answers read by pure
functions (unit-tested as JSON); :class:`EsAvailability` only sends them.

**Overview.** Every offer document carries the counters of its Locations (``es_ledger``), so a
Location shared by ``k`` matching offers appears ``k`` times. The scan walks the Locations with
a ``composite`` aggregation over ``capacities.location_id`` (inside ``nested``, keeping only
the counted counters: nature asked, temporality 01, statuses 01–06) and reads per Location:

- ``reverse_nested`` → ``k``, the matching offers holding its counters, and the région and
  département of their place (the smallest code when they disagree: the embedded engine takes
  its first offer's, identical in practice);
- per status the sum of the counts (negative ones read as zero), which is ``k`` times the
  Location's own sum since every copy is the same (the ledger keeps them in step), so it is
  divided by ``k``; and the newest ``updated_at`` for freshness.

Counters attached to no Location (``location_id`` empty, keyed ``#<offer id>``) belong to one
offer each: a second scan walks those offers by ``id``. The answer is then grouped per area in
Python (``overview.assemble``). Exact, but a scan: about one request per 1,000 Locations.

**History.** Accepted counters are appended to ``<alias>-capacity-history`` after each push
(``seq`` = acceptance time in microseconds × 1,000 + position in the push; the document id
makes a replayed append idempotent). Elasticsearch has no transaction: a push applied to the
offers whose history append then fails is still applied (the append is retried by nothing;
the failure is raised to the caller).

**Plausibility.** As on the embedded engine, a push leaving a Location with more available
beds than installed plus supplementary ones (``indicators.implausible``) is refused before
anything is written; a push for several Locations is checked whole first. Without a
transaction, a writer racing between the check and the write is not seen.

**Identifiers.** ``find_locations`` knows Location ids only (the kept FHIR source with the
providers' synchro ids is stored, not indexed).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

from ror.availability.history import HistoryEntry, HistoryPage
from ror.availability.indicators import pushed_field
from ror.availability.keys import establishment_keys
from ror.availability.overview import (
    METRICS,
    STATUS_METRIC,
    Figures,
    Overview,
    OverviewQuery,
    assemble,
    freshness_bucket,
)
from ror.mappings import fields as f
from ror.model import Capacity
from ror.nomenclature.named_codes import CURRENT
from ror.search.elasticsearch.filters import code_clauses
from ror.search.engine import LocationInfo, UpdateResult

PAGE: Final = 1000
COUNT_AT_LEAST_ZERO: Final = f"Math.max(doc['{f.CAP_COUNT}'].value, 0)"
HISTORY_MAPPING: Final = {
    "dynamic": "strict",
    "properties": {
        "loc": {"type": "keyword"},
        "seq": {"type": "long"},
        "nature": {"type": "keyword"},
        "status": {"type": "keyword"},
        "temporality": {"type": "keyword"},
        "gender": {"type": "keyword"},
        "closing_type": {"type": "keyword"},
        "extra_bed_type": {"type": "keyword"},
        "crisis": {"type": "keyword"},
        "assignment": {"type": "keyword"},
        "count": {"type": "integer"},
        "source": {"type": "keyword"},
        "updated_at": {"type": "date"},
        "received_at": {"type": "date"},
    },
}


@dataclass(frozen=True, slots=True)
class LocationFigures:
    """What the scan reads for one Location (already divided by its ``k`` copies)."""

    key: str
    region: str
    departement: str
    sums: dict[str, int]  # metric name -> count
    latest: datetime


# --- overview: bodies ------------------------------------------------------------------------


def code_filters(query: OverviewQuery) -> list[dict[str, Any]]:
    return code_clauses(query.codes())


def counted_filter(query: OverviewQuery, *, attached: bool) -> dict[str, Any]:
    """The nested counters the overview sums (``attached``: those of a Location)."""
    clauses: list[dict[str, Any]] = [
        {"term": {f.CAP_NATURE: query.bed_nature}},
        {"term": {f.CAP_TEMPORALITY: CURRENT}},
        {"terms": {f.CAP_STATUS: sorted(STATUS_METRIC)}},
    ]
    empty = {"term": {f.CAP_LOCATION_ID: ""}}
    if attached:
        return {"bool": {"filter": clauses, "must_not": [empty]}}
    return {"bool": {"filter": [*clauses, empty]}}


def _figures_aggs() -> dict[str, Any]:
    return {
        "status": {
            "terms": {"field": f.CAP_STATUS, "size": len(STATUS_METRIC)},
            "aggs": {"count": {"sum": {"script": {"source": COUNT_AT_LEAST_ZERO}}}},
        },
        "latest": {"max": {"field": f.CAP_UPDATED_AT}},
    }


def _area_aggs() -> dict[str, Any]:
    return {
        "region": {"terms": {"field": f.PLACE_REGION, "size": 1, "order": {"_key": "asc"}}},
        "departement": {
            "terms": {"field": f.PLACE_DEPARTEMENT, "size": 1, "order": {"_key": "asc"}}
        },
    }


def overview_body(
    query: OverviewQuery, after: Mapping[str, Any] | None = None, size: int = PAGE
) -> dict[str, Any]:
    """One page of the scan over Locations (``after``: the previous page's ``after_key``)."""
    composite: dict[str, Any] = {
        "size": size,
        "sources": [{"loc": {"terms": {"field": f.CAP_LOCATION_ID}}}],
    }
    if after is not None:
        composite["after"] = dict(after)
    filters = code_filters(query)
    return {
        "size": 0,
        "track_total_hits": True,
        "query": {"bool": {"filter": filters}} if filters else {"match_all": {}},
        "aggs": {
            "caps": {
                "nested": {"path": f.CAPACITIES},
                "aggs": {
                    "counted": {
                        "filter": counted_filter(query, attached=True),
                        "aggs": {
                            "locs": {
                                "composite": composite,
                                "aggs": {
                                    "offers": {"reverse_nested": {}, "aggs": _area_aggs()},
                                    **_figures_aggs(),
                                },
                            }
                        },
                    }
                },
            }
        },
    }


def unattached_body(
    query: OverviewQuery, after: Mapping[str, Any] | None = None, size: int = PAGE
) -> dict[str, Any]:
    """One page of the scan over offers holding counters attached to no Location."""
    composite: dict[str, Any] = {"size": size, "sources": [{"offer": {"terms": {"field": f.ID}}}]}
    if after is not None:
        composite["after"] = dict(after)
    nested_counted = {
        "nested": {"path": f.CAPACITIES, "query": counted_filter(query, attached=False)}
    }
    return {
        "size": 0,
        "query": {"bool": {"filter": [*code_filters(query), nested_counted]}},
        "aggs": {
            "offers": {
                "composite": composite,
                "aggs": {
                    **_area_aggs(),
                    "caps": {
                        "nested": {"path": f.CAPACITIES},
                        "aggs": {
                            "counted": {
                                "filter": counted_filter(query, attached=False),
                                "aggs": _figures_aggs(),
                            }
                        },
                    },
                },
            }
        },
    }


def area_offers_body(query: OverviewQuery, area: str, size: int = PAGE) -> dict[str, Any]:
    """The offers placed in one area matching the code filters, in id order (paged with
    ``search_after`` on the id)."""
    place = f.PLACE_REGION if query.group_by == "region" else f.PLACE_DEPARTEMENT
    return {
        "size": size,
        "query": {"bool": {"filter": [{"term": {place: area}}, *code_filters(query)]}},
        "sort": [{f.ID: "asc"}],
        "track_total_hits": False,
    }


# --- overview: answers -----------------------------------------------------------------------


def _first_key(agg: Mapping[str, Any]) -> str:
    buckets = agg.get("buckets") or []
    return str(buckets[0]["key"]) if buckets else ""


def _figures(
    key: str, area: Mapping[str, Any], counters: Mapping[str, Any], copies: int
) -> LocationFigures:
    sums: dict[str, int] = {}
    for bucket in counters["status"]["buckets"]:
        metric = STATUS_METRIC.get(str(bucket["key"]))
        if metric is not None:
            sums[metric] = round(float(bucket["count"]["value"]) / max(copies, 1))
    latest_ms = counters["latest"]["value"]
    latest = datetime.fromtimestamp(float(latest_ms) / 1000.0, UTC)
    return LocationFigures(
        key, _first_key(area["region"]), _first_key(area["departement"]), sums, latest
    )


def read_overview_page(
    answer: Mapping[str, Any],
) -> tuple[list[LocationFigures], dict[str, Any] | None, int]:
    """(Locations of the page, the ``after`` of the next page or None, matching offers)."""
    locs = answer["aggregations"]["caps"]["counted"]["locs"]
    out = [
        _figures(str(b["key"]["loc"]), b["offers"], b, int(b["offers"]["doc_count"]))
        for b in locs["buckets"]
    ]
    after = locs.get("after_key") if locs["buckets"] else None
    total = answer.get("hits", {}).get("total", {})
    return out, after, int(total.get("value", 0)) if isinstance(total, Mapping) else int(total)


def read_unattached_page(
    answer: Mapping[str, Any],
) -> tuple[list[LocationFigures], dict[str, Any] | None]:
    offers = answer["aggregations"]["offers"]
    out = [
        _figures(f"#{b['key']['offer']}", b, b["caps"]["counted"], 1)
        for b in offers["buckets"]
        if b["caps"]["counted"]["doc_count"]
    ]
    return out, offers.get("after_key") if offers["buckets"] else None


def overview_of(
    query: OverviewQuery, now: datetime, locations: Sequence[LocationFigures], offers: int
) -> Overview:
    """Group Locations per area into the answer."""
    per_area: dict[str, Figures] = {}
    for loc in locations:
        code = loc.region if query.group_by == "region" else loc.departement
        figures = per_area.setdefault(code or "?", Figures())
        for name in METRICS:
            setattr(figures, name, getattr(figures, name) + loc.sums.get(name, 0))
        figures.units += 1
        age_hours = (now - loc.latest).total_seconds() / 3600.0
        figures.freshness[freshness_bucket(age_hours)] += 1
    return assemble(query, now, per_area, offers)


# --- history ---------------------------------------------------------------------------------


def history_documents(
    result: UpdateResult, pushed: Sequence[Capacity], received_at: datetime
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(document id, document) of every applied counter of a push result."""
    base = int(received_at.timestamp() * 1_000_000) * 1000
    for i, (outcome, c) in enumerate(zip(result.results, pushed, strict=True)):
        if not outcome.applied:
            continue
        doc = {"loc": result.location_id} | HistoryEntry(
            base + i, result.location_id, c, received_at
        ).to_dict()
        key = "|".join((result.location_id, *c.key(), c.updated_at.isoformat()))
        yield key, doc


def history_body(
    location_id: str, since: datetime | None, after: int | None, limit: int
) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = [{"term": {"loc": location_id}}]
    if since is not None:
        clauses.append({"range": {"updated_at": {"gte": since.isoformat()}}})
    if after is not None:
        clauses.append({"range": {"seq": {"gt": after}}})
    return {
        "size": limit + 1,
        "query": {"bool": {"filter": clauses}},
        "sort": [{"seq": "asc"}],
        "track_total_hits": False,
    }


def read_history(location_id: str, answer: Mapping[str, Any], limit: int) -> HistoryPage:
    hits = answer["hits"]["hits"]
    entries = []
    for hit in hits[:limit]:
        d = hit["_source"]
        counter = Capacity(
            nature=d["nature"],
            status=d["status"],
            temporality=d["temporality"],
            count=int(d["count"]),
            updated_at=datetime.fromisoformat(d["updated_at"]),
            source=d["source"],
            gender=d.get("gender"),
            closing_type=d.get("closing_type"),
            extra_bed_type=d.get("extra_bed_type"),
            crisis=d.get("crisis"),
            assignment=d["assignment"],
            location_id=location_id,
        )
        entries.append(
            HistoryEntry(
                int(d["seq"]), location_id, counter, datetime.fromisoformat(d["received_at"])
            )
        )
    more = len(hits) > limit
    return HistoryPage(location_id, tuple(entries), entries[-1].seq if more and entries else None)


# --- owners and identifiers ------------------------------------------------------------------


def owners_body(location_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "size": PAGE,
        "query": {"terms": {f.LOCATION_KEYS: list(location_ids)}},
        "_source": [f.ID, f.EST_FINESS, f.EST_ID, f.CHAMP, f.LOCATION_KEYS],
        "sort": [{f.ID: "asc"}],
        "track_total_hits": False,
    }


def read_owners(
    location_ids: Sequence[str], hits: Sequence[Mapping[str, Any]]
) -> dict[str, LocationInfo]:
    wanted = set(location_ids)
    gathered: dict[str, tuple[set[str], set[str], set[str], set[str]]] = {}
    for hit in hits:
        source = hit["_source"]
        est = source.get("establishment") or {}
        for loc in source.get("location_keys") or ():
            if loc not in wanted:
                continue
            seen = gathered.setdefault(loc, (set(), set(), set(), set()))
            if est.get("finess"):
                seen[0].add(str(est["finess"]).strip().upper())
            if est.get("id"):
                seen[1].add(str(est["id"]))
            seen[2].update(str(c) for c in source.get("champ") or ())
            seen[3].add(str(source["id"]))
    return {
        loc: LocationInfo(loc, frozenset(a), frozenset(b), frozenset(c), tuple(sorted(d)))
        for loc, (a, b, c, d) in gathered.items()
    }


def find_body(establishment: str, code: str) -> dict[str, Any]:
    keys = sorted(establishment_keys(establishment))
    return {
        "size": 1,
        "query": {
            "bool": {
                "filter": [
                    {"term": {f.LOCATION_KEYS: code.strip()}},
                    {
                        "bool": {
                            "should": [
                                {"terms": {f.EST_FINESS: keys}},
                                {"terms": {f.EST_ID: keys}},
                            ],
                            "minimum_should_match": 1,
                        }
                    },
                ]
            }
        },
        "_source": False,
        "track_total_hits": False,
    }


# --- sending ---------------------------------------------------------------------------------


class EsAvailability:
    """The availability calls of :class:`~ror.search.elasticsearch.engine.ElasticsearchEngine`."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine  # ElasticsearchEngine (its store, client and alias)
        self.history_index = f"{engine.alias}-capacity-history"

    def _call(self, fn: Any, **kwargs: Any) -> Any:
        return self.engine.store.call(fn, **kwargs)

    def push(self, updates: Sequence[tuple[str, Sequence[Capacity]]]) -> list[UpdateResult]:
        from ror.errors import Implausible, NotFound

        known = self.locations_info([loc for loc, _ in updates])
        missing = [loc for loc, _ in updates if loc not in known]
        if missing:
            raise NotFound(f"Location inconnue : {', '.join(missing)}", "location_id")
        for loc, counters in updates if len(updates) > 1 else ():  # one: checked as applied
            problem = self.engine.store.implausible_push(loc, counters)
            if problem is not None:
                raise Implausible(problem[1], pushed_field(updates, loc, problem[0]))
        results = []
        for loc, counters in updates:
            received_at = datetime.now(UTC)
            result = self.engine.store.update_capacities(loc, counters)
            pushed = [replace(c, location_id=loc) for c in counters]
            self._append_history(result, pushed, received_at)
            results.append(result)
        return results

    def _ensure_history(self) -> None:
        client = self.engine.client
        if self._call(client.indices.exists, index=self.history_index):
            return
        from elasticsearch import BadRequestError

        try:
            self._call(client.indices.create, index=self.history_index, mappings=HISTORY_MAPPING)
        except BadRequestError as exc:  # created by another process meanwhile
            if "resource_already_exists" not in str(exc):
                raise

    def _append_history(
        self, result: UpdateResult, pushed: Sequence[Capacity], received_at: datetime
    ) -> None:
        docs = list(history_documents(result, pushed, received_at))
        if not docs:
            return
        self._ensure_history()
        operations: list[dict[str, Any]] = []
        for doc_id, doc in docs:
            operations += [{"index": {"_index": self.history_index, "_id": doc_id}}, doc]
        self._call(
            self.engine.client.bulk, operations=operations, refresh=self.engine.store.refresh
        )

    def history(
        self, location_id: str, since: datetime | None, after: int | None, limit: int
    ) -> HistoryPage:
        client = self.engine.client
        if not self._call(client.indices.exists, index=self.history_index):
            return HistoryPage(location_id, (), None)
        body = history_body(location_id, since, after, limit)
        return read_history(
            location_id, self._call(client.search, index=self.history_index, **body), limit
        )

    def locations_info(self, location_ids: Sequence[str]) -> dict[str, LocationInfo]:
        if not location_ids:
            return {}
        hits = list(self.engine.store.pages(self.engine.alias, owners_body(location_ids)))
        return read_owners(location_ids, hits)

    def find_locations(self, establishment: str, code: str) -> list[str]:
        found = self._call(
            self.engine.client.search, index=self.engine.alias, **find_body(establishment, code)
        )
        return [code.strip()] if found["hits"]["hits"] else []

    def overview(self, query: OverviewQuery, now: datetime) -> Overview:
        client, alias = self.engine.client, self.engine.alias
        locations: list[LocationFigures] = []
        after: dict[str, Any] | None = None
        offers = 0
        first = True
        while first or after is not None:
            answer = self._call(client.search, index=alias, **overview_body(query, after))
            page, after, total = read_overview_page(answer)
            if first:
                offers, first = total, False
            locations += page
        after = None
        first = True
        while first or after is not None:
            first = False
            answer = self._call(client.search, index=alias, **unattached_body(query, after))
            page, after = read_unattached_page(answer)
            locations += page
        return overview_of(query, now, locations, offers)
