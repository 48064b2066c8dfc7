"""Offers are built from the store a batch at a time: a few queries per batch, not per offer,
and the same offers as one at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.sync import fhir_world
from ror.indexer.sources import Sourced, read_resources
from ror.resources import apply
from ror.resources.apply import Delta
from ror.resources.store import ResourceStore

LINKED = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "linked"
SIZE = 150


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ResourceStore:
    """The linked fixture (a partOf chain, roles, practitioners) and synthetic offers."""
    store = ResourceStore(tmp_path_factory.mktemp("batch") / "r.sqlite")
    delta = Delta(store, "local")
    with store.batch():
        for item in read_resources([LINKED]):
            assert isinstance(item, Sourced)
            delta.receive(item.resource, full_url=item.full_url)
        for resource in fhir_world(SIZE, seed=3):
            delta.receive(resource)
    return store


def _built(store: ResourceStore) -> tuple[list[str], int, list[str]]:
    """The offers built (as JSON) from every pending service, and the statements it took."""
    statements: list[str] = []
    store.connection().set_trace_callback(statements.append)
    try:
        delta = Delta(store, "local")
        offers = [json.dumps(o.to_dict(), sort_keys=True, default=str) for o in delta.offers()]
    finally:
        store.connection().set_trace_callback(None)
    return offers, len(statements), [i.reason for i in delta.report.rejects]


def test_a_batch_reads_its_resources_in_a_few_queries(store: ResourceStore) -> None:
    offers, statements, rejects = _built(store)
    assert rejects == []
    assert len(offers) > SIZE
    assert statements <= 12  # services, roles, organisations (2 levels), locations, people…


def test_batches_build_the_same_offers_as_one_at_a_time(
    store: ResourceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    batched, _, _ = _built(store)
    monkeypatch.setattr(apply, "BUILD_BATCH", 1)
    single, statements, _ = _built(store)
    assert single == batched
    assert statements > len(single)  # the baseline really read offer by offer
