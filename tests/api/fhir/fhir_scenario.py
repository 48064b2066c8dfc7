"""The FHIR scenario fixture: units built from the real ROR example shapes.

Every resource is a copy of a real example (the IG's ``RORLocationExemple1`` with its five
counters, the documentation's neurosurgery and SAAD offers, the linked EHPAD set, the linked
CHR and SAAD establishments) with only the values a scenario needs changed (ids, codes,
counters, equipment limits, prices, zones, places). Places are real communes, from the
gazetteer. Each scenario has units that match and look-alikes that must not, in particular
units that would match if the capacity, equipment or price parameters were tested on
*different* elements of one Location or establishment (the ROR's own search semantics).
"""

from __future__ import annotations

import copy
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ror.geo import gazetteer
from ror.source_data import ROR_EXAMPLES
from tests.api.fhir.systems import COMMUNE_OM, NOS, R211, R244, R333

Json = dict[str, Any]
ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests/fixtures/fhir"
ROR = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/"


def _load(path: Path) -> Json:
    return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]


def _linked(kind: str, rid: str) -> Json:
    if kind == "Location":
        bundle = _load(FIXTURES / "linked/locations.bundle.json")
        return next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == rid)
    for line in (FIXTURES / "linked/organizations.ndjson").read_text("utf-8").splitlines():
        resource = json.loads(line)
        if resource["id"] == rid:
            return resource  # type: ignore[no-any-return]
    raise KeyError(rid)


LOCATION_1 = _load(FIXTURES / "ig-fsh/Location-ror-location-exemple-1.json")
EHPAD_LOCATION = _linked("Location", "ehpad-hebergement")
SAAD_LOCATION = _linked("Location", "654")
NEURO = _load(ROR_EXAMPLES / "doc-json/post-healthcareservice-2-neurochirurgie-hc.json")
SAAD = _load(ROR_EXAMPLES / "doc-json/post-healthcareservice-1-saad-intervention-zone.json")
EHPAD = _load(FIXTURES / "linked/HealthcareService-ehpad-hebergement-permanent.json")
CHR = _linked("Organization", "4500")
SAAD_EG = _linked("Organization", "2424")
EHPAD_EG = _linked("Organization", "ehpad-eg")


# --- pieces ---------------------------------------------------------------------------------


def _ext_named(element: Json, name: str) -> list[Json]:
    return [e for e in element.get("extension", []) if e["url"].rsplit("/", 1)[-1] == name]


def _set_code(ext: Json, part: str, code: str) -> None:
    """Change the code (and drop the display) of a sub-extension's CodeableConcept."""
    for sub in ext["extension"]:
        if sub["url"] == part:
            coding = sub["valueCodeableConcept"]["coding"][0]
            coding["code"] = code
            coding.pop("display", None)
            return
    raise KeyError(part)


def counter(
    status: str,
    count: int,
    *,
    gender: str | None = None,
    closing: str | None = None,
    temporality: str = "01",
    nature: str = "01",
) -> Json:
    """A capacity counter, copied from RORLocationExemple1's (available, gender) counter."""
    base = copy.deepcopy(_ext_named(LOCATION_1, "ror-location-supported-capacity")[2])
    _set_code(base, "capacityStatus", status)
    _set_code(base, "capacityType", nature)
    _set_code(base, "temporalityCapacity", temporality)
    for sub in base["extension"]:
        if sub["url"] == "nbCapacity":
            sub["valueInteger"] = count
    if gender is None:
        base["extension"] = [s for s in base["extension"] if s["url"] != "genderCapacityAvailable"]
    else:
        _set_code(base, "genderCapacityAvailable", gender)
    if closing is not None:
        closing_type = copy.deepcopy(
            next(s for s in base["extension"] if s["url"] == "capacityStatus")
        )
        closing_type["url"] = "capacityClosingType"
        coding = closing_type["valueCodeableConcept"]["coding"][0]
        coding["system"] = R333
        coding["code"] = closing
        coding.pop("display", None)
        base["extension"].append(closing_type)
    return base


def equipment(code: str, limit_kg: float | None) -> Json:
    """An equipment extension, copied from the linked EHPAD Location's (old id, 250 kg)."""
    base = copy.deepcopy(_ext_named(EHPAD_LOCATION, "ror-location-equipement")[0])
    _set_code(base, "equipmentType", code)
    limits = [s for s in base["extension"] if s["url"].endswith("ror-location-equipment-limit")]
    if limit_kg is None:
        base["extension"] = [s for s in base["extension"] if s not in limits]
    else:
        for sub in limits[0]["extension"]:
            if sub["url"] == "limitValue":
                sub["valueQuantity"]["value"] = limit_kg
    return base


