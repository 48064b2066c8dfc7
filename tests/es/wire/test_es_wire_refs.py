"""The Elasticsearch engine's refs (``search/elasticsearch/refs.py``) over the recording server:
the table keeps the offers met lately, not every offer ever met, and a ref stays valid while a
search may hold it; a document kept read is read again once the engine writes its offer
(upsert, delete, capacity push, full load)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from elasticsearch import Elasticsearch

from ror.errors import NotFound
from ror.indexer.synthetic import generate
from ror.model import Offer
from ror.search.elasticsearch import ElasticsearchEngine
from ror.search.elasticsearch.refs import RefTable
from ror.search.engine import CandidateQuery
from tests.es.es_builders import NOW
from tests.es.wire.es_recorder import Recorder

UNITS = 40
KEEP = 100.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(recorder: tuple[Recorder, str]) -> Iterator[tuple[ElasticsearchEngine, Clock]]:
    rec, url = recorder
    client = Elasticsearch(url, request_timeout=30, retry_on_timeout=False, max_retries=0)
    engine = ElasticsearchEngine(client, f"ror-refs-{uuid.uuid4().hex[:8]}", refresh=True)
    engine.store.drop_grace_seconds = 0.0
    clock = Clock()
    engine.refs = RefTable(engine.refs.cache_size, KEEP, clock)
    engine.load(generate(UNITS, seed=23, now=NOW), replace_all=True)
    yield engine, clock
    assert rec.invalid() == [] and rec.answer_errors == []
    client.close()


def _meet_all(engine: ElasticsearchEngine) -> dict[str, int]:
    """Every unit read whole by a candidate stream (its documents kept): id -> ref."""
    refs = [c.ref for c in engine.candidates(CandidateQuery(point=None)).stream]  # type: ignore[union-attr]
    return {offer.id: ref for offer, ref in zip(engine.offers(refs), refs, strict=True)}


def test_the_table_keeps_the_offers_met_lately(
    engine: tuple[ElasticsearchEngine, Clock],
) -> None:
    es, clock = engine
    met = _meet_all(es)
    assert len(met) == UNITS and len(es.refs) == UNITS
    ids = sorted(met)
    clock.now += KEEP + 1  # a generation later: all still held (a search may hold them)
    assert es.offer_refs(ids[:5]) == {i: met[i] for i in ids[:5]}
    assert es.order_keys([met[ids[-1]]])[0][0] == ids[-1]
    assert len(es.refs) == UNITS
    clock.now += KEEP + 1  # those not met in the last generation are dropped
    assert es.offer_refs(ids[:2]) == {i: met[i] for i in ids[:2]}
    assert len(es.refs) == 6  # five met, one ordered, in the generation before
    with pytest.raises(NotFound):
        es.order_keys([met[ids[10]]])
    again = es.offer_refs([ids[10]])[ids[10]]  # met again: a new ref, its own offer
    assert again != met[ids[10]] and es.offers([again])[0].id == ids[10]
    clock.now += 2 * KEEP + 1  # nothing met for two generations: nothing kept
    es.offer_refs([ids[0]])
    assert len(es.refs) == 1


def test_an_engine_write_refreshes_the_documents_kept_read(
    engine: tuple[ElasticsearchEngine, Clock],
) -> None:
    es, _ = engine
    met = _meet_all(es)
    offers = {o.id: o for o in es.offers(list(met.values()))}
    first = sorted(offers)[0]
    assert es.refs.document(met[first]) is not None
    renamed = dataclasses.replace(
        offers[first],
        name="renommé",
        last_updated=(offers[first].last_updated or NOW) + timedelta(days=1),
    )
    es.upsert([renamed])
    assert es.offers([met[first]])[0].name == "renommé"
    assert es.order_keys([met[first]]) == [(first, renamed.last_updated)]

    shared = next(
        o for o in offers.values() if any(c.status == "02" and c.count for c in o.capacities)
    )
    counter = next(c for c in shared.capacities if c.status == "02" and c.count)
    pushed = dataclasses.replace(counter, count=counter.count - 1, updated_at=NOW + timedelta(1))
    es.update_capacities(counter.location_id, [pushed])
    after = es.offers([met[shared.id]])[0]
    assert [c.count for c in after.capacities if c.key() == pushed.key()] == [pushed.count]

    es.delete([first])
    with pytest.raises(NotFound, match="supprimée"):
        es.offers([met[first]])

    kept: list[Offer] = [dataclasses.replace(o, name=f"{o.name} v2") for o in offers.values()]
    es.load(kept, replace_all=True)
    assert es.offers([met[shared.id]])[0].name == f"{shared.name} v2"
