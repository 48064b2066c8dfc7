"""The small readers: FHIR values, references, places, organisation roles, codes."""

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from ror.errors import InvalidInput, UnknownCode, UnknownPlace
from ror.indexer import fhir
from ror.indexer.organizations import role_of
from ror.indexer.places import make_place, wgs84_point
from ror.indexer.references import ResourceIndex, parse_reference
from ror.indexer.services import opening_hours, patient_type, zones
from ror.indexer.validate import slot_code
from ror.model import Zone

SD = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/"
NOS = "https://mos.esante.gouv.fr/NOS/"


def _ignore(path: str, reason: str) -> None:
    raise AssertionError(f"unexpected warning {path}: {reason}")


def test_values_in_the_shapes_the_ror_sends() -> None:
    assert fhir.integer("3", "x") == 3 and fhir.integer(3.0, "x") == 3
    with pytest.raises(InvalidInput, match="expected an integer"):
        fhir.integer("3 lits", "x")
    assert fhir.decimal("47,83", "x") == 47.83
    assert fhir.boolean("true", "x") is True
    assert fhir.instant("2024-07-08T18:15:39Z", "x") == datetime(2024, 7, 8, 18, 15, 39, tzinfo=UTC)
    assert fhir.instant("2024-07", "x") == datetime(2024, 7, 1, tzinfo=UTC)
    assert fhir.instant("2024-07-08T18:15:39", "x").tzinfo is UTC
    assert fhir.day("2025-04-08T23:00:00+02:00", "x") == date(2025, 4, 8)
    assert fhir.clock("09:00", "x") == time(9)
    with pytest.raises(InvalidInput) as err:
        fhir.instant("hier", "capacityUpdateDate")
    assert err.value.field == "capacityUpdateDate"
    assert fhir.as_list({"a": 1}) == [{"a": 1}] and fhir.as_list(None) == []
    assert fhir.codings({"code": "01"}) == [{"code": "01"}]  # a bare Coding


def test_extensions_match_by_url_suffix_any_version() -> None:
    element = {
        "extension": [
            {
                "url": "http://old.example/StructureDefinition/ror-location-equipement",
                "valueInteger": 1,
            },
            {"url": SD + "ror-location-equipment/", "valueInteger": 2},
        ]
    }
    found = list(fhir.extensions(element, "ror-location-equipment", "ror-location-equipement"))
    assert [i for i, _ in found] == [0, 1]


def test_references_in_every_form() -> None:
    full = parse_reference({"reference": "https://ror.example/fhir/Organization/123/_history/4"})
    assert full is not None
    assert parse_reference({"reference": "Organization/123"}) == type(full)(
        "Organization/123", "Organization", "123"
    )
    full = parse_reference({"reference": "https://ror.example/fhir/Organization/123/_history/4"})
    assert full is not None and (full.type, full.id) == ("Organization", "123")
    local = parse_reference({"reference": "#loc"})
    assert local is not None and local.id == "loc" and local.type is None
    assert parse_reference({"display": "no reference"}) is None

    index = ResourceIndex()
    loc = {"resourceType": "Location", "id": "L1"}
    index.add(loc, full_url="urn:uuid:abc")
    assert index.resolve({"reference": "urn:uuid:abc"}, "Location") is loc
    assert index.resolve({"reference": "Location/L1"}, "Location") is loc
    assert index.resolve({"reference": "Location/L1"}, "Organization") is None
    contained = {"contained": [{"resourceType": "Location", "id": "c"}]}
    assert index.resolve({"reference": "#c"}, "Location", contained) == {
        "resourceType": "Location",
        "id": "c",
    }
    index.add({"resourceType": "Location", "id": "L1", "name": "v2"})
    assert index.replaced == 1 and index.resolve("Location/L1", "Location")["name"] == "v2"  # type: ignore[index]
    with pytest.raises(InvalidInput, match="without id"):
        index.add({"resourceType": "Organization"})


def test_practitioner_roles_are_found_by_service() -> None:
    index = ResourceIndex()
    role = {
        "resourceType": "PractitionerRole",
        "id": "r",
        "healthcareService": {"reference": "HealthcareService/s1"},  # single object
    }
    index.add(role)
    assert list(index.roles_of("s1")) == [role]
    index.add({**role, "healthcareService": [{"reference": "HealthcareService/s2"}]})
    assert list(index.roles_of("s1")) == []  # the newer version moved it


def test_overseas_utm_is_chosen_by_the_commune_code() -> None:
    notes: list[str] = []
    # Saint-Denis de La Réunion in UTM 40S (EPSG:2975): easting 338 000, northing 7 690 000.
    lat, lon = wgs84_point(
        7690000.0, 338000.0, commune="97411", epsg=None, path="p", warn=lambda p, r: notes.append(r)
    )
    assert lat == pytest.approx(-20.88, abs=0.05) and lon == pytest.approx(55.45, abs=0.05)
    assert "EPSG:2975" in notes[0]


