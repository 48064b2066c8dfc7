"""Counter look-ups (``counter_lookup``) asked among some offers read those offers' Locations'
counters instead of every counter passing: the same offers as the whole answer cut to them, for
offers with Location ids and for one without (its counters kept under its Location keys); a
whole answer is given up past its limit; and the searches through them (with codes: among the
engine's candidates; without: whole) answer as the plain path and the evaluator, for callers
who may and may not see the sensitive unit and the counters, over cursor pages."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ror.api.fhir.lookup import counter_group
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import flat
from ror.model import Capacity, Offer
from ror.search.embedded import counter_lookup
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import Lookup
from tests.api.fhir.test_fhir_coded_lookup import pages
from tests.api.fhir.test_fhir_lookup import pages as plain_pages
from tests.api.fhir.test_fhir_near_lookup import R211

Items = list[tuple[str, str]]
WOMAN = [
    ("location.capacity-type", "01"),
    ("location.gender-capacity-available", "01"),
    ("location.temporality-capacity", "01"),
    ("location.capacity-status", "02"),
    ("location.nb-capacity", "gt0"),
]
CLOSED = [
    ("location.capacity-type", "01"),
    ("location.capacity-closing-type", "01"),
    ("location.capacity-status", "05"),
    ("location.nb-capacity", "gt0"),
]


def unlocated(offer: Offer) -> Offer:
    """``offer`` without Location ids, its counters kept under its Location keys (an older
    source's shape), with a free bed for a woman and a closed re-openable bed."""
    at = offer.capacities[0].updated_at if offer.capacities else None
    assert at is not None
    beds = (
        Capacity("01", "02", "01", 3, at, gender="01"),
        Capacity("01", "05", "01", 2, at, closing_type="01"),
    )
    return dataclasses.replace(offer, location_ids=(), capacities=beds)


def with_bed_for_a_woman(offer: Offer) -> Offer:
    """``offer`` with a free bed for a woman on its first Location."""
    at = offer.last_updated or datetime(2026, 1, 1, tzinfo=UTC)
    bed = Capacity("01", "02", "01", 1, at, gender="01", location_id=offer.location_ids[0])
    return offer.with_capacities((*offer.capacities, bed))


@pytest.fixture(scope="module")
def engine(
    tmp_path_factory: pytest.TempPathFactory, offers: list[Offer]
) -> Iterator[EmbeddedEngine]:
    """Every other offer with a Location (and the sensitive units) has a free bed for a woman:
    more offers than a specialty's candidates, so that those are asked among them; one offer of
    the sensitive unit's specialty has no Location ids."""
    code = specialty(offers)
    some = [
        with_bed_for_a_woman(o) if o.location_ids and (k % 2 or o.sensitive) else o
        for k, o in enumerate(offers)
    ]
    i = next(
        i
        for i, o in enumerate(some)
        if code in o.activity and o.capacities and o.location_ids and not o.sensitive
    )
    some[i] = unlocated(some[i])
    engine = EmbeddedEngine(tmp_path_factory.mktemp("counters") / "counters.sqlite")
    engine.load(some, replace_all=True)
    yield engine
    engine.close()


def specialty(offers: list[Offer]) -> str:
    """The sensitive unit's first activity (R211)."""
    return next(o for o in offers if o.sensitive).activity[0]


def forget() -> None:
    """The answers this process keeps dropped: asked of the counters again."""
    counter_lookup._WHOLE.clear()
    counter_lookup._AMONG.clear()


def counters(items: Items) -> Lookup:
    conditions = flat(parse_search("HealthcareService", items).condition)
    group = counter_group(conditions)
    assert group is not None
    return group[0]


def test_among_finds_what_the_whole_answer_finds_among_the_same_offers(
    engine: EmbeddedEngine,
) -> None:
    conn = engine.db.conn()
    (last,) = conn.execute("SELECT max(rid) FROM offers").fetchone()
    without_ids = {
        int(r)
        for (r,) in conn.execute(
            "SELECT rid FROM offers o WHERE NOT EXISTS (SELECT 1 FROM location_dates d "
            "WHERE d.rid = o.rid AND d.field = 'described')"
        )
    }
    assert without_ids  # the offer without Location ids is there
    for items in (WOMAN, CLOSED, [("location.capacity-status", "02")]):  # status: wider
        looked = counters(items)
        forget()
        whole = counter_lookup.refs(conn, looked)
        assert whole is not None and len(whole) > 5
        assert whole & without_ids  # found through its Location keys
        for among in (list(range(1, last + 1, 3)), sorted(whole)[::2], sorted(without_ids)):
            forget()  # asked of the counters, not of a kept whole answer
            assert counter_lookup.among(conn, looked, among) == whole & set(among), items
        forget()
        assert counter_lookup.refs(conn, looked, len(whole) - 1) is None
        assert counter_lookup.refs(conn, looked, len(whole)) == whole


@pytest.mark.parametrize("name", ["free bed for a woman", "closed re-openable"])
def test_searches_through_them_answer_as_the_plain_path_and_the_evaluator(
    engine: EmbeddedEngine, offers: list[Offer], name: str
) -> None:
    """With codes: ``coded_lookup`` (counters among the engine's candidates); without:
    ``lookup`` (the whole answer, counted and paged)."""
    items = {
        "free bed for a woman": [("specialty", f"{R211}|{specialty(offers)}"), *WOMAN],
        "closed re-openable": [*CLOSED, ("_count", "25")],
    }[name]
    items += [("_count", "4")] if name.startswith("free") else []
    for profile in (0, 1, 3):
        forget()
        if name.startswith("free"):
            keys = pages(engine, items, profile, "keys")
            assert keys == pages(engine, items, profile, "plain"), profile
            assert keys == pages(engine, items, profile, "evaluator"), profile
        else:
            keys = plain_pages(engine, items, profile, fast=True)
            assert keys == plain_pages(engine, items, profile, fast=False), profile
        if profile == 1:
            found = {i for page in keys for i in page[1]}  # type: ignore[index]
            assert len(found) > 1
            sensitive = {o.id for o in offers if o.sensitive}
            assert found & sensitive or name.startswith("closed")  # with its counters
            assert found & {unlocated_id(engine)}, "the offer without Location ids"


def unlocated_id(engine: EmbeddedEngine) -> str:
    (found,) = (
        engine.db.conn()
        .execute(
            "SELECT id FROM offers o WHERE NOT EXISTS (SELECT 1 FROM location_dates d "
            "WHERE d.rid = o.rid AND d.field = 'described')"
        )
        .fetchone()
    )
    return str(found)


def test_the_kept_answers_follow_pushes_and_upserts(tmp_path: Path, offers: list[Offer]) -> None:
    """Kept per database and state: a pushed counter and a written offer are seen at once,
    whole and among, by another engine on another file too."""
    engine = EmbeddedEngine(tmp_path / "kept.sqlite")
    other = EmbeddedEngine(tmp_path / "other.sqlite")
    try:
        engine.load(offers[:300], replace_all=True)
        other.load(offers[:300], replace_all=True)
        looked = counters(CLOSED)
        conn = engine.db.conn()
        refs = list(range(1, 301))
        before = counter_lookup.refs(conn, looked)
        assert before is not None and counter_lookup.among(conn, looked, refs) == before
        o = next(o for o in offers[:300] if o.location_ids and o.id not in ids(engine, before))
        loc = o.location_ids[0]
        at = datetime(2031, 1, 1, tzinfo=UTC)
        engine.update_capacities(
            loc, [Capacity("01", "05", "01", 2, at, closing_type="01", location_id=loc)]
        )
        pushed = counter_lookup.refs(conn, looked)
        assert pushed is not None and ids(engine, pushed) == ids(engine, before) | {o.id}
        assert counter_lookup.among(conn, looked, refs) == pushed
        assert counter_lookup.refs(other.db.conn(), looked) == before  # its own file
        engine.upsert([dataclasses.replace(o, location_ids=(), capacities=())])
        written = counter_lookup.refs(conn, looked)
        assert written is not None and o.id not in ids(engine, written)
        assert counter_lookup.among(conn, looked, refs) == written
    finally:
        engine.close()
        other.close()


def ids(engine: EmbeddedEngine, refs: frozenset[int]) -> set[str]:
    return {o.id for o in engine.offers(sorted(refs))}
