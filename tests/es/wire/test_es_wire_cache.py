"""A ref stays valid whatever the engine's document cache holds: a FHIR search and a grouped
search over more units than a tiny cache keeps answer exactly as with the default cache (the
requests still checked against Elastic's specification by the recording server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from ror.api.fhir.bundle import Links, searchset
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import run
from ror.criteria import Audience, Criteria, Group
from ror.indexer.synthetic import generate
from ror.search import pipeline
from ror.search.elasticsearch import ElasticsearchEngine
from tests.es.es_builders import NOW
from tests.es.wire.es_recorder import Recorder

TINY = 10
UNITS = 80
SEARCHES = [
    ("HealthcareService", [("_sort", "-_lastUpdated"), ("_count", "60")]),
    ("HealthcareService", [("location.near", "46.6|2.4|2000|km"), ("_count", "60")]),
    ("Location", [("_count", "60"), ("near", "46.6|2.4|2000|km")]),
]


@pytest.fixture(scope="module")
def engines(recorder: tuple[Recorder, str]) -> Iterator[tuple[ElasticsearchEngine, ...]]:
    """The same index read by an engine with the default cache and one keeping ``TINY``
    documents."""
    rec, url = recorder
    client = Elasticsearch(url, request_timeout=30, retry_on_timeout=False, max_retries=0)
    alias = f"ror-cache-{uuid.uuid4().hex[:8]}"
    large = ElasticsearchEngine(client, alias, refresh=True)
    large.load(generate(UNITS, seed=17, now=NOW), replace_all=True)
    tiny = ElasticsearchEngine(client, alias, refresh=True, cache_size=TINY)
    yield large, tiny
    assert rec.invalid() == [] and rec.answer_errors == []
    client.close()


def _bundle(engine: ElasticsearchEngine, resource: str, items: list[tuple[str, str]]) -> Any:
    request = parse_search(resource, items)  # type: ignore[arg-type]
    result = run(request, engine, Audience())
    links = Links("http://ror.test/fhir", resource, tuple(items))
    bundle = searchset(request, result, links, profile=1, fetch=engine.get)
    del bundle["id"], bundle["meta"]
    return bundle


@pytest.mark.parametrize(("resource", "items"), SEARCHES)
def test_a_fhir_search_over_more_units_than_the_cache_keeps_answers_as_with_a_large_cache(
    engines: tuple[ElasticsearchEngine, ElasticsearchEngine],
    resource: str,
    items: list[tuple[str, str]],
) -> None:
    large, tiny = engines
    got = _bundle(tiny, resource, items)
    assert got == _bundle(large, resource, items)
    assert len(got["entry"]) > TINY


@pytest.mark.parametrize("group", ["establishment", "location", "offer"])
def test_a_grouped_search_over_more_units_than_the_cache_keeps_answers_as_with_a_large_cache(
    engines: tuple[ElasticsearchEngine, ElasticsearchEngine], group: Group
) -> None:
    large, tiny = engines
    criteria = Criteria(now=NOW, limit=40, facets=False, group=group)

    def answer(engine: ElasticsearchEngine) -> dict[str, Any]:
        found = pipeline.search(criteria, engine, now=NOW).to_dict()
        del found["id"], found["took_ms"]
        return found

    got = answer(tiny)
    assert got == answer(large)
    assert got["total"] > TINY and len(got["matches"]) > TINY
