"""A ``_filter`` whose top level is an ``or`` of conditions the keys find (a sync's
``_lastUpdated ge X or organization._lastUpdated:above ge X``) is the union of their key ranges:
the same totals, pages and cursors as the evaluator for callers who may and may not see the
sensitive units (offers changed themselves, under a changed EG, under a changed organisation
above it, or both counted once), reading only the page."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ror.access.profiles import audience
from ror.api.fhir.lookup import as_lookup, lookup
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import flat
from ror.model import Offer
from ror.search.embedded import lookups
from ror.search.embedded.engine import EmbeddedEngine
from ror.sync.queries import CHANGED_SINCE, SERVICE_INCLUDES
from tests.api.fhir.test_fhir_lookup import Counting, Items, pages

SINCE = datetime(2030, 6, 1, tzinfo=UTC)
LATE = SINCE + timedelta(days=30)
EARLY = SINCE - timedelta(days=400)


def _stamp(moment: datetime) -> dict[str, str]:
    return {"lastUpdated": moment.isoformat().replace("+00:00", "Z")}


def _changed(offer: Offer, i: int) -> Offer:
    """Offer ``i`` with its EG (and an EJ above it) as source resources: the offer itself
    changed after :data:`SINCE` when ``i % 5 == 0``, its EG when ``i % 3 == 0``, its EJ when
    ``i % 3 == 1``; some of those share an instant (ties in ``_lastUpdated`` order)."""
    eg, ej = offer.establishment.id, f"ej-{offer.establishment.id}"
    eg_date = LATE if i % 3 == 0 else EARLY
    ej_date = LATE + timedelta(hours=i % 7) if i % 3 == 1 else EARLY
    own = LATE + timedelta(minutes=i % 11) if i % 5 == 0 else EARLY + timedelta(minutes=i)
    entries: list[dict[str, Any]] = [
        {
            "resource": {
                "resourceType": "Organization",
                "id": eg,
                "meta": _stamp(eg_date),
                "partOf": {"reference": f"Organization/{ej}"},
            }
        },
        {"resource": {"resourceType": "Organization", "id": ej, "meta": _stamp(ej_date)}},
    ]
    entries += list((offer.source or {}).get("entry") or [])
    source = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    return dataclasses.replace(offer, last_updated=own, source=source)


@pytest.fixture(scope="module")
def changed_db(tmp_path_factory: pytest.TempPathFactory, offers: list[Offer]) -> Path:
    sensitive = next(i for i, o in enumerate(offers) if o.sensitive)
    chosen = [*range(0, 600), sensitive] if sensitive >= 600 else list(range(600))
    path = tmp_path_factory.mktemp("union") / "union.sqlite"
    engine = EmbeddedEngine(path)
    engine.load([_changed(offers[i], i if i != sensitive else 0) for i in chosen], replace_all=True)
    engine.close()
    return path


def _filter(since: datetime) -> str:
    return CHANGED_SINCE.format(since=since.isoformat().replace("+00:00", "Z"))


QUERIES: dict[str, Items] = {
    "sync query": [("_filter", _filter(SINCE)), ("_count", "17")],
    "sync query by date": [("_filter", _filter(SINCE)), ("_sort", "_lastUpdated"), ("_count", "9")],
    "sync query newest first": [
        ("_filter", _filter(SINCE)),
        ("_sort", "-_lastUpdated"),
        ("_count", "23"),
    ],
    "EG or own": [
        ("_filter", f"(_lastUpdated ge {SINCE.date()} or organization._lastUpdated ge 2030-06-01)"),
        ("_count", "31"),
    ],
    "dates or identifier": [
        ("_filter", "(_lastUpdated lt 2029-06-01 or identifier eq nope)"),
        ("_sort", "-_lastUpdated"),
        ("_count", "50"),
    ],
    "_summary count": [("_filter", _filter(SINCE)), ("_summary", "count")],
}


@pytest.mark.parametrize(("small", "sort_cost"), [(lookups.SMALL, 0), (50, 10**9)])
def test_an_or_of_key_ranges_answers_as_the_evaluator(
    changed_db: Path, small: int, sort_cost: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sorted whole (few offers found, ``SORT_COST`` 0) and found by walking the order (many:
    ``small``; a ``SORT_COST`` past any walk)."""
    monkeypatch.setattr(lookups, "SMALL", small)
    monkeypatch.setattr(lookups, "SORT_COST", sort_cost)
    engine = EmbeddedEngine(changed_db)
    try:
        for name, items in QUERIES.items():
            for profile in (0, 1):
                fast = pages(engine, items, profile, fast=True)
                assert fast == pages(engine, items, profile, fast=False), (name, profile)
        both = pages(engine, QUERIES["sync query"], 1, fast=True)
        own_only = pages(engine, [("_lastUpdated", f"ge{SINCE.date()}")], 1, fast=True)
        above_only = pages(engine, [("organization._lastUpdated:above", "ge2030-06-01")], 1, True)
        total, own, above = (p[0][0] for p in (both, own_only, above_only))  # type: ignore[index]
        assert 0 < own < total < own + above  # offers on both sides, counted once
        hidden = pages(engine, QUERIES["sync query"], 0, fast=True)[0][0]  # type: ignore[index]
        assert hidden == total - 1  # the sensitive unit (changed) is not shown to profile 0
    finally:
        engine.close()


