"""The Location rule of the document store equals the embedded engine's, offer for offer.

Offers sharing Locations, with older, newer and equal counters, go through the embedded engine
(a real SQLite file) and through :class:`CounterLedger`; every offer must read back with the
same capacities, in the same order.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from ror.availability.keys import location_keys
from ror.model import Offer
from ror.search.elasticsearch.documents import to_document
from ror.search.elasticsearch.ledger import CounterLedger, counters_by_location
from ror.search.embedded.engine import EmbeddedEngine
from tests.es.es_builders import NOW, counter, full_offer


def unit(id: str, *counters: object, locs: tuple[str, ...] = ()) -> Offer:
    return replace(
        full_offer(id=id, name=f"Unité {id}"),
        capacities=tuple(counters),  # type: ignore[arg-type]
        location_ids=locs,
        zones=(),
    )


OFFERS = [
    unit(
        "a", counter(3, location_id="L1"), counter(10, status="01", location_id="L1"), locs=("L1",)
    ),
    # same Location, an older figure for the same counter (ignored) and a new counter
    unit(
        "b",
        counter(1, minutes_ago=60, location_id="L1"),
        counter(2, gender="01", location_id="L1"),
        locs=("L1", "L2"),
    ),
    # a newer figure for a's counter, from a third offer on another Location too
    unit(
        "c",
        counter(0, minutes_ago=1, location_id="L1"),
        counter(5, location_id="L2"),
        locs=("L1", "L2"),
    ),
    # counters attached to no Location stay with their offer
    unit("d", counter(4, location_id=""), counter(4, location_id="")),
    # shares L2 without counters of its own
    unit("e", locs=("L2",)),
]


def ledger_read(offers: list[Offer]) -> dict[str, tuple[object, ...]]:
    ledger = CounterLedger()
    for offer in offers:
        ledger.add_offer(offer)
    return {o.id: ledger.capacities_for(location_keys(o)) for o in offers}


def test_a_full_load_reads_back_like_the_embedded_engine(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path / "ror.sqlite")
    try:
        engine.load(OFFERS, replace_all=True)
        embedded = {o.id: engine.get(o.id).capacities for o in OFFERS}  # type: ignore[union-attr]
    finally:
        engine.close()
    assert ledger_read(OFFERS) == embedded
    assert [c.count for c in embedded["a"]] == [0, 10, 2]  # c's newer figure, b's new counter
    assert embedded["e"] == embedded["c"][3:]  # L2 as c brought it


def test_pushes_are_judged_like_the_embedded_engine(tmp_path: Path) -> None:
    pushes = [
        counter(7, minutes_ago=0, location_id="L1"),  # newer: applied
        counter(9, minutes_ago=30, location_id="L1"),  # older than stored: stale
        counter(1, minutes_ago=1, location_id="L1"),  # same date as stored (c's): stale
        counter(6, nature="02", location_id="L1"),  # unknown key: added
    ]
    engine = EmbeddedEngine(tmp_path / "ror.sqlite")
    try:
        engine.load(OFFERS, replace_all=True)
        result = engine.update_capacities("L1", pushes)
        embedded = {o.id: engine.get(o.id).capacities for o in OFFERS}  # type: ignore[union-attr]
    finally:
        engine.close()
    ledger = CounterLedger()
    for offer in OFFERS:
        ledger.add_offer(offer)
    outcomes = [ledger.store("L1", c) for c in pushes]
    assert outcomes == list(result.results)
    assert [o.reason for o in outcomes] == ["applied", "stale", "stale", "applied"]
    assert {o.id: ledger.capacities_for(location_keys(o)) for o in OFFERS} == embedded


def test_upserts_merge_with_what_is_stored(tmp_path: Path) -> None:
    later = [
        unit("b", counter(8, minutes_ago=0, location_id="L1"), locs=("L1",)),
        unit("f", counter(2, minutes_ago=90, location_id="L2"), locs=("L2",)),
    ]
    engine = EmbeddedEngine(tmp_path / "ror.sqlite")
    try:
        engine.load(OFFERS, replace_all=True)
        engine.upsert(later)
        ids = [o.id for o in OFFERS] + ["f"]
        embedded = {i: engine.get(i).capacities for i in ids}  # type: ignore[union-attr]
    finally:
        engine.close()
    final = {o.id: o for o in [*OFFERS, *later]}
    assert ledger_read([*OFFERS, *later]) == {i: embedded[i] for i in final}


def test_versions_tell_which_documents_a_later_offer_made_stale() -> None:
    ledger = CounterLedger()
    ledger.add_offer(OFFERS[0])
    seen = ledger.snapshot(("L1",))
    ledger.add_offer(unit("x", counter(1, minutes_ago=500, location_id="L1"), locs=("L1",)))
    assert ledger.snapshot(("L1",)) == seen  # an older figure changes nothing
    ledger.add_offer(OFFERS[2])
    assert ledger.snapshot(("L1",)) != seen


def test_counters_are_filed_under_their_location_key_from_a_document() -> None:
    doc = to_document(OFFERS[3], NOW)
    assert [loc for loc, _ in counters_by_location(doc)] == ["#d", "#d"]
    doc = to_document(OFFERS[2], NOW)
    pairs = counters_by_location(doc)
    assert [loc for loc, _ in pairs] == ["L1", "L2"]
    assert pairs[0][1] == OFFERS[2].capacities[0]


@pytest.mark.parametrize("delta", [timedelta(0), timedelta(seconds=-1)])
def test_equal_or_older_is_stale_whatever_the_time_zone(delta: timedelta) -> None:
    from datetime import timezone

    ledger = CounterLedger()
    first = counter(1)
    ledger.store("L", first)
    paris = first.updated_at.astimezone(timezone(timedelta(hours=1))) + delta
    outcome = ledger.store("L", replace(first, count=5, updated_at=paris))
    assert not outcome.applied and outcome.reason == "stale"
