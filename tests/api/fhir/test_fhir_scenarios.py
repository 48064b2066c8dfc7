"""Every documented scenario query of the ROR consumer API (ROR-MODEL §9), over real HTTP,
against the scenario units (``fhir_scenario.py``), with the expected entries."""

from __future__ import annotations

import httpx
import pytest

from tests.api.fhir.fhir_checks import bundle_of, distance, included, matches, query
from tests.api.fhir.systems import (
    COMMUNE_OM,
    NOS,
    R211,
    R212,
    R244,
    R246,
    R329,
    R330,
    R331,
    R332,
    R333,
    R340,
    UCUM,
)

FREE_FEMALE_BED = [
    ("specialty", f"{R211}|356"),
    ("location.capacity-type", f"{R329}|01"),
    ("location.gender-capacity-available", f"{R332}|01"),
    ("location.temporality-capacity", f"{R331}|01"),
    ("location.capacity-status", f"{R330}|02"),
    ("location.nb-capacity", "gt0"),
    ("_include", "HealthcareService:location"),
]


def test_free_female_usinv_bed_on_one_counter(fhir: httpx.Client) -> None:
    bundle = bundle_of(fhir.get("/HealthcareService", params=query(FREE_FEMALE_BED)))
    # Tours has an available counter (3 undifferentiated beds) and a women's counter (0):
    # the ROR's separate tests would take it; one counter has to hold every criterion.
    # Blois has a free woman's bed only in 24 h (temporality 03).
    assert matches(bundle) == ["usinv-olivet", "usinv-orleans"]
    assert bundle["total"] == 2
    assert included(bundle, "Location") == ["loc-usinv-olivet", "loc-usinv-orleans"]
    # Each criterion alone does hold on some counter of Tours and Blois.
    for name, value in FREE_FEMALE_BED[1:-1]:
        alone = [FREE_FEMALE_BED[0], (name, value)]
        found = matches(bundle_of(fhir.get("/HealthcareService", params=query(alone))))
        assert {"usinv-tours", "usinv-blois"} & set(found), name
    women = [FREE_FEMALE_BED[0], FREE_FEMALE_BED[2]]
    assert "usinv-tours" in matches(bundle_of(fhir.get("/HealthcareService", params=query(women))))


def test_system_spellings_and_bare_codes_are_the_same_concepts(fhir: httpx.Client) -> None:
    """URL hygiene (ROR-MODEL §9): JDV URLs with a trailing slash, short TRE names, OIDs and
    bare codes ("2" for "02") name the same codes."""
    j17 = "JDV_J17-ActiviteOperationnelle-ROR/FHIR/JDV-J17-ActiviteOperationnelle-ROR/"
    r331 = f"{NOS}TRE_R331-Temporalite/FHIR/TRE-R331-Temporalite"
    r330 = f"{NOS}TRE_R330-StatutCapacite/FHIR/TRE-R330-StatutCapacite"
    spelled = [
        ("specialty", f"{NOS}{j17}|356"),
        ("location.capacity-type", "urn:oid:1.2.250.1.213.3.3.212|1"),
        ("location.gender-capacity-available", "01"),
        ("location.temporality-capacity", f"{r331}|1"),
        ("location.capacity-status", f"{r330}|2"),
        ("location.nb-capacity", "ge1"),
    ]
    bundle = bundle_of(fhir.get("/HealthcareService", params=query(spelled)))
    assert matches(bundle) == ["usinv-olivet", "usinv-orleans"]


def test_closed_reopenable_beds(fhir: httpx.Client) -> None:
    params = [
        ("location.capacity-type", f"{R329}|01"),
        ("location.capacity-closing-type", f"{R333}|01"),
        ("location.capacity-status", f"{R330}|05"),
        ("location.nb-capacity", "gt0"),
    ]
    bundle = bundle_of(fhir.get("/HealthcareService", params=query(params)))
    # Blois: 6 closed beds not re-openable, and a re-openable closed counter at 0.
    assert matches(bundle) == ["usinv-tours"]
    locations = bundle_of(
        fhir.get(
            "/Location",
            params=query(
                [(k.removeprefix("location."), v) for k, v in params]
                + [("_revinclude", "HealthcareService:location")]
            ),
        )
    )
    assert matches(locations) == ["loc-usinv-tours"]
    assert included(locations, "HealthcareService") == ["usinv-tours"]


