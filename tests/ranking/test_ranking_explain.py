"""Explanations: exact French sentences (narrow no-break space N before units and in numbers)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from ror.criteria import BedNeed, Criteria, EquipmentNeed
from ror.model import Equipment, Offer, OpeningHours
from ror.ranking import explain, score, weights_for
from ror.ranking.labels import in_sentence, short_label
from ror.source_data import NOMENCLATURES
from tests.ranking.ranking_builders import (
    NOW,
    counter,
    free_beds,
    home_care,
    make_ehpad,
    make_offer,
    toulouse_criteria,
)

N = "\u202f"


def sentences(offer: Offer, criteria: Criteria, distance_km: float | None) -> tuple[str, ...]:
    weights = weights_for(criteria.profile)
    scored = score(offer, criteria, distance_km=distance_km, now=NOW, weights=weights)
    return explain(offer, criteria, scored, distance_km=distance_km, now=NOW)


EXPLAIN = [
    (
        "emergency unit with fresh beds",
        make_offer(capacities=free_beds(3, minutes_ago=25)),
        toulouse_criteria(profile="emergency"),
        4.23,
        ("à 4,2\u202fkm", f"3 lits disponibles, mis à jour il y a 25{N}min"),
    ),
    (
        "stale count",
        make_offer(capacities=free_beds(3, minutes_ago=13 * 60 + 10)),
        toulouse_criteria(profile="emergency"),
        12.6,
        (
            f"à 13{N}km",
            "disponibilité inconnue : dernier chiffre (3 lits disponibles) "
            f"mis à jour il y a 13{N}h",
        ),
    ),
    (
        "one bed, fresh",
        make_offer(capacities=(counter(1, minutes_ago=0.2),)),
        toulouse_criteria(beds=BedNeed()),
        0.84,
        (f"à 0,8{N}km", "1 lit disponible, mis à jour à l'instant"),
    ),
    (
        "no free bed, scored by the profile",
        make_offer(capacities=free_beds(0, minutes_ago=90)),
        toulouse_criteria(profile="emergency"),
        2.0,
        (f"à 2,0{N}km", f"aucun lit disponible, mis à jour il y a 1{N}h"),
    ),
    (
        "no counter",
        make_offer(),
        toulouse_criteria(profile="emergency"),
        2.0,
        (f"à 2,0{N}km", "disponibilité non renseignée"),
    ),
    (
        "nursing home with price, aid, reception, age",
        make_ehpad(
            "e",
            daily_eur=70.0,
            capacities=(counter(2, nature="02", minutes_ago=3 * 24 * 60),),
            age_max=120,
        ),
        toulouse_criteria(
            profile="nursing_home",
            reception="permanent",
            social_aid=True,
            max_monthly_price_eur=2500,
            age=82,
        ),
        7.0,
        (
            f"à 7,0{N}km",
            f"2 places disponibles, mis à jour il y a 3{N}j",
            "habilité à l'aide sociale",
            f"tarif estimé 2{N}128{N}€/mois (hébergement 70,00{N}€ par jour)",
            "accueil permanent",
            "accueille de 60 à 120 ans",
        ),
    ),
    (
        "home care matched by zone",
        home_care("ssiad", km=40, communes=("31555",)),
        toulouse_criteria(commune="31555"),
        40.0,
        ("zone d'intervention couvrant votre commune",),
    ),
    (
        "home care matched by zone in a territory searched as a whole",
        home_care("ssiad", km=40, communes=("31555",)),
        toulouse_criteria(area="D:31"),
        40.0,
        ("zone d'intervention dans le territoire recherché",),
    ),
    (
        "child psychologist with hours",
        make_offer(
            age_min=3, age_max=17, hours=(OpeningHours(days=(4,), start=time(9), end=time(18)),)
        ),
        toulouse_criteria(
            profile="consultation", age=8, open_at=datetime(2026, 11, 26, 13, 30, tzinfo=UTC)
        ),
        2.26,
        (f"à 2,3{N}km", "accueille de 3 à 17 ans", f"ouvert jeudi à 14{N}h{N}30"),
    ),
    (
        "hours not published",
        make_offer(age_min=16),
        toulouse_criteria(age=30, open_at=datetime(2026, 11, 26, 13, 0, tzinfo=UTC)),
        None,
        ("accueille à partir de 16 ans", "horaires non renseignés"),
    ),
]


@pytest.mark.parametrize(
    ("offer", "criteria", "distance", "expected"),
    [r[1:] for r in EXPLAIN],
    ids=[r[0] for r in EXPLAIN],
)
def test_explain_sentences(
    offer: Offer, criteria: Criteria, distance: float | None, expected: tuple[str, ...]
) -> None:
    assert sentences(offer, criteria, distance) == expected


def test_equipment_sentence_names_the_limit() -> None:
    offer = make_offer(
        equipment=(Equipment("088", feature="001", limit_value=250, limit_unit="kg"),)
    )
    criteria = toulouse_criteria(equipment=(EquipmentNeed("088", "001", 200),))
    assert sentences(offer, criteria, 1.0) == (
        f"à 1,0{N}km",
        f"plateau : table de bloc opératoire obésité jusqu'à 250{N}kg",
    )


def test_an_unknown_code_falls_back_to_the_code() -> None:
    assert short_label("R212", "999") == "code 999"


def real_labels(path: str) -> dict[str, str]:
    """code -> label from a NOS ``.tabs`` file (OID;code;label)."""
    rows = (line.split(";", 2) for line in (NOMENCLATURES / path).read_text("utf-8").splitlines())
    return {row[1]: row[2] for row in rows if len(row) == 3}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("088", "table de bloc opératoire obésité"),
        ("052", "IRM obésité diamètre de 70 cm"),
        ("089", "lit d'hospitalisation obésité"),
    ],
)
def test_real_equipment_labels_read_well_in_a_sentence(code: str, expected: str) -> None:
    labels = real_labels("tabs/JDV_J18-EquipementSpecifique-ROR.tabs")
    assert in_sentence(labels[code]) == expected
