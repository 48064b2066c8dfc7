"""The Offer JSON form round-trips without loss."""

import dataclasses
from datetime import UTC, date, datetime, time

from ror.model import (
    CAPACITY_KEY_FIELDS,
    OFFER_CODE_FIELDS,
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


def test_offer_round_trips_through_json_form() -> None:
    offer = _offer()
    again = Offer.from_dict(offer.to_dict())
    assert again == offer
    assert again.establishment.social_aid
    assert again.establishment.prices[0].monthly_eur == 2143.2
    assert again.home_based


def test_with_capacities_is_replace_of_the_counters_only() -> None:
    offer = _offer()
    counters = (dataclasses.replace(offer.capacities[0], count=7, location_id="loc-2"),)
    changed = offer.with_capacities(counters)
    assert changed == dataclasses.replace(offer, capacities=counters)
    assert changed.capacities == counters and changed is not offer
    assert offer.capacities[0].count == 3  # the offer read stays as it was
    assert [
        getattr(changed, f.name) for f in dataclasses.fields(Offer) if f.name != "capacities"
    ] == [getattr(offer, f.name) for f in dataclasses.fields(Offer) if f.name != "capacities"]


def _offer() -> Offer:
    return Offer(
        id="hs-1",
        name="EHPAD Les Tilleuls",
        establishment=Establishment(
            id="eg-1",
            name="Les Tilleuls",
            finess="310000000",
            category="500",
            financial_help=("02",),
            prices=(Price(type="02", unit="2", amount_eur=70.5, start_date=date(2026, 1, 1)),),
        ),
        place=Place(lat=43.6, lon=1.44, commune="31555", departement="31", region="76"),
        activity=("293",),
        age_min=60,
        age_max=120,
        capacities=(
            Capacity(
                nature="02",
                status="02",
                temporality="01",
                count=3,
                updated_at=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
                location_id="loc-1",
            ),
        ),
        equipment=(Equipment(code="088", feature="001", limit_value=250, limit_unit="kg"),),
        zones=(Zone(code="31555", type="3"),),
        hours=(OpeningHours(days=(1, 2), start=time(8), end=time(18), kind="01"),),
        contacts=(Contact(value="05 00 00 00 00", channel="2", confidentiality="2"),),
        last_updated=datetime(2026, 11, 1, tzinfo=UTC),
        source={"resourceType": "HealthcareService"},
    )


def test_capacity_key_follows_its_field_list() -> None:
    c = Capacity(
        nature="02",
        status="02",
        temporality="01",
        count=3,
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        gender="03",
        closing_type=None,
        crisis="01",
        assignment="02",
    )
    assert c.key() == tuple(getattr(c, name) or "" for name in CAPACITY_KEY_FIELDS)


def test_offer_code_fields_are_the_code_fields_of_an_offer() -> None:
    from dataclasses import fields

    from ror.nomenclature import FIELD_SYSTEMS

    codes = [f.name for f in fields(Offer) if f.type == "Codes" and f.name in FIELD_SYSTEMS]
    assert list(OFFER_CODE_FIELDS) == codes
