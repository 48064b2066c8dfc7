"""The Elasticsearch engine against a real cluster (``ROR_ES_URL``; skipped without one).

Parity: the same synthetic national sample and the same scenario tables as the embedded
engine's suite (``tests/search/test_search_pipeline.py``) give identical answers through the
same pipeline: ids in order, scores, radius used, total, near-misses and facets. Then what only
a cluster can show: the alias swap of a full reindex under concurrent reads, stale capacity
pushes refused, per-document bulk rejects, replay.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from ror.criteria import BedNeed, Criteria, Group
from ror.indexer.synthetic import generate
from ror.model import Capacity, Offer
from ror.search.elasticsearch.engine import ElasticsearchEngine
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import Engine
from ror.search.pipeline import replay, search
from ror.search.result import SearchResult
from tests.es.es_cluster import drop, new_engine
from tests.search import test_search_pipeline as embedded_suite
from tests.search.builders import NOW, colocated_cases, random_criteria

SYNTHETIC_SIZE = 3000  # as the embedded suite (tests/search/conftest.py)
_SCENARIO_MARK = next(
    mark
    for mark in embedded_suite.test_scenarios_equal_the_reference.pytestmark  # type: ignore[attr-defined]
    if mark.name == "parametrize" and mark.args[0] == "criteria"
)
SCENARIOS = _SCENARIO_MARK.args[1]
SCENARIO_IDS = _SCENARIO_MARK.kwargs["ids"]


@pytest.fixture(scope="module")
def offers() -> list[Offer]:
    return list(generate(SYNTHETIC_SIZE, 7, now=NOW))


@pytest.fixture(scope="module")
def engines(
    es_url: str, offers: list[Offer], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[EmbeddedEngine, ElasticsearchEngine]]:
    embedded = EmbeddedEngine(tmp_path_factory.mktemp("parity") / "ror.sqlite")
    es = new_engine(es_url)
    embedded.load(offers, replace_all=True)
    stats = es.load(offers, replace_all=True)
    assert stats.rejected == () and stats.loaded == len({o.id for o in offers})
    yield embedded, es
    embedded.close()
    drop(es)


def summary(result: SearchResult) -> dict[str, object]:
    return {
        "ids": [m.offer.id for m in result.matches],
        "scores": [m.score for m in result.matches],
        "by_zone": [m.by_zone for m in result.matches],
        "explain": [m.explain for m in result.matches],
        "radius_km": result.radius_km,
        "total": result.total,
        "near_misses": [(n.offer.id, n.criterion, n.reason) for n in result.near_misses],
        "group": (result.group, result.counted),
        "members": [tuple(o.offer.id for o in m.members) for m in result.matches],
        "facets": {f.field: [(v.code, v.count) for v in f.values] for f in result.facets},
        "warnings": result.warnings,
    }


def assert_parity(engines: tuple[EmbeddedEngine, ElasticsearchEngine], criteria: Criteria) -> None:
    embedded, es = engines
    want = summary(search(criteria, embedded, now=NOW))
    got = summary(search(criteria, es, now=NOW))
    assert got == want, criteria


def test_the_engine_meets_the_interface(
    engines: tuple[EmbeddedEngine, ElasticsearchEngine],
) -> None:
    assert isinstance(engines[1], Engine)
    assert engines[1].count() == engines[0].count()
    assert engines[1].version.startswith("elasticsearch-")


def test_every_offer_reads_back_as_the_embedded_engine_has_it(
    engines: tuple[EmbeddedEngine, ElasticsearchEngine], offers: list[Offer]
) -> None:
    embedded, es = engines
    for offer in offers[:: max(1, len(offers) // 300)]:
        assert es.get(offer.id) == embedded.get(offer.id)
    assert es.get("no-such-offer") is None


def test_establishment_offers_as_the_embedded_engine_lists_them(
    engines: tuple[EmbeddedEngine, ElasticsearchEngine], offers: list[Offer]
) -> None:
    embedded, es = engines
    for offer in offers[:: max(1, len(offers) // 50)]:
        for key in (offer.establishment.finess, offer.establishment.id):
            if key:
                listed = embedded.establishment_offers(key)
                assert offer.id in [o.id for o in listed]
                assert es.establishment_offers(key) == listed
    assert es.establishment_offers("000000000") == []


@pytest.mark.parametrize("criteria", SCENARIOS, ids=SCENARIO_IDS)
def test_scenarios_rank_identically(
    engines: tuple[EmbeddedEngine, ElasticsearchEngine], criteria: Criteria
) -> None:
    assert_parity(engines, criteria)


def test_random_searches_rank_identically(
    engines: tuple[EmbeddedEngine, ElasticsearchEngine], offers: list[Offer]
) -> None:
    rng = random.Random(20261126)  # the embedded suite's seed: the same 60 requests
    for _ in range(60):
        assert_parity(engines, random_criteria(rng, offers))


def test_home_care_by_zone_ranks_identically(
    engines: tuple[EmbeddedEngine, ElasticsearchEngine], offers: list[Offer]
) -> None:
    for offer in [o for o in offers if o.zones][:5]:
        assert_parity(engines, Criteria(place=offer.zones[-1].code, offer_type=offer.offer_type))


@pytest.mark.parametrize("group", ["establishment", "location"])
def test_grouped_searches_rank_identically(
    engines: tuple[EmbeddedEngine, ElasticsearchEngine], offers: list[Offer], group: Group
) -> None:
    """One match per establishment or bed zone: the groups counted unread (their keys from
    the hits' narrow sources), members and near-misses as the embedded engine gives them."""
    rng = random.Random(20261208)  # the embedded suite's grouped searches
    for _ in range(40):
        assert_parity(engines, random_criteria(rng, offers).with_(group=group))
    for criteria in colocated_cases(offers):  # small pages: most groups counted unread
        assert_parity(engines, criteria.with_(group=group, limit=2))


def test_colocated_searches_rank_identically(
    engines: tuple[EmbeddedEngine, ElasticsearchEngine], offers: list[Offer]
) -> None:
    """The co-located requirements decided by named clauses: matches, totals and the
    near-misses whose establishment lacks one, as the embedded engine checks them."""
    for criteria in colocated_cases(offers):
        assert_parity(engines, criteria)


def test_beds_by_gender_and_more_than_one(
    engines: tuple[EmbeddedEngine, ElasticsearchEngine],
) -> None:
    for need in (BedNeed(min_available=2), BedNeed(gender="01"), BedNeed(nature="02", gender="02")):
        assert_parity(engines, Criteria(place="Lyon", beds=need, profile="emergency", limit=15))


# --- writes ------------------------------------------------------------------------------


def _counter(count: int, minutes_ago: float, loc: str) -> Capacity:
    return Capacity(
        nature="01",
        status="02",
        temporality="01",
        count=count,
        updated_at=NOW - timedelta(minutes=minutes_ago),
        location_id=loc,
    )


def _shared(offers: list[Offer]) -> tuple[str, list[str]]:
    """A Location used by several offers of the sample, and their ids."""
    users: dict[str, list[str]] = {}
    for offer in offers:
        for loc in offer.location_ids:
            users.setdefault(loc, []).append(offer.id)
    loc, ids = max(users.items(), key=lambda kv: len(kv[1]))
    return loc, sorted(ids)


def test_capacity_pushes_apply_newer_and_refuse_stale_like_the_embedded_engine(
    es_engine: ElasticsearchEngine, offers: list[Offer], tmp_path: Path
) -> None:
    embedded = EmbeddedEngine(tmp_path / "ror.sqlite")
    sample = offers[:400]
    embedded.load(sample, replace_all=True)
    es_engine.load(sample, replace_all=True)
    loc, ids = _shared(sample)
    pushes = [
        [_counter(7, 0, loc)],  # newer than anything generated: applied
        [_counter(1, 600, loc)],  # older than what was just pushed: stale
        [_counter(7, 0, loc)],  # the same date again: stale
        [dataclasses.replace(_counter(2, 0, loc), nature="02")],  # a new counter: applied
    ]
    for counters in pushes:
        want = embedded.update_capacities(loc, counters)
        got = es_engine.update_capacities(loc, counters)
        assert got == want
    assert [r.ignored_stale for r in (es_engine.update_capacities(loc, pushes[1]),)] == [1]
    for offer_id in ids:
        assert es_engine.get(offer_id) == embedded.get(offer_id)
    embedded.close()


def test_a_push_to_an_unknown_location_is_not_found(es_engine: ElasticsearchEngine) -> None:
    from ror.errors import NotFound

    with pytest.raises(NotFound):
        es_engine.update_capacities("no-such-location", [_counter(1, 0, "x")])


def test_bulk_rejects_are_reported_one_by_one_and_the_rest_lands(
    es_engine: ElasticsearchEngine, offers: list[Offer]
) -> None:
    sample = offers[:50]
    bad_zone = dataclasses.replace(  # refused before it reaches the cluster
        sample[1], place=dataclasses.replace(sample[1].place, lat=float("nan"))
    )
    too_old = dataclasses.replace(sample[2], age_max=2**40)  # refused by the integer mapping
    stats = es_engine.load([sample[0], bad_zone, too_old, *sample[3:]], replace_all=True)
    reasons = dict(stats.rejected)
    assert set(reasons) == {sample[1].id, sample[2].id}
    assert "point" in reasons[sample[1].id]
    assert "age" in reasons[sample[2].id]
    assert stats.loaded == len(sample) - 2
    assert es_engine.count() == len(sample) - 2
    assert es_engine.get(sample[2].id) is None


def test_a_full_reindex_swaps_the_alias_atomically_under_reads(
    es_engine: ElasticsearchEngine, offers: list[Offer]
) -> None:
    first, second = offers[:300], offers[300:900]
    es_engine.load(first, replace_all=True)
    client: Elasticsearch = es_engine.client
    (old_index,) = client.indices.get_alias(name=es_engine.alias).body
    seen: set[int] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.add(es_engine.count())
                search(Criteria(place="Toulouse", limit=5), es_engine, now=NOW)
            except BaseException as exc:  # reported below
                errors.append(exc)
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        stats = es_engine.load(second, replace_all=True)
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert seen <= {len(first), len(second)}
    (new_index,) = client.indices.get_alias(name=es_engine.alias).body
    assert new_index != old_index and stats.replaced_all
    assert not client.indices.exists(index=old_index)
    assert not client.indices.exists_alias(name=f"{es_engine.alias}-building")
    assert es_engine.count() == len(second)
    assert es_engine.get(first[0].id) is None or first[0].id in {o.id for o in second}


def test_counters_pushed_before_a_reindex_survive_it_when_newer(
    es_engine: ElasticsearchEngine, offers: list[Offer]
) -> None:
    sample = offers[:300]
    es_engine.load(sample, replace_all=True)
    loc, ids = _shared(sample)
    es_engine.update_capacities(loc, [_counter(9, 0, loc)])
    es_engine.load(sample, replace_all=True)  # the source file still has the older figures
    for offer_id in ids:
        offer = es_engine.get(offer_id)
        assert offer is not None
        pushed = [
            c
            for c in offer.capacities
            if c.location_id == loc and c.key() == _counter(9, 0, loc).key()
        ]
        assert [c.count for c in pushed] == [9]


def test_upsert_and_delete(
    es_engine: ElasticsearchEngine, offers: list[Offer], tmp_path: Path
) -> None:
    embedded = EmbeddedEngine(tmp_path / "ror.sqlite")
    first, more = offers[:200], offers[200:260]
    for engine in (embedded, es_engine):
        engine.load(first, replace_all=True)
        assert engine.upsert(more) == len(more)
        assert engine.delete([first[0].id, "no-such-offer"]) == 1
    assert es_engine.count() == embedded.count()
    for offer in [*first[1:20], *more[:20]]:
        assert es_engine.get(offer.id) == embedded.get(offer.id)
    assert es_engine.get(first[0].id) is None
    embedded.close()


def test_fhir_searches_by_key_give_the_embedded_engines_bundles(
    engines: tuple[EmbeddedEngine, ElasticsearchEngine], offers: list[Offer]
) -> None:
    """Identifiers, organisations (``:above``), dates, tags, names, postcodes and communes
    through the cluster's look-up keys: the embedded engine's bundles, page after page."""
    from tests.api.fhir.test_fhir_lookup import synthetic_queries
    from tests.es.test_es_lookup_parity import pages

    embedded, es = engines
    assert es.lookup_ready()
    for name, items in synthetic_queries(offers).items():
        for profile in (0, 1):
            got = list(pages(es, items, profile))
            assert got == list(pages(embedded, items, profile)), (name, profile)


def test_searches_are_kept_for_replay(engines: tuple[EmbeddedEngine, ElasticsearchEngine]) -> None:
    es = engines[1]
    result = search(Criteria(place="Toulouse", offer_type=("21",)), es, now=NOW)
    record = replay(es, result.id)
    assert record.engine == "elasticsearch" and record.engine_version == es.version
    assert [m["offer_id"] for m in record.result["matches"]] == [m.offer.id for m in result.matches]
    assert es.get_search("no-such-search") is None


# --- the one-request referral (function_score) -------------------------------------------


@pytest.mark.parametrize("criteria", SCENARIOS, ids=SCENARIO_IDS)
def test_function_score_ranks_like_the_pipeline(
    engines: tuple[EmbeddedEngine, ElasticsearchEngine], criteria: Criteria
) -> None:
    embedded, es = engines
    want = search(criteria, embedded, now=NOW)
    got = es.rank_natively(criteria, now=NOW)
    assert [m.offer.id for m in got.matches] == [m.offer.id for m in want.matches]
    assert [m.score for m in got.matches] == [m.score for m in want.matches]
    assert [m.es_score for m in got.matches] == pytest.approx(
        [m.score for m in want.matches], rel=1e-5
    )
    assert [m.explain for m in got.matches] == [m.explain for m in want.matches]