def location(
    rid: str,
    insee: str,
    name: str,
    *,
    counters: list[Json] | None = None,
    equipments: tuple[Json, ...] = (),
    offset_km: float = 0.0,
) -> Json:
    """A copy of RORLocationExemple1 placed in a real commune (its gazetteer point, moved
    ``offset_km`` north), with these counters (the example's five when None)."""
    commune = gazetteer().commune(insee)
    assert commune is not None, insee
    loc = copy.deepcopy(LOCATION_1)
    loc["id"] = rid
    loc["name"] = name
    loc["identifier"][0]["value"] = f"24/{rid}"
    cog = _ext_named(loc, "ror-commune-cog")[0]["valueCodeableConcept"]["coding"][0]
    cog["code"], cog["display"] = insee, commune.name
    loc["address"] = {
        "line": [f"1 rue de l'Hôpital, {commune.postcodes[0]} {commune.name.upper()}"],
        "postalCode": commune.postcodes[0],
        "city": commune.name.upper(),
    }
    loc["position"]["latitude"] = round(commune.lat + offset_km / 111.2, 6)
    loc["position"]["longitude"] = round(commune.lon, 6)
    others = [
        e for e in loc["extension"] if not e["url"].endswith("ror-location-supported-capacity")
    ]
    kept = _ext_named(loc, "ror-location-supported-capacity") if counters is None else counters
    loc["extension"] = others[:1] + kept + list(equipments) + others[1:]
    return loc


def unit(
    rid: str,
    name: str,
    *,
    specialty: str,
    category: str,
    location_id: str,
    provider: str,
    ages: tuple[int, int] = (18, 90),
) -> Json:
    """A copy of the documentation's neurosurgery offer with these codes and links."""
    hs = copy.deepcopy(NEURO)
    hs["id"] = rid
    hs["name"] = name
    hs["identifier"] = {"value": f"24/{rid}"}
    hs["specialty"] = [{"coding": [{"system": R211, "code": specialty}]}]
    hs["category"] = [{"coding": [{"system": R244, "code": category}]}]
    hs["location"] = [{"reference": f"Location/{location_id}"}]
    hs["providedBy"] = {"reference": f"Organization/{provider}"}
    patient = _ext_named(hs, "ror-healthcareservice-patient-type")[0]
    age = patient["extension"][0]["valueRange"]
    age["low"]["value"], age["high"]["value"] = ages
    return hs


def establishment(base: Json, rid: str, name: str, insee: str) -> Json:
    commune = gazetteer().commune(insee)
    assert commune is not None
    org = copy.deepcopy(base)
    org["id"] = rid
    org["name"] = name
    org.pop("partOf", None)
    number = f"{zlib.crc32(rid.encode()) % 10**9:09d}"  # a made-up FINESS, stable
    for ident in org.get("identifier", []):
        if "value" in ident:
            finess = ident["type"]["coding"][0]["code"] == "1"
            ident["value"] = number if finess else "1" + number
    address = org["address"][0]
    address["postalCode"] = commune.postcodes[0]
    address["city"] = commune.name.upper()
    address["line"] = [f"1 place de la Mairie, {commune.postcodes[0]} {commune.name.upper()}"]
    address.pop("_line", None)
    for ext in address.get("extension", []):
        if ext["url"].endswith("insee-code"):
            ext["valueCoding"]["code"] = insee
        if ext["url"].endswith("geolocation"):
            for sub in ext["extension"]:
                if sub["url"] == "latitude":
                    sub["valueDecimal"] = commune.lat
                if sub["url"] == "longitude":
                    sub["valueDecimal"] = commune.lon
    return org


def ehpad_eg(rid: str, insee: str, prices: list[tuple[str, float, str]]) -> Json:
    """A copy of the linked EHPAD establishment with these prices (type R246, €, start)."""
    org = establishment(EHPAD_EG, rid, f"EHPAD {rid}", insee)
    template = _ext_named(EHPAD_EG, "ror-organization-price")[0]
    others = [e for e in org["extension"] if not e["url"].endswith("ror-organization-price")]
    made = []
    for kind, amount, start in prices:
        price = copy.deepcopy(template)
        _set_code(price, "priceType", kind)
        for sub in price["extension"]:
            if sub["url"] == "amount":
                sub["valueMoney"]["value"] = amount
            if sub["url"] == "startDate":
                sub["valueDateTime"] = start
        made.append(price)
    org["extension"] = others + made
    return org


