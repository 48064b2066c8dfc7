"""The in-memory index (memory_*.py) answers as SQL does, bounds scores soundly, and keeps up
with every change made to the file by any process."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.reference import Reference
from ror.criteria import Audience, BedNeed, Criteria, Group
from ror.errors import NotFound
from ror.model import Offer
from ror.ranking import check, score, weights_for
from ror.ranking.scoring import bed_need, score_upper_bounds
from ror.search import pipeline
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.embedded.memory import index as memory_index
from ror.search.embedded.memory import store as memory_store
from ror.search.engine import Candidate, CandidateQuery
from ror.search.grouping import group_key
from ror.search.pipeline import FACET_FIELDS, search
from ror.search.result import SearchResult
from ror.search.rings import union
from tests.search.builders import (
    ALBI,
    BLAGNAC,
    MURET,
    NOW,
    PARIS,
    TOULOUSE,
    beds,
    make_offer,
    random_criteria,
    zone,
)


def engine_query(criteria: Criteria) -> tuple[Criteria, CandidateQuery]:
    """The pipeline's engine query for ``criteria``."""
    criteria = pipeline.validate(pipeline.resolve_text(pipeline.resolve_place(criteria)))
    zones = pipeline.patient_zones(criteria)
    return criteria, pipeline.plan(criteria, NOW, zones)


def units(engine: EmbeddedEngine, query: CandidateQuery) -> tuple[list[Any], list[Any], str]:
    """By-zone and stream candidates as sorted (ref, km, fails, sure), and the strategy."""
    found = engine.candidates(query)
    stream = [c for c in found.stream if isinstance(c, Candidate)]
    distances = [c.distance_km or 0.0 for c in stream]
    assert distances == sorted(distances)  # nearest first
    return sorted(map(_row, found.by_zone)), sorted(map(_row, stream)), found.strategy


def _row(c: Candidate) -> tuple[Any, ...]:
    return c.ref, c.distance_km, c.fails, c.sure


def test_candidates_and_facets_equal_the_sql_ones(
    synthetic_engine: EmbeddedEngine,
    synthetic_sql_engine: EmbeddedEngine,
    synthetic_offers: list[Offer],
) -> None:
    rng = random.Random(11)
    memory_used = 0
    for _ in range(50):
        _, query = engine_query(random_criteria(rng, synthetic_offers))
        with synthetic_engine.snapshot():
            got = units(synthetic_engine, query)
            memory_used += synthetic_engine.candidates(query).rings is not None
            radius = rng.choice((None, 5.0, 20.0, 80.0))
            got_facets = synthetic_engine.facets(query, radius, FACET_FIELDS)
        with synthetic_sql_engine.snapshot():
            want = units(synthetic_sql_engine, query)
            want_facets = synthetic_sql_engine.facets(query, radius, FACET_FIELDS)
        assert got == want, query
        assert got_facets == want_facets, (query, radius)
    assert memory_used == 50


def test_a_strict_query_gets_the_sql_candidates_failing_nothing(
    synthetic_engine: EmbeddedEngine,
    synthetic_sql_engine: EmbeddedEngine,
    synthetic_offers: list[Offer],
) -> None:
    """The FHIR facade's query (``strict``): the in-memory index leaves out the near-misses,
    the rest as SQL gives it."""
    rng = random.Random(12)
    missed = 0
    for _ in range(50):
        _, query = engine_query(random_criteria(rng, synthetic_offers))
        query = dataclasses.replace(query, strict=True)
        with synthetic_engine.snapshot():
            got = units(synthetic_engine, query)
        with synthetic_sql_engine.snapshot():
            want = units(synthetic_sql_engine, query)
        missed += sum(1 for rows in want[:2] for row in rows if row[2] > 0)
        passing = tuple([row for row in rows if row[2] == 0] for rows in want[:2])
        assert got[:2] == passing, query
    assert missed  # near-misses the SQL path gives were left out


