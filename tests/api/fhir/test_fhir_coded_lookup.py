"""Searches without a position whose codes or prefilter the engine decides go through its
candidates and the look-up keys (``near_lookup.coded_lookup``): each answers exactly as the
plain path and the evaluator do (totals, pages in the keys' orders, cursor pages, for callers
who may and may not see the sensitive unit and the counters), and one the engine and the keys
decide whole reads only its page."""

from __future__ import annotations

from pathlib import Path

import pytest

from ror.access.profiles import audience
from ror.api.fhir.near_lookup import coded_lookup
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import Result, run
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine
from tests.api.fhir.test_fhir_lookup import Counting
from tests.api.fhir.test_fhir_near_lookup import R211, centre

Items = list[tuple[str, str]]
AGE = "(age-range-low le 35 and age-range-high ge 35)"


def pages(engine: EmbeddedEngine, items: Items, profile: int, how: str) -> list[object]:
    """Every page following the cursors: (total, ids, distances)."""
    out: list[object] = []
    cursor = None
    while True:
        request = parse_search(
            "HealthcareService", [*items, *([("_cursor", cursor)] if cursor else [])]
        )
        seen_by = audience(profile)
        result: Result | None
        if how == "keys":
            result = coded_lookup(request, engine, seen_by)
            assert result is not None, f"{items}: not looked up"
        else:
            result = run(request, engine, seen_by, shortcut=how == "plain")
        out.append((result.total, [h.id for h in result.page], [h.distance for h in result.page]))
        cursor = result.next_cursor
        if cursor is None:
            return out


def queries(offers: list[Offer]) -> dict[str, Items]:
    o = centre(offers)
    specialty = ("specialty", f"{R211}|{o.activity[0]}")
    return {
        "specialty": [specialty, ("_count", "15")],
        "specialty and age": [specialty, ("_filter", AGE), ("_count", "12")],
        "category and age": [("service-category", str(o.offer_type[0])), ("_filter", AGE)],
        "specialty by date": [specialty, ("_sort", "-_lastUpdated"), ("_count", "14")],
        "specialty by name": [specialty, ("_sort", "name"), ("_count", "40")],
        "specialty, offset": [specialty, ("_offset", "9"), ("_count", "30")],
        "specialty and tag, count only": [
            specialty,
            ("_tag", str(o.region_tag)),
            ("_summary", "count"),
        ],
        "specialty and tag": [specialty, ("_tag", str(o.region_tag)), ("_count", "8")],
        "ICU and counters": [
            ("specialty", f"{R211}|356"),
            ("location.capacity-type", "01"),
            ("location.capacity-status", "02"),
            ("location.nb-capacity", "gt0"),
            ("_count", "6"),
        ],
        "age and price by start": [
            ("_filter", AGE),
            ("organization.price-type", "02"),
            ("organization.price-amount-value", "lt75"),
            ("_sort", "-organization.price-validity-start-date"),
            ("_count", "9"),
        ],
        "specialty and name exact (tested)": [specialty, ("name:exact", o.name or "x")],
        "category and commune (tested)": [
            ("service-category", str(o.offer_type[0])),
            ("location.commune-cog", o.place.commune),
            ("location.address-city", o.place.city[:3]),
        ],
    }


@pytest.fixture(scope="module")
def synthetic(db_path: Path) -> EmbeddedEngine:
    return EmbeddedEngine(db_path)


def test_coded_searches_answer_as_the_plain_path_and_the_evaluator(
    synthetic: EmbeddedEngine, offers: list[Offer]
) -> None:
    found_any = set()
    for name, items in queries(offers).items():
        for profile in (0, 1, 3):
            keys = pages(synthetic, items, profile, "keys")
            assert keys == pages(synthetic, items, profile, "plain"), (name, profile)
            assert keys == pages(synthetic, items, profile, "evaluator"), (name, profile)
            if keys[0][0]:  # type: ignore[index]
                found_any.add(name)
    assert len(found_any) >= len(queries(offers)) - 1, found_any


def test_the_sensitive_unit_is_counted_only_for_callers_who_see_it(
    synthetic: EmbeddedEngine, offers: list[Offer]
) -> None:
    o = centre(offers)
    items = queries(offers)["specialty"]
    seen = {p: pages(synthetic, items, p, "keys") for p in (0, 1)}
    assert seen[1][0][0] == seen[0][0][0] + 1  # type: ignore[index]
    shown = [[i for page in seen[p] for i in page[1]] for p in (0, 1)]  # type: ignore[index]
    assert o.id in shown[1] and o.id not in shown[0]


def test_searches_the_engine_cannot_narrow_are_left_to_the_other_paths(
    synthetic: EmbeddedEngine, offers: list[Offer]
) -> None:
    o = centre(offers)
    for items in (
        [("_tag", str(o.region_tag))],  # every offer a candidate: ``lookup``
        [("specialty", f"{R211}|{o.activity[0]}"), ("_sort", "organization.price-amount-value")],
        [("specialty", f"{R211}|{o.activity[0]}"), ("location.address-postalcode", "31")],
        [("specialty", f"{R211}|{o.activity[0]}"), ("_summary", "count")],
    ):
        request = parse_search("HealthcareService", items)
        assert coded_lookup(request, synthetic, audience(1)) is None, items


@pytest.mark.parametrize("name", ["specialty", "specialty and age", "specialty and tag"])
def test_decided_by_the_engine_and_the_keys_reads_only_the_page(
    db_path: Path, offers: list[Offer], name: str
) -> None:
    items = [(k, v) for k, v in queries(offers)[name] if k != "_count"] + [("_count", "5")]
    engine = Counting(db_path)
    try:
        result = coded_lookup(parse_search("HealthcareService", items), engine, audience(1))
        assert result is not None and len(result.page) == 5 and result.total > 10
        assert engine.streams == 0  # the engine's kept candidates (``KeptCandidates``)
        assert engine.read == 5, (name, engine.read)
    finally:
        engine.close()
