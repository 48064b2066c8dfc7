"""Searches without a position go through the engine's look-up keys: each parameter answers
exactly as the scan does (same totals, pages and cursors, for callers who may and may not see
the sensitive units), and reads only what it must (a page, or the offers the keys find), never
every offer; the keys follow upserts, deletes and full loads."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ror.access.profiles import audience
from ror.api.fhir import lookup as fhir_lookup
from ror.api.fhir.catalog import ResourceType
from ror.api.fhir.lookup import as_lookup, lookup
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import Result, flat, run
from ror.indexer.facts import identifier_values, organizations_above, view
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import CandidateQuery, Candidates, OrderKeys

Items = list[tuple[str, str]]
R332 = "https://mos.esante.gouv.fr/NOS/TRE_R332-TypeGenre/FHIR/TRE-R332-TypeGenre|"


class Counting(EmbeddedEngine):
    """Counts what a search reads: offers built, ids and dates decoded, candidate streams."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.read = 0
        self.streams = 0

    def offers(self, refs: Sequence[int]) -> list[Offer]:
        self.read += len(refs)
        return super().offers(refs)

    def order_keys(self, refs: Sequence[int]) -> list[OrderKeys]:
        self.read += len(refs)
        return super().order_keys(refs)

    def candidates(self, query: CandidateQuery) -> Candidates:
        self.streams += 1
        return super().candidates(query)


def pages(engine: EmbeddedEngine, items: Items, profile: int, fast: bool) -> list[object]:
    """Every page following the cursors: (total, ids, Locations' offers)."""
    resource: ResourceType = "Location" if ("type", "Location") in items else "HealthcareService"
    query = [(k, v) for k, v in items if k != "type"]
    out: list[object] = []
    cursor = None
    while True:
        request = parse_search(resource, [*query, *([("_cursor", cursor)] if cursor else [])])
        seen_by = audience(profile)
        result: Result | None
        if fast:
            result = lookup(request, engine, seen_by)
            assert result is not None, f"{items}: not looked up"
        else:
            result = run(request, engine, seen_by, shortcut=False)
        out.append(
            (result.total, [h.id for h in result.page], [sorted(h.via) for h in result.page])
        )
        cursor = result.next_cursor
        if cursor is None:
            return out