def ehpad(rid: str, eg: str, loc: str) -> Json:
    hs = copy.deepcopy(EHPAD)
    hs["id"] = rid
    hs["name"] = f"Hébergement permanent {rid}"
    hs["identifier"][0]["value"] = f"76/{rid}"
    hs["providedBy"] = {"reference": f"Organization/{eg}"}
    hs["location"] = [{"reference": f"Location/{loc}"}]
    return hs


def ehpad_location(rid: str, insee: str, offset_km: float) -> Json:
    commune = gazetteer().commune(insee)
    assert commune is not None
    loc = copy.deepcopy(EHPAD_LOCATION)
    loc["id"] = rid
    loc["position"] = {
        "latitude": round(commune.lat + offset_km / 111.2, 6),
        "longitude": round(commune.lon, 6),
    }
    return loc


def saad(rid: str, zone: tuple[str, str], specialties: tuple[str, ...], loc: str, eg: str) -> Json:
    """A copy of the documentation's SAAD with one intervention zone (type R201, code)."""
    hs = copy.deepcopy(SAAD)
    hs["id"] = rid
    hs["name"] = f"SAAD {rid}"
    hs["location"] = [{"reference": f"Location/{loc}"}]
    hs["providedBy"] = {"reference": f"Organization/{eg}"}
    kept = [
        s
        for s in hs["specialty"]
        if s["coding"][0]["system"] != R211 or s["coding"][0]["code"] in specialties
    ]
    extra = [
        {"coding": [{"system": R211, "code": c}]}
        for c in specialties
        if c not in {s["coding"][0]["code"] for s in kept}
    ]
    hs["specialty"] = kept + extra
    division = _ext_named(hs, "ror-territorial-division")[0]
    kind, code = zone
    for sub in division["extension"]:
        coding = sub["valueCodeableConcept"]["coding"][0]
        if sub["url"] == "codeTerritorialDivision":
            coding["code"] = code
            coding["system"] = (
                COMMUNE_OM
                if kind == "3"
                else NOS + "JDV_J248-DepartementOM-ROR/FHIR/JDV-J248-DepartementOM-ROR"
            )
            coding.pop("display", None)
        else:
            coding["code"] = kind
            coding.pop("display", None)
    return hs


def saad_location(rid: str, insee: str) -> Json:
    commune = gazetteer().commune(insee)
    assert commune is not None
    loc = copy.deepcopy(SAAD_LOCATION)
    loc["id"] = rid
    cog = _ext_named(loc, "ror-commune-cog")[0]["valueCodeableConcept"]["coding"][0]
    cog["code"], cog["display"] = insee, commune.name
    loc["address"] = {
        "line": ["2 rue du Port"],
        "postalCode": commune.postcodes[0],
        "city": commune.name.upper(),
    }
    return loc


# --- the fixture ------------------------------------------------------------------------------

ORLEANS, OLIVET, TOURS, BLOIS, PITHIVIERS = "45234", "45232", "37261", "41018", "45252"
MORLAIX, BREST, TOULOUSE = "29151", "29019", "31555"


