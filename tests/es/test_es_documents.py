"""Offer -> Elasticsearch document: every value lands in a mapped field of the right kind."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pytest

from ror.criteria import BedNeed, Criteria
from ror.errors import InvalidInput
from ror.mappings import fields as f
from ror.mappings.template import load_template
from ror.model import OpeningHours, Price, Zone
from ror.ranking import available_beds
from ror.ranking.prices import select_price
from ror.search.elasticsearch.documents import (
    age_range,
    availability_fields,
    base_prices,
    free_key,
    from_document,
    opening_row,
    price_key,
    to_document,
)
from tests.es.es_builders import NOW, counter, full_offer, with_

MAPPING = load_template()["mappings"]


def _is_date(value: Any) -> bool:
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


KINDS: dict[str, Callable[[Any], bool]] = {
    "keyword": lambda v: isinstance(v, str),
    "wildcard": lambda v: isinstance(v, str),
    "long": lambda v: isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63,
    "text": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "byte": lambda v: isinstance(v, int) and -128 <= v <= 127,
    "double": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "scaled_float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "date": _is_date,
    "geo_point": lambda v: set(v) == {"lat", "lon"},
    "integer_range": lambda v: set(v) <= {"gte", "lte"} and bool(v),
}


def _template_for(path: str) -> dict[str, Any] | None:
    for entry in MAPPING["dynamic_templates"]:
        template = next(iter(entry.values()))
        if fnmatch.fnmatchcase(path, template["path_match"]):
            return template["mapping"]  # type: ignore[no-any-return]
    return None


def check_fits(value: Any, spec: dict[str, Any], path: str) -> None:
    """Fail when ``value`` would be rejected by a strict mapping at ``path``."""
    if value is None:
        return
    if isinstance(value, list) and spec.get("type") not in ("nested",):
        for item in value:
            check_fits(item, spec, path)
        return
    kind = spec.get("type", "object")
    if kind == "object" and spec.get("enabled") is False:
        return
    if kind in ("object", "nested"):
        items = value if isinstance(value, list) else [value]
        for item in items:
            assert isinstance(item, dict), path
            for key, sub in item.items():
                sub_path = f"{path}.{key}" if path else key
                sub_spec = spec.get("properties", {}).get(key)
                if sub_spec is None and spec.get("dynamic") == "true":
                    sub_spec = _template_for(sub_path)
                assert sub_spec is not None, f"{sub_path} is not mapped"
                check_fits(sub, sub_spec, sub_path)
        return
    assert KINDS[kind](value), f"{path}: {value!r} does not fit {kind}"


def test_a_full_offer_fits_the_strict_mapping() -> None:
    doc = to_document(full_offer(), NOW)
    check_fits(doc, {"type": "object", "properties": MAPPING["properties"]}, "")


def test_the_checker_catches_unmapped_and_mistyped_values() -> None:
    root = {"type": "object", "properties": MAPPING["properties"]}
    with pytest.raises(AssertionError, match="not mapped"):
        check_fits({"nickname": "x"}, root, "")
    with pytest.raises(AssertionError, match="does not fit"):
        check_fits({"capacities": [{"count": "three"}]}, root, "")
    with pytest.raises(AssertionError, match="does not fit"):
        check_fits({"free": {"01_01_01_all": "many"}}, root, "")


def test_offer_round_trips_through_its_document() -> None:
    offer = full_offer()
    assert from_document(to_document(offer, NOW)) == offer


def test_derived_fields() -> None:
    doc = to_document(full_offer(), NOW)
    assert doc[f.LOCATION] == {"lat": 47.834781, "lon": 1.92204}
    assert doc[f.AGE_RANGE] == {"gte": 18, "lte": 120}
    assert doc[f.ZONE_KEYS] == ["C:45234", "D:45"]
    assert doc[f.SOCIAL_AID] is True
    assert doc[f.LOCATION_KEYS] == ["loc-1"]
    assert doc[f.MIN_MONTHLY_PRICE_EUR] == Price("02", "2", 62.5).monthly_eur


def test_zone_keys_hold_raw_and_normalised_keys_and_survive_malformed_codes() -> None:
    zones = (Zone(code="031", type="2"), Zone(code="not a code", type="3"), Zone("x", "9"))
    keys = to_document(with_(full_offer(), zones=zones), NOW)[f.ZONE_KEYS]
    assert keys == ["?:x", "C:not a code", "D:031", "D:31"]


@pytest.mark.parametrize(("lat", "lon"), [(float("nan"), 1.0), (91.0, 1.0), (45.0, float("inf"))])
def test_a_point_off_the_globe_is_refused_with_its_field(lat: float, lon: float) -> None:
    place = with_(full_offer().place, lat=lat, lon=lon)
    with pytest.raises(InvalidInput) as caught:
        to_document(with_(full_offer(), place=place), NOW)
    assert caught.value.field == "place"


@pytest.mark.parametrize(
    ("age_min", "age_max", "expected"),
    [
        (None, None, None),
        (16, None, {"gte": 16}),
        (None, 17, {"lte": 17}),
        (0, 3, {"gte": 0, "lte": 3}),
    ],
)
def test_age_range_keeps_missing_bounds_open(
    age_min: int | None, age_max: int | None, expected: dict[str, int] | None
) -> None:
    assert age_range(with_(full_offer(), age_min=age_min, age_max=age_max)) == expected


def test_no_zone_no_zone_keys_field() -> None:
    assert f.ZONE_KEYS not in to_document(with_(full_offer(), zones=()), NOW)


def test_free_key_names_one_indicator() -> None:
    assert free_key(BedNeed()) == "01_01_01_all"
    assert free_key(BedNeed(nature="02", gender="03", temporality="02", assignment="03")) == (
        "02_02_03_03"
    )
    assert free_key(BedNeed(nature="0.1")) == "01_01_01_all"  # no dot: it would nest objects


def test_free_counts_follow_the_ranking_gender_rule() -> None:
    offer = full_offer()
    fields = availability_fields(offer)
    # any gender: 0 + 1 + 3; women: F 1 + undifferentiated 3; men: H 0 + 3
    assert fields[f.FREE] == {
        "01_01_01_all": 4,
        "01_01_01_01": 4,
        "01_01_01_02": 3,
        "01_01_01_03": 3,
        "01_01_01_04": 3,
    }
    assert fields[f.INSTALLED] == {"01": 15}
    for gender in (None, "01", "02", "03", "04"):
        need = BedNeed(gender=gender)
        count, oldest = available_beds(offer, need)
        assert fields[f.FREE][free_key(need)] == count
        assert oldest is not None
        assert fields[f.FREE_SINCE][free_key(need)] == oldest.isoformat()


def test_free_counts_without_available_counters_are_absent() -> None:
    offer = with_(full_offer(), capacities=(counter(10, status="01"),))
    assert availability_fields(offer) == {f.FREE: {}, f.FREE_SINCE: {}, f.INSTALLED: {"01": 10}}


def test_base_prices_per_request_variant_are_the_ranking_selection() -> None:
    offer = full_offer()
    prices = base_prices(offer, NOW)
    assert prices["permanent_public_all"] == Price("02", "2", 70.0).monthly_eur
    assert prices["permanent_aid_all"] == Price("02", "2", 62.5).monthly_eur
    assert prices["temporary_public_all"] == Price("02", "2", 90.0).monthly_eur
    for key in prices:
        reception, aid, age = key.split("_")
        criteria = Criteria(
            reception=None if reception == "any" else reception,  # type: ignore[arg-type]
            social_aid=aid == "aid",
            age=59 if age == "u60" else None,
        )
        assert price_key(criteria) == key
        selected = select_price(offer, criteria, date(2026, 11, 26))
        assert selected is not None and selected.monthly_eur == prices[key]


def test_a_price_not_yet_in_force_is_not_selected() -> None:
    est = with_(
        full_offer().establishment,
        prices=(Price("02", "2", 80.0, reception="02", start_date=date(2027, 1, 1)),),
    )
    assert base_prices(with_(full_offer(), establishment=est), NOW) == {}


@pytest.mark.parametrize(
    ("criteria", "key"),
    [
        (Criteria(), "any_public_all"),
        (Criteria(reception="permanent", social_aid=True), "permanent_aid_all"),
        (Criteria(reception="temporary", age=45), "temporary_public_u60"),
        (Criteria(age=60), "any_public_all"),
    ],
)
def test_price_key(criteria: Criteria, key: str) -> None:
    assert price_key(criteria) == key


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            OpeningHours(days=(1, 2), start=time(8), end=time(18)),
            {"from": "08:00:00", "to": "18:00:00", "overnight": False},
        ),
        (
            OpeningHours(days=(6,), start=time(20), end=time(6)),
            {"from": "20:00:00", "to": "06:00:00", "overnight": True},
        ),
        (OpeningHours(days=(7,), all_day=True), {"from": "00:00:00", "to": "24:00:00"}),
        (OpeningHours(days=(7,)), {"from": "00:00:00", "to": "24:00:00", "overnight": False}),
        (OpeningHours(days=(1,), start=time(9), end=time(23, 59)), {"to": "24:00:00"}),
        (OpeningHours(days=(1,), start=time(9)), {"from": "09:00:00", "to": "24:00:00"}),
        (OpeningHours(days=(1,), end=time(12)), {"from": "00:00:00", "to": "12:00:00"}),
        (
            OpeningHours(days=(1,), valid_from=date(2026, 1, 1), valid_to=date(2026, 6, 30)),
            {"valid_from": "2026-01-01", "valid_to": "2026-06-30", "days": [1]},
        ),
    ],
)
def test_opening_rows_are_normalised_like_the_ranking_reads_them(
    row: OpeningHours, expected: dict[str, Any]
) -> None:
    got = opening_row(row)
    assert {k: got[k] for k in expected} == expected