def test_the_leader_reads_only_the_page_of_the_sync_query(changed_db: Path) -> None:
    """The follower's exact request (its includes too): a page of 20 reads 20 offers of the
    600, none decoded to test the condition."""
    engine = Counting(changed_db)
    try:
        items = [*SERVICE_INCLUDES, ("_filter", _filter(SINCE)), ("_count", "20")]
        for profile in (0, 1):
            engine.read = 0
            result = lookup(parse_search("HealthcareService", items), engine, audience(profile))
            assert result is not None and len(result.page) == 20 and result.total > 200
            assert engine.streams == 0
            assert engine.read == 20, (profile, engine.read)
    finally:
        engine.close()


MOST = EARLY + timedelta(minutes=100)  # the offers' own date passes for about 5 in 6


def test_an_or_whose_own_date_finds_most_offers_counts_those_it_leaves_out(
    changed_db: Path, offers: list[Offer]
) -> None:
    """The own date's part finds most offers: counted by its per-span counts, the other parts
    asked only of the few it leaves out (``lookups._complement``), alone, beside a tag (asked
    among the tag's offers) and for callers who may and may not see the sensitive unit."""
    engine = EmbeddedEngine(changed_db)
    try:
        above = "organization._lastUpdated:above ge 2030-06-01"
        own = f"(_lastUpdated ge {MOST.isoformat()} or {above})"
        tag = str(offers[1].region_tag)
        cases: dict[str, Items] = {
            "sync query": [("_filter", _filter(MOST)), ("_count", "40")],
            "sync query by date": [
                ("_filter", _filter(MOST)),
                ("_sort", "-_lastUpdated"),
                ("_count", "60"),
            ],
            "own or EJ": [("_filter", own), ("_count", "90")],
            "beside a tag": [("_filter", _filter(MOST)), ("_tag", tag), ("_count", "11")],
            "count": [("_filter", _filter(MOST)), ("_summary", "count")],
        }
        request = parse_search("HealthcareService", cases["sync query"][:1])
        found = [as_lookup(c, flat(request.condition), True) for c in flat(request.condition)]
        (union,) = [f[0] for f in found if f is not None]
        with engine.snapshot():
            wide = lookups._complement(engine.db.conn(), union)
        assert wide is not None and wide[0] > 400  # this path, not the parts' refs
        for name, items in cases.items():
            for profile in (0, 1):
                fast = pages(engine, items, profile, fast=True)
                assert fast == pages(engine, items, profile, fast=False), (name, profile)
        total = pages(engine, cases["count"], 1, fast=True)[0][0]  # type: ignore[index]
        own_only = pages(engine, [("_lastUpdated", f"ge{MOST.isoformat()}")], 1, fast=True)
        assert wide[0] == own_only[0][0] < total < 601  # type: ignore[index]
    finally:
        engine.close()
