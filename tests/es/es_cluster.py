"""Engines on a real cluster for the integration tests: unique indices, deleted afterwards."""

from __future__ import annotations

import uuid

from elasticsearch import Elasticsearch

from ror.search.elasticsearch.engine import ElasticsearchEngine

SKIP_REASON = "ROR_ES_URL not set: no Elasticsearch cluster to test against"


def new_engine(url: str) -> ElasticsearchEngine:
    """An engine on a fresh unique alias, refreshing after every write."""
    alias = f"ror-test-{uuid.uuid4().hex[:12]}"
    engine = ElasticsearchEngine(Elasticsearch(url, request_timeout=60), alias, refresh=True)
    engine.store.drop_grace_seconds = 1.0
    return engine


def drop(engine: ElasticsearchEngine) -> None:
    """Delete every index of the engine (offers, building, searches), by explicit name."""
    try:
        found = engine.client.indices.get(
            index=f"{engine.alias}*", allow_no_indices=True, expand_wildcards="all"
        )
        for name in found.body:
            engine.client.indices.delete(index=name, ignore_unavailable=True)
    finally:
        engine.close()
