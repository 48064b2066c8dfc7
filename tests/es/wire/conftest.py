"""The recording server (``es_recorder.py``) and an Elasticsearch engine talking to it through
the real ``elasticsearch`` client."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch
from pytest_httpserver import HTTPServer

from ror.search.elasticsearch import ElasticsearchEngine
from tests.es.wire.es_recorder import Recorder


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[Recorder, str]]:
    """A recorder served on a free loopback port: (recorder, base URL)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    recorder = Recorder()
    server.expect_request(re.compile(".*")).respond_with_handler(recorder.handle)
    server.start()
    try:
        yield recorder, server.url_for("/").rstrip("/")
    finally:
        server.clear()
        server.stop()


@pytest.fixture(scope="module")
def wire(recorder: tuple[Recorder, str]) -> Iterator[tuple[Recorder, ElasticsearchEngine]]:
    """An engine on the recorder, on an alias of its own, refreshing after every write."""
    rec, url = recorder
    client = Elasticsearch(url, request_timeout=30, retry_on_timeout=False, max_retries=0)
    engine = ElasticsearchEngine(client, f"ror-wire-{uuid.uuid4().hex[:8]}", refresh=True)
    engine.store.drop_grace_seconds = 0.0
    yield rec, engine
    engine.close()
