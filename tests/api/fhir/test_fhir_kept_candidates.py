"""Searches without a position that the engine decides whole (a ``_filter`` age range with a
specialty, a capacity group) are paged from the candidates' refs the engine keeps per data
state (``KeptCandidates``), in ``_id`` order by the offers' id ranks (``id_ranks``): each
answers exactly as the plain path and the evaluator do (totals, every cursor page, for callers
who may and may not see the capacities and the sensitive unit), whether the page is taken by
rank or by walking the id order, and the kept refs and ranks follow pushes and writes."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ror.access.profiles import audience
from ror.api.fhir.answer import answer, resolved
from ror.api.fhir.near_lookup import coded_lookup
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import run
from ror.model import Capacity, Offer
from ror.search.embedded import id_ranks, lookups
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import KeptCandidates
from tests.api.fhir.test_fhir_coded_lookup import AGE, Items
from tests.api.fhir.test_fhir_lookup import Counting
from tests.api.fhir.test_fhir_near_lookup import R211, centre

FREE_BED: Items = [
    ("location.capacity-type", "01"),
    ("location.capacity-status", "02"),
    ("location.temporality-capacity", "01"),
    ("location.temporary-assignement", "01"),
    ("location.nb-capacity", "gt0"),
]


def pages(engine: EmbeddedEngine, items: Items, profile: int, how: str) -> list[object]:
    """Every page following the cursors, (total, ids), as the facade answers (``keys``), or
    the plain path (``plain``), or the evaluator over every candidate (``evaluator``)."""
    out: list[object] = []
    cursor = None
    seen_by = audience(profile)
    while True:
        more: Items = [("_cursor", cursor)] if cursor else []
        request = parse_search("HealthcareService", [*items, *more])
        if how == "keys":
            result = answer(resolved(request, engine, seen_by), engine, seen_by)
        else:
            result = run(request, engine, seen_by, shortcut=how == "plain")
        out.append((result.total, [h.id for h in result.page]))
        cursor = result.next_cursor
        if cursor is None:
            return out


def queries(offers: list[Offer]) -> dict[str, Items]:
    o = centre(offers)
    return {
        "age and specialty": [("specialty", f"{R211}|{o.activity[0]}"), ("_filter", AGE)],
        "age alone": [("_filter", AGE)],
        "free bed": FREE_BED,
        "free bed and age": [*FREE_BED, ("_filter", AGE)],
    }


@pytest.fixture(scope="module")
def synthetic(db_path: Path) -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine(db_path)
    yield engine
    engine.close()


@pytest.fixture(params=["ranks", "walk"])
def paged_by(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A page of found offers in ``_id`` order taken by rank whenever a walk would read a row
    (``ranks``), or always by walking the id order (``walk``)."""
    monkeypatch.setattr(lookups, "RANKED_WALK", 0 if request.param == "ranks" else 10**9)
    return str(request.param)


def test_kept_searches_answer_as_the_plain_path_and_the_evaluator(
    synthetic: EmbeddedEngine, offers: list[Offer], paged_by: str
) -> None:
    assert isinstance(synthetic, KeptCandidates)
    found = {}
    for name, items in queries(offers).items():
        for profile in (0, 5, 1):
            paged = [*items, ("_count", "7")]
            keys = pages(synthetic, paged, profile, "keys")
            assert keys == pages(synthetic, paged, profile, "plain"), (name, profile)
            assert keys == pages(synthetic, paged, profile, "evaluator"), (name, profile)
            found[(name, profile)] = keys[0][0]  # type: ignore[index]
    for name in queries(offers):
        assert found[(name, 1)], name  # each finds some offers for the entitled caller
    assert not found[("free bed", 0)] and not found[("free bed", 5)]  # capacities unseen
    assert found[("age and specialty", 1)] == found[("age and specialty", 0)] + 1  # sensitive


@pytest.mark.parametrize("name", ["age and specialty", "free bed"])
def test_asked_again_they_read_neither_candidates_nor_offers_but_the_page(
    db_path: Path, offers: list[Offer], name: str
) -> None:
    engine = Counting(db_path)
    try:
        request = parse_search("HealthcareService", [*queries(offers)[name], ("_count", "5")])
        seen_by = audience(1)
        first = answer(resolved(request, engine, seen_by), engine, seen_by)
        engine.read = 0
        again = answer(resolved(request, engine, seen_by), engine, seen_by)
        assert [h.id for h in again.page] == [h.id for h in first.page] and first.total > 5
        assert engine.streams == 0 and engine.read == 5, (engine.streams, engine.read)
    finally:
        engine.close()


