"""Test data builders for the ranking tests: ``make_offer(**overrides)`` and friends.

Shapes follow the real ROR instances (ROR-MODEL §3.1, ``RORLocationExemple1.fsh``): counters are
one (nature, status, temporality, gender, assignment) combination each, with their own date.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ror.criteria import Criteria
from ror.model import Capacity, Establishment, Offer, Place, Price, Zone
from ror.ranking import Weights, check, score, weights_for

# Thursday 26 November 2026, 14:00 in Paris.
NOW = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)

# Toulouse, place du Capitole (the patient, unless a test says otherwise).
TOULOUSE = (43.6045, 1.4440)
KM_PER_DEG_LAT = 6371.0088 * math.pi / 180


def north_of(km: float, origin: tuple[float, float] = TOULOUSE) -> tuple[float, float]:
    """A point ``km`` due north of ``origin`` (exact on the sphere)."""
    return origin[0] + km / KM_PER_DEG_LAT, origin[1]


def make_place(km: float = 0.0, **overrides: Any) -> Place:
    lat, lon = north_of(km)
    fields: dict[str, Any] = {
        "lat": lat,
        "lon": lon,
        "commune": "31555",
        "departement": "31",
        "region": "76",
    }
    return Place(**{**fields, **overrides})


def make_establishment(**overrides: Any) -> Establishment:
    fields: dict[str, Any] = {"id": "eg-1", "name": "Centre hospitalier", "finess": "310000001"}
    return Establishment(**{**fields, **overrides})


def counter(
    count: int,
    *,
    minutes_ago: float = 5,
    nature: str = "01",
    status: str = "02",
    temporality: str = "01",
    gender: str | None = None,
    assignment: str = "01",
    location_id: str = "",
) -> Capacity:
    return Capacity(
        nature=nature,
        status=status,
        temporality=temporality,
        count=count,
        updated_at=NOW - timedelta(minutes=minutes_ago),
        gender=gender,
        assignment=assignment,
        location_id=location_id,
    )


def free_beds(count: int, minutes_ago: float = 5, installed: int = 20) -> tuple[Capacity, ...]:
    """An available counter (Lit, Disponible, Courant) and the installed beds of the unit."""
    return (
        counter(installed, minutes_ago=minutes_ago, status="01"),
        counter(count, minutes_ago=minutes_ago),
    )


def base_price(amount_eur: float, **overrides: Any) -> Price:
    """An EHPAD "forfait socle hébergement" per day (R246 02, unit 2)."""
    fields: dict[str, Any] = {"type": "02", "unit": "2", "amount_eur": amount_eur}
    return Price(**{**fields, **overrides})


def make_offer(id: str = "o1", *, km: float = 1.0, **overrides: Any) -> Offer:
    """An offer ``km`` north of the Capitole; any Offer field can be overridden."""
    fields: dict[str, Any] = {
        "id": id,
        "name": f"Unité {id}",
        "establishment": make_establishment(),
        "place": make_place(km),
    }
    return Offer(**{**fields, **overrides})


def make_ehpad(
    id: str, *, km: float = 1.0, daily_eur: float = 70.0, aid: bool = True, **overrides: Any
) -> Offer:
    est = make_establishment(
        id=f"eg-{id}",
        name=f"EHPAD {id}",
        category="500",
        financial_help=("02",) if aid else (),
        prices=(base_price(daily_eur, reception="02"),),
    )
    fields: dict[str, Any] = {
        "establishment": est,
        "offer_type": ("21",),
        "care_mode": ("46",),
        "reception": ("02",),
        "age_min": 60,
        "public": ("01",),
    }
    return make_offer(id, km=km, **{**fields, **overrides})


def home_care(id: str, *, km: float, communes: tuple[str, ...]) -> Offer:
    """A SSIAD whose intervention zone is a list of communes (R201 type 3)."""
    return make_offer(
        id,
        km=km,
        offer_type=("28",),
        care_mode=("49",),
        zones=tuple(Zone(code=c, type="3") for c in communes),
    )


def toulouse_criteria(**overrides: Any) -> Criteria:
    fields: dict[str, Any] = {"lat": TOULOUSE[0], "lon": TOULOUSE[1]}
    return Criteria(**{**fields, **overrides})


# The patient's commune (Toulouse) and its parents, as ror.geo.zone_key builds them.
TOULOUSE_ZONE_KEYS = frozenset({"C:31555", "D:31", "R:76"})


def distance_of(offer: Offer, criteria: Criteria) -> float:
    from ror.ranking.eligibility import offer_distance_km

    distance = offer_distance_km(offer, criteria)
    assert distance is not None
    return distance


def rank(
    offers: list[Offer],
    criteria: Criteria,
    *,
    zone_keys: frozenset[str] = frozenset(),
    weights: Weights | None = None,
) -> list[str]:
    """Ids of the eligible offers, best first (what the engines do, without an index)."""
    weights = weights or weights_for(criteria.profile)
    scored = []
    for offer in offers:
        distance = distance_of(offer, criteria)
        if check(offer, criteria, now=NOW, patient_zone_keys=zone_keys, distance_km=distance):
            continue
        result = score(offer, criteria, distance_km=distance, now=NOW, weights=weights)
        scored.append((-result.score, offer.id))
    return [offer_id for _, offer_id in sorted(scored)]


def with_(offer: Offer, **changes: Any) -> Offer:
    return replace(offer, **changes)