def test_point_far_outside_france_is_invalid() -> None:
    with pytest.raises(InvalidInput, match="outside France"):
        wgs84_point(40.4168, -3.7038, commune=None, epsg=None, path="position", warn=_ignore)


def test_place_from_a_point_alone_gets_its_areas_by_reverse_lookup() -> None:
    place = make_place(
        (43.6045, 1.444), None, point_path="position", commune_path="c", warn=_ignore
    )
    assert place is not None
    assert (place.commune, place.departement, place.region) == ("31555", "31", "76")


def test_unknown_commune_without_point_is_an_unknown_place() -> None:
    with pytest.raises(UnknownPlace) as err:
        make_place(None, "99999", point_path="p", commune_path="extension[0]", warn=_ignore)
    assert err.value.field == "extension[0]"
    assert make_place(None, None, point_path="p", commune_path="c", warn=_ignore) is None


def _cc(tre: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": f"{NOS}{tre}/FHIR/{tre.replace('_', '-', 1)}", "code": code}]}


def test_organisation_roles() -> None:
    eg = {"type": [_cc("TRE_R66-CategorieEtablissement", "500")]}
    ej = {"identifier": [{"type": _cc("TRE_G07-TypeIdentifiantStructure", "2"), "value": "1"}]}
    oi = {"identifier": [{"system": "https://oi.esante.gouv.fr", "value": "x"}]}
    finess_only = {"identifier": [{"system": "http://finess.esante.gouv.fr", "value": "1"}]}
    assert [role_of(o) for o in (eg, ej, oi, finess_only, {})] == ["EG", "EJ", "OI", "EG", ""]


def test_slot_codes_are_normalised_checked_and_read_by_system() -> None:
    status = _cc("TRE_R330-StatutCapacite", "2")  # another spelling, unpadded code
    assert slot_code(status, "capacityStatus", "R330") == "02"
    translated = {"coding": [{"system": "urn:other", "code": "x"}, status["coding"][0]]}
    assert slot_code(translated, "capacityStatus", "R330") == "02"
    with pytest.raises(UnknownCode, match="unknown code 99 in TRE_R330-StatutCapacite"):
        slot_code(_cc("TRE_R330-StatutCapacite", "99"), "capacityStatus", "R330")
    with pytest.raises(InvalidInput, match="no code from TRE_R330"):
        slot_code(_cc("TRE_R331-TemporaliteCapacite", "01"), "capacityStatus", "R330")


def _patient(age_range: dict[str, Any]) -> dict[str, Any]:
    return {
        "extension": [
            {
                "url": SD + "ror-healthcareservice-patient-type",
                "extension": [{"url": "ageRange", "valueRange": age_range}],
            }
        ]
    }


def test_age_ranges_in_months_and_open_bounds() -> None:
    months = {"low": {"value": 3, "code": "mo"}, "high": {"value": "216", "code": "mo"}}
    assert patient_type(_patient(months)) == (0, 18, ())
    assert patient_type(_patient({"low": {"value": 16}})) == (16, None, ())
    with pytest.raises(InvalidInput, match="unknown age unit"):
        patient_type(_patient({"low": {"value": 1, "code": "parsec"}}))


def test_zone_type_inferred_from_the_code_system_when_missing() -> None:
    hs = {
        "extension": [
            {
                "url": SD + "ror-territorial-division",
                "extension": [
                    {
                        "url": "codeTerritorialDivision",
                        "valueCodeableConcept": _cc("TRE_R13-CommuneOM", "1004"),
                    }
                ],
            }
        ]
    }
    assert zones(hs) == (Zone(code="01004", type="3"),)


def test_hours_without_days_apply_every_day_and_bad_days_are_invalid() -> None:
    (row,) = opening_hours({"availableTime": [{"availableStartTime": "08:00:00"}]})
    assert row.days == (1, 2, 3, 4, 5, 6, 7) and row.start == time(8)
    bad = {
        "availableTime": [
            {
                "extension": [
                    {"url": SD + "ror-available-time-number-days-of-week", "valueInteger": 8}
                ]
            }
        ]
    }
    with pytest.raises(InvalidInput, match=r"not in 1\.\.7"):
        opening_hours(bad)


def test_position_far_from_its_commune_is_kept_with_a_warning() -> None:
    notes: list[str] = []
    place = make_place(
        (45.764, 4.8357),  # Lyon
        "75056",  # Paris
        point_path="position",
        commune_path="c",
        warn=lambda p, r: notes.append(f"{p}: {r}"),
    )
    assert place is not None and place.commune == "75056" and place.lat == 45.764
    assert notes and notes[0].startswith("position: position is 3") and "75056" in notes[0]
