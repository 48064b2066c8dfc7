"""Test data for the Elasticsearch backend: a fully populated offer and small builders.

Shapes follow the real ROR instances (ROR-MODEL §3.1 ``RORLocationExemple1.fsh``: one counter per
(nature, status, temporality, gender, assignment) with its own date).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from ror.model import (
    Capacity,
    Contact,
    Equipment,
    Establishment,
    Offer,
    OpeningHours,
    Place,
    Price,
    Zone,
)
from tests.ranking import ranking_builders

NOW = ranking_builders.NOW  # Thursday 26 November 2026, 14:00 in Paris
TOULOUSE = (43.6045, 1.4440)
_T = "2026-11-26T13:00:00+00:00"
#: The Elasticsearch clause of the closed criterion at NOW: not (closed_from ≤ NOW < reopens_at).
NOT_CLOSED = {
    "bool": {
        "must_not": [
            {
                "bool": {
                    "filter": [
                        {
                            "bool": {
                                "should": [
                                    {"exists": {"field": "closed_from"}},
                                    {"exists": {"field": "reopens_at"}},
                                ],
                                "minimum_should_match": 1,
                            }
                        },
                        {"bool": {"must_not": [{"range": {"closed_from": {"gt": _T}}}]}},
                        {"bool": {"must_not": [{"range": {"reopens_at": {"lte": _T}}}]}},
                    ]
                }
            }
        ]
    }
}


def counter(count: int, *, location_id: str = "loc-1", **qualifiers: Any) -> Capacity:
    """A counter (:func:`tests.ranking.ranking_builders.counter`), of ``loc-1`` by default."""
    return ranking_builders.counter(count, location_id=location_id, **qualifiers)


def full_offer(**overrides: Any) -> Offer:
    """An offer with every part filled (the Orléans USC counters, an EHPAD price list…)."""
    fields: dict[str, Any] = {
        "id": "hs-1",
        "name": "Unité de surveillance continue chirurgicale",
        "ror_id": "24/0000001",
        "establishment": Establishment(
            id="eg-1",
            name="Centre hospitalier régional d'Orléans",
            finess="450000088",
            category="101",
            legal_entity="CHR d'Orléans",
            financial_help=("02",),
            social_aid_places_permanent=12,
            social_aid_places_temporary=0,
            prices=(
                Price(type="02", unit="2", amount_eur=70.0, condition="01", reception="02"),
                Price(type="02", unit="2", amount_eur=62.5, condition="02", reception="02"),
                Price(
                    type="02",
                    unit="2",
                    amount_eur=90.0,
                    reception="01",
                    start_date=date(2026, 1, 1),
                ),
                Price(type="03", unit="2", amount_eur=7.0, dependency_level="02"),
            ),
        ),
        "place": Place(
            lat=47.834781,
            lon=1.92204,
            commune="45234",
            departement="45",
            region="24",
            address="14 avenue de l'Hôpital",
            postal_code="45100",
            city="Orléans",
            reliable=True,
        ),
        "activity": ("373",),
        "offer_type": ("254",),
        "champ": ("01",),
        "care_mode": ("28",),
        "reception": ("02",),
        "modalities": ("01",),
        "specialisations": ("28",),
        "acts": ("0249",),
        "public": ("07",),
        "expertise": ("01",),
        "professions": ("10",),
        "age_min": 18,
        "age_max": 120,
        "location_ids": ("loc-1",),
        "capacities": (
            counter(15, status="01", minutes_ago=60),
            counter(0, gender="02", minutes_ago=30),
            counter(1, gender="01", minutes_ago=20),
            counter(3, gender="03", minutes_ago=10),
            Capacity(
                nature="01",
                status="06",
                temporality="01",
                count=0,
                updated_at=NOW - timedelta(hours=2),
                extra_bed_type="03",
                crisis="02",
                location_id="loc-1",
            ),
            Capacity(
                nature="01",
                status="05",
                temporality="01",
                count=2,
                updated_at=NOW - timedelta(hours=2),
                closing_type="01",
                location_id="loc-1",
            ),
        ),
        "equipment": (
            Equipment(
                code="088",
                count=1,
                feature="001",
                limit_value=250,
                limit_unit="kg",
                location_id="loc-1",
            ),
        ),
        "zones": (Zone(code="45234", type="3"), Zone(code="45", type="2")),
        "hours": (
            OpeningHours(days=(1, 2, 3, 4, 5), start=time(8), end=time(18), kind="01"),
            OpeningHours(days=(6,), start=time(20), end=time(6), kind="02"),
            OpeningHours(days=(7,), all_day=True, valid_from=date(2026, 1, 1)),
            OpeningHours(days=(1,), start=time(9), end=time(23, 59, 59)),
        ),
        "contacts": (
            Contact(value="02 38 00 00 00", channel="2", purpose="06", confidentiality="1"),
        ),
        "sensitive": False,
        "closed_from": datetime(2026, 12, 24, tzinfo=UTC),
        "reopens_at": datetime(2027, 1, 2, tzinfo=UTC),
        "last_updated": datetime(2026, 11, 1, tzinfo=UTC),
        "region_tag": "24",
        "source": {"resourceType": "HealthcareService", "id": "hs-1", "extension": []},
    }
    return Offer(**{**fields, **overrides})


Part = TypeVar("Part", Offer, Place, Establishment)


def with_(part: Part, **changes: Any) -> Part:
    return replace(part, **changes)