def test_bariatric_operating_table_of_200_kg(fhir: httpx.Client) -> None:
    params = [
        ("specialty", f"{R211}|025"),
        ("location.equipment-type", f"{R212}|088"),
        ("location.equipment-feature", f"{R340}|001"),
        ("location.limit-value", f"ge200|{UCUM}|kg"),
    ]
    bundle = bundle_of(fhir.get("/HealthcareService", params=query(params)))
    # Tours: a 180 kg table beside a 300 kg MRI (another equipment); Blois: no table.
    assert matches(bundle) == ["ortho-orleans", "ortho-pithiviers"]
    in_grams = [*params[:3], ("location.limit-value", f"ge200000|{UCUM}|g")]
    assert matches(bundle_of(fhir.get("/HealthcareService", params=query(in_grams)))) == matches(
        bundle
    )


def test_ehpad_base_price_newest_first(fhir: httpx.Client) -> None:
    params = [
        ("organization.price-type", f"{R246}|02"),
        ("organization.price-amount-value", "lt75"),
        ("_sort", "-organization.price-validity-start-date"),
        ("_include", "HealthcareService:organization"),
    ]
    bundle = bundle_of(fhir.get("/HealthcareService", params=query(params)))
    # Garonne: base price 95 €, and a 6.10 € dependency price (another price of the EG).
    assert matches(bundle) == ["ehpad-capitole", "ehpad-tilleuls", "ehpad-minimes"]
    assert included(bundle, "Organization") == ["eg-capitole", "eg-tilleuls", "eg-minimes"]
    cheapest = [("organization.price-type", "02"), ("_sort", "organization.price-amount-value")]
    order = matches(bundle_of(fhir.get("/HealthcareService", params=query(cheapest))))
    assert order == ["ehpad-tilleuls", "ehpad-capitole", "ehpad-minimes", "ehpad-garonne"]


def test_home_help_by_intervention_zone(fhir: httpx.Client) -> None:
    params = [
        ("intervention-zone", f"{COMMUNE_OM}|29151"),
        ("specialty", f"{R211}|293"),
        ("service-category", f"{R244}|30"),
    ]
    bundle = bundle_of(fhir.get("/HealthcareService", params=query(params)))
    assert matches(bundle) == ["saad-morlaix"]  # not Brest's, not the one without 293
    above = [("intervention-zone:above", "29151"), *params[1:]]
    # :above: every zone holding the commune (the Finistère-wide service too)
    assert matches(bundle_of(fhir.get("/HealthcareService", params=query(above)))) == [
        "saad-finistere",
        "saad-morlaix",
    ]


@pytest.mark.parametrize(
    "params",
    [
        [
            (
                "_filter",
                "(age-range-low le 35|https://unitsofmeasure.org|a and "
                "age-range-high ge 35|https://unitsofmeasure.org|a)",
            )
        ],
        [("age-range-low", "le35"), ("age-range-high", "ge35")],
        [("age-range-low", "le420|http://unitsofmeasure.org|mo"), ("age-range-high", "ge35")],
    ],
    ids=["_filter", "prefixes", "months"],
)
def test_age_35(fhir: httpx.Client, params: list[tuple[str, str]]) -> None:
    bundle = bundle_of(fhir.get("/HealthcareService", params=[("specialty", "025"), *params]))
    # Tours takes 0–17, Blois 36–120; Pithiviers 16–35 (bounds inclusive).
    assert matches(bundle) == ["ortho-orleans", "ortho-pithiviers"]


