"""Every real ROR example loads into an Offer with the values it carries (quirks included)."""

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from ror.indexer.load import LoadResult, load_paths
from ror.model import Capacity, Contact, Equipment, Offer, OpeningHours, Price, Zone
from ror.source_data import ROR_JSON_EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests/fixtures/fhir"
ALL = [FIXTURES / "ig-fsh", FIXTURES / "linked", *ROR_JSON_EXAMPLES]
SAAD = "post-healthcareservice-1-saad-intervention-zone.json"
NEURO = "post-healthcareservice-2-neurochirurgie-hc.json"


@pytest.fixture(scope="module")
def loaded() -> tuple[dict[str, Offer], LoadResult]:
    result = load_paths(ALL)
    return {o.id: o for o in result.offers}, result


@pytest.fixture(scope="module")
def offers(loaded: tuple[dict[str, Offer], LoadResult]) -> dict[str, Offer]:
    return loaded[0]


def _from_file(offers: dict[str, Offer], loaded: LoadResult, name: str) -> Offer:
    """The offer built from an id-less doc example (its id is derived from its content)."""
    (found,) = [
        w.resource.split("/", 1)[1]
        for w in loaded.report.warnings
        if w.source.endswith(name) and w.field == "id"
    ]
    return offers[found]


def test_everything_loads_without_rejects(loaded: tuple[dict[str, Offer], LoadResult]) -> None:
    offers, result = loaded
    report = result.report
    assert report.complete
    assert report.rejects == []
    assert report.read == {
        "HealthcareService": 6,
        "Location": 7,
        "Organization": 10,
        "Practitioner": 1,
        "PractitionerRole": 3,
    }
    assert report.offers == len(offers) == 6
    assert report.replaced_context == 1  # ror-location-exemple: in ig-fsh and in ig-json


def test_ig_healthcareservice_1234564(offers: dict[str, Offer]) -> None:
    offer = offers["1234564"]
    assert offer.name == "5812  Chirurgie gynécologique - HOSPITALISATION COMPLETE"
    assert offer.ror_id == "06/0099999"
    assert offer.offer_type == ("157",)
    assert offer.champ == ("01",)
    assert offer.activity == ("022",)
    assert offer.expertise == ("04",)  # TRE_R253 maternité de type 3, folded into J227
    assert offer.care_mode == ()  # the IG example has none: a warning, not a reject
    assert (offer.age_min, offer.age_max) == (15, 150)
    assert offer.region_tag == "06"
    assert offer.last_updated == datetime(2025, 4, 8, 13, 5, 27, tzinfo=UTC)
    assert offer.sensitive is False
    assert len(offer.hours) == 7
    assert offer.hours[0] == OpeningHours(
        days=(1,), start=time(0, 0), end=time(23, 59), kind="01", valid_from=date(2025, 4, 8)
    )
    assert [h.days for h in offer.hours] == [(d,) for d in range(1, 8)]
    assert offer.contacts == (Contact(value="0199999999", channel="2", purpose="06"),)
    # Location/888888 was never published: placed at its EG's geolocated address instead.
    assert offer.location_ids == ()
    assert offer.establishment.id == "999999" and offer.establishment.category == "355"
    assert (offer.place.commune, offer.place.departement, offer.place.region) == (
        "97611",
        "976",
        "06",
    )


def test_location_example_1_counters_reach_the_neurosurgery_offer(
    offers: dict[str, Offer],
) -> None:
    offer = offers["ror-healthcareservice-exemple"]
    updated = datetime(2024, 7, 8, 18, 15, 39, tzinfo=UTC)

    def counter(status: str, count: int, **extra: str) -> Capacity:
        return Capacity("01", status, "01", count, updated, "01", location_id="5253", **extra)

    assert offer.capacities == (
        counter("01", 15),
        counter("06", 0, extra_bed_type="03", crisis="02"),
        counter("02", 0, gender="02"),
        counter("02", 0, gender="01"),
        counter("02", 3, gender="03"),
    )
    available_now = sum(
        c.count
        for c in offer.capacities
        if (c.nature, c.status, c.temporality) == ("01", "02", "01")
    )
    assert available_now == 3
    place = offer.place
    assert (place.lat, place.lon, place.reliable) == (47.834781, 1.92204, True)
    assert (place.commune, place.departement, place.region) == ("45234", "45", "24")
    assert place.address == "14 AV DE L'HOPITAL, 45000 ORLEANS"
    assert (place.postal_code, place.city) == ("45000", "ORLEANS")
    assert offer.region_tag == "24"  # the service has no tag: its Location's
    assert offer.acts == ("0320",) and offer.care_mode == ("28",)


def test_neurosurgery_offer_walks_oi_to_eg_to_ej(offers: dict[str, Offer]) -> None:
    est = offers["ror-healthcareservice-exemple"].establishment
    assert (est.id, est.name, est.finess, est.category) == (
        "4500",
        "CHR d'Orléans (fixture)",
        "450099999",
        "101",
    )
    assert est.legal_entity == "CHR d'Orléans (fixture EJ)"  # through an absolute partOf URL