def test_the_sensitive_unit_is_paged_only_for_callers_who_see_it(
    synthetic: EmbeddedEngine, offers: list[Offer]
) -> None:
    o = centre(offers)
    items = [*queries(offers)["age and specialty"], ("_count", "3")]
    shown = {
        p: [i for page in pages(synthetic, items, p, "keys") for i in page[1]]  # type: ignore[index]
        for p in (0, 5)
    }
    assert o.id in shown[5] and o.id not in shown[0]


def test_the_kept_refs_and_ranks_follow_pushes_and_writes(
    tmp_path: Path, offers: list[Offer], paged_by: str
) -> None:
    """A pushed free bed, an offer written without its capacities and a new offer whose id
    comes first are each seen by the next search, as the plain path sees them."""
    engine = EmbeddedEngine(tmp_path / "kept.sqlite")
    try:
        engine.load(offers[:400], replace_all=True)
        items = [*FREE_BED, ("_count", "25")]

        def same() -> list[str]:
            keys = pages(engine, items, 1, "keys")
            assert keys == pages(engine, items, 1, "plain")
            return [i for page in keys for i in page[1]]  # type: ignore[index]

        before = same()
        o = next(o for o in offers[:400] if o.location_ids and o.id not in before)
        loc = o.location_ids[0]
        at = datetime(2031, 1, 1, tzinfo=UTC)
        engine.update_capacities(loc, [Capacity("01", "02", "01", 3, at, location_id=loc)])
        pushed = same()
        assert o.id in pushed and len(pushed) > len(before)
        gone = next(i for i in pushed if i != o.id)
        written = next(x for x in offers[:400] if x.id == gone)
        engine.upsert([dataclasses.replace(written, location_ids=(), capacities=())])
        assert gone not in same()
        bed = next(x for x in offers[:400] if x.location_ids and x.id in pushed)
        first = dataclasses.replace(bed, id="0000-first")
        engine.upsert([first])
        assert same()[0] == "0000-first"
        age = [("_filter", AGE), ("_count", "5")]
        assert pages(engine, age, 1, "keys") == pages(engine, age, 1, "plain")
        young = next(x for x in offers[:400] if x.age_min is not None and x.age_min > 35)
        engine.upsert([dataclasses.replace(young, id="0000-0young", age_min=0, age_max=99)])
        keys = pages(engine, age, 1, "keys")
        assert keys == pages(engine, age, 1, "plain")
        assert keys[0][1][0] == "0000-0young"  # type: ignore[index]
        engine.delete(["0000-0young"])  # the highest rid, given again to the next offer
        engine.upsert([dataclasses.replace(young, id="0000-00reused", age_min=0, age_max=99)])
        keys = pages(engine, age, 1, "keys")
        assert keys == pages(engine, age, 1, "plain")
        assert keys[0][1][:2] == ["0000-00reused", "0000-first"]  # type: ignore[index]
    finally:
        engine.close()


def test_the_ranks_are_read_again_only_when_an_offer_is_added(
    tmp_path: Path, offers: list[Offer], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = EmbeddedEngine(tmp_path / "ranks.sqlite")
    reads: list[int] = []
    read = id_ranks._read

    def counted(conn: sqlite3.Connection) -> id_ranks.Ranks:
        reads.append(1)
        return read(conn)

    monkeypatch.setattr(id_ranks, "_read", counted)
    monkeypatch.setattr(lookups, "RANKED_WALK", 0)
    try:
        engine.load(offers[:400], replace_all=True)
        age = [("_filter", AGE), ("_count", "5")]

        def asked() -> int:
            assert pages(engine, age, 1, "keys") == pages(engine, age, 1, "plain")
            return len(reads)

        assert asked() == 1
        some = offers[3]
        engine.upsert([dataclasses.replace(some, age_min=0, age_max=99)])  # rewritten
        engine.delete([offers[5].id])
        assert asked() == 1
        engine.upsert([dataclasses.replace(some, id="0000-new")])  # added
        assert asked() == 2
    finally:
        engine.close()


def test_searches_with_residual_conditions_are_not_answered_from_kept_refs_alone(
    synthetic: EmbeddedEngine, offers: list[Offer]
) -> None:
    """A condition the keys only narrow (``name:exact``) is still tested on the offers read."""
    o = centre(offers)
    items = [*queries(offers)["age and specialty"], ("name:exact", o.name or "x")]
    for profile in (0, 1):
        assert pages(synthetic, items, profile, "keys") == pages(synthetic, items, profile, "plain")
    request = parse_search("HealthcareService", items)
    assert coded_lookup(request, synthetic, audience(1)) is not None
