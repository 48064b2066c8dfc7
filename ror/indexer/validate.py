"""Validation: codes against the NOS tables, required fields, and the rejects report.

Codings are recognised by their code system's TRE/JDV number (:func:`ror.nomenclature.system_key`),
never by URL spelling. A code of a system we ship a table for must be in it (else
:class:`~ror.errors.UnknownCode`); codes of systems we have no table for (e.g. R210 acts) are
kept as given. Parsers raise :class:`~ror.errors.RorError` subclasses carrying the FHIR path;
the assembler turns them into :class:`Issue` rows of the rejects report.

What makes a HealthcareService a reject (decided from the ME 3.0 cardinalities and what the
real examples carry): a malformed id, no name, no operational activity (R211 ``specialty``),
no champ d'activité (R227 ``type``), no age range (``ror-healthcareservice-patient-type``
``ageRange``) or low > high, an unknown code in a validated system, coordinates outside
France, no place at all (no Location with coordinates or a known commune, and no EG
geolocation), an unresolved ``providedBy``/``partOf`` chain, or a malformed resource it uses.
A missing care mode (R213) is only a warning: the IG's own realistic example has none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from ror import nomenclature
from ror.errors import InvalidInput, UnknownCode
from ror.model import OFFER_CODE_FIELDS

from .fhir import Json, codings, tag_codes, text

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_TABLE_NAME = re.compile(r"/NOS/((?:TRE|JDV)_[^/]+)")


@dataclass(frozen=True, slots=True)
class Issue:
    """One line of the rejects (or warnings) report."""

    source: str
    position: int
    resource: str  # "HealthcareService/123", or the resource the problem is in
    field: str | None  # FHIR path inside ``resource``
    reason: str
    offer: str | None = None  # the HealthcareService rejected, when ``resource`` is another one

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data["offer"] is None:
            del data["offer"]
        return data


def table_name(system: str | None, key: str) -> str:
    """A readable name for a code system: ``TRE_R211-ActiviteOperationnelle`` or ``TRE_R211``."""
    if system:
        match = _TABLE_NAME.search(system)
        if match:
            return match.group(1)
    return f"TRE_{key}" if key[:1] in "RG" else key


def coding_key(coding: Json, default: str | None) -> str | None:
    """The TRE/JDV key of a coding's system, or ``default`` when the system is not recognised."""
    system = text(coding.get("system"))
    key = nomenclature.system_key(system) if system else None
    return key or default


def checked_code(key: str, code: str, system: str | None, path: str) -> str:
    """The normalised code; :class:`UnknownCode` when ``key`` has a table without it."""
    normal = _known_code(key, code)
    if normal is None:
        raise UnknownCode(f"unknown code {code} in {table_name(system, key)}", path)
    return normal


@lru_cache(maxsize=65536)
def _known_code(key: str, code: str) -> str | None:
    normal = nomenclature.normalise_code(key, code)
    if nomenclature.has_table(key) and not nomenclature.is_known(key, normal):
        return None
    return normal


def slot_code(concept: Any, path: str, key: str) -> str:
    """The code from system ``key`` in a CodeableConcept bound to that one system.

    A coding recognised as ``key`` wins; otherwise a coding without a recognised system is read
    as ``key`` (the doc examples put odd URLs there); codings of other recognised systems are
    translations and skipped.
    """
    found = codings(concept)
    if len(found) == 1:
        known = _single_code(key, found[0].get("code"), found[0].get("system"))
        if known is not None:
            return known
    chosen: tuple[int, str, str | None] | None = None
    for j, coding in enumerate(found):
        code = text(coding.get("code"))
        if code is None:
            continue
        system = text(coding.get("system"))
        coding_system = nomenclature.system_key(system) if system else None
        if coding_system == key:
            chosen = (j, code, system)
            break
        if coding_system is None and chosen is None:
            chosen = (j, code, system)
    if chosen is not None:
        j, code, system = chosen
        return checked_code(key, code, system, f"{path}.coding[{j}].code")
    if not found:
        raise InvalidInput("missing code", path)
    raise InvalidInput(f"no code from {table_name(None, key)}", path)


def _single_code(key: str, code: object, system: object) -> str | None:
    """:func:`slot_code` of a concept with one coding, when that coding is read as ``key``
    and its code is known (None: the general path decides, and names the problem)."""
    if type(code) is not str or (system is not None and type(system) is not str):
        return None
    found = _SINGLE_CODES.get((key, code, system))
    if found is None and len(_SINGLE_CODES) < 65536:
        stripped = text(code)
        written = text(system)
        coding_system = nomenclature.system_key(written) if written else None
        if stripped is not None and coding_system in (key, None):
            found = _known_code(key, stripped)
            if found is not None:
                _SINGLE_CODES[(key, code, system)] = found
    return found


_SINGLE_CODES: dict[tuple[str, str, str | None], str] = {}


def optional_slot_code(concept: Any, path: str, key: str) -> str | None:
    return None if concept is None else slot_code(concept, path, key)


#: Offer fields holding codes of the HealthcareService itself.
SERVICE_FIELDS = frozenset(OFFER_CODE_FIELDS) - {"professions"}


def service_field(key: str) -> str | None:
    """The Offer field a service coding of system ``key`` goes to (mixed tables included)."""
    name = nomenclature.field_for_system(key)
    return name if name in SERVICE_FIELDS else None


def field_key(name: str) -> str:
    """The key of an Offer code field (``field_key("public")`` -> R239)."""
    return nomenclature.FIELD_SYSTEMS[name]


def part_key(part: str, name: str) -> str:
    """The key of a code field of an Offer part (``part_key("Capacity", "status")`` -> R330)."""
    return nomenclature.PART_SYSTEMS[part][name]


def check_id(rid: object) -> str | None:
    """A valid FHIR id, None when absent; :class:`InvalidInput` when malformed."""
    if rid is None:
        return None
    if not isinstance(rid, str) or not FHIR_ID.match(rid):
        raise InvalidInput(f"malformed id {rid!r}", "id")
    return rid


def dedupe(codes: Iterable[str]) -> tuple[str, ...]:
    """Codes in first-seen order without repeats."""
    return tuple(dict.fromkeys(codes))


def region_tag(resource: Json) -> str | None:
    """The source région of ``meta.tag`` (TRE_R30 / JDV_J237 code)."""
    key = part_key("Offer", "region_tag")
    for system, code in tag_codes(resource):
        if coding_key({"system": system}, None) == key:
            return code
    return None
