"""The equipment parameters (``equipment-type`` with one code, ``equipment-feature``,
``limit-value``, held by one equipment of one Location) are looked up in the equipment keys
(``embedded/equipment_keys.py``): the same totals and pages as the evaluator with and without a
position, for several audiences, limits in other units and without one; the page alone read;
an index made before the keys fills them when opened (``tests/search/test_key_fill.py``)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from ror.access.profiles import audience
from ror.api.fhir.lookup import lookup
from ror.api.fhir.near_lookup import coded_lookup, near_lookup
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import Result, run
from ror.model import Offer
from ror.search.embedded import key_refs
from ror.search.embedded.engine import EmbeddedEngine
from tests.api.fhir.test_fhir_equipment_narrowing import equipped
from tests.api.fhir.test_fhir_lookup import Counting
from tests.api.fhir.test_fhir_near_lookup import R211

Items = list[tuple[str, str]]
UCUM = "http://unitsofmeasure.org"


def queries(offers: list[Offer]) -> dict[str, Items]:
    o = equipped(offers)
    e = next(e for e in o.equipment if e.feature and e.limit_value and e.limit_unit)
    value = float(e.limit_value or 0)
    specialty = ("specialty", f"{R211}|{o.activity[0]}")
    wide = ("location.near", f"{o.place.lat}|{o.place.lon}|300|km")
    kind = [("location.equipment-type", e.code), ("location.equipment-feature", str(e.feature))]
    return {
        "type, feature, limit": [
            specialty,
            *kind,
            ("location.limit-value", f"ge{value:g}|{UCUM}|{e.limit_unit}"),
            ("_count", "7"),
        ],
        "limit in tonnes": [*kind, ("location.limit-value", f"ge{value / 1000:g}|{UCUM}|t")],
        "limit without a unit": [*kind, ("location.limit-value", f"lt{value:g}")],
        "limit in metres": [*kind, ("location.limit-value", f"ge0|{UCUM}|m")],
        "type alone, near": [wide, ("location.equipment-type", e.code), ("_count", "30")],
        "type and feature, near, by date": [
            wide,
            *kind,
            ("_sort", "-_lastUpdated"),
            ("_count", "9"),
        ],
        "type and limit by name": [
            ("location.equipment-type", e.code),
            ("location.limit-value", f"le{value:g}|{UCUM}|{e.limit_unit}"),
            ("_sort", "name"),
            ("_count", "25"),
        ],
        "type and limit, count": [
            ("equipment-type", e.code),
            ("location.limit-value", f"ge{value:g}|{UCUM}|{e.limit_unit}"),
            ("_summary", "count"),
        ],
    }


def pages(engine: EmbeddedEngine, items: Items, profile: int, keys: bool) -> list[object]:
    out: list[object] = []
    cursor = None
    while True:
        request = parse_search(
            "HealthcareService", [*items, *([("_cursor", cursor)] if cursor else [])]
        )
        seen_by = audience(profile)
        result: Result | None
        if keys:
            result = (
                near_lookup(request, engine, seen_by)
                or coded_lookup(request, engine, seen_by)
                or lookup(request, engine, seen_by)
            )
            assert result is not None, f"{items}: not looked up"
        else:
            result = run(request, engine, seen_by, shortcut=False)
        out.append((result.total, [(h.id, h.distance) for h in result.page]))
        cursor = result.next_cursor
        if cursor is None:
            return out


@pytest.mark.parametrize("per_probe", [key_refs.RANGE_PER_PROBE, 0])
def test_the_equipment_keys_answer_as_the_evaluator(
    db_path: Path, offers: list[Offer], per_probe: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked among candidates: the key read whole (and kept), or probed offer by offer
    (``RANGE_PER_PROBE`` 0)."""
    monkeypatch.setattr(key_refs, "RANGE_PER_PROBE", per_probe)
    engine = EmbeddedEngine(db_path)  # nothing kept from another test
    found_any = set()
    try:
        for name, items in queries(offers).items():
            for profile in (0, 1, 3):
                keys = pages(engine, items, profile, True)
                assert keys == pages(engine, items, profile, False), (name, profile)
                if keys[0][0]:  # type: ignore[index]
                    found_any.add(name)
    finally:
        engine.close()
    assert len(found_any) >= len(queries(offers)) - 1, found_any


@pytest.mark.parametrize("name", ["type alone, near", "type and limit by name"])
def test_decided_by_the_equipment_keys_reads_only_the_page(
    db_path: Path, offers: list[Offer], name: str
) -> None:
    items = [(k, v) for k, v in queries(offers)[name] if k != "_count"] + [("_count", "5")]
    engine = Counting(db_path)
    try:
        request = parse_search("HealthcareService", items)
        result = near_lookup(request, engine, audience(1)) or lookup(request, engine, audience(1))
        assert result is not None and len(result.page) == 5 and result.total > 5
        assert engine.read <= 12, (name, engine.read)
    finally:
        engine.close()


def test_the_equipment_keys_follow_upserts_and_deletes(
    db_path: Path, offers: list[Offer], tmp_path: Path
) -> None:
    """An offer losing its equipment, another deleted: the keys answer as the evaluator."""
    copy = tmp_path / "written.sqlite"
    shutil.copy(db_path, copy)
    engine = EmbeddedEngine(copy)
    try:
        items = queries(offers)["type alone, near"]
        before = pages(engine, items, 1, True)
        o = equipped(offers)
        engine.upsert([dataclasses.replace(o, equipment=())])
        others = [x for x in offers if x.id != o.id and x.equipment]
        engine.delete([others[0].id])
        after = pages(engine, items, 1, True)
        assert after == pages(engine, items, 1, False)
        assert after[0][0] < before[0][0]  # type: ignore[index]
    finally:
        engine.close()
