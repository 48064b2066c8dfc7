"""The embedded engine: storage, atomic replacement, capacities, facets, replay."""

from __future__ import annotations

import dataclasses
import itertools
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest

from ror.errors import NotFound
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.embedded.replay import replay_path
from ror.search.engine import Candidate, CandidateQuery, Engine, SearchRecord
from ror.search.prefilter import Prefilter
from tests.search.builders import (
    ALBI,
    BLAGNAC,
    BORDEAUX,
    MURET,
    NOW,
    PARIS,
    TOULOUSE,
    beds,
    make_offer,
    zone,
)


def ids_of(engine: EmbeddedEngine, query: CandidateQuery) -> list[str]:
    found = engine.candidates(query)
    refs = [c.ref for c in found.by_zone] + [
        c.ref for c in found.stream if isinstance(c, Candidate)
    ]
    return [o.id for o in engine.offers(refs)]


def test_implements_the_engine_protocol(engine: EmbeddedEngine) -> None:
    assert isinstance(engine, Engine)
    assert engine.name == "embedded"


def test_sqlite_has_what_the_engine_needs() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING rtree(id, a, b)")  # R*Tree compiled in
    assert conn.execute("SELECT acos(0.5), json_array(1)").fetchone()[0] == pytest.approx(
        1.0472, 1e-4
    )


def test_load_then_get_round_trips_every_field(engine: EmbeddedEngine) -> None:
    offer = make_offer(
        "a",
        location_ids=("L1",),
        capacities=(beds(3, location_id="L1"), beds(9, location_id="L1", status="01")),
        zones=(zone("31555"), zone("31", "2")),
        age_min=16,
        age_max=99,
        closed_from=NOW + timedelta(days=3),
    )
    stats = engine.load([offer, make_offer("b", where=ALBI)], replace_all=True)
    assert (stats.loaded, stats.replaced_all, stats.rejected) == (2, True, ())
    assert engine.count() == 2
    assert engine.get("a") == offer
    assert engine.get("nope") is None
    assert engine.get("b") == make_offer("b", where=ALBI)