def test_many_facet_units_leave_the_facet_out_as_sql_does(
    synthetic_engine: EmbeddedEngine,
    synthetic_sql_engine: EmbeddedEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("ror.search.embedded.memory.query._CHUNK", 7)  # counted in small slices
    _, query = engine_query(Criteria(place="Paris", champ=("01",)))
    for limit in (5, 40, 400):
        monkeypatch.setattr("ror.search.embedded.engine.FACET_MAX_UNITS", limit)
        got = synthetic_engine.facets(query, 50.0, FACET_FIELDS)
        assert got == synthetic_sql_engine.facets(query, 50.0, FACET_FIELDS)
    assert got.incomplete == ("champ",) and got.counts["activity"]


# --- score bounds (pruning) ----------------------------------------------------------------


def test_score_bounds_never_undercut_and_are_tight_when_facts_are_exact(
    synthetic_engine: EmbeddedEngine, synthetic_offers: list[Offer]
) -> None:
    rng = random.Random(5)
    checked = tight = 0
    for _ in range(30):
        criteria = random_criteria(rng, synthetic_offers).with_(radius_km=None, limit=5)
        if criteria.beds is not None and rng.random() < 0.5:
            criteria = criteria.with_(beds=BedNeed(nature=criteria.beds.nature))
        criteria, query = engine_query(criteria)
        weights = weights_for(criteria.profile)
        zones = pipeline.patient_zones(criteria)
        stream = synthetic_engine.candidates(query).rings
        assert stream is not None
        for ring in stream.rings():
            eligible = ring.take(ring.fails == 0)
            km = eligible.km()
            facts = eligible.facts(bed_need(criteria, weights))
            bounds = score_upper_bounds(km, facts, criteria, weights, NOW)
            offers = synthetic_engine.offers(eligible.refs.tolist())
            for i, offer in enumerate(offers):
                d = None if km is None else float(km[i])
                if check(offer, criteria, now=NOW, patient_zone_keys=zones, distance_km=d):
                    continue
                got = score(offer, criteria, distance_km=d, now=NOW, weights=weights).score
                assert got <= bounds[i], (offer.id, criteria)
                checked += 1
                tight += bool(bounds[i] <= got * (1 + 1e-6))
                if weights.price_weight == 0 and (
                    criteria.beds is None or criteria.beds.gender is None
                ):
                    assert bounds[i] == pytest.approx(got, rel=1e-6), (offer.id, criteria)
    assert checked > 500 and tight > 0.8 * checked


@pytest.mark.parametrize("group", ["offer", "establishment"])
def test_bounds_spare_reading_units_that_cannot_reach_the_page(
    synthetic_engine: EmbeddedEngine,
    synthetic_sql_engine: EmbeddedEngine,
    reference: Reference,
    monkeypatch: pytest.MonkeyPatch,
    group: Group,
) -> None:
    """Grouped, the units counted without being read are not read for their groups either
    (``EmbeddedEngine.group_keys``): only the page's establishments are, for their members."""
    criteria = Criteria(
        place="Paris", offer_type=("21",), profile="nursing_home", limit=3, group=group
    )
    page_offers = 0
    if group == "establishment":
        matches = search(criteria, synthetic_engine, now=NOW).matches
        ids = {m.offer.establishment.id for m in matches}
        page_offers = sum(len(synthetic_engine.establishment_offers(eg)) for eg in ids)
    read: dict[str, int] = {}

    def counting(engine: EmbeddedEngine, name: str) -> None:
        offers = engine.offers

        def wrapped(refs: Any) -> list[Offer]:
            read[name] = read.get(name, 0) + len(refs)
            return offers(refs)

        monkeypatch.setattr(engine, "offers", wrapped)

    counting(synthetic_engine, "memory")
    counting(synthetic_sql_engine, "sql")
    got = search(criteria, synthetic_engine, now=NOW)
    want = search(criteria, synthetic_sql_engine, now=NOW)
    assert [m.offer.id for m in got.matches] == [m.offer.id for m in want.matches]
    assert [m.offer.id for m in got.matches] == list(reference.search(criteria, NOW).ids)
    assert got.total == want.total == reference.search(criteria, NOW).total
    limit = criteria.limit + pipeline.NEAR_MISSES + 4 + page_offers
    assert read["memory"] <= limit < read["sql"] / 2
    if group == "offer":
        assert got.total > 3 * read["memory"]


# --- keeping up with the file ------------------------------------------------------------------


def town() -> list[Offer]:
    return [
        make_offer("near", location_ids=("L1",), capacities=(beds(0, location_id="L1"),)),
        make_offer(
            "muret", where=MURET, location_ids=("L2",), capacities=(beds(1, location_id="L2"),)
        ),
        make_offer(
            "blagnac",
            where=BLAGNAC,
            location_ids=("L3",),
            capacities=(beds(2, location_id="L3", updated_at=NOW - timedelta(hours=9)),),
        ),
        make_offer("albi", where=ALBI, location_ids=("L4",)),
        make_offer("paris", where=PARIS, sensitive=True, champ=("02",)),
        make_offer("home", where=PARIS, zones=(zone("31", "2"),), location_ids=("L5",)),
    ]


ASKS = [
    Criteria(lat=TOULOUSE[0], lon=TOULOUSE[1], activity=("126",), beds=BedNeed(), limit=2),
    Criteria(place="Toulouse", activity=("126",), profile="emergency", limit=3),
    Criteria(lat=TOULOUSE[0], lon=TOULOUSE[1], champ=("01", "02"), radius_km=800.0),
]


def answers(engine: EmbeddedEngine, group: Group | None = None) -> list[Any]:
    out = []
    for criteria in ASKS:
        r = search(criteria.with_(group=group), engine, now=NOW)
        out.append(
            (
                [(m.offer.id, round(m.score, 12)) for m in r.matches],
                [[o.offer.id for o in m.members] for m in r.matches],
                r.total,
                r.radius_km,
                [(n.offer.id, n.criterion) for n in r.near_misses],
                [(f.field, [(v.code, v.count) for v in f.values]) for f in r.facets],
            )
        )
    return out


@pytest.mark.parametrize("overlay_max", [memory_store.OVERLAY_MAX, 0])
def test_every_change_by_another_process_reaches_the_next_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overlay_max: int
) -> None:
    monkeypatch.setattr(memory_store, "OVERLAY_MAX", overlay_max)  # 0: the base is rebuilt
    path = tmp_path / "ror.sqlite"
    writer = EmbeddedEngine(path, memory=False)
    writer.load(town(), replace_all=True)
    reader = EmbeddedEngine(path)  # another process, answering from memory
    sql = EmbeddedEngine(path, memory=False)

    def boom(*_: Any) -> Any:
        raise AssertionError("the reader answered from SQL")

    monkeypatch.setattr(reader, "_stream", boom)

    def same() -> list[Any]:
        got = answers(reader)
        assert got == answers(sql)
        return got

    before = same()
    assert [m for m, _ in before[0][0]] == ["blagnac", "muret"]  # "near" is full
    writer.update_capacities("L1", [beds(3, updated_at=NOW)])
    after = same()
    assert after[0][0][0][0] == "near" and after != before
    writer.upsert([make_offer("new", where=BLAGNAC, location_ids=("L1",))])
    writer.upsert([make_offer("muret", where=MURET, age_min=18)])  # its counters go
    writer.delete(["blagnac"])
    changed = same()
    assert [m for m, _ in changed[0][0]] == ["near"]  # "new" is in near's bed zone
    assert changed[0][1] == [["new"]]
    assert [m for m, _ in answers(reader, group="offer")[0][0]] == ["near", "new"]
    writer.update_capacities("L1", [beds(0, updated_at=NOW + timedelta(minutes=1))])
    assert same()[0][0] == []
    writer.load([make_offer("fresh", capacities=(beds(4),))], replace_all=True)
    assert same()[0][0][0][0] == "fresh"


