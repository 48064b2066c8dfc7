"""Hard criteria: each row is (offer, criteria, expected failures as (criterion, reason))."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from ror.criteria import BedNeed, Criteria, EquipmentNeed
from ror.geo import haversine_km
from ror.geo.distance import great_circle_km
from ror.model import Equipment, Offer, OpeningHours, Place, Zone
from ror.ranking import Failure, check, near_miss_reason
from tests.ranking.ranking_builders import (
    NOW,
    TOULOUSE_ZONE_KEYS,
    base_price,
    counter,
    distance_of,
    free_beds,
    home_care,
    make_ehpad,
    make_establishment,
    make_offer,
    toulouse_criteria,
)

N = "\u202f"  # narrow no-break space: digit groups and number + unit


def failures(
    offer: Offer, criteria: Criteria, zone_keys: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    found = check(
        offer,
        criteria,
        now=NOW,
        patient_zone_keys=zone_keys,
        distance_km=distance_of(offer, criteria),
    )
    return [(f.criterion, f.reason) for f in found]


AGE = [
    ("at age_min", make_offer(age_min=16, age_max=25), 16, []),
    ("at age_max", make_offer(age_min=16, age_max=25), 25, []),
    (
        "a year under",
        make_offer(age_min=16, age_max=25),
        15,
        [("age", "accueille à partir de 16 ans")],
    ),
    ("a year over", make_offer(age_min=16, age_max=25), 26, [("age", "accueille jusqu'à 25 ans")]),
    ("no bounds", make_offer(), 3, []),
    ("only a max", make_offer(age_max=1), 2, [("age", "accueille jusqu'à 1 an")]),
    ("only a min", make_offer(age_min=60), 120, []),
]


@pytest.mark.parametrize(
    ("offer", "age", "expected"), [r[1:] for r in AGE], ids=[r[0] for r in AGE]
)
def test_age_bounds_are_inclusive(offer: Offer, age: int, expected: list[tuple[str, str]]) -> None:
    assert failures(offer, toulouse_criteria(age=age)) == expected


BUDGET = [
    # 2500 / 30.4 = 82.2368… ; 82.23 × 30.4 = 2499.79, 82.24 × 30.4 = 2500.10
    ("well under", 70.0, 2500, []),
    ("exactly at the ceiling", 82.5, 2508, []),  # 82.5 × 30.4 = 2508.00
    (
        "one euro above",
        82.5,
        2507,
        [("max_monthly_price_eur", f"tarif estimé 2{N}508{N}€/mois, au-delà de 2{N}507{N}€")],
    ),
    (
        "cents above show cents",
        82.24,
        2500,
        [("max_monthly_price_eur", f"tarif estimé 2{N}500,10{N}€/mois, au-delà de 2{N}500{N}€")],
    ),
    ("just under", 82.23, 2500, []),
    (
        "spec example",
        90.13,
        2500,
        [("max_monthly_price_eur", f"tarif estimé 2{N}740{N}€/mois, au-delà de 2{N}500{N}€")],
    ),
]


@pytest.mark.parametrize(
    ("daily", "budget", "expected"), [r[1:] for r in BUDGET], ids=[r[0] for r in BUDGET]
)
def test_budget_compares_daily_price_times_30_4(
    daily: float, budget: float, expected: list[tuple[str, str]]
) -> None:
    criteria = toulouse_criteria(max_monthly_price_eur=budget, reception="permanent")
    assert failures(make_ehpad("e", daily_eur=daily), criteria) == expected


def test_an_ehpad_without_base_price_fails_price_not_given() -> None:
    offer = make_ehpad("e", establishment=make_establishment(financial_help=("02",)))
    criteria = toulouse_criteria(max_monthly_price_eur=2500)
    assert failures(offer, criteria) == [("max_monthly_price_eur", "tarif non renseigné")]


def test_social_aid_price_is_used_when_social_aid_is_asked() -> None:
    prices = (
        base_price(85.0, reception="02", condition="01"),  # public 2 584 €
        base_price(80.0, reception="02", condition="02"),  # aide sociale 2 432 €
    )
    offer = make_ehpad("e", establishment=make_establishment(financial_help=("02",), prices=prices))
    budget = toulouse_criteria(max_monthly_price_eur=2500, reception="permanent")
    assert failures(offer, budget.with_(social_aid=True)) == []
    assert [c for c, _ in failures(offer, budget)] == ["max_monthly_price_eur"]


SOCIAL_AID = [
    ("accredited", make_ehpad("e", aid=True), "permanent", []),
    (
        "not accredited",
        make_ehpad("e", aid=False),
        "permanent",
        [("social_aid", "non habilité à l'aide sociale")],
    ),
    (
        "accredited, zero permanent places",
        make_ehpad(
            "e",
            establishment=make_establishment(financial_help=("02",), social_aid_places_permanent=0),
        ),
        "permanent",
        [("social_aid", "aucune place habilitée à l'aide sociale en accueil permanent")],
    ),
    (
        "accredited, places unknown",
        make_ehpad("e", establishment=make_establishment(financial_help=("02",))),
        "permanent",
        [],
    ),
]


@pytest.mark.parametrize(
    ("offer", "reception", "expected"), [r[1:] for r in SOCIAL_AID], ids=[r[0] for r in SOCIAL_AID]
)
def test_social_aid(offer: Offer, reception: str, expected: list[tuple[str, str]]) -> None:
    assert failures(offer, toulouse_criteria(social_aid=True, reception=reception)) == expected


RECEPTION = [
    ("permanent asked, offered", ("02",), "permanent", []),
    ("temporary asked, offered", ("01", "02"), "temporary", []),
    (
        "permanent asked, temporary only",
        ("01",),
        "permanent",
        [("reception", "accueil temporaire uniquement")],
    ),
    (
        "temporary asked, permanent only",
        ("02",),
        "temporary",
        [("reception", "accueil permanent uniquement")],
    ),
    ("not given", (), "permanent", [("reception", "type d'accueil non renseigné")]),
]


@pytest.mark.parametrize(
    ("codes", "reception", "expected"), [r[1:] for r in RECEPTION], ids=[r[0] for r in RECEPTION]
)
def test_reception(codes: tuple[str, ...], reception: str, expected: list[tuple[str, str]]) -> None:
    assert failures(make_offer(reception=codes), toulouse_criteria(reception=reception)) == expected


def bariatric_table(limit: float | None) -> Equipment:
    return Equipment(
        code="088", feature="001", limit_value=limit, limit_unit="kg" if limit else None
    )


EQUIPMENT = [
    ("200 kg for 200", (bariatric_table(200),), []),
    ("250 kg for 200", (bariatric_table(250),), []),
    (
        "199 kg for 200",
        (bariatric_table(199),),
        [("equipment", f"jusqu'à 199{N}kg, 200{N}kg demandés")],
    ),
    ("best of two tables", (bariatric_table(180), bariatric_table(210)), []),
    ("no limit given", (bariatric_table(None),), [("equipment", "limite non renseignée")]),
    ("none", (), [("equipment", "pas de table de bloc opératoire obésité")]),
    ("another equipment", (Equipment(code="054"),), [("equipment", "pas de ")]),
]


@pytest.mark.parametrize(
    ("equipment", "expected"), [r[1:] for r in EQUIPMENT], ids=[r[0] for r in EQUIPMENT]
)
def test_equipment_with_limit(
    equipment: tuple[Equipment, ...], expected: list[tuple[str, str]]
) -> None:
    criteria = toulouse_criteria(equipment=(EquipmentNeed("088", "001", 200),))
    found = failures(make_offer(equipment=equipment), criteria)
    assert [c for c, _ in found] == [c for c, _ in expected]
    for (_, reason), (_, part) in zip(found, expected, strict=True):
        assert part in reason  # the label part comes from the nomenclature (or "code 088")


GENDER_BEDS = (
    # ROR-MODEL §3.1, RORLocationExemple1: H 0, F 0, Indifférencié 3, installed 15
    counter(15, status="01"),
    counter(0, gender="02"),
    counter(0, gender="01"),
    counter(3, gender="03"),
)
BEDS = [
    ("any gender, 3 free", GENDER_BEDS, BedNeed(), []),
    ("a woman takes an undifferentiated bed", GENDER_BEDS, BedNeed(gender="01"), []),
    (
        "4 asked, 3 free",
        GENDER_BEDS,
        BedNeed(min_available=4),
        [("beds", "3 lits disponibles, 4 demandés")],
    ),
    (
        "1 free, 2 asked",
        (counter(1),),
        BedNeed(min_available=2),
        [("beds", "1 lit disponible, 2 demandés")],
    ),
    ("full", free_beds(0), BedNeed(), [("beds", "complet")]),
    ("no counter at all", (), BedNeed(), [("beds", "complet")]),
    (
        "only men's beds",
        (counter(2, gender="02"),),
        BedNeed(gender="01"),
        [("beds", "complet pour les femmes")],
    ),
    (
        "undetermined gender does not count",
        (counter(2, gender="04"),),
        BedNeed(gender="02"),
        [("beds", "complet pour les hommes")],
    ),
    ("women's beds for a woman", (counter(2, gender="01"),), BedNeed(gender="01"), []),
    (
        "forecast counter is not now",
        (counter(5, temporality="03"),),
        BedNeed(),
        [("beds", "complet")],
    ),
    (
        "covid+ assignment is not a plain bed",
        (counter(5, assignment="02"),),
        BedNeed(),
        [("beds", "complet")],
    ),
    (
        "places, not beds",
        (counter(2, nature="02"),),
        BedNeed(nature="02", min_available=3),
        [("beds", "2 places disponibles, 3 demandées")],
    ),
    ("occupied is not available", (counter(4, status="03"),), BedNeed(), [("beds", "complet")]),
]


@pytest.mark.parametrize(
    ("capacities", "need", "expected"), [r[1:] for r in BEDS], ids=[r[0] for r in BEDS]
)
def test_beds(
    capacities: tuple[object, ...], need: BedNeed, expected: list[tuple[str, str]]
) -> None:
    offer = make_offer(capacities=capacities)
    assert failures(offer, toulouse_criteria(beds=need)) == expected


CLOSED = [
    ("open", None, None, []),
    (
        "closed, reopens 2 December",
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, 23, 0, tzinfo=UTC),
        [("closed", "fermé jusqu'au 2 décembre")],
    ),
    (
        "reopens on the first",
        None,
        datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        [("closed", "fermé jusqu'au 1er décembre")],
    ),
    (
        "reopens next year",
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2027, 1, 5, 8, 0, tzinfo=UTC),
        [("closed", "fermé jusqu'au 5 janvier 2027")],
    ),
    (
        "no reopening date",
        datetime(2026, 11, 1, tzinfo=UTC),
        None,
        [("closed", "fermé, réouverture non renseignée")],
    ),
    ("closing in the future", datetime(2026, 12, 1, tzinfo=UTC), None, []),
    ("reopened already", datetime(2026, 10, 1, tzinfo=UTC), NOW, []),
]


@pytest.mark.parametrize(
    ("closed_from", "reopens_at", "expected"), [r[1:] for r in CLOSED], ids=[r[0] for r in CLOSED]
)
def test_closed_with_reopening_date(
    closed_from: datetime | None, reopens_at: datetime | None, expected: list[tuple[str, str]]
) -> None:
    offer = make_offer(closed_from=closed_from, reopens_at=reopens_at)
    assert failures(offer, toulouse_criteria()) == expected


def test_closure_is_judged_at_the_requested_time() -> None:
    offer = make_offer(
        closed_from=datetime(2026, 11, 1, tzinfo=UTC), reopens_at=datetime(2026, 12, 2, tzinfo=UTC)
    )
    later = toulouse_criteria(open_at=datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    assert failures(offer, later) == []


WEEKDAYS_9_17 = (OpeningHours(days=(1, 2, 3, 4, 5), start=time(9), end=time(17)),)
OPEN_AT = [
    ("within hours", WEEKDAYS_9_17, datetime(2026, 11, 26, 13, 0, tzinfo=UTC), []),  # 14 h Paris
    ("at opening", WEEKDAYS_9_17, datetime(2026, 11, 26, 8, 0, tzinfo=UTC), []),  # 9 h Paris
    (
        "at closing time",
        WEEKDAYS_9_17,
        datetime(2026, 11, 26, 16, 0, tzinfo=UTC),
        [("open_at", f"fermé jeudi à 17{N}h, ouvre vendredi à 9{N}h")],
    ),
    (
        "before opening",
        WEEKDAYS_9_17,
        datetime(2026, 11, 26, 6, 30, tzinfo=UTC),
        [("open_at", f"fermé jeudi à 7{N}h{N}30, ouvre à 9{N}h")],
    ),
    (
        "saturday",
        WEEKDAYS_9_17,
        datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
        [("open_at", f"fermé samedi à 11{N}h, ouvre lundi à 9{N}h")],
    ),
    (
        "next opening a week later",
        (OpeningHours(days=(4,), start=time(9), end=time(12)),),
        datetime(2026, 11, 26, 13, 0, tzinfo=UTC),
        [("open_at", f"fermé jeudi à 14{N}h, ouvre jeudi 3 décembre à 9{N}h")],
    ),
    ("no hours published: open", (), datetime(2026, 11, 28, 10, 0, tzinfo=UTC), []),
    (
        "24/7 rows",
        tuple(OpeningHours(days=(d,), start=time(0), end=time(23, 59)) for d in range(1, 8)),
        datetime(2026, 11, 28, 22, 59, 30, tzinfo=UTC),
        [],
    ),
    (
        "all day",
        (OpeningHours(days=(6,), all_day=True),),
        datetime(2026, 11, 28, 3, 0, tzinfo=UTC),
        [],
    ),
    (
        "overnight, after midnight",
        (OpeningHours(days=(5,), start=time(20), end=time(8)),),
        datetime(2026, 11, 28, 5, 0, tzinfo=UTC),
        [],
    ),
    (
        "outside validity",
        (OpeningHours(days=(4,), start=time(9), end=time(17), valid_to=date(2026, 11, 1)),),
        datetime(2026, 11, 26, 13, 0, tzinfo=UTC),
        [("open_at", f"fermé jeudi à 14{N}h")],
    ),
]


@pytest.mark.parametrize(
    ("hours", "at", "expected"), [r[1:] for r in OPEN_AT], ids=[r[0] for r in OPEN_AT]
)
def test_open_at(
    hours: tuple[OpeningHours, ...], at: datetime, expected: list[tuple[str, str]]
) -> None:
    assert failures(make_offer(hours=hours), toulouse_criteria(open_at=at)) == expected


def test_opening_hours_are_read_in_the_overseas_local_time() -> None:
    reunion = make_offer(
        hours=WEEKDAYS_9_17,
        place=Place(lat=-20.88, lon=55.45, commune="97411", departement="974", region="04"),
    )
    # 06:00 UTC = 10:00 in La Réunion (UTC+4), 07:00 in Paris
    criteria = Criteria(open_at=datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    assert check(reunion, criteria, now=NOW) == ()


def test_home_care_is_matched_by_zone_not_distance() -> None:
    criteria = toulouse_criteria(commune="31555", radius_km=10, offer_type=("28",))
    far_but_covering = home_care("far", km=40, communes=("31555", "31069"))
    near_not_covering = home_care("near", km=3, communes=("31069",))
    assert failures(far_but_covering, criteria, TOULOUSE_ZONE_KEYS) == []
    assert failures(near_not_covering, criteria, TOULOUSE_ZONE_KEYS) == [
        ("zone", "zone d'intervention hors de votre commune")
    ]


def test_a_departement_zone_covers_its_communes() -> None:
    offer = make_offer(km=60, zones=(Zone(code="31", type="2"),))
    assert failures(offer, toulouse_criteria(commune="31555"), TOULOUSE_ZONE_KEYS) == []


def test_radius_applies_to_place_based_offers() -> None:
    criteria = toulouse_criteria(radius_km=30)
    assert failures(make_offer(km=29.9), criteria) == []
    assert failures(make_offer(km=34.2), criteria) == [
        ("radius_km", f"à 34{N}km, au-delà du rayon de 30{N}km")
    ]


def test_radius_is_computed_when_the_engine_gives_no_distance() -> None:
    found = check(make_offer(km=34.2), toulouse_criteria(radius_km=2.5), now=NOW)
    assert found == (Failure("radius_km", f"à 34{N}km, au-delà du rayon de 2,5{N}km"),)


CODES = [
    ("any of within a field", {"activity": ("126",)}, {"activity": ("126", "127")}, []),
    (
        "all of across fields",
        {"activity": ("126",), "champ": ("01",)},
        {"activity": ("126",), "champ": ("01",)},
        [],
    ),
    (
        "one field missing",
        {"activity": ("126",)},
        {"activity": ("126",), "champ": ("01",)},
        ["champ"],
    ),
    (
        "two fields missing",
        {},
        {"activity": ("126",), "professions": ("93",)},
        ["activity", "professions"],
    ),
]


@pytest.mark.parametrize(
    ("has", "asks", "expected"), [r[1:] for r in CODES], ids=[r[0] for r in CODES]
)
def test_codes(has: dict[str, Any], asks: dict[str, Any], expected: list[str]) -> None:
    found = failures(make_offer(**has), toulouse_criteria(**asks))
    assert [c for c, _ in found] == expected
    assert all(reason.startswith("ne propose pas : ") for _, reason in found)


def test_an_offer_failing_exactly_one_criterion_is_a_near_miss() -> None:
    criteria = toulouse_criteria(age=15, beds=BedNeed())
    one = check(make_offer(age_min=16, capacities=free_beds(2)), criteria, now=NOW)
    two = check(make_offer(age_min=16, capacities=free_beds(0)), criteria, now=NOW)
    assert near_miss_reason(one) == Failure("age", "accueille à partir de 16 ans")
    assert near_miss_reason(two) is None
    assert near_miss_reason(()) is None


def test_code_reasons_use_the_nomenclature_labels() -> None:
    criteria = toulouse_criteria(activity=("126", "127"), professions=("93",))
    assert failures(make_offer(activity=("229",)), criteria) == [
        ("activity", "ne propose pas : réanimation médicale ou réanimation polyvalente"),
        ("professions", "ne propose pas : psychologue"),
    ]


def test_a_former_commune_code_in_a_zone_still_matches() -> None:
    # Zones are compared after ror.geo normalisation: "031" is the département 31.
    offer = make_offer(km=80, zones=(Zone(code="031", type="2"),))
    assert failures(offer, toulouse_criteria(commune="31555"), TOULOUSE_ZONE_KEYS) == []


def test_a_malformed_zone_never_matches_and_never_crashes() -> None:
    offer = make_offer(zones=(Zone(code="not-a-code", type="3"), Zone(code="31", type="9")))
    assert failures(offer, toulouse_criteria(commune="31555"), TOULOUSE_ZONE_KEYS) == [
        ("zone", "zone d'intervention hors de votre commune")
    ]


@pytest.mark.parametrize(
    "points",
    [(43.6045, 1.444, 48.8566, 2.3522), (-20.88, 55.45, -21.34, 55.48), (0.0, 0.0, 0.0, 0.0)],
)
def test_scalar_distance_agrees_with_ror_geo(points: tuple[float, float, float, float]) -> None:
    assert great_circle_km(*points) == pytest.approx(float(haversine_km(*points)), abs=1e-9)