def test_wal_mode_and_one_file(engine: EmbeddedEngine) -> None:
    conn = sqlite3.connect(engine.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_replace_all_swaps_atomically_for_readers(tmp_path: Path) -> None:
    path = tmp_path / "ror.sqlite"
    writer = EmbeddedEngine(path)
    writer.load([make_offer("old-1"), make_offer("old-2")], replace_all=True)
    reader = EmbeddedEngine(path)
    query = CandidateQuery(point=TOULOUSE[:2])
    with reader.snapshot():
        before = ids_of(reader, query)
        writer.load([make_offer("new-1")], replace_all=True)
        during = ids_of(reader, query)  # the reader's snapshot still holds the old index
    after = ids_of(reader, query)
    assert before == during == ["old-1", "old-2"]
    assert after == ["new-1"]
    assert reader.get("old-1") is None and reader.count() == 1


def test_warm_up_reads_the_in_memory_index_before_any_search(tmp_path: Path) -> None:
    path = tmp_path / "ror.sqlite"
    EmbeddedEngine(path).load([make_offer("a"), make_offer("b", where=ALBI)], replace_all=True)
    server = EmbeddedEngine(path)  # another process opening the file, as a worker does
    assert server._memory is not None and server._memory._current is None
    server.warm_up()
    warmed = server._memory._current
    assert warmed is not None and warmed.base.size == 2
    assert ids_of(server, CandidateQuery(point=TOULOUSE[:2])) == ["a", "b"]
    assert server._memory._current is warmed  # the search used it: nothing read again
    EmbeddedEngine(path, memory=False).warm_up()  # SQL only: nothing to read ahead, no error


def test_replace_all_keeps_newer_counters_pushed_meanwhile(engine: EmbeddedEngine) -> None:
    shared = dict(location_ids=("L1",))
    engine.load(
        [make_offer("a", capacities=(beds(1, location_id="L1"),), **shared)], replace_all=True
    )
    engine.update_capacities("L1", [beds(7, updated_at=NOW)])
    engine.load(
        [make_offer("a", capacities=(beds(2, location_id="L1"),), **shared)], replace_all=True
    )
    a = engine.get("a")
    assert a is not None and [c.count for c in a.capacities] == [7]


def test_load_reports_bad_records_and_keeps_good_ones(engine: EmbeddedEngine) -> None:
    bad = make_offer("bad", zones=(zone("xx", "9"),))  # unknown zone type
    stats = engine.load([make_offer("good"), bad], replace_all=True)
    assert stats.loaded == 1
    assert [r[0] for r in stats.rejected] == ["bad"]
    assert engine.get("good") is not None


def test_same_id_twice_in_a_load_keeps_the_last(engine: EmbeddedEngine) -> None:
    engine.load([make_offer("a", name="first"), make_offer("a", name="second")], replace_all=True)
    a = engine.get("a")
    assert engine.count() == 1 and a is not None and a.name == "second"


def test_upsert_replaces_and_reindexes(engine: EmbeddedEngine) -> None:
    engine.load([make_offer("a"), make_offer("b", where=PARIS)], replace_all=True)
    engine.upsert([make_offer("a", where=BORDEAUX, activity=("999",)), make_offer("c")])
    assert engine.count() == 3
    near_toulouse = CandidateQuery(
        point=TOULOUSE[:2], codes=(("activity", ("126",)),), max_radius_km=50
    )
    assert ids_of(engine, near_toulouse) == ["c"]
    moved = CandidateQuery(point=BORDEAUX[:2], codes=(("activity", ("999",)),), max_radius_km=5)
    assert ids_of(engine, moved) == ["a"]


def test_delete_removes_everywhere(engine: EmbeddedEngine) -> None:
    engine.load(
        [make_offer("a", zones=(zone("31555"),)), make_offer("b", where=MURET)], replace_all=True
    )
    assert engine.delete(["a", "missing"]) == 1
    assert engine.get("a") is None and engine.count() == 1
    query = CandidateQuery(point=TOULOUSE[:2], zone_keys=frozenset({"C:31555"}))
    assert ids_of(engine, query) == ["b"]


def test_capacity_update_newer_wins_and_reaches_every_offer_of_the_location(
    engine: EmbeddedEngine,
) -> None:
    loc = dict(location_ids=("L1",))
    engine.load(
        [
            make_offer(
                "a",
                capacities=(beds(0, location_id="L1", updated_at=NOW - timedelta(hours=2)),),
                **loc,
            ),
            make_offer("b", where=ALBI, **loc),
            make_offer("c", where=MURET),
        ],
        replace_all=True,
    )
    with_bed = CandidateQuery(point=TOULOUSE[:2], prefilter=Prefilter(bed_nature="01", bed_min=1))

    def eligible() -> list[str]:
        found = engine.candidates(with_bed)
        refs = [c.ref for c in found.stream if isinstance(c, Candidate) and c.fails == 0]
        return sorted(o.id for o in engine.offers(refs))

    assert eligible() == []
    result = engine.update_capacities(
        "L1",
        [
            beds(4, updated_at=NOW),
            beds(9, updated_at=NOW - timedelta(hours=3)),  # same counter, older: ignored
            beds(2, gender="01", updated_at=NOW),  # a new counter
        ],
    )
    assert (result.applied, result.ignored_stale, result.offers) == (2, 1, ("a", "b"))
    assert [r.reason for r in result.results] == ["applied", "stale", "applied"]
    assert eligible() == ["a", "b"]
    for offer_id in ("a", "b"):
        offer = engine.get(offer_id)
        assert offer is not None
        assert sorted((c.count, c.gender) for c in offer.capacities) == [(2, "01"), (4, None)]
    again = engine.update_capacities("L1", [beds(4, updated_at=NOW)])  # a retry: idempotent
    assert (again.applied, again.ignored_stale) == (0, 1)


def test_capacity_update_of_an_unknown_location_is_not_found(engine: EmbeddedEngine) -> None:
    engine.load([make_offer("a")], replace_all=True)
    with pytest.raises(NotFound) as err:
        engine.update_capacities("nowhere", [beds(1)])
    assert err.value.field == "location_id"


def test_candidates_are_in_distance_order_with_prefilter_failures(engine: EmbeddedEngine) -> None:
    engine.load(
        [
            make_offer("paris", where=PARIS),
            make_offer("albi", where=ALBI, age_min=18),
            make_offer("muret", where=MURET),
            make_offer("home", where=BORDEAUX, zones=(zone("31555"),)),
        ],
        replace_all=True,
    )
    query = CandidateQuery(
        point=TOULOUSE[:2], prefilter=Prefilter(age=8), zone_keys=frozenset({"C:31555", "D:31"})
    )
    found = engine.candidates(query)
    assert [(engine.offers([c.ref])[0].id, c.fails) for c in found.by_zone] == [("home", 0)]
    stream = [c for c in found.stream if isinstance(c, Candidate)]
    assert [engine.offers([c.ref])[0].id for c in stream] == ["muret", "albi", "paris"]
    assert [c.fails for c in stream] == [0, 1, 0]
    assert all(a.distance_km <= b.distance_km for a, b in itertools.pairwise(stream))  # type: ignore[operator]


def test_facets_ignore_their_own_selection(engine: EmbeddedEngine) -> None:
    engine.load(
        [
            make_offer("a", activity=("126",), offer_type=("121",)),
            make_offer("b", activity=("127",), offer_type=("121",), where=MURET),
            make_offer("c", activity=("127",), offer_type=("20",), where=BLAGNAC),
            make_offer("far", activity=("126",), where=PARIS),
        ],
        replace_all=True,
    )
    query = CandidateQuery(
        point=TOULOUSE[:2], codes=(("activity", ("126",)), ("offer_type", ("121",)))
    )
    facets = engine.facets(query, 50.0, ["activity", "offer_type", "champ"])
    assert facets.counts["activity"] == {"126": 1, "127": 1}  # offer_type 121 only
    assert facets.counts["offer_type"] == {"121": 1}  # activity 126 only, within 50 km
    assert facets.counts["champ"] == {"01": 1}  # both selections
    assert engine.facets(query, None, ["offer_type"]).counts["offer_type"] == {"121": 2}


def test_replay_round_trip(engine: EmbeddedEngine) -> None:
    record = SearchRecord(
        "s1", NOW, "embedded", engine.version, {"activity": ["126"]}, {"total": 3}
    )
    engine.save_search(record)
    assert engine.get_search("s1") == record
    assert engine.get_search("other") is None


def test_replay_records_do_not_wait_for_the_index_write_lock(engine: EmbeddedEngine) -> None:
    """A search keeps its record while a writer (a capacity push, a load) holds the index."""
    writer = sqlite3.connect(engine.path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.perf_counter()
        engine.save_search(SearchRecord("s2", NOW, "embedded", engine.version, {}, {}))
        assert time.perf_counter() - started < 0.5
        assert engine.get_search("s2") is not None
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert replay_path(engine.path).exists()


def test_offers_are_read_with_current_counters_after_a_cache_hit(engine: EmbeddedEngine) -> None:
    engine.load(
        [make_offer("a", location_ids=("L1",), capacities=(beds(1, location_id="L1"),))],
        replace_all=True,
    )
    first = engine.get("a")
    engine.update_capacities("L1", [beds(5, updated_at=NOW + timedelta(minutes=1))])
    second = engine.get("a")
    assert first is not None and second is not None
    assert [c.count for c in first.capacities] == [1]
    assert [c.count for c in second.capacities] == [5]
    assert dataclasses.replace(second, capacities=()) == dataclasses.replace(first, capacities=())


def test_offers_past_the_cache_size_are_all_read_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issues 18 and 22: a batch overlapping what is cached, or larger than the whole cache,
    is read in full (it was a KeyError once a process had read 50,000 offers)."""
    monkeypatch.setattr("ror.search.embedded.engine.OFFER_CACHE_SIZE", 4)
    offers = [
        make_offer(f"o{i}", location_ids=(f"L{i}",), capacities=(beds(i, location_id=f"L{i}"),))
        for i in range(12)
    ]
    engine = EmbeddedEngine(tmp_path / "ror.sqlite")
    engine.load(offers, replace_all=True)
    rid = dict(engine.db.conn().execute("SELECT id, rid FROM offers"))
    batches = [range(0, 3), range(2, 7), range(0, 12), range(11, -1, -1), [5, 5, 1, 5]]
    for batch in batches:
        got = engine.offers([rid[f"o{i}"] for i in batch])
        assert [(o.id, o.capacities[0].count) for o in got] == [(f"o{i}", i) for i in batch]
    engine.close()


def test_order_keys_are_the_offers_id_and_last_updated(synthetic_engine: EmbeddedEngine) -> None:
    refs = [7, 3, 7, 1, 250, 2999]
    with synthetic_engine.snapshot():
        offers = synthetic_engine.offers(refs)
        keys = synthetic_engine.order_keys(refs)
    assert keys == [(o.id, o.last_updated) for o in offers]
    assert any(updated is not None for _, updated in keys)
    with pytest.raises(NotFound):
        synthetic_engine.order_keys([10**9])