def test_a_cut_capacity_log_makes_the_figures_read_again(tmp_path: Path) -> None:
    path = tmp_path / "ror.sqlite"
    writer = EmbeddedEngine(path, memory=False)
    writer.load(town(), replace_all=True)
    reader = EmbeddedEngine(path)
    sql = EmbeddedEngine(path, memory=False)
    assert answers(reader) == answers(sql)
    writer.update_capacities("L1", [beds(3, updated_at=NOW)])
    writer.update_capacities("L2", [beds(0, updated_at=NOW)])
    with sqlite3.connect(path) as conn:  # as the trigger does past CAPS_LOG_KEPT entries
        conn.execute("DELETE FROM caps_changes WHERE seq < (SELECT max(seq) FROM caps_changes)")
    assert answers(reader) == answers(sql)


def test_a_full_load_stores_the_index_that_new_processes_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ror.sqlite"
    EmbeddedEngine(path).load(town(), replace_all=True)
    with sqlite3.connect(path) as conn:
        (generation,) = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        names = {r[0] for r in conn.execute("SELECT name FROM memory_snapshot")}
    assert {"head", "availability", "index:rid", "index:col:x"} <= names
    stored = memory_store.load_stored(sqlite3.connect(path), generation)
    assert stored is not None and sorted(stored.base.rid.tolist()) == [1, 2, 3, 4, 5, 6]
    read_back = memory_index.build(sqlite3.connect(path))  # what a process would build
    for (name, data), (again, same) in zip(
        stored.base.to_blobs(), read_back.to_blobs(), strict=True
    ):
        assert (name, data) == (again, same), name

    def no_build(*_: Any) -> Any:
        raise AssertionError("built instead of read")

    monkeypatch.setattr(memory_index, "build", no_build)
    assert answers(EmbeddedEngine(path)) == answers(EmbeddedEngine(path, memory=False))