def resources() -> Iterator[Json]:
    yield establishment(CHR, "chr-orleans", "CHR d'Orléans", ORLEANS)
    yield establishment(CHR, "chu-tours", "CHU de Tours", TOURS)
    yield establishment(CHR, "ch-blois", "CH de Blois", BLOIS)
    yield establishment(CHR, "ch-olivet", "Clinique d'Olivet", OLIVET)
    yield establishment(CHR, "ch-pithiviers", "CH de Pithiviers", PITHIVIERS)
    # 1. USINV (356) with a free bed for a woman, on the same counter.
    yield location(
        "loc-usinv-orleans",
        ORLEANS,
        "USINV Orléans",
        counters=[counter("01", 12), counter("02", 2, gender="01"), counter("02", 0, gender="02")],
    )
    yield location(
        "loc-usinv-olivet",
        OLIVET,
        "USINV Olivet",
        counters=[counter("01", 8), counter("02", 1, gender="01")],
    )
    # Tours keeps the example's five counters (women 0, men 0, undifferentiated 3) and has
    # 4 closed re-openable beds.
    tours = location("loc-usinv-tours", TOURS, "USINV Tours")
    tours["extension"].insert(1, counter("05", 4, closing="01"))
    yield tours
    yield location(
        "loc-usinv-blois",
        BLOIS,
        "USINV Blois",
        counters=[
            counter("02", 1, gender="01", temporality="03"),  # a bed for a woman… in 24 h
            counter("02", 2, gender="02"),
            counter("05", 6, closing="02"),
            counter("05", 0, closing="01"),
        ],
    )
    yield unit("usinv-orleans", "USINV CHR Orléans", specialty="356", category="263",
               location_id="loc-usinv-orleans", provider="chr-orleans")  # fmt: skip
    yield unit("usinv-olivet", "USINV Olivet", specialty="356", category="263",
               location_id="loc-usinv-olivet", provider="ch-olivet")  # fmt: skip
    yield unit("usinv-tours", "USINV CHU Tours", specialty="356", category="263",
               location_id="loc-usinv-tours", provider="chu-tours")  # fmt: skip
    yield unit("usinv-blois", "USINV CH Blois", specialty="356", category="263",
               location_id="loc-usinv-blois", provider="ch-blois")  # fmt: skip
    # Another unit of the Orléans bed zone (shared Location).
    yield unit("neurochir-orleans", "Neurochirurgie CHR Orléans", specialty="440",
               category="121", location_id="loc-usinv-orleans", provider="chr-orleans")  # fmt: skip
    # 3. Orthopaedic surgery (025) with a bariatric operating table (088) of at least 200 kg.
    yield location("loc-bloc-orleans", ORLEANS, "Bloc Orléans", counters=[],
                   equipments=(equipment("088", 250),), offset_km=0.3)  # fmt: skip
    yield location("loc-bloc-tours", TOURS, "Bloc Tours", counters=[],
                   equipments=(equipment("088", 180), equipment("054", 300)))  # fmt: skip
    yield location("loc-bloc-blois", BLOIS, "Bloc Blois", counters=[], offset_km=0.3)
    yield location("loc-bloc-pithiviers", PITHIVIERS, "Bloc Pithiviers", counters=[],
                   equipments=(equipment("088", 200),))  # fmt: skip
    yield unit("ortho-orleans", "Chirurgie orthopédique Orléans", specialty="025",
               category="121", location_id="loc-bloc-orleans", provider="chr-orleans")  # fmt: skip
    yield unit("ortho-tours", "Chirurgie orthopédique pédiatrique Tours", specialty="025",
               category="121", location_id="loc-bloc-tours", provider="chu-tours",
               ages=(0, 17))  # fmt: skip
    yield unit("ortho-blois", "Chirurgie orthopédique Blois", specialty="025", category="121",
               location_id="loc-bloc-blois", provider="ch-blois", ages=(36, 120))  # fmt: skip
    yield unit("ortho-pithiviers", "Chirurgie orthopédique Pithiviers", specialty="025",
               category="121", location_id="loc-bloc-pithiviers", provider="ch-pithiviers",
               ages=(16, 35))  # fmt: skip
    # 4. EHPAD base price (R246 02) under 75 €/day, newest price first.
    yield ehpad_eg(
        "eg-tilleuls", TOULOUSE, [("02", 68.4, "2025-01-01"), ("02", 81.9, "2025-01-01")]
    )
    yield ehpad_eg("eg-capitole", TOULOUSE, [("02", 72.0, "2026-01-01")])
    yield ehpad_eg("eg-garonne", TOULOUSE, [("02", 95.0, "2026-02-01"), ("03", 6.1, "2026-02-01")])
    yield ehpad_eg("eg-minimes", TOULOUSE, [("02", 74.99, "2024-07-01")])
    for i, name in enumerate(("tilleuls", "capitole", "garonne", "minimes")):
        yield ehpad_location(f"loc-ehpad-{name}", TOULOUSE, 0.5 * i)
        yield ehpad(f"ehpad-{name}", f"eg-{name}", f"loc-ehpad-{name}")
    # 5. Home help (SAAD, R244 30, activity 293) serving Morlaix.
    yield establishment(SAAD_EG, "eg-saad-morlaix", "SAAD du Pays de Morlaix", MORLAIX)
    yield saad_location("loc-saad-morlaix", MORLAIX)
    yield saad("saad-morlaix", ("3", MORLAIX), ("293", "298"), "loc-saad-morlaix",
               "eg-saad-morlaix")  # fmt: skip
    yield saad("saad-brest", ("3", BREST), ("293",), "loc-saad-morlaix", "eg-saad-morlaix")
    yield saad("saad-finistere", ("2", "29"), ("293",), "loc-saad-morlaix", "eg-saad-morlaix")
    yield saad("saad-morlaix-menage", ("3", MORLAIX), ("298", "299"), "loc-saad-morlaix",
               "eg-saad-morlaix")  # fmt: skip


def write(directory: Path) -> Path:
    """The fixture as one NDJSON file (the indexer's input format)."""
    path = directory / "scenario.ndjson"
    with path.open("w", encoding="utf-8") as handle:
        for resource in resources():
            handle.write(json.dumps(resource, ensure_ascii=False) + "\n")
    return path
