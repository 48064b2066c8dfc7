"""Intervention zone keys: offers' zones and a patient's commune meet on the same keys."""

from __future__ import annotations

import pytest

from ror.errors import InvalidInput, UnknownPlace
from ror.geo import patient_zone_keys, zone_key


@pytest.mark.parametrize(
    ("zone_type", "code", "key"),
    [
        ("3", "31555", "C:31555"),
        ("3", "2a004", "C:2A004"),
        ("3", "12076", "C:12218"),  # a former commune becomes its current commune
        ("3", "75115", "C:75115"),
        ("2", "31", "D:31"),
        ("2", "031", "D:31"),
        ("2", "2b", "D:2B"),
        ("2", "974", "D:974"),
        ("1", "76", "R:76"),
        ("1", "04", "R:04"),
        ("5", "99100", "P:FR"),  # TRE_R20-Pays: INSEE country code of France
        ("5", "FRA", "P:FR"),
        ("5", "fr", "P:FR"),
        ("4", "t7601", "T:T7601"),
        ("6", "sud", "Z:SUD"),
        (" 3 ", " 31555 ", "C:31555"),
    ],
)
def test_zone_keys(zone_type: str, code: str, key: str) -> None:
    assert zone_key(zone_type, code) == key


@pytest.mark.parametrize(
    ("zone_type", "code", "field"),
    [
        ("7", "31555", "zone.type"),
        ("", "31555", "zone.type"),
        ("3", "", "zone.code"),
        ("3", "3155", "zone.code"),
        ("2", "Haute-Garonne", "zone.code"),
        ("1", "760", "zone.code"),
    ],
)
def test_bad_zones_name_the_field(zone_type: str, code: str, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        zone_key(zone_type, code)
    assert error.value.field == field


def test_patient_keys_are_the_commune_and_its_ancestors() -> None:
    assert patient_zone_keys("31555") == {"C:31555", "D:31", "R:76", "P:FR"}
    assert patient_zone_keys("2A004") == {"C:2A004", "D:2A", "R:94", "P:FR"}
    assert patient_zone_keys("97411") == {"C:97411", "D:974", "R:04", "P:FR"}


def test_arrondissement_also_gives_its_city() -> None:
    assert patient_zone_keys("75115") == {"C:75115", "C:75056", "D:75", "R:11", "P:FR"}


def test_former_commune_is_mapped_first() -> None:
    assert patient_zone_keys("12076") == {"C:12218", "D:12", "R:76", "P:FR"}


def test_unknown_commune_is_unknown_place() -> None:
    with pytest.raises(UnknownPlace) as error:
        patient_zone_keys("99999")
    assert error.value.field == "commune"


def test_offer_serves_patient_when_keys_meet() -> None:
    toulouse_patient = patient_zone_keys("31555")
    haute_garonne_service = {zone_key("2", "31")}
    paris_service = {zone_key("3", "75056")}
    assert haute_garonne_service & toulouse_patient
    assert not paris_service & toulouse_patient
    assert paris_service & patient_zone_keys("75115")
    former_code_service = {zone_key("3", "12076")}  # an old record with a merged commune
    assert former_code_service & patient_zone_keys("12218")