def test_a_file_without_stored_index_builds_it_once_and_stores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ror.sqlite"
    EmbeddedEngine(path, memory=False).load(town(), replace_all=True)
    with sqlite3.connect(path) as conn:  # as a file indexed before the index existed
        conn.execute("DROP TABLE memory_snapshot")
    monkeypatch.setattr(memory_store, "STORE_MIN", 0)
    first = EmbeddedEngine(path)
    assert answers(first) == answers(EmbeddedEngine(path, memory=False))
    assert first._memory is not None
    first._memory.wait()
    built = first._memory._current
    assert built is not None
    stored = memory_store.load_stored(sqlite3.connect(path), built.generation)
    assert stored is not None and stored.base.rid.tolist() == built.base.rid.tolist()
    np.testing.assert_array_equal(  # nan (no counter) equal to nan
        stored.availability.take(built.base.rid, np.arange(built.base.size)),
        built.availability.take(built.base.rid, np.arange(built.base.size)),
    )


@pytest.mark.parametrize("kept", [True, False])
def test_a_transaction_older_than_the_snapshot_held_gets_its_own(
    tmp_path: Path, kept: bool
) -> None:
    """Threads share the store: a search whose read transaction began before another thread
    moved the snapshot on is answered as of its own transaction (from a kept snapshot,
    advanced; from SQL when none is old enough)."""
    path = tmp_path / "ror.sqlite"
    reader = EmbeddedEngine(path)
    reader.load(town(), replace_all=True)
    writer = EmbeddedEngine(path, memory=False)
    _, query = engine_query(ASKS[0])
    start = units(reader, query)  # the snapshot held: before any push
    assert reader._memory is not None
    held = reader._memory._current
    writer.update_capacities("L1", [beds(7, updated_at=NOW)])
    expected = units(writer, query)
    assert expected != start
    with reader.snapshot():
        reader.db.conn().execute("SELECT 1 FROM meta").fetchone()  # this thread's view
        writer.update_capacities("L2", [beds(9, updated_at=NOW)])
        with sqlite3.connect(path) as conn:  # another thread moves the snapshot on
            newer = memory_store.MemoryStore(path).snapshot(conn)
        assert newer is not None and held is not None and newer.caps_seq > held.caps_seq + 1
        reader._memory._current = newer
        reader._memory._recent = {held.positions: held, newer.positions: newer} if kept else {}
        from_memory = reader.candidates(query).rings is not None
        assert from_memory == kept  # advanced from the older one kept, else SQL
        assert units(reader, query) == expected
    assert units(reader, query) == units(writer, query)
    assert reader.candidates(query).rings is not None


