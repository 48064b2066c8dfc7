"""Resources in ROR IG shape built from what was indexed, for offers without a kept source
(the synthetic dataset, offers indexed from Offer NDJSON), and capacity extensions from live
counters for every offer.

Shapes follow the IG's examples (``HealthcareService-1234564``, ``RORLocationExemple1``,
``ROROrganizationExempleEG``): NOS codings with the canonical TRE URL and label, ROR
extensions by their canonical URL, UCUM ``a`` for ages. What the Offer does not keep (a
Location's name, the EJ, opening-hours periods of other kinds…) cannot be rebuilt and is
absent. Parts built from one value (a zone, a contact, opening hours, a counter) are built once
and shared: callers copy what they change (``resources.shape_*``), never change it in place.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, Final

from ror import nomenclature
from ror.indexer.facts import (
    CHARACTERISTIC_FIELDS,
    LocationView,
    location_identifier,
    location_name,
)
from ror.model import Capacity, Contact, Equipment, Offer, OpeningHours, Price, Zone

Json = dict[str, Any]

ROR: Final = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/"
UCUM: Final = "http://unitsofmeasure.org"
FINESS_SYSTEM: Final = "https://finess.esante.gouv.fr"
IDENTIFIER_TYPES: Final = "https://mos.esante.gouv.fr/NOS/TRE_G07-TypeIdentifiantStructure/FHIR/TRE-G07-TypeIdentifiantStructure"
OFFER_IDENTIFIER_TYPES: Final = "https://mos.esante.gouv.fr/NOS/TRE_R355-TypeIdentifiantOffre/FHIR/TRE-R355-TypeIdentifiantOffre"
DAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Zone type (R201) -> the key of its code system (communes: R13; régions: R30).
ZONE_SYSTEMS: Final = {"3": "R13", "1": "R30"}
#: Capacity sub-extension -> (Capacity field, code system key).
CAPACITY_CODES: Final = (
    ("capacityType", "nature", "R329"),
    ("capacityStatus", "status", "R330"),
    ("temporalityCapacity", "temporality", "R331"),
    ("capacitySourceType", "source", "R335"),
    ("genderCapacityAvailable", "gender", "R332"),
    ("capacityClosingType", "closing_type", "R333"),
    ("additionalBedType", "extra_bed_type", "R334"),
    ("crisisType", "crisis", "R336"),
    ("temporaryAssignement", "assignment", "R337"),
)


#: Elements built once per distinct value and shared by every resource that has it (a national
#: page repeats the same zones, hours, contacts and counters): read-only, never changed in place.
_shared: Final = lru_cache(maxsize=65_536)


def coding(key: str, code: str) -> Json:
    system, label = _coded(key, code)
    out: Json = {"system": system, "code": code}
    if label:
        out["display"] = label
    return out


@lru_cache(maxsize=16_384)
def _coded(key: str, code: str) -> tuple[str, str | None]:
    """A code's system URL and label (read once: every Bundle entry repeats them)."""
    return nomenclature.canonical_url(key), nomenclature.label(key, code)


def concept(key: str, code: str) -> Json:
    return {"coding": [coding(key, code)]}


def concepts(key: str, codes: tuple[str, ...]) -> list[Json]:
    return [concept(key, c) for c in codes]


def ext(name: str, **value: Any) -> Json:
    return {"url": ROR + name, **value}


def sub(name: str, **value: Any) -> Json:
    return {"url": name, **value}


def instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def meta(updated: datetime | None, profile: str, region: str | None) -> Json:
    out: Json = {"profile": [ROR + profile]}
    if updated is not None:
        out["lastUpdated"] = instant(updated)
    if region:
        out["tag"] = [{"system": nomenclature.canonical_url("R30"), "code": region}]
    return out


# --- HealthcareService --------------------------------------------------------------------------


def healthcare_service(offer: Offer) -> Json:
    extensions: list[Json] = [
        ext("ror-healthcareservice-sensitive-unit", valueBoolean=offer.sensitive),
        _patient_type(offer),
        *(_zone(z) for z in offer.zones),
        *(_contact(c) for c in offer.contacts),
    ]
    out: Json = {
        "resourceType": "HealthcareService",
        "id": offer.id,
        "meta": meta(offer.last_updated, "ror-healthcareservice", offer.region_tag),
        "extension": extensions,
    }
    if offer.ror_id:
        out["identifier"] = [
            {
                "type": {"coding": [{"system": OFFER_IDENTIFIER_TYPES, "code": "35"}]},
                "value": offer.ror_id,
            }
        ]
    out["providedBy"] = {"reference": f"Organization/{offer.establishment.id}"}
    if offer.offer_type:
        out["category"] = concepts("R244", offer.offer_type)
    out["type"] = concepts("R227", offer.champ)
    out["specialty"] = concepts("R211", offer.activity)
    if offer.location_ids:
        out["location"] = [{"reference": f"Location/{lid}"} for lid in offer.location_ids]
    out["name"] = offer.name
    characteristic = [
        _characteristic(name, code)
        for name in CHARACTERISTIC_FIELDS
        for code in getattr(offer, name)
    ]
    if characteristic:
        out["characteristic"] = characteristic
    if offer.hours:
        out["availableTime"] = [_hours(h) for h in offer.hours]
    if offer.closed_from or offer.reopens_at:
        during: Json = {}
        if offer.closed_from:
            during["start"] = instant(offer.closed_from)
        if offer.reopens_at:
            during["end"] = instant(offer.reopens_at)
        out["notAvailable"] = [
            {"id": "closingReopeningDate", "description": "Fermeture", "during": during}
        ]
    return out


