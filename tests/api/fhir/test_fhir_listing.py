"""Listings read in key order answer exactly as the general search path: the same totals, the
same pages and cursors, for offers, lookups by id and Locations, for callers who may and may not
see the sensitive units."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ror.access.profiles import audience
from ror.api.fhir.catalog import ResourceType
from ror.api.fhir.listing import listing
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import Result, run
from ror.model import Offer
from ror.search.embedded import EmbeddedEngine
from ror.search.engine import Listings

Page = tuple[int, list[str | None], list[list[str]]]


def pages(
    engine: EmbeddedEngine, items: list[tuple[str, str]], profile: int, fast: bool
) -> list[Page]:
    """Every page following the cursors: (total, ids of the page, via of each Location)."""
    resource: ResourceType = "Location" if ("type", "Location") in items else "HealthcareService"
    query = [(k, v) for k, v in items if k != "type"]
    out: list[Page] = []
    cursor = None
    while True:
        request = parse_search(resource, [*query, *([("_cursor", cursor)] if cursor else [])])
        seen_by = audience(profile)
        result: Result | None = listing(request, engine, seen_by) if fast else None
        if fast:
            assert result is not None  # it is a listing
        else:
            result = run(request, engine, seen_by)
        out.append(
            (result.total, [h.id for h in result.page], [sorted(h.via) for h in result.page])
        )
        cursor = result.next_cursor
        if cursor is None:
            return out


@pytest.mark.parametrize("profile", [0, 1])
@pytest.mark.parametrize(
    "items",
    [
        [("_count", "300")],
        [("_count", "7"), ("_id", "syn-hs-0000005,syn-hs-0000002,nope,SENSITIVE,syn-hs-0000700")],
        [("type", "Location"), ("_count", "250"), ("_revinclude", "HealthcareService:location")],
        [("_count", "300"), ("_offset", "1190")],
        [("_count", "3"), ("_offset", "2"), ("_id", "syn-hs-0000005,syn-hs-0000002,SENSITIVE")],
        [("type", "Location"), ("_count", "250"), ("_offset", "333")],
    ],
    ids=["offers", "by id", "Locations", "offers at offset", "by id at offset", "Locations at"],
)
def test_listing_answers_as_the_search(
    db_path: Path, offers: list[Offer], items: list[tuple[str, str]], profile: int
) -> None:
    sensitive = next(o for o in offers if o.sensitive)
    items = [(k, v.replace("SENSITIVE", sensitive.id)) for k, v in items]
    engine = EmbeddedEngine(db_path)
    try:
        assert isinstance(engine, Listings)
        fast = pages(engine, items, profile, fast=True)
        assert fast == pages(engine, items, profile, fast=False)
        assert len(fast) > 1 or "_id" in dict(items)
    finally:
        engine.close()


def test_other_searches_are_not_listings(db_path: Path) -> None:
    engine = EmbeddedEngine(db_path)
    try:
        for query in (
            [("service-type", "04")],
            [("_sort", "name")],
            [("_id:not", "x")],
            [("location.near", "43.6|1.44|10|km")],
        ):
            request = parse_search("HealthcareService", query)
            assert listing(request, engine, audience(1)) is None, query
    finally:
        engine.close()


def test_location_total_follows_written_offers(tmp_path: Path, offers: list[Offer]) -> None:
    """The Locations' total is kept between pages, and counted again once offers change."""
    engine = EmbeddedEngine(tmp_path / "locations.sqlite")
    try:
        engine.load(offers[:200], replace_all=True)
        request = parse_search("Location", [("_count", "5")])

        def total() -> int:
            result = listing(request, engine, audience(1))
            assert result is not None
            assert result.total == run(request, engine, audience(1)).total
            return result.total

        before = total()
        assert total() == before
        fresh = dataclasses.replace(
            offers[300], location_ids=("lieu-tout-neuf",), capacities=(), equipment=()
        )
        engine.upsert([fresh])
        assert total() > before
        engine.delete([fresh.id])
        assert total() == before
    finally:
        engine.close()