@pytest.mark.parametrize("whole", [0.0, 2.0])
def test_rings_read_as_the_whole_posting_or_never_give_the_same_answers(
    synthetic_engine: EmbeddedEngine,
    reference: Reference,
    synthetic_offers: list[Offer],
    monkeypatch: pytest.MonkeyPatch,
    whole: float,
) -> None:
    """0: the first ring already reads the whole posting; 2: never (every ring by its cells)."""
    monkeypatch.setattr("ror.search.embedded.planner.FACET_FIRST_MAX", 0)
    monkeypatch.setattr("ror.search.embedded.memory.query.WHOLE_FRACTION", whole)
    rng = random.Random(whole)
    for _ in range(25):
        criteria = random_criteria(rng, synthetic_offers)
        got = search(criteria, synthetic_engine, now=NOW)
        want = reference.search(criteria, NOW)
        assert [m.offer.id for m in got.matches] == list(want.ids), criteria
        assert (got.radius_km, got.total) == (want.radius_km, want.total), criteria
        assert [(n.offer.id, n.criterion) for n in got.near_misses] == list(want.near_misses)


@pytest.mark.parametrize("champs", [None, (), ("02",), ("01", "03")])
def test_sensitive_units_are_left_out_for_audiences_as_sql_does(
    tmp_path: Path, champs: tuple[str, ...] | None
) -> None:
    path = tmp_path / "ror.sqlite"
    secret = [
        make_offer("secret-near", where=BLAGNAC, sensitive=True, champ=("02",)),
        make_offer(
            "secret-home", where=PARIS, sensitive=True, champ=("03",), zones=(zone("31", "2"),)
        ),
    ]
    EmbeddedEngine(path).load([*town(), *secret], replace_all=True)
    reader, sql = EmbeddedEngine(path), EmbeddedEngine(path, memory=False)
    audience = Audience(sensitive_champs=champs)
    for criteria in ASKS:
        asked = criteria.with_(audience=audience)
        got, want = search(asked, reader, now=NOW), search(asked, sql, now=NOW)
        seen = {m.offer.id for m in got.matches} | {n.offer.id for n in got.near_misses}
        assert [m.offer.id for m in got.matches] == [m.offer.id for m in want.matches]
        assert [n.offer.id for n in got.near_misses] == [n.offer.id for n in want.near_misses]
        assert (got.total, got.radius_km, got.facets) == (want.total, want.radius_km, want.facets)
        for offer in (*town(), *secret):
            if offer.id in seen:
                assert audience.shows(offer), (offer.id, champs)


@pytest.mark.parametrize(
    "criteria",
    [
        Criteria(beds=BedNeed(nature="01"), limit=5),  # no position: every near-miss ties at 0
        Criteria(beds=BedNeed(nature="01"), age=85, limit=50, offset=20),
        Criteria(place="Toulouse", radius_km=60.0, beds=BedNeed(nature="01"), limit=5),
        Criteria(place="Paris", beds=BedNeed(nature="02"), champ=("04",), limit=3),
    ],
)
def test_near_misses_of_a_tied_run_taken_as_arrays_are_the_reference_ones(
    synthetic_engine: EmbeddedEngine, reference: Reference, criteria: Criteria
) -> None:
    """Units at the last near-miss's distance are looked up by ref in the ring arrays
    (``NearMissPool.at``), not made one by one: the same near-misses as the brute force."""
    got = search(criteria, synthetic_engine, now=NOW)
    want = reference.search(criteria, NOW)
    assert [m.offer.id for m in got.matches] == list(want.ids)
    assert [(n.offer.id, n.criterion) for n in got.near_misses] == list(want.near_misses)
    assert len(got.near_misses) == 5


