"""Capacity pushes on the embedded engine: newest wins per indicator, stale ones are reported
and logged nowhere, a Location's update reaches every offer using it at once, the history holds
exactly the accepted counters, a batch is all or nothing, owners and identifiers are found."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from ror.criteria import BedNeed, Criteria
from ror.errors import NotFound
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.pipeline import search
from tests.availability.availability_world import NOW, counter, minutes, offers, shared_location
from tests.service import build_db


@pytest.fixture(scope="module")
def items() -> list[Offer]:
    return offers()


@pytest.fixture()
def engine(tmp_path: Path, items: list[Offer]) -> EmbeddedEngine:
    return EmbeddedEngine(build_db(tmp_path / "push.sqlite", items))


def stored(engine: EmbeddedEngine, offer_id: str, loc: str) -> dict[tuple[str, ...], int]:
    found = engine.get(offer_id)
    assert found is not None
    return {c.key(): c.count for c in found.capacities if c.location_id == loc}


def test_newest_wins_and_stale_ones_are_reported(
    engine: EmbeddedEngine, items: list[Offer]
) -> None:
    loc, users = shared_location(items)
    first = engine.update_capacities(loc, [counter(4, minutes(10))])
    assert (first.applied, first.ignored_stale) == (1, 0)
    assert first.results[0].reason == "applied"
    older = engine.update_capacities(loc, [counter(9, minutes(5))])  # out of order
    same = engine.update_capacities(loc, [counter(9, minutes(10))])  # a retry, same date
    assert (older.applied, older.ignored_stale) == (0, 1)
    assert (same.applied, same.ignored_stale) == (0, 1)
    assert older.results[0].reason == "stale"
    assert older.results[0].stored_updated_at == minutes(10)
    key = counter(0, NOW).key()
    for offer in users:  # every offer using the Location sees the one stored value
        assert stored(engine, offer.id, loc)[key] == 4
    assert set(first.offers) == {o.id for o in users}


def test_history_holds_exactly_the_accepted_counters(
    engine: EmbeddedEngine, items: list[Offer]
) -> None:
    loc, _ = shared_location(items)
    sent = [counter(n, minutes(m)) for n, m in ((1, 3), (2, 1), (3, 5), (4, 5), (5, 9))]
    outcomes = [engine.update_capacities(loc, [c]).applied for c in sent]
    assert outcomes == [1, 0, 1, 0, 1]
    page = engine.capacity_history(loc)
    assert [(e.counter.count, e.counter.updated_at) for e in page.entries] == [
        (1, minutes(3)),
        (3, minutes(5)),
        (5, minutes(9)),
    ]
    assert [e.seq for e in page.entries] == sorted(e.seq for e in page.entries)
    assert page.next_after is None
    first = engine.capacity_history(loc, limit=2)
    assert len(first.entries) == 2 and first.next_after == first.entries[-1].seq
    rest = engine.capacity_history(loc, after=first.next_after)
    assert [e.counter.count for e in rest.entries] == [5]
    since = engine.capacity_history(loc, since=minutes(4))
    assert [e.counter.count for e in since.entries] == [3, 5]


def test_a_search_sees_the_push_at_once(engine: EmbeddedEngine, items: list[Offer]) -> None:
    loc, users = shared_location(items)
    offer = users[0]
    criteria = Criteria(
        lat=offer.place.lat,
        lon=offer.place.lon,
        radius_km=1,
        limit=50,
        beds=BedNeed(nature="01", min_available=60),
        now=minutes(30),
        facets=False,
    )
    assert offer.id not in {m.offer.id for m in search(criteria, engine).matches}
    pushed = [counter(70, minutes(20), gender=g) for g in ("01", "02", "03")]
    zero = [dataclasses.replace(c, count=0) for c in pushed]
    installed = counter(80, minutes(20), status="01", gender=None)  # 70 free needs 70 open
    engine.update_capacities(loc, [dataclasses.replace(pushed[2], count=70), *zero[:2], installed])
    found = {m.offer.id: m for m in search(criteria, engine).matches}
    assert {o.id for o in users} & set(found)
    match = found[offer.id] if offer.id in found else next(iter(found.values()))
    assert "70 lits disponibles, mis à jour il y a 10\u202fmin" in match.explain


def test_unknown_location_refuses_the_whole_batch(
    engine: EmbeddedEngine, items: list[Offer]
) -> None:
    loc, _ = shared_location(items)
    with pytest.raises(NotFound) as refused:
        engine.update_capacities_many(
            [(loc, [counter(8, minutes(50))]), ("nowhere", [counter(1, minutes(50))])]
        )
    assert refused.value.field == "location_id" and "nowhere" in refused.value.message
    assert engine.capacity_history(loc).entries == ()
    done = engine.update_capacities_many(
        [(loc, [counter(8, minutes(50))]), (loc, [counter(2, minutes(40))])]
    )
    assert [(r.applied, r.ignored_stale) for r in done] == [(1, 0), (0, 1)]


def test_pushes_commit_with_full_sync_and_leave_normal_behind(
    engine: EmbeddedEngine, items: list[Offer], monkeypatch: pytest.MonkeyPatch
) -> None:
    loc, _ = shared_location(items)
    seen: list[int] = []
    original = engine.db.recount_locations

    def spy(conn: sqlite3.Connection, locs: list[str]) -> list[int]:
        seen.append(conn.execute("PRAGMA synchronous").fetchone()[0])
        return original(conn, locs)

    monkeypatch.setattr(engine.db, "recount_locations", spy)
    engine.update_capacities(loc, [counter(3, minutes(70))])
    assert seen == [2]  # FULL inside the push's transaction
    assert engine.db.conn().execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL after


def test_owners_champs_and_identifiers(engine: EmbeddedEngine, items: list[Offer]) -> None:
    loc, users = shared_location(items)
    info = engine.locations_info([loc, "nowhere"])
    assert set(info) == {loc}
    assert info[loc].offers == tuple(sorted(o.id for o in users))
    assert info[loc].finess == {o.establishment.finess for o in users if o.establishment.finess}
    assert info[loc].champs == {c for o in users for c in o.champ}
    finess = sorted(info[loc].finess)[0]
    eg_id = users[0].establishment.id
    assert engine.find_locations(finess, loc) == [loc]
    assert engine.find_locations("1" + finess, loc) == [loc]  # IdNatStruct = "1" + FINESS
    assert engine.find_locations(eg_id, loc) == [loc]
    assert engine.find_locations("999999999", loc) == []
    assert engine.find_locations(finess, "nowhere") == []


def test_synchro_identifiers_from_the_kept_source(tmp_path: Path, items: list[Offer]) -> None:
    loc, users = shared_location(items)
    offer = users[0]
    source = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Location",
                    "id": loc,
                    "identifier": [
                        {"type": {"coding": [{"code": "26"}]}, "value": "REA-NORD"},
                        {"value": "24/1073"},
                    ],
                }
            }
        ],
    }
    engine = EmbeddedEngine(build_db(tmp_path / "synchro.sqlite", items))
    engine.upsert([dataclasses.replace(offer, source=source)])  # incremental path
    finess = offer.establishment.finess
    assert finess is not None
    assert engine.find_locations(finess, "REA-NORD") == [loc]
    engine.close()
    # a full load computes them from the stored documents
    engine = EmbeddedEngine(
        build_db(tmp_path / "synchro2.sqlite", [dataclasses.replace(offer, source=source)])
    )
    assert engine.find_locations("1" + finess, "24/1073") == [loc]


def test_a_read_after_an_acknowledged_push_never_sees_older_counters(
    engine: EmbeddedEngine, items: list[Offer], tmp_path: Path
) -> None:
    """A search still reading an older snapshot must not leave its older counters in the
    engine's cache for the readers that come after the push was acknowledged."""
    loc, users = shared_location(items)
    writer = EmbeddedEngine(engine.path)  # another connection, as another server process
    writer.update_capacities(loc, [counter(1, minutes(1))])
    offer_id = users[0].id
    rid = engine.db.conn().execute("SELECT rid FROM offers WHERE id = ?", (offer_id,)).fetchone()
    key = counter(0, NOW).key()

    def count() -> int | None:
        found = engine.get(offer_id)
        assert found is not None
        return {c.key(): c.count for c in found.capacities if c.location_id == loc}.get(key)

    assert count() == 1
    steps = [threading.Event() for _ in range(3)]
    seen: list[int | None] = []

    def old_search() -> None:
        with engine.snapshot():  # opened before the push
            engine._refresh()
            steps[0].set()
            steps[1].wait(10)
            engine.offers([rid[0]])  # reads the counters of its snapshot
        steps[2].set()

    def later_reader() -> None:
        steps[0].wait(10)
        writer.update_capacities(loc, [counter(2, minutes(2))])  # acknowledged
        engine._refresh()
        steps[1].set()
        steps[2].wait(10)
        seen.append(count())

    threads = [threading.Thread(target=old_search), threading.Thread(target=later_reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    writer.close()
    assert seen == [2]


def test_profiles_decide_what_staleness_costs(engine: EmbeddedEngine, items: list[Offer]) -> None:
    """Item 5: a match says when its count was updated; the emergency profile flags a 7 h old
    count stale and ranks it far lower, the default profile (stale after 12 h) does not."""
    loc, users = shared_location(items)
    offer = users[0]
    at = minutes(0)
    engine.update_capacities(loc, [counter(5, at, gender=g) for g in ("01", "02", "03")])

    def match(profile: str, hours: float) -> tuple[bool, float, tuple[str, ...]]:
        criteria = Criteria(
            lat=offer.place.lat,
            lon=offer.place.lon,
            radius_km=1,
            limit=200,
            profile=profile,  # type: ignore[arg-type]
            beds=BedNeed(nature="01", min_available=1),
            now=at + timedelta(hours=hours),
            facets=False,
        )
        found = {m.offer.id: m for m in search(criteria, engine).matches}
        m = found[offer.id]
        return m.stale, m.parts["capacity"], m.explain

    stale, fresh_part, explain = match("emergency", 0.1)
    assert not stale and "15 lits disponibles, mis à jour il y a 6\u202fmin" in explain
    stale, old_part, explain = match("emergency", 13)
    assert stale and (
        "disponibilité inconnue : dernier chiffre (15 lits disponibles) mis à jour il y a 13\u202fh"
        in explain
    )
    assert old_part < fresh_part
    stale, _, _ = match("default", 7)
    assert not stale
