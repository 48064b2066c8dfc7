"""A sync into the Elasticsearch engine (``ROR_ES_URL``; skipped without one): the offers a
delta builds, re-derives and takes out land in Elasticsearch exactly as in the embedded engine,
through the same ``upsert`` / ``delete`` calls, and a count pushed newer survives the sync."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ror.resources.apply import Delta
from ror.resources.store import ResourceStore
from ror.search.elasticsearch import ElasticsearchEngine
from ror.search.embedded import EmbeddedEngine
from ror.search.engine import Engine
from ror.sync.run import SyncReport, apply_delta
from tests.sync.world import SERVICES, location, organization, service, stamped, world

pytestmark = pytest.mark.elasticsearch


def _receive(store: ResourceStore, resources: list[dict[str, object]], engine: Engine) -> None:
    delta = Delta(store, "A")
    with store.batch():
        for resource in resources:
            delta.receive(resource)
    apply_delta(delta, engine, SyncReport("A", full=False))


def test_a_sync_lands_in_elasticsearch_like_in_the_embedded_engine(
    es_engine: ElasticsearchEngine, tmp_path: Path
) -> None:
    embedded = EmbeddedEngine(tmp_path / "ror.sqlite")
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    later = [
        {**stamped(service(1), stamp), "name": "renommé"},
        {**stamped(location(2), stamp), "position": {"latitude": 43.7, "longitude": 1.3}},
        {**stamped(organization(3), stamp), "name": "EG renommé"},
        {**stamped(service(8), stamp), "active": False},
    ]
    for name, engine in (("es", es_engine), ("embedded", embedded)):
        store = ResourceStore(tmp_path / f"{name}.resources.sqlite")
        _receive(store, world(), engine)
        _receive(store, later, engine)
        store.close()
    assert es_engine.get("hs-8") is None and embedded.get("hs-8") is None
    assert {i: es_engine.get(i) for i in SERVICES} == {i: embedded.get(i) for i in SERVICES}
    assert es_engine.count() == embedded.count() == 11
    embedded.close()
