"""Fixtures of the Elasticsearch tests.

The integration tests run against a real cluster named by ``ROR_ES_URL`` (for instance the one
``docker compose up elasticsearch`` starts) and are skipped otherwise. Each engine gets indices
of its own (``ror-test-<uuid>``), writes refresh at once, and its indices are deleted
afterwards. A cluster that is named but does not answer fails the tests: it was meant to be
there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from ror.search.elasticsearch.engine import ElasticsearchEngine
from tests.es.es_cluster import SKIP_REASON, drop, new_engine


@pytest.fixture(scope="session")
def es_url() -> str:
    url = os.environ.get("ROR_ES_URL", "").strip()
    if not url:
        pytest.skip(SKIP_REASON)
    client = Elasticsearch(url, request_timeout=30)
    try:
        if not client.ping():
            pytest.fail(f"ROR_ES_URL={url} does not answer a ping")
        client.cluster.health(wait_for_status="yellow", timeout="30s")
    finally:
        client.close()
    return url


@pytest.fixture
def es_engine(es_url: str) -> Iterator[ElasticsearchEngine]:
    engine = new_engine(es_url)
    yield engine
    drop(engine)