def _patient_type(offer: Offer) -> Json:
    age: Json = {}
    if offer.age_min is not None:
        age["low"] = {"value": offer.age_min, "system": UCUM, "code": "a"}
    if offer.age_max is not None:
        age["high"] = {"value": offer.age_max, "system": UCUM, "code": "a"}
    parts = [sub("ageRange", valueRange=age)] if age else []
    parts += [
        sub("supportedPatientInfo", valueCodeableConcept=concept("R239", c)) for c in offer.public
    ]
    return ext("ror-healthcareservice-patient-type", extension=parts)


@_shared
def _zone(zone: Zone) -> Json:
    key = ZONE_SYSTEMS.get(zone.type)
    code: Json = {"coding": [coding(key, zone.code) if key else {"code": zone.code}]}
    return ext(
        "ror-territorial-division",
        extension=[
            sub("codeTerritorialDivision", valueCodeableConcept=code),
            sub("typeTerritorialDivision", valueCodeableConcept=concept("R201", zone.type)),
        ],
    )


@_shared
def _contact(contact: Contact) -> Json:
    telecom = [
        ext(
            "ror-telecom-confidentiality-level",
            valueCodeableConcept=concept("R283", contact.confidentiality),
        ),
        sub("telecomAddress", valueString=contact.value),
    ]
    if contact.channel:
        telecom.insert(
            0,
            ext(
                "ror-telecom-communication-channel",
                valueCodeableConcept=concept("R200", contact.channel),
            ),
        )
    parts = []
    if contact.purpose:
        parts.append(sub("purposeContact", valueCodeableConcept=concept("R287", contact.purpose)))
    if contact.name:
        parts.append(sub("name", valueHumanName={"text": contact.name}))
    parts.append(
        ext(
            "ror-confidentiality-level",
            valueCodeableConcept=concept("R283", contact.confidentiality),
        )
    )
    parts.append(ext("ror-healthcareservice-contact-telecom", extension=telecom))
    return ext("ror-healthcareservice-contact", extension=parts)


def _characteristic(name: str, code: str) -> Json:
    out = concept(nomenclature.FIELD_SYSTEMS[name], code)
    if name == "acts":
        out["extension"] = [ext("ror-act-type", valueCode="specificAct")]
    return out


@_shared
def _hours(hours: OpeningHours) -> Json:
    parts: list[Json] = [
        ext("ror-available-time-number-days-of-week", valueInteger=day) for day in hours.days
    ]
    if hours.kind:
        parts.append(
            ext("ror-available-time-type-of-time", valueCodeableConcept=concept("R252", hours.kind))
        )
    if hours.valid_from or hours.valid_to:
        period: Json = {}
        if hours.valid_from:
            period["start"] = hours.valid_from.isoformat()
        if hours.valid_to:
            period["end"] = hours.valid_to.isoformat()
        parts.append(ext("ror-available-time-effective-opening-closing-date", valuePeriod=period))
    out: Json = {"extension": parts, "daysOfWeek": [DAY_NAMES[d - 1] for d in hours.days]}
    if hours.all_day:
        out["allDay"] = True
    if hours.start:
        out["availableStartTime"] = hours.start.isoformat()
    if hours.end:
        out["availableEndTime"] = hours.end.isoformat()
    return out


# --- Location ---------------------------------------------------------------------------------


