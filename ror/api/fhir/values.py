"""Search values of the FHIR facade: parsed from their FHIR R4 text form, compared with what an
offer holds.

Rules worth knowing (FHIR R4 search, §3.1.1.4 "Search parameter types"):

- **token** ``[system]|[code]``, ``code`` or ``system|``: systems are read by their TRE/JDV
  number (any spelling of a NOS URL, OID or key), codes normalised in that table ("22" and
  "022" are the same R211 code). A code without system is read in the parameter's own code
  system when it has one.
- **number** and **quantity** take a prefix (``eq`` default, ``ne gt lt ge le sa eb ap``);
  ``eq`` covers the implicit precision of the value ("35" = [34.5, 35.5)), ``ap`` ±10 %.
  Quantities are converted: ages to years (``a``, ``mo``, ``wk``, ``d``), weights to kg.
- **date** values are ranges by their precision ("2023-08-02" = that whole day, UTC when no
  zone is written); prefixes compare the stored instant with that range.
- **string**: starts with the value, accents, case and punctuation ignored (``terms.folded``, the
  folding of the look-up keys); ``:exact`` and ``:contains`` as in FHIR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal

from ror import nomenclature
from ror.dates import FIRST_YEAR, LAST_YEAR
from ror.errors import InvalidInput
from ror.indexer import terms
from ror.model import measure_unit

Prefix = Literal["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"]
PREFIXES: Final = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")

#: UCUM units accepted per quantity kind, with their factor to the canonical unit.
AGE_UNITS: Final = {"a": 1.0, "mo": 1 / 12, "wk": 7 / 365.25, "d": 1 / 365.25}
UCUM_SYSTEMS: Final = frozenset({"http://unitsofmeasure.org", "https://unitsofmeasure.org"})

_NUMBER: Final = re.compile(r"^[-+]?(\d+)(?:\.(\d+))?(?:[eE][-+]?\d+)?$")
_DATE: Final = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


@dataclass(frozen=True, slots=True)
class Token:
    """``system|code``: ``key`` is the system's TRE/JDV key (None: no system, or not a NOS one,
    then ``system`` is compared as written); ``code`` None matches any code of the system."""

    key: str | None
    system: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class Number:
    """A prefixed number; ``low``/``high`` bound its implicit precision (for ``eq``)."""

    prefix: Prefix
    value: float
    low: float
    high: float

    def test(self, x: float | None) -> bool:
        if x is None:
            return False
        p = self.prefix
        if p == "eq":
            return self.low <= x < self.high
        if p == "ne":
            return not self.low <= x < self.high
        if p in ("gt", "sa"):
            return x > self.value
        if p in ("lt", "eb"):
            return x < self.value
        if p == "ge":
            return x >= self.value
        if p == "le":
            return x <= self.value
        margin = abs(self.value) * 0.1  # ap
        return self.value - margin <= x <= self.value + margin


@dataclass(frozen=True, slots=True)
class Quantity:
    """A prefixed quantity already converted to its kind's unit (years, kg); ``unit`` is that
    canonical unit, or None when the value came without one."""

    number: Number
    unit: str | None


@dataclass(frozen=True, slots=True)
class DateRange:
    """A prefixed date; ``[start, end)`` is the range its precision covers."""

    prefix: Prefix
    start: datetime
    end: datetime

    def test(self, t: datetime | None) -> bool:
        if t is None:
            return False
        p = self.prefix
        if p == "eq":
            return self.start <= t < self.end
        if p == "ne":
            return not self.start <= t < self.end
        if p in ("gt", "sa"):
            return t >= self.end
        if p in ("lt", "eb"):
            return t < self.start
        if p == "ge":
            return t >= self.start
        if p == "le":
            return t < self.end
        span = max(self.end - self.start, timedelta(days=1))  # ap
        return self.start - span <= t < self.end + span


StringMode = Literal["start", "exact", "contains"]


@dataclass(frozen=True, slots=True)
class Text:
    """A string value, folded; ``mode`` as the modifier says (starts-with by default)."""

    folded: str
    raw: str
    mode: StringMode = "start"

    def test(self, value: str | None) -> bool:
        if value is None:
            return False
        if self.mode == "exact":
            return value == self.raw
        held = terms.folded(value)
        if self.mode == "contains":
            return self.folded in held
        return held.startswith(self.folded)


@dataclass(frozen=True, slots=True)
class Reference:
    """``[Type/]id`` (or an absolute URL ending with it)."""

    type: str | None
    id: str


@dataclass(frozen=True, slots=True)
class Near:
    """A point (WGS84) and an optional radius: ``near`` and ``near-insee-code``."""

    lat: float
    lon: float
    radius_km: float | None


@dataclass(frozen=True, slots=True)
class ZoneKeys:
    """An intervention zone value as the zone keys it matches (``ror.geo.zone_key``)."""

    keys: frozenset[str]


@dataclass(frozen=True, slots=True)
class Establishments:
    """A co-located requirement resolved by the engine: the ids of the establishments (EG)
    having an offer with one of its codes (``ror.api.fhir.colocated``)."""

    ids: frozenset[str]


Value = Token | Number | Quantity | DateRange | Text | Reference | Near | ZoneKeys | Establishments


# --- parsing -----------------------------------------------------------------------------------


def split_prefix(text: str) -> tuple[Prefix, str]:
    head = text[:2]
    if head in PREFIXES and len(text) > 2 and not text[2].isalpha():
        return head, text[2:]  # type: ignore[return-value]
    return "eq", text


def parse_token(text: str, default_key: str | None, where: str) -> Token:
    """``system|code``, ``code``, ``system|`` or ``|code``."""
    if "|" not in text:
        code = text.strip()
        if not code:
            raise InvalidInput("code vide", where)
        return Token(default_key, None, _normal(default_key, code))
    system, _, code = text.partition("|")
    system, code = system.strip(), code.strip()
    if not system:
        if not code:
            raise InvalidInput("jeton vide : donner code, système|code ou système|", where)
        return Token(None, "", code)  # an explicit "no system"
    key = nomenclature.system_key(system)
    return Token(key, system, _normal(key, code) if code else None)


def _normal(key: str | None, code: str) -> str:
    return nomenclature.normalise_code(key, code) if key else code


def parse_number(text: str, where: str) -> Number:
    prefix, rest = split_prefix(text.strip())
    match = _NUMBER.match(rest)
    if not match:
        raise InvalidInput(
            f"nombre attendu (préfixe eq, ne, gt, lt, ge, le, ap), reçu « {text} »", where
        )
    value = float(rest)
    decimals = len(match.group(2) or "")
    half = 0.5 * 10.0 ** (-decimals) if "e" not in rest.lower() else 0.0
    return Number(prefix, value, value - half, value + half)


def parse_quantity(text: str, kind: Literal["age", "measure"], where: str) -> Quantity:
    """``[prefix]number[|system|unit]``: ages in years; measures in kg for masses, else in the
    unit given (UCUM)."""
    parts = text.split("|")
    if len(parts) not in (1, 3):
        raise InvalidInput(
            f"quantité attendue : [préfixe]nombre|système|unité, reçu « {text} »", where
        )
    number = parse_number(parts[0], where)
    if len(parts) == 1 or not (parts[1].strip() or parts[2].strip()):
        return Quantity(number, "a" if kind == "age" else None)
    system, unit = parts[1].strip(), parts[2].strip()
    if system and system not in UCUM_SYSTEMS:
        raise InvalidInput(f"système d'unités inconnu « {system} » (UCUM attendu)", where)
    if kind == "age":
        factor = AGE_UNITS.get(unit)
        if factor is None:
            allowed = ", ".join(AGE_UNITS)
            raise InvalidInput(f"unité d'âge « {unit} » non prise en charge ({allowed})", where)
        return Quantity(scale(number, factor), "a")
    canonical, factor = measure_unit(unit)
    return Quantity(scale(number, factor), canonical)


def scale(number: Number, factor: float) -> Number:
    return Number(number.prefix, number.value * factor, number.low * factor, number.high * factor)


def parse_date(text: str, where: str) -> DateRange:
    prefix, rest = split_prefix(text.strip())
    match = _DATE.match(rest)
    if not match:
        raise InvalidInput(
            f"date attendue (AAAA[-MM[-JJ[Thh:mm[:ss][zone]]]]), reçu « {text} »", where
        )
    year, month, day, hour, minute, second, zone = match.groups()
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise InvalidInput(
            f"date hors limites « {text} » : années {FIRST_YEAR} à {LAST_YEAR}", where
        )
    try:
        if month is None:
            start = datetime(int(year), 1, 1, tzinfo=UTC)
            return DateRange(prefix, start, start.replace(year=start.year + 1))
        if day is None:
            start = datetime(int(year), int(month), 1, tzinfo=UTC)
            following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            return DateRange(prefix, start, datetime.combine(following, start.timetz()))
        if hour is None:
            start = datetime(int(year), int(month), int(day), tzinfo=UTC)
            return DateRange(prefix, start, start + timedelta(days=1))
        moment = datetime.fromisoformat(
            f"{year}-{month}-{day}T{hour}:{minute}:{second or '00'}"
            + ("+00:00" if zone in (None, "Z") else zone)
        )
    except ValueError:
        raise InvalidInput(f"date invalide « {text} »", where) from None
    step = timedelta(seconds=1) if second else timedelta(minutes=1)
    return DateRange(prefix, moment, moment + step)


def parse_text(text: str, modifier: str | None) -> Text:
    mode: StringMode = "start"
    if modifier == "exact":
        mode = "exact"
    elif modifier == "contains":
        mode = "contains"
    return Text(terms.folded(text), text, mode)


def parse_reference(text: str, where: str) -> Reference:
    value = text.strip().rstrip("/")
    if not value:
        raise InvalidInput("référence vide", where)
    parts = value.split("/")
    if len(parts) >= 2:
        return Reference(parts[-2], parts[-1])
    return Reference(None, parts[0])
