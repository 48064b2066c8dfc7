"""The overview equals a direct computation over the same offers, for several groupings and
filters, before and after pushes (read through the history feed) and after offers change."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path
from typing import cast

import pytest

from ror.availability.overview import BUCKETS, OverviewQuery, format_table, freshness_bucket
from ror.errors import InvalidInput, UnknownCode
from ror.model import Capacity, Offer
from ror.search.embedded.capacities import facts_current
from ror.search.embedded.engine import EmbeddedEngine
from tests.availability.availability_world import (
    NOW,
    answered_areas,
    counter,
    minutes,
    offers,
    reference_overview,
    shared_location,
)
from tests.service import build_db

QUERIES = [
    OverviewQuery(),
    OverviewQuery("departement"),
    OverviewQuery(bed_nature="02"),
    OverviewQuery("departement", bed_nature="02", champ=("04",)),
    OverviewQuery(activity=("126", "127", "356")),
    OverviewQuery("departement", offer_type=("21",), bed_nature="02"),
    OverviewQuery(champ=("01",), activity=("022",)),  # all-of across filters
    OverviewQuery(activity=("001",)),  # no offer of the dataset has it
]


@pytest.fixture(scope="module")
def items() -> list[Offer]:
    return offers()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, items: list[Offer]) -> EmbeddedEngine:
    return EmbeddedEngine(build_db(tmp_path_factory.mktemp("ov") / "ov.sqlite", items))


def check(engine: EmbeddedEngine, items: list[Offer], pushed: list[tuple[str, Capacity]]) -> None:
    for query in QUERIES:
        answer = engine.availability_overview(query, NOW).to_dict()
        want = reference_overview(items, query.checked(), NOW, pushed)
        assert answered_areas(answer) == want, query
        totals = answer["totals"]
        assert totals["units"] == sum(cast(int, a["units"]) for a in want.values())
        assert sum(totals["freshness"].values()) == totals["units"]


def test_overview_equals_a_direct_computation(engine: EmbeddedEngine, items: list[Offer]) -> None:
    check(engine, items, [])


def test_the_contract_shape(engine: EmbeddedEngine) -> None:
    answer = engine.availability_overview(OverviewQuery(activity=("126",)), NOW).to_dict()
    assert {"group_by", "generated_at", "filters", "areas", "totals"} <= set(answer)
    assert answer["group_by"] == "region" and answer["filters"]["activity"] == ["126"]
    assert answer["filters"]["temporality"] == "01" and answer["filters"]["assignment"] == "all"
    figures = {"installed", "available", "occupied", "closed", "extra", "units", "freshness"}
    for area in answer["areas"]:
        assert {"code", "name", *figures} <= set(area)
        assert isinstance(area["name"], str) and area["name"]
        assert list(area["freshness"]) == list(BUCKETS)
    assert figures <= set(answer["totals"])
    names = {a["code"]: a["name"] for a in answer["areas"]}
    assert names["76"] == "Occitanie" and names["11"] == "Île-de-France"
    assert len(answer["areas"]) >= 18  # every région listed, zeros included


def test_pushes_reach_the_overview(engine: EmbeddedEngine, items: list[Offer]) -> None:
    engine.availability_overview(OverviewQuery(), NOW)  # the index is built before the pushes
    loc, users = shared_location(items)
    pushed: list[tuple[str, Capacity]] = []
    for i, (count, at) in enumerate([(5, 2), (7, 1), (11, 30)]):
        batch = [
            counter(count, minutes(at), location_id=loc),
            counter(count + 20, minutes(at), status="01", location_id=loc),
            counter(i, minutes(at), status="05", location_id=loc),
        ]
        result = engine.update_capacities(loc, batch)
        pushed += [(loc, c) for c, o in zip(batch, result.results, strict=True) if o.applied]
    other = next(o for o in items if o.capacities and o not in users)
    far = next(c for c in other.capacities if c.status == "01")
    late = dataclasses.replace(far, count=far.count + 3, updated_at=minutes(45))
    engine.update_capacities(far.location_id, [late])
    pushed.append((far.location_id, late))
    check(engine, items, pushed)
    # a Location shared by several offers is counted once
    shared = engine.availability_overview(
        OverviewQuery(activity=tuple(sorted({a for o in users for a in o.activity}))), NOW
    )
    assert shared.totals.units <= len({loc for o in items for loc in o.location_ids})


def test_offers_written_again_rebuild_the_index(tmp_path: Path, items: list[Offer]) -> None:
    engine = EmbeddedEngine(build_db(tmp_path / "up.sqlite", items))
    engine.availability_overview(OverviewQuery(), NOW)
    moved = next(o for o in items if o.capacities and o.place.region != "11")
    paris = dataclasses.replace(moved.place, region="11", departement="75", commune="75056")
    changed = [dataclasses.replace(moved, place=paris)]
    # an upsert rewrites the offer and its areas: only the offer's own place changes (the
    # first offer of a shared Location decides its area)
    engine.upsert(changed)
    after = [changed[0] if o.id == moved.id else o for o in items]
    check(engine, after, [])
    engine.delete([items[0].id, items[1].id])
    check(engine, after[2:], [])


def test_a_database_indexed_before_the_facts_existed(tmp_path: Path, items: list[Offer]) -> None:
    path = build_db(tmp_path / "old.sqlite", items)
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE offer_facts")
    conn.execute("DROP TABLE location_synchro")
    conn.execute("DELETE FROM meta WHERE key = 'facts_version'")
    conn.commit()
    conn.close()
    engine = EmbeddedEngine(path)  # computes them once
    assert facts_current(engine.db.conn())
    check(engine, items, [])


def test_facts_follow_upserts_and_deletes_and_wait_for_a_rebuild_after_a_swap(
    tmp_path: Path, items: list[Offer]
) -> None:
    engine = EmbeddedEngine(build_db(tmp_path / "gap.sqlite", items))
    conn = engine.db.conn()
    assert facts_current(conn)
    engine.upsert(items[5:7])
    engine.delete([items[9].id])
    engine.upsert([])
    assert facts_current(conn)  # carried along by the writes that kept them
    loc, _ = shared_location(items)
    fast = engine.locations_info([loc])
    # what a full load's swap leaves: documents renumbered, facts not yet rebuilt
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'docs_version'")
    assert not facts_current(conn)
    assert engine.locations_info([loc]) == fast  # read from the documents meanwhile
    kept = [o for o in items if o.id != items[9].id]
    check(engine, kept, [])  # the overview computes them first
    assert facts_current(conn)


def test_queries_are_checked() -> None:
    with pytest.raises(InvalidInput) as bad:
        OverviewQuery("commune").checked()  # type: ignore[arg-type]
    assert bad.value.field == "group_by"
    with pytest.raises(InvalidInput) as bad:
        OverviewQuery(bed_nature="03").checked()
    assert bad.value.field == "bed_nature"
    with pytest.raises(UnknownCode) as unknown:
        OverviewQuery(activity=("9999",)).checked()
    assert unknown.value.field == "activity"
    assert OverviewQuery(activity=("22",), bed_nature="2").checked() == OverviewQuery(
        activity=("022",), bed_nature="02"
    )


@pytest.mark.parametrize(
    ("hours", "bucket"),
    [
        (-2, "lt_1h"),
        (0, "lt_1h"),
        (0.99, "lt_1h"),
        (1, "lt_3h"),
        (5.9, "lt_6h"),
        (11, "lt_12h"),
        (23.9, "lt_24h"),
        (24, "older"),
        (500, "older"),
    ],
)
def test_freshness_buckets(hours: float, bucket: str) -> None:
    assert BUCKETS[freshness_bucket(hours)] == bucket


def test_the_cli_table(engine: EmbeddedEngine) -> None:
    text = format_table(engine.availability_overview(OverviewQuery(), NOW))
    lines = text.splitlines()
    assert lines[0].startswith("lits, temporalité courante")
    assert lines[1].split()[:2] == ["région", "installés"]
    assert lines[-1].startswith("total")


def test_the_cli_command(engine: EmbeddedEngine) -> None:
    import io
    import json

    from ror.commands.overview import overview_command

    out = io.StringIO()
    assert overview_command(engine, group_by="departement", activity=["126,127"], out=out) == 0
    assert out.getvalue().splitlines()[1].split()[0] == "département"
    out = io.StringIO()
    assert overview_command(engine, bed_nature="02", as_json=True, out=out) == 0
    answer = json.loads(out.getvalue())
    assert answer["filters"]["bed_nature"] == "02" and answer["group_by"] == "region"