def location(offer: Offer, loc: LocationView) -> Json:
    assert loc.id is not None
    extensions: list[Json] = [
        ext("ror-commune-cog", valueCodeableConcept=concept("R13", loc.commune)),
        *(capacity(c) for c in loc.capacities),
        *equipment(loc.equipment),
    ]
    out: Json = {
        "resourceType": "Location",
        "id": loc.id,
        "meta": meta(loc.last_updated, "ror-location", offer.region_tag),
        "extension": extensions,
    }
    identifier = location_identifier(offer, loc.id)
    if identifier:
        out["identifier"] = [{"value": identifier}]
    out["status"] = "active"
    out["name"] = location_name(offer, loc.id)
    place = offer.place
    address: Json = {}
    if place.address:
        address["line"] = [place.address]
    if loc.city:
        address["city"] = loc.city
    if loc.postal_code:
        address["postalCode"] = loc.postal_code
    if address:
        out["address"] = address
    out["position"] = {
        "extension": [ext("ror-coordinate-reliability", valueBoolean=place.reliable)],
        "longitude": loc.lon,
        "latitude": loc.lat,
    }
    out["managingOrganization"] = {"reference": f"Organization/{offer.establishment.id}"}
    return out


@_shared
def capacity(counter: Capacity) -> Json:
    """One ``ror-location-supported-capacity`` extension from a (live) counter."""
    parts: list[Json] = []
    for name, field, key in CAPACITY_CODES:
        code = getattr(counter, field)
        if code is not None:
            parts.append(sub(name, valueCodeableConcept=concept(key, code)))
    parts.insert(3, sub("nbCapacity", valueInteger=counter.count))
    parts.insert(5, sub("capacityUpdateDate", valueDateTime=instant(counter.updated_at)))
    return ext("ror-location-supported-capacity", extension=parts)


def equipment(rows: tuple[Equipment, ...]) -> list[Json]:
    """One ``ror-location-equipment`` per type, its limits as sub-extensions."""
    by_code: dict[str, list[Equipment]] = {}
    for row in rows:
        by_code.setdefault(row.code, []).append(row)
    out = []
    for code, items in by_code.items():
        parts = [sub("equipmentType", valueCodeableConcept=concept("R212", code))]
        count = next((e.count for e in items if e.count is not None), None)
        if count is not None:
            parts.append(sub("nbInService", valueInteger=count))
        for e in items:
            if e.feature is None or e.limit_value is None:
                continue
            quantity: Json = {"value": e.limit_value}
            if e.limit_unit:
                quantity |= {"unit": e.limit_unit, "system": UCUM, "code": e.limit_unit}
            parts.append(
                ext(
                    "ror-location-equipment-limit",
                    extension=[
                        sub("equipmentFeature", valueCodeableConcept=concept("R340", e.feature)),
                        sub("limitValue", valueQuantity=quantity),
                    ],
                )
            )
        out.append(ext("ror-location-equipment", extension=parts))
    return out


# --- Organization (EG) ---------------------------------------------------------------------------


def establishment(offer: Offer) -> Json:
    est = offer.establishment
    extensions: list[Json] = [
        ext("ror-organization-financial-help-type", valueCodeableConcept=concept("R241", c))
        for c in est.financial_help
    ]
    if est.social_aid_places_permanent is not None:
        extensions.append(
            ext(
                "ror-organization-nb-permanent-social-help-place",
                valueInteger=est.social_aid_places_permanent,
            )
        )
    if est.social_aid_places_temporary is not None:
        extensions.append(
            ext(
                "ror-organization-nb-temporary-social-help-place",
                valueInteger=est.social_aid_places_temporary,
            )
        )
    extensions += [_price(p) for p in est.prices]
    out: Json = {
        "resourceType": "Organization",
        "id": est.id,
        "meta": meta(None, "ror-organization", offer.region_tag),
    }
    if extensions:
        out["extension"] = extensions
    if est.finess:
        out["identifier"] = [
            {
                "type": {
                    "coding": [{"system": IDENTIFIER_TYPES, "code": "1", "display": "FINESS"}]
                },
                "system": FINESS_SYSTEM,
                "value": est.finess,
            }
        ]
    if est.category:
        out["type"] = [concept("R66", est.category)]
    out["name"] = est.name
    place = offer.place
    out["address"] = [
        {
            **({"line": [place.address]} if place.address else {}),
            "city": place.city,
            "postalCode": place.postal_code,
        }
    ]
    return out


def _price(price: Price) -> Json:
    parts = [
        sub("priceType", valueCodeableConcept=concept("R246", price.type)),
        sub("priceUnit", valueCodeableConcept=concept("R228", price.unit)),
        sub("amount", valueMoney={"value": price.amount_eur, "currency": "EUR"}),
    ]
    optional = (
        ("specialPrice", price.condition, "R250"),
        ("welcomeType", price.reception, "R240"),
        ("residentialType", price.residential_type, "R242"),
        ("dependencyLevel", price.dependency_level, "R237"),
    )
    for name, code, key in optional:
        if code is not None:
            parts.append(sub(name, valueCodeableConcept=concept(key, code)))
    if price.under_60 is not None:
        parts.append(sub("under60", valueBoolean=price.under_60))
    if price.start_date is not None:
        parts.append(sub("startDate", valueDate=price.start_date.isoformat()))
    return ext("ror-organization-price", extension=parts)
