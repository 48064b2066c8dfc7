"""``criteria_to_dict`` (the criteria of an answer and of a replay record) against the
conversion spelled out field by field."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from ror.criteria import Audience, BedNeed, Criteria, EquipmentNeed, Notice
from ror.search.result import criteria_to_dict


def spelled_out(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [spelled_out(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: spelled_out(getattr(value, f.name)) for f in fields(value)}
    return value


def expected(criteria: Criteria) -> dict[str, Any]:
    data = spelled_out(criteria)
    data.pop("colocated_egs", None)
    return {k: v for k, v in data.items() if v not in (None, [], ())}


CASES = [
    Criteria(),
    Criteria(place="Toulouse", offer_type=("21",), social_aid=True, max_monthly_price_eur=2150.0),
    Criteria(
        lat=43.6,
        lon=1.44,
        commune="31555",
        precision="city",
        radius_km=25.0,
        limit=20,
        offset=40,
        profile="emergency",
        activity=("122", "127"),
        age=64,
        age_to=70,
        text="réa",
        prefer_private_practice=True,
        beds=BedNeed(nature="01", min_available=2),
        colocated=(("activity", ("159", "160")),),
        colocated_egs=(frozenset({"syn-eg-1"}),),
        group="establishment",
        equipment=(EquipmentNeed("088", "001", 200.0),),
        open_at=datetime(2026, 12, 8, 9, 30, tzinfo=UTC),
        now=datetime(2026, 12, 8, 9, 0, tzinfo=UTC),
        explain=False,
        facets=False,
        audience=Audience(sensitive_champs=(), capacities=False),
        warnings=(Notice("place_ambiguous", "« 31 » : retenu Toulouse"),),
    ),
]


def test_criteria_as_json_field_by_field() -> None:
    for criteria in CASES:
        assert criteria_to_dict(criteria) == expected(criteria)
        assert "colocated_egs" not in criteria_to_dict(criteria)