@pytest.fixture(scope="module")
def shuffled_engine(
    tmp_path_factory: pytest.TempPathFactory, synthetic_offers: list[Offer]
) -> Iterator[EmbeddedEngine]:
    """The synthetic offers loaded in a shuffled order: refs do not follow ids."""
    offers = list(synthetic_offers)
    random.Random(3).shuffle(offers)
    eng = EmbeddedEngine(tmp_path_factory.mktemp("shuffled") / "ror.sqlite")
    eng.load(offers, replace_all=True)
    yield eng
    eng.close()


@pytest.mark.parametrize("chunk", [4, 1_000_000])
@pytest.mark.parametrize(
    "criteria",
    [
        Criteria(beds=BedNeed(nature="01"), limit=5),
        Criteria(place="Paris", beds=BedNeed(nature="02"), champ=("04",), limit=3),
        Criteria(place="75011", professions=("93",), age=6, limit=3),
    ],
)
def test_tied_near_misses_by_walking_the_ids_or_by_the_runs_own_ids_are_the_same(
    shuffled_engine: EmbeddedEngine,
    reference: Reference,
    criteria: Criteria,
    chunk: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A tied run is read by walking the engine's offers in id order while that costs less
    than the run, then by the run's own ids (a small chunk walks, a huge one never does):
    either way the brute force's near-misses, whatever order the offers were loaded in."""
    monkeypatch.setattr(pipeline, "_ID_CHUNK", chunk)
    got = search(criteria, shuffled_engine, now=NOW)
    want = reference.search(criteria, NOW)
    assert [m.offer.id for m in got.matches] == list(want.ids)
    assert [(n.offer.id, n.criterion) for n in got.near_misses] == list(want.near_misses)


def test_group_keys_from_the_key_table_are_those_of_the_offers_after_changes(
    tmp_path: Path, synthetic_offers: list[Offer]
) -> None:
    """``group_keys`` answers from the in-memory key table, and from SQL for the offers
    written or deleted since the index was built: the keys of the offers as stored, by
    establishment and by bed zone, whatever changed."""
    path = tmp_path / "ror.sqlite"
    engine = EmbeddedEngine(path)
    offers = synthetic_offers[:600]
    engine.load(offers, replace_all=True)
    engine.warm_up()  # the key tables of the base index
    moved = [
        dataclasses.replace(
            o,
            establishment=dataclasses.replace(o.establishment, id=f"EG-moved-{i % 7}"),
            location_ids=(f"LOC-moved-{i % 5}",),
        )
        for i, o in enumerate(offers[:40])
    ]
    engine.upsert([*moved, make_offer("hs-new", location_ids=("LOC-moved-1",))])
    engine.delete([o.id for o in offers[40:50]])
    ids = [o.id for o in (*moved, *offers[50:])] + ["hs-new"]
    refs = list(engine.offer_refs(ids).values())
    assert len(refs) == len(ids)
    for by in ("establishment", "location"):
        want = [group_key(o, by) for o in engine.offers(refs)]
        assert engine.group_keys(refs, by) == want
        assert EmbeddedEngine(path, memory=False).group_keys(refs, by) == want
    assert len({k for k in engine.group_keys(refs, "establishment") if "moved" in k}) == 7
    with pytest.raises(NotFound):
        engine.group_keys([max(refs) + 1000], "location")


def test_grouped_near_misses_read_no_unit_of_a_group_that_has_a_match(
    synthetic_engine: EmbeddedEngine, reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unit of an establishment having a match is no near-miss: its group is told by the
    engine's keys, and the unit is not read to find it out."""
    criteria = Criteria(
        place="Lyon",
        offer_type=("21",),
        profile="nursing_home",
        social_aid=True,
        max_monthly_price_eur=2200.0,
        limit=3,
    )
    want = search(criteria, synthetic_engine, now=NOW)
    matched = {m.offer.establishment.id for m in want.matches}
    read: list[Offer] = []
    near_misses = pipeline.near_misses

    def counting(engine: Any, ranked: Any, *args: Any) -> Any:
        offers = engine.offers

        def recording(refs: Any) -> list[Offer]:
            found: list[Offer] = offers(refs)
            read.extend(found)
            return found

        monkeypatch.setattr(engine, "offers", recording)
        try:
            return near_misses(engine, ranked, *args)
        finally:
            monkeypatch.undo()

    monkeypatch.setattr(pipeline, "near_misses", counting)
    got = search(criteria, synthetic_engine, now=NOW)
    assert [n.offer.id for n in got.near_misses] == [n.offer.id for n in want.near_misses]
    assert [(n.offer.id, n.criterion) for n in got.near_misses] == list(
        reference.search(criteria, NOW).near_misses
    )
    assert read and not {o.establishment.id for o in read} & matched


@pytest.mark.parametrize(
    "failing", [{"max_monthly_price_eur": 1.0}, {"beds": BedNeed(min_available=1000)}]
)
def test_near_misses_read_a_bounded_number_of_units_when_colocated_is_asked(
    synthetic_engine: EmbeddedEngine,
    synthetic_offers: list[Offer],
    monkeypatch: pytest.MonkeyPatch,
    failing: dict[str, Any],
) -> None:
    """Issue 22: co-location (like ``open_at``) is not prefiltered, so a unit failing one
    prefiltered criterion may fail it too and be no near-miss: the near-misses read at most
    ``NEAR_MISS_CHECKS`` units, not every unit within the radius."""
    held = Counter(a for o in synthetic_offers for a in o.activity)
    rare = min(  # an activity one unit has, the southernmost such: far from Paris
        (o.place.lat, a) for o in synthetic_offers for a in o.activity if held[a] == 1
    )[1]
    criteria = Criteria(place="Paris", colocated=(("activity", (rare,)),), limit=1, **failing)
    near_misses = pipeline.near_misses

    def units_read(cap: int) -> tuple[int, SearchResult]:
        read: list[Offer] = []

        def counting(engine: Any, ranked: Any, *args: Any) -> Any:
            offers = engine.offers

            def recording(refs: Any) -> list[Offer]:
                found: list[Offer] = offers(refs)
                read.extend(found)
                return found

            with monkeypatch.context() as m:
                m.setattr(engine, "offers", recording)
                return near_misses(engine, ranked, *args)

        with monkeypatch.context() as m:
            m.setattr(pipeline, "near_misses", counting)
            m.setattr(pipeline, "NEAR_MISS_CHECKS", cap)
            got = search(criteria, synthetic_engine, now=NOW)
        return len(read), got

    unbounded, everything = units_read(10**9)  # the units of the far establishment, at last
    assert unbounded > 1000 and everything.near_misses
    read, got = units_read(100)
    assert 0 < read <= 100 and got.total == 0 and got.near_misses == ()


def test_union_gives_each_ref_once_in_order_and_costs_a_sort() -> None:
    """Issue 22: ``np.unique`` hashes integers (numpy 2.4): 0.8 s CPU for the million refs a
    search without a position ties, against 0.05 s for a sort."""
    rng = np.random.default_rng(5)
    pieces = [rng.integers(0, 500, n) for n in (0, 1, 300, 40)]
    assert union(pieces).tolist() == sorted({int(v) for p in pieces for v in p})
    assert union([]).tolist() == [] and union([np.array([7])]).tolist() == [7]
    refs = np.arange(1_000_000, dtype=np.int64)
    started = time.process_time()
    assert len(union([refs, refs[:5]])) == len(refs)
    assert time.process_time() - started < 0.5