def synthetic_queries(offers: list[Offer]) -> dict[str, Items]:
    """Each parameter with values the synthetic offers carry (an offer with a FINESS)."""
    o = next(
        x
        for x in offers[len(offers) // 2 :]
        if x.establishment.finess and x.location_ids and x.establishment.prices
    )
    finess = str(o.establishment.finess)
    loc = o.location_ids[0]
    dates = sorted(x.last_updated for x in offers if x.last_updated)
    middle = dates[len(dates) // 2].date().isoformat()
    late = dates[-len(dates) // 50].isoformat()
    return {
        "identifier": [("identifier", str(o.ror_id))],
        "identifier any of": [("identifier", f"{o.ror_id},{offers[3].ror_id},nope")],
        "organization.identifier": [("organization.identifier", finess)],
        "organization.identifier:above": [("organization.identifier:above", finess)],
        "_lastUpdated ge": [("_lastUpdated", f"ge{late}"), ("_count", "7")],
        "_lastUpdated lt": [("_lastUpdated", f"lt{middle}"), ("_count", "300")],
        "_lastUpdated eq day": [("_lastUpdated", middle)],
        "_lastUpdated ne day": [("_lastUpdated", f"ne{middle}"), ("_count", "500")],
        "_lastUpdated ge sorted": [
            ("_lastUpdated", f"ge{middle}"),
            ("_sort", "-_lastUpdated"),
            ("_count", "300"),
        ],
        "_sort -_lastUpdated": [("_sort", "-_lastUpdated"), ("_count", "400")],
        "_sort _lastUpdated": [("_sort", "_lastUpdated"), ("_count", "400")],
        "_offset _lastUpdated": [("_sort", "_lastUpdated"), ("_count", "400"), ("_offset", "999")],
        "_sort name": [("_sort", "name"), ("_count", "400")],
        "_sort -name": [("_sort", "-name"), ("_count", "400")],
        "_sort name _tag": [("_tag", str(o.region_tag)), ("_sort", "name"), ("_count", "40")],
        "_sort -name _lastUpdated": [
            ("_lastUpdated", f"ge{middle}"),
            ("_sort", "-name"),
            ("_count", "300"),
        ],
        "_sort name capacity": [
            ("location.capacity-status", "05"),
            ("_sort", "name"),
            ("_count", "300"),
        ],
        "_offset _tag": [("_tag", str(o.region_tag)), ("_count", "40"), ("_offset", "17")],
        "name": [("name", (o.name or "x").split()[0][:5])],
        "_tag": [("_tag", str(o.region_tag)), ("_count", "40")],
        "_tag sorted": [("_tag", str(o.region_tag)), ("_sort", "-_lastUpdated"), ("_count", "40")],
        "postcode": [("location.address-postalcode", o.place.postal_code[:2]), ("_count", "30")],
        "commune": [("location.commune-cog", f"{o.place.commune},{offers[5].place.commune}")],
        "location.identifier": [("location.identifier", f"{finess}/{loc}")],
        "capacity with _tag": [
            ("_tag", str(o.region_tag)),
            ("location.capacity-status", "02"),
            ("location.nb-capacity", "gt0"),
        ],
        "capacity status alone": [("location.capacity-status", "05"), ("_count", "300")],
        "free bed group": [
            ("location.capacity-type", "01"),
            ("location.capacity-status", "02"),
            ("location.temporality-capacity", "01"),
            ("location.temporary-assignement", "01"),
            ("location.nb-capacity", "gt0"),
            ("_count", "100"),
        ],
        "closed beds": [
            ("location.capacity-type", "01,02"),
            ("location.capacity-closing-type", "01"),
            ("location.capacity-status", "05"),
            ("location.nb-capacity", "ge1"),
        ],
        "counter count ne, any gender": [
            ("location.gender-capacity-available", R332),
            ("location.nb-capacity", "ne0"),
            ("_sort", "-_lastUpdated"),
            ("_count", "200"),
        ],
        "counter count eq, system elsewhere": [
            ("location.capacity-status", "http://example.org/x|02,02"),
            ("location.nb-capacity", "eq3"),
        ],
        "price type": [("organization.price-type", "02"), ("_count", "150")],
        "price codes, any unit": [
            ("organization.price-unit", "TRE_R228|"),
            ("organization.price-welcome-type", "01,02"),
            ("_sort", "_lastUpdated"),
        ],
        "price type with _tag": [("organization.price-type", "02,03"), ("_tag", str(o.region_tag))],
        "closed beds in a region, by date": [
            ("location.capacity-status", "05"),
            ("_tag", str(o.region_tag)),
            ("_sort", "-_lastUpdated"),
        ],
        "price type and amount": [
            ("organization.price-type", "02"),
            ("organization.price-amount-value", "lt75"),
        ],
        "price with FINESS": [
            ("organization.identifier", finess),
            ("organization.price-amount-value", "gt0"),
        ],
        "two Location conditions": [
            ("location.commune-cog", o.place.commune),
            ("location.identifier", f"{finess}/{loc}"),
        ],
        "Location _id": [("type", "Location"), ("_id", loc)],
        "Location identifier": [("type", "Location"), ("identifier", f"{finess}/{loc}")],
        "Location commune": [("type", "Location"), ("commune-cog", o.place.commune)],
        "Location postcode": [("type", "Location"), ("address-postalcode", o.place.postal_code)],
        "Location _tag": [("type", "Location"), ("_tag", str(o.region_tag)), ("_count", "50")],
    }


@pytest.fixture(scope="module")
def synthetic(db_path: Path) -> EmbeddedEngine:
    return EmbeddedEngine(db_path)


def test_every_parameter_answers_as_the_scan(
    synthetic: EmbeddedEngine, offers: list[Offer]
) -> None:
    for name, items in synthetic_queries(offers).items():
        for profile in (0, 1):
            fast = pages(synthetic, items, profile, fast=True)
            assert fast == pages(synthetic, items, profile, fast=False), (name, profile)
            assert profile == 0 or fast[0][0] > 0, f"{name}: finds nothing"  # type: ignore[index]


def test_organisation_identifiers_systems_and_dates_above(
    scenario_db: Path, scenario_offers: list[Offer]
) -> None:
    """Real FHIR data: identifiers with their systems, ``partOf`` organisations, meta tags."""
    engine = EmbeddedEngine(scenario_db)
    try:
        queries: list[Items] = []
        for offer in scenario_offers:
            v = view(offer)
            for _, system, code in identifier_values(v.service or {}):
                queries.append([("identifier", f"{system or ''}|{code}")])
            for org in (v.establishment, *organizations_above(v)):
                for _, system, code in identifier_values(org or {}):
                    queries.append([("organization.identifier", f"{system or ''}|{code}")])
                    queries.append([("organization.identifier:above", code)])
            for loc in v.locations:
                for _, system, code in loc.identifiers:
                    queries.append([("type", "Location"), ("identifier", f"{system or ''}|{code}")])
        queries += [
            [("organization._lastUpdated:above", "ge2020-01-01")],
            [("organization._lastUpdated", "lt2030-01-01")],
            [("_tag", "11,24,76")],
            [("name:exact", scenario_offers[0].name or "x")],
        ]
        assert len(queries) > 8
        for items in queries:
            for profile in (0, 1):
                assert pages(engine, items, profile, True) == pages(engine, items, profile, False)
    finally:
        engine.close()


def test_exact_look_ups_finding_nothing_together(synthetic: EmbeddedEngine) -> None:
    items = [("location.capacity-status", "05"), ("location.nb-capacity", "lt-5"), ("_tag", "11")]
    for profile in (0, 1):
        fast = pages(synthetic, items, profile, fast=True)
        assert fast == pages(synthetic, items, profile, fast=False) == [(0, [], [])]


@pytest.mark.parametrize(
    ("name", "budget"),
    [
        ("identifier", 1),
        ("organization.identifier", 200),
        ("location.identifier", 20),
        ("_lastUpdated ge", 20),
        ("_sort -_lastUpdated", 20),
        ("_sort name", 20),
        ("_sort -name", 20),
        ("_tag", 20),
        ("commune", 20),
        ("postcode", 20),
        ("Location identifier", 20),
        ("closed beds", 20),
        ("free bed group", 20),
        ("price type", 20),
        ("price type with _tag", 20),
        ("capacity with _tag", 20),
        ("capacity status alone", 20),
    ],
)
def test_reads_the_page_or_what_the_keys_find(
    db_path: Path, offers: list[Offer], name: str, budget: int
) -> None:
    """Offers (and dates) read stay within a page or the few the keys find; no candidate
    stream over the nation is opened. A scan reads every one of the 2,000 offers."""
    items = [(k, v) for k, v in synthetic_queries(offers)[name] if k != "_count"]
    items.append(("_count", "20"))
    engine = Counting(db_path)
    try:
        resource: ResourceType = (
            "Location" if ("type", "Location") in items else "HealthcareService"
        )
        request = parse_search(resource, [(k, v) for k, v in items if k != "type"])
        result = lookup(request, engine, audience(1))
        assert result is not None and result.page
        assert engine.streams == 0
        assert engine.read <= budget, (name, engine.read)
    finally:
        engine.close()


def test_keys_follow_upserts_deletes_and_full_loads(tmp_path: Path, offers: list[Offer]) -> None:
    engine = EmbeddedEngine(tmp_path / "keys.sqlite")
    try:
        engine.load(offers[:300], replace_all=True)
        assert engine.lookup_ready()
        first = offers[10]
        later = datetime(2031, 1, 1, tzinfo=UTC)
        changed = dataclasses.replace(first, ror_id="99/renamed", last_updated=later)
        engine.upsert([changed])
        assert engine.lookup_ready()

        def found(items: Items) -> list[str | None]:
            result = lookup(parse_search("HealthcareService", items), engine, audience(1))
            assert result is not None
            return [h.id for h in result.page]

        assert found([("identifier", "99/renamed")]) == [first.id]
        assert found([("identifier", str(first.ror_id))]) == []
        newest = (later - timedelta(days=1)).date().isoformat()
        assert found([("_lastUpdated", f"ge{newest}")]) == [first.id]
        assert found([("_sort", "-_lastUpdated"), ("_count", "1")]) == [first.id]
        engine.delete([first.id])
        assert found([("identifier", "99/renamed")]) == []
        assert first.id not in found([("_sort", "-_lastUpdated"), ("_count", "300")])
        engine.load(offers[300:400], replace_all=True)  # renumbered: the keys are filled again
        assert engine.lookup_ready()
        indexes = {
            str(row[0])
            for row in engine.db.conn().execute(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
            )
        }
        assert {"offer_terms_rid", "offer_dates_rid"} <= indexes  # made again after the fill
        assert found([("identifier", str(offers[350].ror_id))]) == [offers[350].id]
        assert found([("identifier", str(offers[20].ror_id))]) == []
    finally:
        engine.close()


def test_name_order_ties_and_missing_names_as_the_scan(tmp_path: Path, offers: list[Offer]) -> None:
    """``_sort=name`` through the name keys: names equal once folded (accents, case), names
    folding to nothing, across pages, both audiences."""
    engine = EmbeddedEngine(tmp_path / "names.sqlite")
    try:
        engine.load(offers[:300], replace_all=True)
        odd = ["Équipe MOBILE", "equipe mobile", "EQUIPE Mobile", "...", "- -", "Zèbre", "zebre"]
        engine.upsert(
            [dataclasses.replace(o, name=n) for o, n in zip(offers[40:47], odd, strict=True)]
        )
        assert engine.lookup_ready()
        region = str(offers[40].region_tag)
        for sort in ("name", "-name"):
            for items in (
                [("_sort", sort), ("_count", "7")],
                [("_sort", sort), ("_count", "50")],
                [("_tag", region), ("_sort", sort), ("_count", "3")],
            ):
                for profile in (0, 1):
                    fast = pages(engine, items, profile, fast=True)
                    assert fast == pages(engine, items, profile, fast=False), (items, profile)
                    assert len(fast) > 1
    finally:
        engine.close()


@pytest.mark.parametrize("narrow", [7, 60])
def test_several_wide_keys_are_intersected_narrowest_first(
    synthetic: EmbeddedEngine, offers: list[Offer], monkeypatch: pytest.MonkeyPatch, narrow: int
) -> None:
    """Look-ups each finding more than a narrowing may read (``NARROW_MAX``) are asked with
    growing limits, the narrowest intersected with the others: paged by the engine, as the
    scan answers, both audiences."""
    monkeypatch.setattr(fhir_lookup, "FIRST_LIMIT", 2)
    monkeypatch.setattr(fhir_lookup, "NARROW_MAX", narrow)
    o = next(x for x in offers if x.establishment.prices and x.region_tag)
    middle = sorted(x.last_updated for x in offers if x.last_updated)[len(offers) // 2]
    for items in (
        [("organization.price-type", "02"), ("_tag", str(o.region_tag))],
        [("organization.price-type", "02"), ("_lastUpdated", f"lt{middle.date().isoformat()}")],
        [("_tag", str(o.region_tag)), ("_lastUpdated", f"ge{middle.date().isoformat()}")],
    ):
        for profile in (0, 1):
            paged = [*items, ("_count", "9")]
            fast = pages(synthetic, paged, profile, fast=True)
            assert fast == pages(synthetic, paged, profile, fast=False), (items, profile)
            assert fast[0][0] > 0, items  # type: ignore[index]


def test_a_look_up_found_past_a_limit_is_not_read_again_to_give_up(
    tmp_path: Path, offers: list[Offer]
) -> None:
    """Past a limit a look-up answers None without reading its key again, for that limit or a
    smaller one; a larger limit reads it; an offer written (a new state) reads it again."""
    engine = EmbeddedEngine(tmp_path / "past.sqlite")
    try:
        engine.load(offers[:300], replace_all=True)
        (node,) = flat(parse_search("HealthcareService", [("_tag", "11")]).condition)
        looked = as_lookup(node, [node], True)
        assert looked is not None
        wide = looked[0]
        whole = engine.lookup_refs(wide, 10**6)
        assert whole is not None and len(whole) > 4
        reads: list[str] = []
        conn = engine.db.conn()
        conn.set_trace_callback(lambda sql: reads.append(sql) if "offer_terms" in sql else None)
        limit = len(whole) // 2
        assert engine.lookup_refs(wide, limit) is None
        read = len(reads)
        assert read > 0
        assert engine.lookup_refs(wide, limit) is None
        assert engine.lookup_refs(wide, limit // 2) is None
        assert len(reads) == read  # not read again
        assert engine.lookup_refs(wide, len(whole)) == whole
        assert len(reads) > read
        engine.upsert([dataclasses.replace(offers[0], name="Réécrit")])
        read = len(reads)
        assert engine.lookup_refs(wide, limit) is None
        assert len(reads) > read  # a new state: read again
    finally:
        engine.db.conn().set_trace_callback(None)
        engine.close()
