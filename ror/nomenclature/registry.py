"""NOS code systems: code -> label, code normalisation, and system spellings -> one key.

Codes live in code systems (TRE, e.g. ``TRE_R211-ActiviteOperationnelle``); the ROR binds its
fields to value sets (JDV, e.g. ``JDV_J17-ActiviteOperationnelle-ROR``) drawn from them. Real
data spells the same system many ways (TRE or JDV URL, with a trailing ``/``, ``…StatutCapacite``
for ``…TypeStatutCapacite``, an OID, a bare ``R330``), so everything here is keyed by the TRE
number ("R211", "G15"); a JDV maps to the TRE it binds ("J17" -> "R211"). Three ROR value sets
mix systems and are kept whole: J55 under ``R66`` (FINESS categories + SA05–SA09), J54/J229 under
``G15`` (professions) and J227 under its own key ``J227`` (maternity types + labels).

The tables are built by ``scripts/build_nomenclatures.py`` into ``data/systems.json`` and loaded
once, lazily. A table can be partial (``has_table`` false: acts R210, units R247): its labels are
there but it never rejects a code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from ror.errors import UnknownCode

# Offer field (ror.model.Offer) -> code system key: the one place that says it.
FIELD_SYSTEMS: Mapping[str, str] = MappingProxyType(
    {
        "activity": "R211",
        "offer_type": "R244",
        "champ": "R227",
        "care_mode": "R213",
        "reception": "R240",
        "modalities": "R338",
        "specialisations": "R245",
        "public": "R239",
        "professions": "G15",
        "acts": "R210",
        "expertise": "J227",
        "category": "R66",  # Establishment.category
        "financial_help": "R241",  # Establishment.financial_help (02: habilité aide sociale)
        "equipment": "R212",  # Equipment.code
    }
)

# The code fields of the other parts of an Offer, by class name and field name.
PART_SYSTEMS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "Capacity": {
            "nature": "R329",
            "status": "R330",
            "temporality": "R331",
            "source": "R335",
            "gender": "R332",
            "closing_type": "R333",
            "extra_bed_type": "R334",
            "crisis": "R336",
            "assignment": "R337",
        },
        "Price": {
            "type": "R246",
            "unit": "R228",
            "condition": "R250",
            "reception": "R240",
            "residential_type": "R242",
            "dependency_level": "R237",
        },
        "Establishment": {"category": "R66", "financial_help": "R241"},
        "Equipment": {"code": "R212", "feature": "R340", "limit_unit": "R247"},
        "Zone": {"type": "R201"},
        "OpeningHours": {"kind": "R252"},
        "Contact": {"channel": "R200", "purpose": "R287", "confidentiality": "R283"},
        "Offer": {"region_tag": "R30"},
    }
)

NOS_BASE = "https://mos.esante.gouv.fr/NOS"

_OID = re.compile(r"(?:urn:oid:)?([0-2](?:\.\d+)+)", re.IGNORECASE)
_TRE = re.compile(r"(?<![A-Za-z])TRE[-_]([RG]\d+)(?!\d)", re.IGNORECASE)
_JDV = re.compile(r"(?<![A-Za-z])JDV[-_](J\d+)(?!\d)", re.IGNORECASE)
_BARE = re.compile(r"(?:TRE[-_]?|JDV[-_]?)?([RGJ]\d+)", re.IGNORECASE)
_CACHE_LIMIT = 10_000


class _System:
    """One code table, with what normalising and labelling need precomputed."""

    __slots__ = ("aliases", "codes", "complete", "deprecated", "key", "origin", "raw", "widths")

    def __init__(self, key: str, raw: dict[str, Any]) -> None:
        self.key = key
        self.raw = raw
        self.codes: Mapping[str, str] = MappingProxyType(raw["codes"])
        self.complete: bool = raw["complete"] and bool(raw["codes"])
        self.aliases: dict[str, tuple[str, ...]] = {
            c: tuple(a) for c, a in raw.get("aliases", {}).items()
        }
        self.deprecated = frozenset(raw.get("deprecated", ()))
        self.origin: dict[str, str] = raw.get("origin", {})
        self.widths = sorted({len(c) for c in raw["codes"] if c.isdigit()})


class Nomenclature:
    """The NOS tables the engine knows, with lookups by any spelling of a system."""

    def __init__(self, document: dict[str, Any]) -> None:
        if document.get("format") != 1:
            raise ValueError(f"unsupported nomenclature format {document.get('format')!r}")
        self._systems = {k: _System(k, v) for k, v in document["systems"].items()}
        self._bindings: dict[str, str] = document["value_sets"]
        self._oids: dict[str, str] = document["oids"]
        self._aliases: dict[str, str] = {
            s.rstrip("/").lower(): k for s, k in document["system_aliases"].items()
        }
        self._keys: dict[str, str | None] = {}
        self._fields: dict[str, str] = {}
        for fld, key in FIELD_SYSTEMS.items():
            self._fields.setdefault(key, fld)
            member = self._systems.get(key)
            for origin in set(member.origin.values()) if member else ():
                self._fields.setdefault(origin, fld)  # R253 (in J227) -> expertise

    @classmethod
    def load(cls) -> Nomenclature:
        """The tables shipped with the package (``data/systems.json``)."""
        text = files("ror.nomenclature").joinpath("data/systems.json").read_text("utf-8")
        return cls(json.loads(text))

    # --- systems ---------------------------------------------------------------------------

    def system_key(self, system: str) -> str | None:
        """The canonical key ("R211", "G15", "J227") of any spelling of a code system.

        Accepts TRE and JDV URLs in every spelling (JDVs map to the TRE they bind), OIDs with or
        without ``urn:oid:``, and keys ("R211", "TRE_R211", "J17"). None when the text names no
        code system (``https://mos.esante.gouv.fr/NOS`` alone, an unknown OID, free text).
        """
        key = self._keys.get(system)
        if key is None and system not in self._keys:
            key = self._resolve(system)
            if len(self._keys) < _CACHE_LIMIT:
                self._keys[system] = key
        return key

    def _resolve(self, system: str) -> str | None:
        text = system.strip()
        if not text:
            return None
        if (alias := self._aliases.get(text.rstrip("/").lower())) is not None:
            return alias
        if m := _OID.fullmatch(text):
            return self._oids.get(m.group(1))
        if m := _TRE.search(text):
            return m.group(1).upper()
        if m := _JDV.search(text):
            return self._jdv_key(m.group(1).upper())
        if m := _BARE.fullmatch(text):
            key = m.group(1).upper()
            return self._jdv_key(key) if key.startswith("J") else key
        return None

    def _jdv_key(self, jdv: str) -> str:
        return self._bindings.get(jdv, jdv)

    def _system(self, key: str) -> _System | None:
        found = self._systems.get(key)
        if found is None:
            resolved = self.system_key(key)
            found = self._systems.get(resolved) if resolved else None
        return found

    def field_for_system(self, system: str) -> str | None:
        """The Offer field whose codes come from this system, in any spelling: "activity" for
        R211 or J17, and for the TREs a mixed table folds in ("expertise" for R253 and R344,
        "professions" for R94, "category" for R02); None for other systems."""
        key = system if system in self._fields else self.system_key(system)
        return self._fields.get(key) if key else None

    def keys(self) -> list[str]:
        """Every system key the package has an entry for."""
        return list(self._systems)

    def has_table(self, key: str) -> bool:
        """True when the full list of allowed codes is known (so unknown codes are errors)."""
        found = self._system(key)
        return found is not None and found.complete

    def system_title(self, key: str) -> str:
        """A French title ("Activité opérationnelle"); the key itself for an unknown system."""
        found = self._system(key)
        return str(found.raw["title"]) if found else key

    def canonical_url(self, key: str) -> str:
        """The FHIR canonical URL of the TRE (the JDV URL for a key named after a JDV)."""
        found = self._system(key)
        if found is not None:
            return str(found.raw["url"])
        resolved = self.system_key(key) or key
        raise KeyError(f"unknown code system {resolved!r}: no canonical URL")

    def info(self, key: str) -> Mapping[str, Any] | None:
        """Everything known about a system (title, TRE, URL, OIDs, value sets…), read-only."""
        found = self._system(key)
        if found is None:
            return None
        return MappingProxyType({k: v for k, v in found.raw.items() if k != "codes"})

    # --- codes ------------------------------------------------------------------------------

    def codes(self, key: str) -> Mapping[str, str]:
        """Code -> label of a system (empty for an unknown system)."""
        found = self._system(key)
        return found.codes if found else MappingProxyType({})

    def label(self, key: str, code: str) -> str | None:
        """The label of a code, after normalisation ("22" finds "022"); None if unknown."""
        found = self._system(key)
        if found is None:
            return None
        text = found.codes.get(code)
        if text is None:
            text = found.codes.get(_normalise(found, code))
        return text

    def aliases(self, key: str, code: str) -> tuple[str, ...]:
        """Other names of a code (short labels, former labels such as J34's « SAAD »)."""
        found = self._system(key)
        return found.aliases.get(_normalise(found, code), ()) if found else ()

    def is_known(self, key: str, code: str) -> bool:
        found = self._system(key)
        return found is not None and _normalise(found, code) in found.codes

    def is_deprecated(self, key: str, code: str) -> bool:
        found = self._system(key)
        return found is not None and _normalise(found, code) in found.deprecated

    def normalise_code(self, key: str, code: str) -> str:
        """The code as the table spells it: zero-padded ("22" -> "022" in R211, "2" -> "02" in
        R330) or unpadded ("03" -> "3" in R201), only when that spelling exists; else unchanged
        (stripped)."""
        found = self._system(key)
        return _normalise(found, code) if found else code.strip()

    def require(self, key: str, code: str, field: str | None = None) -> str:
        """The normalised code, or :class:`UnknownCode` naming ``field`` and the system.

        Systems without a full table (``has_table`` false) accept any code: nothing to check.
        """
        found = self._system(key)
        if found is None:
            raise UnknownCode(f"système de codes inconnu : {key!r}", field)
        normalised = _normalise(found, code)
        if found.complete and normalised not in found.codes:
            title = found.raw["title"]
            raise UnknownCode(
                f"code {code.strip()!r} inconnu dans la nomenclature {title} ({found.key})", field
            )
        return normalised


def _normalise(system: _System, code: str) -> str:
    text = code.strip()
    table = system.codes
    if text in table:
        return text
    if text.isdigit():
        for width in system.widths:
            if width > len(text) and (padded := text.zfill(width)) in table:
                return padded
        unpadded = text.lstrip("0") or "0"
        if unpadded in table:
            return unpadded
    elif (upper := text.upper()) in table:
        return upper
    return text


@cache
def default() -> Nomenclature:
    """The shipped tables, loaded on first use and kept for the life of the process."""
    return Nomenclature.load()


def system_key(system: str) -> str | None:
    return default().system_key(system)


def label(key: str, code: str) -> str | None:
    return default().label(key, code)


def field_for_system(system: str) -> str | None:
    return default().field_for_system(system)


def is_known(key: str, code: str) -> bool:
    return default().is_known(key, code)


def codes(key: str) -> Mapping[str, str]:
    return default().codes(key)


def has_table(key: str) -> bool:
    return default().has_table(key)


def system_title(key: str) -> str:
    return default().system_title(key)


def canonical_url(key: str) -> str:
    return default().canonical_url(key)


def normalise_code(key: str, code: str) -> str:
    return default().normalise_code(key, code)


def require(key: str, code: str, field: str | None = None) -> str:
    return default().require(key, code, field)
