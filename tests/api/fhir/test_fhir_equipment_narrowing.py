"""``equipment-type`` (with ``equipment-feature``) narrows the engine's candidates to the units
having that equipment key (``pushdown._equipment``), the conditions still tested in Python: the
same totals and pages as the evaluator, with and without a position, for several audiences,
reading fewer offers than the codes alone give."""

from __future__ import annotations

from pathlib import Path

import pytest

from ror.access.profiles import audience
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import plan, run
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine
from tests.api.fhir.test_fhir_lookup import Counting
from tests.api.fhir.test_fhir_near_lookup import R211

Items = list[tuple[str, str]]


def equipped(offers: list[Offer]) -> Offer:
    """An offer with an activity and an equipment item of a feature and a limit."""
    return next(
        o
        for o in offers
        if o.activity and any(e.feature and e.limit_value and e.limit_unit for e in o.equipment)
    )


def queries(offers: list[Offer]) -> dict[str, Items]:
    o = equipped(offers)
    e = next(e for e in o.equipment if e.feature and e.limit_value and e.limit_unit)
    limit = f"ge{e.limit_value:g}|http://unitsofmeasure.org|{e.limit_unit}"
    specialty = ("specialty", f"{R211}|{o.activity[0]}")
    wide = ("location.near", f"{o.place.lat}|{o.place.lon}|300|km")
    table = [
        ("location.equipment-type", e.code),
        ("location.equipment-feature", str(e.feature)),
        ("location.limit-value", limit),
    ]
    return {
        "type, feature, limit": [specialty, *table, ("_count", "7")],
        "type, feature, limit, near": [specialty, wide, *table, ("_count", "5")],
        "type alone": [("location.equipment-type", e.code), ("_count", "50")],
        "type and feature by date": [
            specialty,
            *table[:2],
            ("_sort", "-_lastUpdated"),
            ("_count", "9"),
        ],
        "two types (not narrowed)": [
            specialty,
            ("location.equipment-type", e.code),
            ("location.equipment-type", "054" if e.code != "054" else "088"),
        ],
        "type:not (not narrowed)": [specialty, ("location.equipment-type:not", e.code)],
    }


def pages(engine: EmbeddedEngine, items: Items, profile: int, shortcut: bool) -> list[object]:
    out: list[object] = []
    cursor = None
    while True:
        request = parse_search(
            "HealthcareService", [*items, *([("_cursor", cursor)] if cursor else [])]
        )
        result = run(request, engine, audience(profile), shortcut=shortcut)
        out.append((result.total, [(h.id, h.distance) for h in result.page]))
        cursor = result.next_cursor
        if cursor is None:
            return out


@pytest.fixture(scope="module")
def synthetic(db_path: Path) -> EmbeddedEngine:
    return EmbeddedEngine(db_path)


def test_the_equipment_key_narrows_and_answers_as_the_evaluator(
    synthetic: EmbeddedEngine, offers: list[Offer]
) -> None:
    asked = queries(offers)
    for name, items in asked.items():
        narrowed = plan(parse_search("HealthcareService", items), audience(1)).query.prefilter
        assert bool(narrowed.equipment) == ("not narrowed" not in name), name
        for profile in (0, 1, 3):
            pushed = pages(synthetic, items, profile, True)
            assert pushed == pages(synthetic, items, profile, False), (name, profile)
            if "not narrowed" not in name:
                assert pushed[0][0], name  # type: ignore[index]


def test_the_narrowed_search_reads_fewer_offers(db_path: Path, offers: list[Offer]) -> None:
    items = queries(offers)["type, feature, limit"]
    engine = Counting(db_path)
    try:
        request = parse_search("HealthcareService", items)
        run(request, engine, audience(1))
        narrowed = engine.read
        engine.read = 0
        run(parse_search("HealthcareService", items[:1]), engine, audience(1))
        assert 0 < narrowed < engine.read / 2, (narrowed, engine.read)
    finally:
        engine.close()
