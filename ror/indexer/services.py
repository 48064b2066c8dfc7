"""RORHealthcareService (offre opérationnelle): codes, patientèle, zones, hours, contacts.

Codes are sliced by code system, never by position: every coding of ``specialty``,
``category``, ``type`` and ``characteristic`` goes to the Offer field its TRE/JDV key maps to
(:data:`ror.nomenclature.FIELD_SYSTEMS`); a characteristic carrying ``ror-act-type`` is an act.
Codings whose system is not recognised are read with the element's only binding for
``category`` (R244) and ``type`` (R227) (the doc examples use ``https://mos.esante.gouv.fr/NOS``)
and otherwise left in the source with a warning.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from ror import nomenclature
from ror.errors import InvalidInput
from ror.model import Contact, OpeningHours, Zone

from .fhir import (
    Json,
    as_list,
    boolean,
    clock,
    codings,
    day,
    decimal,
    extension,
    extensions,
    instant,
    integer,
    objects,
    sub_value,
    text,
    value,
)
from .places import Warn
from .validate import (
    checked_code,
    coding_key,
    dedupe,
    field_key,
    optional_slot_code,
    part_key,
    service_field,
    slot_code,
)

CODED_ELEMENTS = ("specialty", "category", "type", "characteristic")
DEFAULT_KEYS = {"category": "R244", "type": "R227"}
ACT_TYPE = "ror-act-type"
PATIENT_TYPE = "ror-healthcareservice-patient-type"
TERRITORIAL_DIVISION = "ror-territorial-division"
CONTACT = "ror-healthcareservice-contact"
CONTACT_TELECOM = "ror-healthcareservice-contact-telecom"
CONFIDENTIALITY = ("ror-confidentiality-level", "ror-contact-confidentiality-level")
TELECOM_CONFIDENTIALITY = "ror-telecom-confidentiality-level"
CHANNEL = "ror-telecom-communication-channel"
SENSITIVE = "ror-healthcareservice-sensitive-unit"
DAYS_OF_WEEK = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
#: UCUM age units -> years per unit (``a`` is what the ROR uses).
AGE_UNITS = {"a": 1.0, "ann": 1.0, "an": 1.0, "mo": 1 / 12, "wk": 7 / 365.25, "d": 1 / 365.25}
#: Zone type (R201) from the key of the zone code's system when the type is missing.
ZONE_TYPE_BY_KEY = {"R13": "3", "J124": "3", "J230": "3", "R30": "1", "J237": "1", "J247": "5"}
OFFER_ID_TYPE = "35"  # TRE_R355: identifiant fonctionnel de l'offre


def service_codes(hs: Json, warn: Warn) -> dict[str, tuple[str, ...]]:
    """Offer code field -> codes, from every coding of the coded elements."""
    found: dict[str, list[str]] = defaultdict(list)
    for element in CODED_ELEMENTS:
        for i, concept in enumerate(as_list(hs.get(element))):
            is_act = isinstance(concept, dict) and extension(concept, ACT_TYPE) is not None
            for j, coding in enumerate(codings(concept)):
                path = f"{element}[{i}].coding[{j}]"
                code = text(coding.get("code"))
                if code is None:
                    raise InvalidInput("coding without code", f"{path}.code")
                key = coding_key(coding, DEFAULT_KEYS.get(element))
                if key is None:
                    warn(path, f"unrecognised code system {coding.get('system')!r}; ignored")
                    continue
                code = checked_code(key, code, text(coding.get("system")), f"{path}.code")
                name = "acts" if is_act else service_field(key)
                if name is not None:
                    found[name].append(code)
    return {name: dedupe(codes) for name, codes in found.items()}


def patient_type(hs: Json) -> tuple[int | None, int | None, tuple[str, ...]]:
    """``(age_min, age_max, public codes)``; :class:`InvalidInput` without an age range."""
    publics: list[str] = []
    age_range: tuple[int, Json] | None = None
    for i, ext in extensions(hs, PATIENT_TYPE):
        for k, sub in extensions(ext, "supportedPatientInfo"):
            path = f"extension[{i}].extension[{k}].valueCodeableConcept"
            publics.append(slot_code(value(sub), path, field_key("public")))
        found = extension(ext, "ageRange")
        if found and age_range is None and isinstance(value(found[1]), dict):
            age_range = (i, value(found[1]))
    if age_range is None:
        raise InvalidInput("missing age range", f"extension({PATIENT_TYPE}).ageRange")
    i, rng = age_range
    path = f"extension[{i}].ageRange.valueRange"
    low = _age(rng.get("low"), f"{path}.low")
    high = _age(rng.get("high"), f"{path}.high")
    if low is None and high is None:
        raise InvalidInput("age range without low or high", path)
    if low is not None and high is not None and low > high:
        raise InvalidInput(f"age range low {low} > high {high}", path)
    return low, high, dedupe(publics)


def _age(quantity: object, path: str) -> int | None:
    if not isinstance(quantity, dict) or quantity.get("value") is None:
        return None
    amount = decimal(quantity["value"], f"{path}.value")
    unit = text(quantity.get("code")) or text(quantity.get("unit")) or "a"
    per_unit = AGE_UNITS.get(unit.lower())
    if per_unit is None:
        raise InvalidInput(f"unknown age unit {unit!r}", f"{path}.code")
    if amount < 0:
        raise InvalidInput(f"negative age {amount}", f"{path}.value")
    return int(amount * per_unit + 1e-9)


def zones(hs: Json) -> tuple[Zone, ...]:
    """Intervention zones (``ror-territorial-division``): code and R201 type, as given."""
    out = []
    for i, ext in extensions(hs, TERRITORIAL_DIVISION):
        path = f"extension[{i}]"
        concept = sub_value(ext, "codeTerritorialDivision")
        coding = next((c for c in codings(concept) if text(c.get("code"))), None)
        if coding is None:
            raise InvalidInput("missing codeTerritorialDivision", f"{path}.codeTerritorialDivision")
        code = str(text(coding.get("code")))
        kind_concept = sub_value(ext, "typeTerritorialDivision")
        if kind_concept is not None:
            kind = slot_code(
                kind_concept, f"{path}.typeTerritorialDivision", part_key("Zone", "type")
            )
        else:
            inferred = ZONE_TYPE_BY_KEY.get(coding_key(coding, "") or "")
            if inferred is None:
                raise InvalidInput("missing typeTerritorialDivision", path)
            kind = inferred
        if kind == "3" and code.isdigit():
            code = code.zfill(5)
        out.append(Zone(code=code, type=kind))
    return tuple(dict.fromkeys(out))


def opening_hours(hs: Json) -> tuple[OpeningHours, ...]:
    """``availableTime`` rows; a row naming no day applies to every day."""
    rows = []
    for i, row in enumerate(objects(hs.get("availableTime"))):
        path = f"availableTime[{i}]"
        days = set()
        for name in as_list(row.get("daysOfWeek")):
            if str(name).lower() not in DAYS_OF_WEEK:
                raise InvalidInput(f"unknown day {name!r}", f"{path}.daysOfWeek")
            days.add(DAYS_OF_WEEK[str(name).lower()])
        for k, ext in extensions(row, "ror-available-time-number-days-of-week"):
            number = integer(value(ext), f"{path}.extension[{k}]")
            if not 1 <= number <= 7:
                raise InvalidInput(f"day number {number} not in 1..7", f"{path}.extension[{k}]")
            days.add(number)
        kind = extension(row, "ror-available-time-type-of-time")
        period = extension(row, "ror-available-time-effective-opening-closing-date")
        during = value(period[1]) if period else None
        during = during if isinstance(during, dict) else {}
        all_day = row.get("allDay")
        start, end = row.get("availableStartTime"), row.get("availableEndTime")
        rows.append(
            OpeningHours(
                days=tuple(sorted(days)) or (1, 2, 3, 4, 5, 6, 7),
                start=clock(start, f"{path}.availableStartTime") if start else None,
                end=clock(end, f"{path}.availableEndTime") if end else None,
                all_day=boolean(all_day, f"{path}.allDay") if all_day is not None else False,
                kind=(
                    slot_code(
                        value(kind[1]),
                        f"{path}.extension[{kind[0]}]",
                        part_key("OpeningHours", "kind"),
                    )
                    if kind
                    else None
                ),
                valid_from=day(during["start"], f"{path}.period.start")
                if during.get("start")
                else None,
                valid_to=day(during["end"], f"{path}.period.end") if during.get("end") else None,
            )
        )
    return tuple(rows)


def contacts(hs: Json) -> tuple[Contact, ...]:
    """Contact points with their confidentiality (R283; the stricter of contact and telecom)."""
    out = []
    for i, ext in extensions(hs, CONTACT):
        path = f"extension[{i}]"
        purpose = optional_slot_code(
            sub_value(ext, "purposeContact"), f"{path}.purposeContact", _contact_key("purpose")
        )
        level = _level(sub_value(ext, *CONFIDENTIALITY), f"{path}.confidentiality")
        name = _human_name(sub_value(ext, "name"))
        for k, telecom in extensions(ext, CONTACT_TELECOM):
            tpath = f"{path}.extension[{k}]"
            address = text(sub_value(telecom, "telecomAddress"))
            if address is None:
                raise InvalidInput("missing telecomAddress", f"{tpath}.telecomAddress")
            tlevel = _level(sub_value(telecom, TELECOM_CONFIDENTIALITY), f"{tpath}.confidentiality")
            out.append(
                Contact(
                    value=address,
                    channel=optional_slot_code(
                        sub_value(telecom, CHANNEL), tpath, _contact_key("channel")
                    ),
                    purpose=purpose,
                    confidentiality=max(level, tlevel, key=int),
                    name=name,
                )
            )
    for i, telecom in enumerate(objects(hs.get("telecom"))):
        path = f"telecom[{i}]"
        address = text(telecom.get("value"))
        if address is None:
            continue
        channel = extension(telecom, CHANNEL)
        out.append(
            Contact(
                value=address,
                channel=slot_code(value(channel[1]), path, _contact_key("channel"))
                if channel
                else None,
                confidentiality=_level(
                    sub_value(telecom, TELECOM_CONFIDENTIALITY), f"{path}.confidentiality"
                ),
            )
        )
    return tuple(out)


def _contact_key(name: str) -> str:
    return part_key("Contact", name)


def _level(concept: object, path: str) -> str:
    return optional_slot_code(concept, path, _contact_key("confidentiality")) or "1"


def _human_name(name: object) -> str | None:
    if not isinstance(name, dict):
        return text(name)
    if text(name.get("text")):
        return text(name.get("text"))
    parts = [*(text(g) or "" for g in as_list(name.get("given"))), text(name.get("family")) or ""]
    return " ".join(p for p in parts if p) or None


def sensitive(hs: Json) -> bool:
    found = extension(hs, SENSITIVE)
    if found is None or value(found[1]) is None:
        return False
    return boolean(value(found[1]), f"extension[{found[0]}]")


def closing(hs: Json) -> tuple[datetime | None, datetime | None]:
    """``(closed_from, reopens_at)`` from ``notAvailable[closingReopeningDate].during``."""
    rows = [r for r in objects(hs.get("notAvailable")) if isinstance(r.get("during"), dict)]
    chosen = next((r for r in rows if r.get("id") == "closingReopeningDate"), None)
    if chosen is None and rows:
        chosen = rows[0]
    if chosen is None:
        return None, None
    i = objects(hs.get("notAvailable")).index(chosen)
    during = chosen["during"]
    start, end = during.get("start"), during.get("end")
    path = f"notAvailable[{i}].during"
    return (
        instant(start, f"{path}.start") if start else None,
        instant(end, f"{path}.end") if end else None,
    )


def last_updated(resource: Json) -> datetime | None:
    meta = resource.get("meta")
    if isinstance(meta, dict) and meta.get("lastUpdated"):
        return instant(meta["lastUpdated"], "meta.lastUpdated")
    return None


def offer_identifier(hs: Json) -> str | None:
    """identifiantOffre: the identifier typed 35 (TRE_R355), else the first one with a value."""
    idents = [i for i in objects(hs.get("identifier")) if text(i.get("value"))]
    for ident in idents:
        if any(text(c.get("code")) == OFFER_ID_TYPE for c in codings(ident.get("type"))):
            return text(ident.get("value"))
    return text(idents[0].get("value")) if idents else None


def professions(role: Json) -> tuple[str, ...]:
    """Profession codes (TRE_G15 and the tables J54/J229 fold in) of a PractitionerRole."""
    codes = []
    default = field_key("professions")
    for i, concept in enumerate(as_list(role.get("code"))):
        for j, coding in enumerate(codings(concept)):
            code = text(coding.get("code"))
            key = coding_key(coding, default)
            if code and key and nomenclature.field_for_system(key) == "professions":
                path = f"code[{i}].coding[{j}].code"
                codes.append(checked_code(key, code, text(coding.get("system")), path))
    return dedupe(codes)