def test_saad_doc_example(
    offers: dict[str, Offer], loaded: tuple[dict[str, Offer], LoadResult]
) -> None:
    offer = _from_file(offers, loaded[1], SAAD)
    assert offer.id.startswith("sha1-")
    assert offer.zones == (Zone(code="92036", type="3"),)  # code trusted, display ignored
    assert offer.home_based
    assert (offer.age_min, offer.age_max) == (60, 120)
    assert offer.public == ("01",)
    assert offer.offer_type == ("30",)  # category system "https://mos.esante.gouv.fr/NOS"
    assert offer.champ == ("04",)  # type given as a single object
    assert offer.activity == ("298", "299")  # SERAFIN codes (R265) sliced away
    assert offer.care_mode == ("59",)
    assert offer.acts == ("0784", "0785", "0786", "0787")
    assert offer.ror_id == "ZZZ"  # identifier given as a single object
    assert [h.days for h in offer.hours] == [(1,), (2,), (3,), (4,), (5,)]  # "1".."5" strings
    assert {(h.start, h.end, h.kind) for h in offer.hours} == {(time(9), time(17), "02")}
    assert offer.contacts == (Contact(value="01.01.01.01.01", channel="2", purpose="06"),)
    est = offer.establishment
    assert (est.name, est.finess, est.category, est.legal_entity) == (
        "Quiétude BOIS COLOMBES",
        "458174839",
        "460",
        "Quiétude",
    )
    assert est.financial_help == ("02",) and est.social_aid
    # Location/654 has a commune and no position: the commune's point, marked unreliable.
    assert (offer.place.commune, offer.place.departement, offer.place.region) == (
        "92009",
        "92",
        "11",
    )
    assert offer.place.reliable is False


def test_neurosurgery_doc_example(
    offers: dict[str, Offer], loaded: tuple[dict[str, Offer], LoadResult]
) -> None:
    offer = _from_file(offers, loaded[1], NEURO)
    assert offer.activity == ("183", "440")
    assert offer.care_mode == ("28",)
    assert (offer.age_min, offer.age_max) == (18, 90)
    assert all(h.all_day and h.start is None for h in offer.hours)
    assert [h.days for h in offer.hours] == [(d,) for d in range(1, 8)]
    assert offer.contacts[0].channel == "2"  # system = the extension URL (doc quirk)
    assert len(offer.capacities) == 5


def test_gp_offer_with_hours_and_professions(offers: dict[str, Offer]) -> None:
    offer = offers["ror-healthcareservice-exemple-ville"]
    assert offer.champ == ("05",) and offer.activity == ("437",) and offer.care_mode == ("32",)
    assert offer.professions == ("60", "93")  # PractitionerRoles pointing at the service
    assert offer.hours[-1] == OpeningHours(days=(5,), start=time(9), end=time(12), kind="06")
    assert offer.hours[4] == OpeningHours(days=(5,), start=time(14), end=time(19), kind="07")
    assert offer.contacts == (
        Contact(value="01.01.01.01.01", channel="2", purpose="02", confidentiality="1"),
    )
    assert offer.establishment.category == "SA07"
    assert offer.place.commune == "78646" and offer.place.departement == "78"


def test_ehpad_prices_social_aid_equipment(offers: dict[str, Offer]) -> None:
    offer = offers["ehpad-hebergement-permanent"]
    est = offer.establishment
    assert est.social_aid
    assert (est.social_aid_places_permanent, est.social_aid_places_temporary) == (12, 2)
    assert est.prices[0] == Price(
        type="02",
        unit="2",
        amount_eur=68.4,
        condition="02",
        reception="02",
        residential_type="02",
        start_date=date(2025, 1, 1),
    )
    assert est.prices[0].monthly_eur == 2079.36
    assert offer.reception == ("02",) and offer.specialisations == ("28",)
    assert offer.public == ("01",)
    assert offer.equipment == (
        Equipment("088", 1, "001", 250.0, "kg", location_id="ehpad-hebergement"),
    )
    assert offer.closed_from == datetime(2026, 8, 1, tzinfo=UTC)
    assert offer.reopens_at is not None and offer.reopens_at.isoformat() == (
        "2026-08-15T00:00:00+02:00"
    )
    assert offer.hours == (OpeningHours(days=(1, 2, 3, 4, 5, 6, 7), all_day=True),)
    assert offer.contacts == (
        Contact(value="accueil@ehpad-tilleuls.example.org", channel="3", confidentiality="2"),
    )


def test_source_keeps_every_resource_and_unknown_extensions(offers: dict[str, Offer]) -> None:
    source = offers["ehpad-hebergement-permanent"].source
    assert source is not None and source["type"] == "collection"
    urls = [e["fullUrl"] for e in source["entry"]]
    assert urls == [
        "HealthcareService/ehpad-hebergement-permanent",
        "Location/ehpad-hebergement",
        "Organization/ehpad-eg",
    ]
    eg = source["entry"][2]["resource"]
    assert any(e["url"].endswith("ror-organization-future-extension") for e in eg["extension"])


def test_id_less_service_gets_its_derived_id_in_the_source(
    offers: dict[str, Offer], loaded: tuple[dict[str, Offer], LoadResult]
) -> None:
    offer = _from_file(offers, loaded[1], SAAD)
    assert offer.source is not None
    assert offer.source["entry"][0]["resource"]["id"] == offer.id


def test_no_source_when_asked() -> None:
    result = load_paths([FIXTURES / "linked"], keep_source=False)
    assert all(o.source is None for o in result.offers)
