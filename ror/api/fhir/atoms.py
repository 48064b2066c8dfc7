"""One search parameter with its raw values -> a condition (:class:`~ror.api.fhir.query.Atom`),
for query parameters and ``_filter`` expressions alike.

Problems are collected, not raised one at a time, so that one answer names every bad
parameter: :class:`Problems` keeps invalid values (always a 400), codes unknown to their
nomenclature (a 400 under strict handling, a warning under lenient) and unsupported
parameters or modifiers (likewise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from ror import nomenclature
from ror.api.fhir import catalog
from ror.api.fhir.catalog import ResourceType, SearchParam
from ror.api.fhir.outcome import Issue
from ror.api.fhir.query import Atom, Node, NotOf
from ror.api.fhir.values import (
    Near,
    Token,
    Value,
    ZoneKeys,
    parse_date,
    parse_number,
    parse_quantity,
    parse_reference,
    parse_text,
    parse_token,
)
from ror.errors import InvalidInput, RorError
from ror.geo import gazetteer, patient_zone_keys, zone_key

#: Modifiers each parameter type accepts (``above`` only for ``intervention-zone``, and for
#: organisation parameters other than texts: the EG or an organisation above it, ``partOf``).
MODIFIERS: Final = {
    "token": frozenset({"not"}),
    "string": frozenset({"exact", "contains"}),
}
#: Zone types (R201) a zone code's system names; no system: every type the code may be.
ZONE_TYPES: Final = {
    "R13": ("3",),
    "J230": ("3",),
    "J124": ("3",),
    "J248": ("2",),
    "G09": ("2",),
    "R30": ("1",),
    "J247": ("5",),
    "R20": ("5",),
    "J249": ("4",),
}
ANY_ZONE_TYPE: Final = ("3", "2", "1", "5", "4", "6")
DISTANCE_UNITS: Final = {"km": 1.0, "m": 0.001, "[mi_i]": 1.609344, "mi": 1.609344}


@dataclass(slots=True)
class Problems:
    """Everything wrong with a request, gathered before answering."""

    invalid: list[Issue] = field(default_factory=list)
    unknown_codes: list[Issue] = field(default_factory=list)
    unsupported: list[Issue] = field(default_factory=list)

    def bad(self, where: str, message: str) -> None:
        self.invalid.append(Issue("error", "invalid", f"{where} : {message}", where))

    def unknown(self, where: str, message: str) -> None:
        self.unknown_codes.append(Issue("error", "code-invalid", f"{where} : {message}", where))

    def not_supported(self, where: str, message: str) -> None:
        self.unsupported.append(Issue("error", "not-supported", f"{where} : {message}", where))


def split_values(raw: str) -> list[str]:
    """Comma-separated values; ``\\,`` is a literal comma (FHIR escaping)."""
    out, current, escaped = [], [], False
    for char in raw:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            out.append("".join(current))
            current = []
        else:
            current.append(char)
    out.append("".join(current))
    return out


def make_atom(
    resource: ResourceType,
    name: str,
    modifier: str | None,
    raw_values: list[str],
    problems: Problems,
    *,
    where: str | None = None,
) -> Node | None:
    """The condition of ``name[:modifier]=v1,v2…``; None (and a problem noted) when it cannot be
    read."""
    where = where or (f"{name}:{modifier}" if modifier else name)
    param = catalog.find(resource, name)
    if param is None:
        problems.not_supported(where, f"paramètre non pris en charge pour {resource}")
        return None
    if modifier is not None and not _modifier_ok(param, modifier):
        problems.not_supported(where, f"modificateur :{modifier} non pris en charge")
        return None
    if param.type == "special" and len(raw_values) != 1:
        problems.bad(where, "une seule valeur attendue")
        return None
    values: list[Value] = []
    for raw in raw_values:
        try:
            value = _value(param, raw, modifier, where, problems)
        except RorError as exc:
            problems.bad(where, exc.message)
            return None
        if value is not None:
            values.append(value)
    if not values:
        return None
    atom = Atom(param, name, tuple(values), None if modifier == "not" else modifier)
    return NotOf(atom) if modifier == "not" else atom


def _modifier_ok(param: SearchParam, modifier: str) -> bool:
    if modifier == "above":
        above_org = param.scope == "organization" and param.type != "string"
        return param.name == "intervention-zone" or above_org
    return modifier in MODIFIERS.get(param.type, frozenset())


def _value(
    param: SearchParam, raw: str, modifier: str | None, where: str, problems: Problems
) -> Value | None:
    if not raw.strip():
        raise InvalidInput("valeur vide", where)
    kind = param.type
    if kind == "token":
        token = parse_token(raw, param.system, where)
        if param.field == "zones":
            return zone_value(token, modifier == "above", where)
        _check_code(token, where, problems)
        return token
    if kind == "number":
        return parse_number(raw, where)
    if kind == "quantity":
        return parse_quantity(raw, "age" if param.field.startswith("age") else "measure", where)
    if kind == "date":
        return parse_date(raw, where)
    if kind == "string":
        return parse_text(raw, modifier)
    if kind == "reference":
        return parse_reference(raw, where)
    if param.name == "near-insee-code":
        return parse_near_insee(raw, where)
    return parse_near(raw, where)


def _check_code(token: Token, where: str, problems: Problems) -> None:
    if token.key is None or token.code is None or not nomenclature.has_table(token.key):
        return
    if not nomenclature.is_known(token.key, token.code):
        title = nomenclature.system_title(token.key)
        problems.unknown(where, f"code « {token.code} » inconnu dans {token.key} ({title})")


def zone_value(token: Token, above: bool, where: str) -> ZoneKeys:
    """The zone keys an ``intervention-zone`` token matches (``:above``: every zone holding the
    commune: the commune, its département, région and France)."""
    if token.code is None:
        raise InvalidInput("code de zone requis", where)
    if token.key is not None and token.key not in ZONE_TYPES:
        raise InvalidInput(f"système de zone inconnu « {token.system} »", where)
    if above:
        if token.key not in (None, "R13", "J230", "J124"):
            raise InvalidInput(":above attend un code de commune (COG INSEE)", where)
        return ZoneKeys(patient_zone_keys(token.code))
    keys = set()
    for kind in ZONE_TYPES.get(token.key or "", ANY_ZONE_TYPE):
        try:
            keys.add(zone_key(kind, token.code))
        except InvalidInput:
            continue
    if not keys:
        raise InvalidInput(f"code de zone invalide « {token.code} »", where)
    return ZoneKeys(frozenset(keys))


def parse_near(raw: str, where: str) -> Near:
    """``latitude|longitude[|distance[|unit]]`` (WGS84 degrees; km by default)."""
    parts = [p.strip() for p in raw.split("|")]
    if len(parts) < 2 or len(parts) > 4:
        raise InvalidInput("attendu latitude|longitude|distance|unité", where)
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise InvalidInput("latitude et longitude doivent être des nombres", where) from None
    if not -90.0 <= lat <= 90.0:
        raise InvalidInput(f"latitude hors de [-90, 90] : {lat}", where)
    if not -180.0 <= lon <= 180.0:
        raise InvalidInput(f"longitude hors de [-180, 180] : {lon}", where)
    return Near(lat, lon, _distance(parts[2:], where))


def parse_near_insee(raw: str, where: str) -> Near:
    """``code COG INSEE[|distance[|unit]]``: the commune's point (its centre)."""
    parts = [p.strip() for p in raw.split("|")]
    if len(parts) > 3 or not parts[0]:
        raise InvalidInput("attendu codeINSEE|distance|unité", where)
    gaz = gazetteer()
    current = gaz.current_insee(parts[0].upper())
    commune = gaz.commune(current) if current else None
    if commune is None:
        raise InvalidInput(f"commune inconnue : code INSEE « {parts[0]} »", where)
    return Near(commune.lat, commune.lon, _distance(parts[1:], where))


def _distance(parts: list[str], where: str) -> float | None:
    if not parts or not parts[0]:
        return None
    try:
        value = float(parts[0])
    except ValueError:
        raise InvalidInput(f"distance invalide « {parts[0]} »", where) from None
    unit = parts[1] if len(parts) > 1 and parts[1] else "km"
    factor = DISTANCE_UNITS.get(unit)
    if factor is None:
        raise InvalidInput(f"unité de distance « {unit} » non prise en charge (km, m)", where)
    if not value > 0:
        raise InvalidInput("la distance doit être positive", where)
    return value * factor
