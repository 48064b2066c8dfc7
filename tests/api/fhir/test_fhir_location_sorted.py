"""``Location?_tag=…`` and ``Location?name:contains=…`` sorted by ``_lastUpdated`` or ``name``
(``api/fhir/location_sorted.py``) answer exactly as the scan does: pages, totals, cursors,
``_offset``, with date ranges or not, for callers who may and may not see sensitive units or
capacities, after pushes, upserts and deletes; both when the Locations found are sorted whole
and when the sort key is walked."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ror.access.profiles import audience
from ror.api.fhir import location_lookup as location_lookup_module
from ror.api.fhir import location_sorted as location_sorted_module
from ror.api.fhir.location_sorted import location_sorted
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import Hit
from ror.model import Capacity, Offer
from ror.search.embedded.engine import EmbeddedEngine
from tests.api.fhir.location_pages import location_pages
from tests.api.fhir.test_fhir_location_tags import PROFILES, regions

Items = list[tuple[str, str]]
PUSHED = datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC)
SORTS = ("_lastUpdated", "-_lastUpdated", "name", "-name")


def pages(engine: EmbeddedEngine, items: Items, profile: int, fast: bool) -> list[object]:
    """Every page following the cursors: (total, Location ids, their offers, dates and names)."""
    return location_pages(engine, items, profile, location_sorted if fast else None, _shown)


def _shown(h: Hit) -> object:
    return (h.location.last_updated, h.location.name) if h.location else None


def queries(offers: list[Offer]) -> list[Items]:
    top, second, third = regions(offers)[:3]
    out: list[Items] = []
    for sort in SORTS:
        by = ("_sort", sort)
        out += [
            [("_tag", top), ("_count", "40"), by],
            [("_tag", f"{top},{second}"), ("_count", "25"), ("_offset", "7"), by],
            [("_tag", third), ("_tag", f"{third},{top}"), ("_count", "25"), by],
            [("_tag", second), ("_lastUpdated", "ge2026-03-01"), ("_count", "30"), by],
            [("name:contains", "ea"), ("_count", "60"), by],
            [("name:contains", "e,a"), ("_lastUpdated", "lt2026-03-01"), ("_count", "30"), by],
            [("_tag", top), ("name:contains", "e"), ("_count", "30"), by],
            [("_tag", top), ("_summary", "count"), by],
            [("address-postalcode", "3"), ("_count", "40"), by],
            [("address-postalcode", "31,75,6"), ("_count", "25"), ("_offset", "7"), by],
            [("address-postalcode", "3"), ("_lastUpdated", "ge2026-03-01"), by],
            [("address-postalcode", "3"), ("name:contains", "e"), ("_count", "30"), by],
            [("address-city", "a"), ("_count", "40"), by],
            [("address-city", "SAINT-É,p"), ("_count", "25"), ("_offset", "7"), by],
            [("address-city", "s"), ("_lastUpdated", "ge2026-03-01"), ("_count", "30"), by],
            [("address-city", "s"), ("_tag", top), ("name:contains", "e"), by],
            [("address-city", "a"), ("_summary", "count"), by],
            [("address-city:contains", "an,é"), ("_count", "30"), ("_offset", "3"), by],
            [("name", "c,l"), ("_count", "30"), by],
            [("address-city", "a,s"), ("name", "L"), ("_lastUpdated", "ge2026-03-01"), by],
        ]
    return out


def assert_parity(engine: EmbeddedEngine, offers: list[Offer]) -> None:
    for items in queries(offers):
        for profile in PROFILES:
            fast = pages(engine, items, profile, fast=True)
            assert fast == pages(engine, items, profile, fast=False), (items, profile)


@pytest.fixture()
def engine(tmp_path: Path, offers: list[Offer]) -> EmbeddedEngine:
    made = EmbeddedEngine(tmp_path / "locsorted.sqlite")
    made.load(offers[:500], replace_all=True)
    return made


@pytest.mark.parametrize("walked", [False, True], ids=["sorted whole", "key walked"])
def test_answers_as_the_scan_after_pushes_upserts_and_deletes(
    engine: EmbeddedEngine, offers: list[Offer], walked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if walked:
        monkeypatch.setattr(location_sorted_module, "FEW", 0)
        monkeypatch.setattr(location_sorted_module, "BATCH", 16)
        monkeypatch.setattr(location_lookup_module, "BATCH", 16)
    subset = offers[:500]
    assert engine.sensitive_units()  # units some callers may not see
    assert_parity(engine, subset)
    pushed = [o.location_ids[0] for o in subset[40:60] if o.location_ids]
    for i, loc in enumerate(pushed):
        counter = Capacity("01", "02", "01", 3, PUSHED + timedelta(minutes=i), location_id=loc)
        engine.update_capacities(loc, [counter])
    changed = dataclasses.replace(subset[70], last_updated=PUSHED - timedelta(days=3))
    engine.upsert([changed])
    engine.delete([subset[80].id, subset[81].id])
    assert_parity(engine, subset)


def test_other_searches_are_left_to_the_others(engine: EmbeddedEngine) -> None:
    seen_by = audience(1)
    for items in (
        [("_tag", "11")],  # in _id order: location_tags
        [("_lastUpdated", "ge2020-01-01"), ("_sort", "name")],  # dates alone: location_lookup
        [("_tag", "11"), ("address-city:exact", "Paris"), ("_sort", "name")],
        [("_tag", "11"), ("_sort", "_id")],
    ):
        assert location_sorted(parse_search("Location", items), engine, seen_by) is None