def test_within_15_km_of_an_insee_code_nearest_first(fhir: httpx.Client) -> None:
    params = [
        ("location.near-insee-code", "45234|15|km"),
        ("_include", "HealthcareService:location"),
    ]
    bundle = bundle_of(fhir.get("/HealthcareService", params=query(params)))
    # Orléans' units (two share one bed zone: same distance, ordered by id), then the
    # operating theatre 300 m north, then Olivet; Pithiviers (≈ 40 km), Tours, Blois are out.
    assert matches(bundle) == [
        "neurochir-orleans",
        "usinv-orleans",
        "ortho-orleans",
        "usinv-olivet",
    ]
    found = [distance(e) for e in bundle["entry"] if e["search"]["mode"] == "match"]
    assert all(d is not None and d <= 15 for d in found)
    assert found == sorted(found)  # type: ignore[type-var]
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Location":
            assert distance(entry) is not None
    usinv = [("specialty", f"{R211}|356"), *params]
    assert matches(bundle_of(fhir.get("/HealthcareService", params=query(usinv)))) == [
        "usinv-orleans",
        "usinv-olivet",
    ]


def test_departement_by_postcode_prefix(fhir: httpx.Client) -> None:
    params = [("location.address-postalcode", "45"), ("_count", "100")]
    bundle = bundle_of(fhir.get("/HealthcareService", params=query(params)))
    assert matches(bundle) == [
        "neurochir-orleans",
        "ortho-orleans",
        "ortho-pithiviers",
        "usinv-olivet",
        "usinv-orleans",
    ]
    locations = bundle_of(fhir.get("/Location", params=[("address-postalcode", "45")]))
    assert matches(locations) == [
        "loc-bloc-orleans",
        "loc-bloc-pithiviers",
        "loc-usinv-olivet",
        "loc-usinv-orleans",
    ]


HOSPITAL = ["neurochir-orleans", "ortho-blois", "ortho-orleans", "ortho-pithiviers", "ortho-tours"]
USINV = ["usinv-blois", "usinv-olivet", "usinv-orleans", "usinv-tours"]
EHPADS = ["ehpad-capitole", "ehpad-garonne", "ehpad-minimes", "ehpad-tilleuls"]
SAADS = ["saad-brest", "saad-finistere", "saad-morlaix", "saad-morlaix-menage"]
R66 = NOS + "TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"
R213 = NOS + "TRE_R213-ModePriseEnCharge/FHIR/TRE-R213-ModePriseEnCharge"


@pytest.mark.parametrize(
    ("resource", "params", "expected"),
    [
        ("HealthcareService", [("location.commune-cog", f"{COMMUNE_OM}|45232")], ["usinv-olivet"]),
        ("HealthcareService", [("location.commune-cog", "45234,37261")],
         ["neurochir-orleans", "ortho-orleans", "ortho-tours", "usinv-orleans", "usinv-tours"]),
        ("HealthcareService", [("organization.financial-help-type", "02")], EHPADS + SAADS),
        ("HealthcareService", [("organization.type", f"{R66}|101")], sorted(HOSPITAL + USINV)),
        ("HealthcareService", [("service-category", f"{R244}|263")], USINV),
        ("HealthcareService", [("_lastUpdated", "ge2025")], EHPADS),
        ("HealthcareService", [("location.capacity-update-date", "ge2025-01-01")], EHPADS),
        ("HealthcareService", [("characteristic", f"{R213}|46")], EHPADS),
        ("HealthcareService", [("characteristic", "0784")], SAADS),  # an act, any system
        ("HealthcareService", [("patient-type", "01")], EHPADS + SAADS),
        ("HealthcareService", [("name:contains", "pediatrique")], ["ortho-tours"]),
        ("HealthcareService", [("location", "Location/loc-usinv-orleans")],
         ["neurochir-orleans", "usinv-orleans"]),
        ("HealthcareService", [("organization", "eg-capitole")], ["ehpad-capitole"]),
        ("HealthcareService", [("service-type:not", "01"), ("_tag", "76")], EHPADS),
        ("Location", [("_lastUpdated", "ge2025")], [f"loc-{e}" for e in EHPADS]),
        ("Location", [("identifier", "24/loc-usinv-blois")], ["loc-usinv-blois"]),
        ("Location", [("address-city", "tours")], ["loc-bloc-tours", "loc-usinv-tours"]),
    ],
)  # fmt: skip
def test_other_parameters(
    fhir: httpx.Client, resource: str, params: list[tuple[str, str]], expected: list[str]
) -> None:
    bundle = bundle_of(fhir.get(f"/{resource}", params=[*params, ("_count", "100")]))
    assert matches(bundle) == expected
    assert bundle["total"] == len(expected)
