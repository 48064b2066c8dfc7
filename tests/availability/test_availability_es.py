"""Availability on Elasticsearch: request bodies as JSON, answers read back, and the overview
scan checked against the embedded engine through a reader of the aggregations' documented
semantics (``nested``, ``filter``, ``composite`` with ``after``, ``reverse_nested``, ``terms``
ordered by key, ``sum`` of a script, ``max``) over the documents our writes produce. The same
comparison runs on a real cluster when ``ROR_ES_URL`` is set (skipped otherwise)."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ror.availability.keys import location_keys
from ror.availability.overview import OverviewQuery
from ror.mappings import fields as f
from ror.model import Offer
from ror.search.elasticsearch.availability import (
    COUNT_AT_LEAST_ZERO,
    area_offers_body,
    find_body,
    history_body,
    history_documents,
    overview_body,
    overview_of,
    owners_body,
    read_history,
    read_overview_page,
    read_owners,
    read_unattached_page,
    unattached_body,
)
from ror.search.elasticsearch.documents import to_document
from ror.search.elasticsearch.ledger import CounterLedger
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import CounterOutcome, UpdateResult
from tests.availability.availability_world import NOW, counter, minutes, offers, shared_location
from tests.service import build_db

QUERIES = [
    OverviewQuery(),
    OverviewQuery("departement", bed_nature="02"),
    OverviewQuery(activity=("126", "127", "356")),
    OverviewQuery("departement", offer_type=("21",), champ=("04",), bed_nature="02"),
]


# --- documents as the Elasticsearch store writes them ------------------------------------------


def documents(items: list[Offer]) -> list[dict[str, Any]]:
    """Every offer document carrying the counters of all its Locations (es_ledger)."""
    ledger = CounterLedger()
    for offer in items:
        ledger.add_offer(offer)
    return [
        to_document(
            dataclasses.replace(offer, capacities=ledger.capacities_for(location_keys(offer))),
            NOW,
        )
        for offer in items
    ]


# --- the reader of the aggregation semantics ---------------------------------------------------


def value_at(doc: Mapping[str, Any], path: str) -> list[Any]:
    found: list[Any] = [doc]
    for part in path.split("."):
        nxt: list[Any] = []
        for item in found:
            if isinstance(item, Mapping) and part in item:
                v = item[part]
                nxt += v if isinstance(v, list) else [v]
        found = nxt
    return [v for v in found if v is not None]


def matches(doc: Mapping[str, Any], clause: Mapping[str, Any], prefix: str = "") -> bool:
    """``term``, ``terms``, ``bool`` (filter, must_not), ``nested``, ``match_all``."""
    (kind, body), *_ = clause.items()

    def field_values(name: str) -> list[Any]:
        return value_at(doc, name[len(prefix) :] if prefix and name.startswith(prefix) else name)

    if kind == "match_all":
        return True
    if kind == "term":
        (name, wanted), *_ = body.items()
        return wanted in field_values(name)
    if kind == "terms":
        (name, wanted), *_ = body.items()
        return bool(set(field_values(name)) & set(wanted))
    if kind == "bool":
        return all(matches(doc, c, prefix) for c in body.get("filter", [])) and not any(
            matches(doc, c, prefix) for c in body.get("must_not", [])
        )
    if kind == "nested":
        path = body["path"]
        return any(matches(n, body["query"], f"{path}.") for n in doc.get(path) or [])
    raise AssertionError(f"clause not read by this test: {kind}")


def terms_first(parents: list[Mapping[str, Any]], field: str) -> dict[str, Any]:
    keys = sorted({v for p in parents for v in value_at(p, field)})
    return {"buckets": [{"key": keys[0], "doc_count": 1}] if keys else []}


def figures(nested: list[Mapping[str, Any]]) -> dict[str, Any]:
    assert COUNT_AT_LEAST_ZERO == "Math.max(doc['capacities.count'].value, 0)"
    by_status: dict[str, float] = {}
    for n in nested:
        by_status[n["status"]] = by_status.get(n["status"], 0.0) + max(n["count"], 0)
    latest = max(datetime.fromisoformat(n["updated_at"]).timestamp() * 1000 for n in nested)
    return {
        "doc_count": len(nested),
        "status": {
            "buckets": [{"key": k, "count": {"value": v}} for k, v in sorted(by_status.items())]
        },
        "latest": {"value": latest},
    }


def page(buckets: list[dict[str, Any]], composite: Mapping[str, Any], name: str) -> dict[str, Any]:
    buckets.sort(key=lambda b: b["key"][name])
    after = composite.get("after")
    if after is not None:
        buckets = [b for b in buckets if b["key"][name] > after[name]]
    chosen = buckets[: composite["size"]]
    out: dict[str, Any] = {"buckets": chosen}
    if chosen:
        out["after_key"] = chosen[-1]["key"]
    return out


def answer_overview(docs: list[dict[str, Any]], body: Mapping[str, Any]) -> dict[str, Any]:
    hits = [d for d in docs if matches(d, body["query"])]
    caps = body["aggs"]["caps"]
    counted = caps["aggs"]["counted"]
    locs = counted["aggs"]["locs"]
    composite = locs["composite"]
    source_field = composite["sources"][0]["loc"]["terms"]["field"]
    assert caps["nested"]["path"] == f.CAPACITIES and source_field == f.CAP_LOCATION_ID
    groups: dict[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]] = {}
    for d in hits:
        for n in d.get(f.CAPACITIES) or []:
            if matches(n, counted["filter"], "capacities."):
                groups.setdefault(n["location_id"], []).append((d, n))
    buckets = []
    for loc, pairs in groups.items():
        parents = list({id(p): p for p, _ in pairs}.values())
        buckets.append(
            {
                "key": {"loc": loc},
                "offers": {
                    "doc_count": len(parents),
                    "region": terms_first(parents, f.PLACE_REGION),
                    "departement": terms_first(parents, f.PLACE_DEPARTEMENT),
                },
                **figures([n for _, n in pairs]),
            }
        )
    return {
        "hits": {"total": {"value": len(hits), "relation": "eq"}},
        "aggregations": {"caps": {"counted": {"locs": page(buckets, composite, "loc")}}},
    }


def answer_unattached(docs: list[dict[str, Any]], body: Mapping[str, Any]) -> dict[str, Any]:
    hits = [d for d in docs if matches(d, body["query"])]
    offers_agg = body["aggs"]["offers"]
    counted = offers_agg["aggs"]["caps"]["aggs"]["counted"]["filter"]
    buckets = []
    for d in hits:
        nested = [n for n in d.get(f.CAPACITIES) or [] if matches(n, counted, "capacities.")]
        buckets.append(
            {
                "key": {"offer": d["id"]},
                "region": terms_first([d], f.PLACE_REGION),
                "departement": terms_first([d], f.PLACE_DEPARTEMENT),
                "caps": {"counted": figures(nested) if nested else {"doc_count": 0}},
            }
        )
    return {"aggregations": {"offers": page(buckets, offers_agg["composite"], "offer")}}


def scan(docs: list[dict[str, Any]], query: OverviewQuery, now: datetime) -> dict[str, Any]:
    """What ``EsAvailability.overview`` does, each page answered by the reader above."""
    locations: list[Any] = []
    after = None
    total = None
    while True:
        found, after, hits = read_overview_page(
            answer_overview(docs, overview_body(query, after, 7))
        )
        total = hits if total is None else total
        locations += found
        if after is None:
            break
    after = None
    while True:
        found, after = read_unattached_page(
            answer_unattached(docs, unattached_body(query, after, 5))
        )
        locations += found
        if after is None:
            break
    return overview_of(query, now, locations, total or 0).to_dict()


# --- tests -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def items() -> list[Offer]:
    base = offers(700, seed=31)
    # two offers whose counters belong to no Location (keyed "#<offer id>")
    for i in (3, 4):
        o = base[i]
        base[i] = dataclasses.replace(
            o,
            location_ids=(),
            capacities=(counter(5, NOW, status="01"), counter(2, NOW)),
        )
    return base


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory, items: list[Offer]) -> EmbeddedEngine:
    return EmbeddedEngine(build_db(tmp_path_factory.mktemp("es") / "es.sqlite", items))


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_the_scan_equals_the_embedded_overview(
    items: list[Offer], embedded: EmbeddedEngine, query: OverviewQuery
) -> None:
    want = embedded.availability_overview(query, NOW).to_dict()
    got = scan(documents(items), query.checked(), NOW)
    assert got["areas"] == want["areas"] and got["totals"] == want["totals"]
    assert got["offers"] == want["offers"]
    assert want["totals"]["units"] > 0 or query.activity


def test_counters_of_no_location_are_scanned_per_offer(items: list[Offer]) -> None:
    query = OverviewQuery().checked()
    found, _ = read_unattached_page(answer_unattached(documents(items), unattached_body(query)))
    assert sorted(loc.key for loc in found) == [f"#{items[3].id}", f"#{items[4].id}"]
    assert all(loc.sums == {"installed": 5, "available": 2} for loc in found)


def test_overview_body_shape() -> None:
    body = overview_body(OverviewQuery(activity=("126",), bed_nature="02"), {"loc": "L9"}, 50)
    assert body["size"] == 0 and body["track_total_hits"] is True
    assert body["query"] == {"bool": {"filter": [{"terms": {f.ACTIVITY: ["126"]}}]}}
    counted = body["aggs"]["caps"]["aggs"]["counted"]
    assert counted["filter"]["bool"]["filter"][:2] == [
        {"term": {f.CAP_NATURE: "02"}},
        {"term": {f.CAP_TEMPORALITY: "01"}},
    ]
    assert counted["filter"]["bool"]["must_not"] == [{"term": {f.CAP_LOCATION_ID: ""}}]
    locs = counted["aggs"]["locs"]
    assert locs["composite"] == {
        "size": 50,
        "sources": [{"loc": {"terms": {"field": f.CAP_LOCATION_ID}}}],
        "after": {"loc": "L9"},
    }
    assert locs["aggs"]["offers"]["reverse_nested"] == {}
    assert overview_body(OverviewQuery())["query"] == {"match_all": {}}


def test_area_offers_body_shape() -> None:
    body = area_offers_body(OverviewQuery("departement", activity=("126",)), "31", 10)
    assert body["query"] == {
        "bool": {
            "filter": [{"term": {f.PLACE_DEPARTEMENT: "31"}}, {"terms": {f.ACTIVITY: ["126"]}}]
        }
    }
    assert body["sort"] == [{f.ID: "asc"}] and body["size"] == 10
    region = area_offers_body(OverviewQuery(), "76")
    assert region["query"] == {"bool": {"filter": [{"term": {f.PLACE_REGION: "76"}}]}}


def test_history_documents_and_pages() -> None:
    at = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
    pushed = [counter(3, minutes(1)), counter(4, minutes(0)), counter(9, minutes(2), status="01")]
    result = UpdateResult(
        "L1",
        2,
        1,
        ("hs-1",),
        (
            CounterOutcome(pushed[0].key(), True, "applied", pushed[0].updated_at),
            CounterOutcome(pushed[1].key(), False, "stale", pushed[0].updated_at),
            CounterOutcome(pushed[2].key(), True, "applied", pushed[2].updated_at),
        ),
    )
    docs = list(history_documents(result, pushed, at))
    assert [d["count"] for _, d in docs] == [3, 9]
    assert [d["seq"] for _, d in docs] == sorted(d["seq"] for _, d in docs)
    assert docs[0][0] == "|".join(("L1", *pushed[0].key(), pushed[0].updated_at.isoformat()))
    body = history_body("L1", minutes(1), 41, 2)
    assert body["query"]["bool"]["filter"] == [
        {"term": {"loc": "L1"}},
        {"range": {"updated_at": {"gte": minutes(1).isoformat()}}},
        {"range": {"seq": {"gt": 41}}},
    ]
    assert body["size"] == 3 and body["sort"] == [{"seq": "asc"}]
    hits = [{"_source": d} for _, d in docs]
    first = read_history("L1", {"hits": {"hits": hits}}, 1)
    assert [e.counter.count for e in first.entries] == [3]
    assert first.next_after == docs[0][1]["seq"]
    assert read_history("L1", {"hits": {"hits": hits}}, 5).next_after is None
    assert first.entries[0].received_at == at and first.entries[0].counter.gender == "03"


def test_owners_and_identifiers(items: list[Offer]) -> None:
    loc, users = shared_location(items)
    body = owners_body([loc])
    assert body["query"] == {"terms": {f.LOCATION_KEYS: [loc]}}
    hits = [{"_source": d} for d in documents(items) if loc in d[f.LOCATION_KEYS]]
    info = read_owners([loc], hits)[loc]
    assert info.offers == tuple(sorted(o.id for o in users))
    assert info.finess == {o.establishment.finess for o in users if o.establishment.finess}
    wanted = find_body("1350054680", loc)["query"]["bool"]["filter"]
    assert wanted[0] == {"term": {f.LOCATION_KEYS: loc}}
    assert {"terms": {f.EST_FINESS: ["1350054680", "350054680"]}} in wanted[1]["bool"]["should"]


# --- on a real cluster -------------------------------------------------------------------------


@pytest.fixture
def cluster_engine(items: list[Offer]) -> Iterator[Any]:
    url = os.environ.get("ROR_ES_URL", "").strip()
    if not url:
        pytest.skip("ROR_ES_URL not set: no Elasticsearch cluster to test against")
    from elasticsearch import Elasticsearch

    from ror.search.elasticsearch.engine import ElasticsearchEngine

    engine = ElasticsearchEngine(
        Elasticsearch(url, request_timeout=60), f"ror-test-{uuid.uuid4().hex[:12]}", refresh=True
    )
    engine.store.drop_grace_seconds = 1.0
    engine.load(items, replace_all=True)
    try:
        yield engine
    finally:
        found = engine.client.indices.get(index=f"{engine.alias}*", expand_wildcards="all")
        for name in found.body:
            engine.client.indices.delete(index=name, ignore_unavailable=True)
        engine.close()


@pytest.mark.elasticsearch
def test_on_a_real_cluster(cluster_engine: Any, items: list[Offer], tmp_path: Path) -> None:
    embedded = EmbeddedEngine(build_db(tmp_path / "twin.sqlite", items))
    loc, _ = shared_location(items)
    for engine in (embedded, cluster_engine):
        engine.update_capacities(loc, [counter(7, minutes(5)), counter(3, minutes(1))])
    for query in QUERIES:
        want = embedded.availability_overview(query, NOW).to_dict()
        got = cluster_engine.availability_overview(query, NOW).to_dict()
        assert got["areas"] == want["areas"] and got["totals"] == want["totals"]
    assert [e.counter.count for e in cluster_engine.capacity_history(loc).entries] == [7]
    for query in QUERIES:
        area = items[0].place.departement if query.group_by == "departement" else "76"
        want_offers = embedded.area_offers(query, area)
        assert cluster_engine.area_offers(query, area) == want_offers
    assert cluster_engine.locations_info([loc]) == embedded.locations_info([loc])
