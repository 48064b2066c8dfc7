"""The search body and its query-string flattening validate into the same ``Criteria``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from ror.api.http_errors import InvalidJson, InvalidValue
from ror.api.search_query import body_from_query, param_name, search_request_from_query
from ror.api.search_request import SearchRequest
from ror.api.validation import field_path, parse_json_object, validate
from ror.criteria import BedNeed, Criteria, EquipmentNeed

FULL_BODY: dict[str, Any] = {
    "where": {"lat": 43.6045, "lon": 1.444},
    "precision": "city",
    "radius_km": 30,
    "limit": 20,
    "offset": 10,
    "profile": "nursing_home",
    "activity": ["126", "127"],
    "offer_type": ["21"],
    "champ": ["04"],
    "care_mode": ["46"],
    "reception": "permanent",
    "public": ["01"],
    "age": 82,
    "text": "ehpad",
    "beds": {"nature": "02", "min_available": 2, "gender": "01"},
    "social_aid": True,
    "max_monthly_price_eur": 2500,
    "equipment": [{"code": "088", "feature": "001", "min_value": 200}],
    "open_at": "2026-11-26T14:00:00+01:00",
}


def criteria(body: dict[str, Any]) -> Criteria:
    return validate(SearchRequest, body).to_criteria()


def invalid(body: dict[str, Any]) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        validate(SearchRequest, body)
    return caught.value


def test_full_body_becomes_criteria() -> None:
    c = criteria(FULL_BODY)
    assert (c.lat, c.lon, c.place, c.precision) == (43.6045, 1.444, None, "city")
    assert (c.radius_km, c.limit, c.offset, c.profile) == (30, 20, 10, "nursing_home")
    assert c.activity == ("126", "127") and c.champ == ("04",) and c.public == ("01",)
    assert c.reception == "permanent" and c.age == 82 and c.text == "ehpad"
    assert c.beds == BedNeed(nature="02", min_available=2, gender="01")
    assert c.social_aid and c.max_monthly_price_eur == 2500
    assert c.equipment == (EquipmentNeed(code="088", feature="001", min_value=200),)
    assert c.open_at == datetime(2026, 11, 26, 14, tzinfo=timezone(timedelta(hours=1)))


def test_defaults_and_place() -> None:
    c = criteria({"where": {"place": "  st etienne "}})
    assert c.place == "st etienne" and c.lat is None
    assert (c.limit, c.offset, c.profile, c.precision) == (10, 0, "default", "exact")
    assert c.beds is None and c.activity == () and not c.social_aid


@pytest.mark.parametrize(
    ("body", "field", "code", "words"),
    [
        ({"where": {"lat": 43.6}}, "where.lon", "missing_field", "lon manque"),
        ({"where": {"lat": 91, "lon": 1}}, "where.lat", "invalid_value", "90 au plus"),
        ({"where": {"lat": "north", "lon": 1}}, "where.lat", "invalid_value", "un nombre"),
        (
            {"where": {"lat": 1, "lon": 2, "place": "x"}},
            "where.place",
            "invalid_value",
            "pas les deux",
        ),
        ({"where": {}}, "where.place", "missing_field", "lat et lon, ou place"),
        ({"where": "Toulouse"}, "where", "invalid_value", "objet JSON"),
        ({"radius_km": 0}, "radius_km", "invalid_value", "supérieur à 0"),
        ({"radius_km": -5}, "radius_km", "invalid_value", "supérieur à 0"),
        ({"limit": 201}, "limit", "invalid_value", "limit trop grand"),
        ({"limit": 0}, "limit", "invalid_value", "1 au moins"),
        ({"offset": -1}, "offset", "invalid_value", "0 au moins"),
        ({"age": 131}, "age", "invalid_value", "130 au plus"),
        ({"age": 8.5}, "age", "invalid_value", "un entier"),
        ({"activity": [126]}, "activity[0]", "invalid_value", "s'écrivent"),
        ({"activity": "126"}, "activity", "invalid_value", "une liste"),
        ({"activity": ["1 2"]}, "activity[0]", "invalid_value", "n'est pas un code"),
        ({"beds": {"min_available": 0}}, "beds.min_available", "invalid_value", "1 au moins"),
        ({"beds": {"min_available": "two"}}, "beds.min_available", "invalid_value", "un entier"),
        ({"beds": {"min": 1}}, "beds.min", "unknown_field", "min_available"),
        ({"equipment": [{"code": "088", "min_value": 200}]}, "equipment[0].feature", "", "feature"),
        ({"equipment": [{"feature": "001"}]}, "equipment[0].code", "missing_field", "obligatoire"),
        ({"open_at": "2026-11-26T14:00:00"}, "open_at", "invalid_value", "décalage horaire"),
        ({"open_at": "tomorrow"}, "open_at", "invalid_value", "ISO 8601"),
        ({"profile": "urgent"}, "profile", "invalid_value", "'emergency'"),
        ({"reception": "always"}, "reception", "invalid_value", "'permanent'"),
        ({"precision": "rough"}, "precision", "invalid_value", "'city'"),
        ({"max_monthly_price_eur": 0}, "max_monthly_price_eur", "invalid_value", "supérieur"),
        ({"social_aid": "maybe"}, "social_aid", "invalid_value", "booléen"),
        ({"activty": ["126"]}, "activty", "unknown_field", "vouliez-vous dire 'activity'"),
    ],
)
def test_bad_values_name_their_field(
    body: dict[str, Any], field: str, code: str, words: str
) -> None:
    err = invalid(body)
    assert err.status == 400
    assert err.field == field
    assert not code or err.code == code
    assert words in err.message


def test_several_problems_are_all_listed() -> None:
    err = invalid({"limit": 500, "age": -1, "activity": [1]})
    fields = {d["field"] for d in err.details}
    assert fields == {"limit", "age", "activity[0]"}
    assert "2 autre(s)" in err.message and "details" in err.to_dict()


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "vide"),
        (b"   \n", "vide"),
        (b'{"limit": ', "pas du JSON valide"),
        (b'{"age": NaN}', "NaN"),
        (b"[1, 2]", "un tableau"),
        (b'"where"', "une chaîne"),
        (b"\xff\xfe", "UTF-8"),
    ],
)
def test_malformed_json(raw: bytes, words: str) -> None:
    with pytest.raises(InvalidJson) as caught:
        parse_json_object(raw)
    assert caught.value.code == "invalid_json" and caught.value.status == 400
    assert words in caught.value.message


def test_field_path() -> None:
    assert field_path(("equipment", 0, "min_value")) == "equipment[0].min_value"
    assert field_path(("where",)) == "where"


def test_query_flattening_gives_the_same_criteria_as_the_body() -> None:
    params = [
        ("lat", "43.6045"),
        ("lon", "1.444"),
        ("precision", "city"),
        ("radius_km", "30"),
        ("limit", "20"),
        ("offset", "10"),
        ("profile", "nursing_home"),
        ("activity", "126, 127"),
        ("offer_type", "21"),
        ("champ", "04"),
        ("care_mode", "46"),
        ("reception", "permanent"),
        ("public", "01"),
        ("age", "82"),
        ("text", "ehpad"),
        ("beds_nature", "02"),
        ("beds_min", "2"),
        ("beds_gender", "01"),
        ("social_aid", "true"),
        ("max_monthly_price_eur", "2500"),
        ("equipment", "088:001:200"),
        ("open_at", "2026-11-26T14:00:00+01:00"),
        ("explain", "1"),
    ]
    assert search_request_from_query(params).to_criteria() == criteria(FULL_BODY)


def test_query_lists_repeat_or_split() -> None:
    body = body_from_query([("activity", "126"), ("activity", "127,,128"), ("equipment", "1,2:3")])
    assert body["activity"] == ["126", "127", "128"]
    assert body["equipment"] == [{"code": "1"}, {"code": "2", "feature": "3"}]


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ([("lat", "43.6")], "lon", "lon manque"),
        ([("place", "x"), ("beds_min", "many")], "beds_min", "un entier"),
        ([("limit", "1000")], "limit", "limit trop grand"),
        ([("limit", "5"), ("limit", "6")], "limit", "une seule fois"),
        ([("equipment", "1:2:3:4")], "equipment", "CODE[:FEATURE"),
        ([("equipment", "088::x")], "equipment", "un nombre"),
        ([("where", "Toulouse")], "where", "lat, lon, place"),
        ([("lat", "1"), ("lon", "2"), ("place", "x")], "place", "pas les deux"),
        ([("activty", "126")], "activty", "vouliez-vous dire"),
    ],
)
def test_query_errors_name_the_parameter(
    params: list[tuple[str, str]], field: str, words: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        search_request_from_query(params)
    assert caught.value.field == field
    assert words in caught.value.message


def test_param_names() -> None:
    assert param_name("beds.min_available") == "beds_min"
    assert param_name("where.lat") == "lat"
    assert param_name("activity[2]") == "activity[2]"
