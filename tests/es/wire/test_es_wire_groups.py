"""A referral search over the Elasticsearch engine, as it crosses the wire (the recording server
checks each request against Elastic's specification): its streams name their criteria and ask
only the fields that order a unit and tell its groups; a grouped search counts its groups from
those fields, never from whole documents; the group keys of units met without those fields
cost one narrow ``_mget``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from ror.criteria import Criteria, Group
from ror.indexer.synthetic import generate
from ror.model import Offer
from ror.search import pipeline
from ror.search.elasticsearch import ElasticsearchEngine
from ror.search.elasticsearch.candidates import GROUP_SOURCE
from ror.search.grouping import group_key
from tests.es.es_builders import NOW
from tests.es.wire.es_recorder import Captured, Recorder

UNITS = 150
Wire = tuple[Recorder, ElasticsearchEngine, list[Offer]]


@pytest.fixture(scope="module")
def grouped(recorder: tuple[Recorder, str]) -> Iterator[Wire]:
    rec, url = recorder
    client = Elasticsearch(url, request_timeout=30, retry_on_timeout=False, max_retries=0)
    engine = ElasticsearchEngine(client, f"ror-groups-{uuid.uuid4().hex[:8]}", refresh=True)
    engine.store.drop_grace_seconds = 0.0
    offers = list(generate(UNITS, seed=31, now=NOW))
    engine.load(offers, replace_all=True)
    yield rec, engine, offers
    assert rec.invalid() == [] and rec.answer_errors == []
    client.close()


def sent(rec: Recorder, run: Callable[[], Any]) -> tuple[Any, list[Captured]]:
    start = len(rec.captured)
    out = run()
    return out, rec.captured[start:]


def hit_searches(requests: list[Captured]) -> list[dict[str, Any]]:
    """The bodies of the searches that return hits (not the aggregations')."""
    return [c.body for c in requests if c.key == "POST /_search" and c.body.get("size", 10) > 0]


def whole_reads(requests: list[Captured]) -> list[str]:
    """The ids of the documents read whole (an ``_mget`` without source filtering)."""
    return [
        doc_id
        for c in requests
        if c.key == "POST /{index}/_mget" and "_source_includes" not in c.query
        for doc_id in c.body["ids"]
    ]


def near(offer: Offer, **kw: Any) -> Criteria:
    return Criteria(lat=offer.place.lat, lon=offer.place.lon, now=NOW, facets=False, **kw)


def test_a_referral_stream_names_its_criteria_and_asks_the_group_fields_only(
    grouped: Wire,
) -> None:
    rec, engine, offers = grouped
    activity = offers[0].activity[:1]
    criteria = near(
        offers[0],
        age=85,
        social_aid=True,
        group="establishment",
        colocated=(("activity", activity),),
    )
    _, requests = sent(rec, lambda: pipeline.search(criteria, engine, now=NOW))
    bodies = hit_searches(requests)
    assert {len(b["query"]["bool"]["should"]) for b in bodies} == {4, 5}  # zone, distance
    for body in bodies:
        assert body["_source"] == GROUP_SOURCE
        should = body["query"]["bool"]["should"]
        names = [clause["bool"]["_name"] for clause in should]
        # the distance stream's home-based units fail one (matched by zone, apart)
        assert names[:4] == ["social_aid", "age", "closed", "colocated.0"]
        assert names[4:] in ([], ["by_distance"])
        assert all(clause["bool"]["filter"] for clause in should)
        assert body["query"]["bool"]["minimum_should_match"] == len(names) - 1
        colocated = should[3]["bool"]["filter"][0]
        assert list(colocated) == ["terms"] and list(colocated["terms"]) == ["establishment.id"]


@pytest.mark.parametrize("by", ["establishment", "location"])
def test_a_grouped_search_counts_its_groups_without_reading_their_units(
    grouped: Wire, by: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec, engine, offers = grouped
    asked: list[tuple[int, list[Captured]]] = []
    group_keys = engine.group_keys

    def watched(refs: list[int], group: str) -> list[str]:
        keys, requests = sent(rec, lambda: group_keys(refs, group))
        asked.append((len(refs), requests))
        return list(keys)

    monkeypatch.setattr(engine, "group_keys", watched)
    criteria = near(offers[3], group=by, limit=1, radius_km=200.0)
    result, requests = sent(rec, lambda: pipeline.search(criteria, engine, now=NOW))
    assert result.total > len(result.matches)
    assert all(body["_source"] == GROUP_SOURCE for body in hit_searches(requests))
    assert sum(n for n, _ in asked) > 0  # units were counted unread, their groups asked…
    assert all(not r for _, r in asked)  # …and told by the fields their hits carried
    read = set(whole_reads(requests))
    shown = {m.offer.id for m in result.matches} | {n.offer.id for n in result.near_misses}
    assert shown <= read
    # the units checked only (the page, its members, near-misses): 3 or 4 of 149 counted
    assert len(read) * 10 < sum(n for n, _ in asked)


@pytest.mark.parametrize(
    "need",
    [
        {"open_at": NOW + timedelta(hours=30)},  # no clause decides it: Python does
        {"max_monthly_price_eur": 2500.0, "age": 85},  # the clause tests the cheapest price
    ],
    ids=["open-at", "selected-price"],
)
def test_a_search_checking_every_unit_reads_each_with_its_hit(
    grouped: Wire, need: dict[str, Any]
) -> None:
    """Every unit it streams is checked in Python: the documents come with the hits (one
    request a page), not by one ``_mget`` per batch afterwards."""
    rec, engine, offers = grouped
    criteria = near(offers[5], group="establishment", **need)
    result, requests = sent(rec, lambda: pipeline.search(criteria, engine, now=NOW))
    bodies = hit_searches(requests)
    assert bodies and all("_source" not in body for body in bodies)
    assert all(clause["bool"]["_name"] for b in bodies for clause in b["query"]["bool"]["should"])
    assert whole_reads(requests) == [] and result.matches


def test_group_keys_of_units_met_without_their_group_fields_read_those_fields_alone(
    grouped: Wire,
) -> None:
    rec, engine, offers = grouped
    refs = [ref for ref, _ in engine.offers_in_id_order("", 60)]
    ids = {ref: offer_id for ref, offer_id in engine.offers_in_id_order("", 60)}
    by_id = {o.id: o for o in offers}
    for by in ("location", "establishment"):
        keys, requests = sent(rec, lambda by=by: engine.group_keys(refs, by))  # type: ignore[misc]
        assert keys == [group_key(by_id[ids[ref]], by) for ref in refs]
        if by == "location":  # the first asks the fields once…
            assert [c.key for c in requests] == ["POST /{index}/_mget"]
            assert requests[0].query["_source_includes"] == ",".join(GROUP_SOURCE)
            assert sorted(requests[0].body["ids"]) == sorted(ids.values())
        else:  # …the next grouping needs none
            assert requests == []
    keys, requests = sent(rec, lambda: engine.group_keys(refs, "offer"))
    assert keys == [f"O:{ids[ref]}" for ref in refs] and requests == []
