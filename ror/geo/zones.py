"""Intervention zones: where a home-based service's patients live (ROR R201 types).

An offer's zones and a patient's commune both become *zone keys* ("C:31555", "D:31", "R:76",
"P:FR"); an offer serves the patient when the two key sets meet. The patient side carries the
ancestors (commune -> département -> région -> country), so an offer only needs its own zones.
"""

from __future__ import annotations

import functools
import re

from ror.errors import InvalidInput, UnknownPlace
from ror.geo.gazetteer import gazetteer

# TRE_R201-TypeDivisionTerritoriale code -> key prefix.
ZONE_PREFIXES = {
    "1": "R",  # Région (TRE_R30-RegionOM code: "76"; overseas "01".."06")
    "2": "D",  # Département (TRE_G09-DepartementOM: "31", "2A", "971")
    "3": "C",  # Commune (TRE_R13-Commune / CommuneOM: INSEE COG code)
    "4": "T",  # Territoire de santé (codes defined by each ARS)
    "5": "P",  # Pays (TRE_R20-Pays: INSEE country code, France "99100")
    "6": "Z",  # Zone de défense
}
FRANCE = "FR"
FRANCE_CODES = {"FR", "FRA", "99100", "FRANCE"}  # ISO alpha-2, alpha-3, INSEE (TRE_R20)

_COMMUNE = re.compile(r"(\d{5}|2[AB]\d{3})")
_DEPARTEMENT = re.compile(r"(\d{2}|2[AB]|9[78]\d)")
_REGION = re.compile(r"\d{2}")


def zone_key(zone_type: str, code: str) -> str:
    """The key of an intervention zone, e.g. ``zone_key("3", "31555") == "C:31555"``.

    Codes are normalised: case, "031" -> "31", a former commune -> its current commune,
    France as "FR" whatever its spelling. Raises ``InvalidInput`` for an unknown type or a
    malformed code."""
    prefix = ZONE_PREFIXES.get(str(zone_type).strip())
    if prefix is None:
        types = ", ".join(f"{code} ({prefix})" for code, prefix in ZONE_PREFIXES.items())
        raise InvalidInput(f"unknown zone type {zone_type!r} (R201: {types})", "zone.type")
    value = str(code).strip().upper()
    if not value:
        raise InvalidInput("empty zone code", "zone.code")
    if prefix == "C":
        value = commune_code(value)
    elif prefix == "D":
        value = departement_code(value)
    elif prefix == "R" and not _REGION.fullmatch(value):
        raise InvalidInput(f"région code must have 2 digits, got {code!r}", "zone.code")
    elif prefix == "P" and value in FRANCE_CODES:
        value = FRANCE
    return f"{prefix}:{value}"


def commune_code(value: str) -> str:
    if not _COMMUNE.fullmatch(value):
        raise InvalidInput(f"commune code must be an INSEE code, got {value!r}", "zone.code")
    return gazetteer().current_insee(value) or value


def departement_code(value: str) -> str:
    if len(value) == 3 and value.startswith("0"):
        value = value[1:]  # "031" -> "31"
    if not _DEPARTEMENT.fullmatch(value):
        raise InvalidInput(f"not a département code: {value!r}", "zone.code")
    return value


def patient_zone_keys(insee: str) -> frozenset[str]:
    """Keys of the zones that contain a patient living in this commune: the commune (its
    current code; an arrondissement also gives its city), its département, région and France.

    Raises ``UnknownPlace`` for a code the gazetteer does not know."""
    gaz = gazetteer()
    current = gaz.current_insee(insee)
    commune = gaz.commune(current) if current else None
    if commune is None:
        raise UnknownPlace(f"unknown commune INSEE code {insee!r}", "commune")
    keys = {f"C:{commune.insee}", f"D:{commune.departement}", f"R:{commune.region}", "P:FR"}
    parent = gaz.parent_insee(commune.insee)
    if parent:
        keys.add(f"C:{parent}")
    return frozenset(keys)


@functools.cache
def area_zone_keys(key: str) -> frozenset[str]:
    """Keys of the zones that meet a département ("D:31") or région ("R:53") searched as a
    whole: the area, the areas above it, and every commune (and, for a région, every
    département) in it, so that a home-based offer serving any part of it matches.

    Raises ``UnknownPlace`` for an unknown area."""
    gaz = gazetteer()
    prefix, _, code = key.partition(":")
    if prefix == "D" and gaz.departement_name(code):
        above = {f"R:{gaz.region_of_departement(code)}"}
        kind = "departement"
    elif prefix == "R" and gaz.region_name(code):
        above = {f"D:{d}" for d in gaz.departements() if gaz.region_of_departement(d) == code}
        kind = "region"
    else:
        raise UnknownPlace(f"unknown area {key!r} (D:code or R:code)", "area")
    communes = {f"C:{insee}" for insee in gaz.area_communes(kind, code)}
    return frozenset({key, "P:FR", *above, *communes})
