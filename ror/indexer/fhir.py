"""Defensive reading of FHIR R4 JSON as the ROR publishes it.

Real ROR data and its documentation differ from the IG in small ways: extensions are found by
the *last segment* of their URL (IG versions renamed them and some spell them
``…-equipement``), single objects stand where arrays are expected, integers come as strings.
Everything here accepts those shapes and raises :class:`ror.errors.InvalidInput` naming the
FHIR path when a value cannot be read.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from ror.errors import InvalidInput

Json = dict[str, Any]

_DATE_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def as_list(value: Any) -> list[Any]:
    """``None`` -> [], a single object -> [object], a list -> itself."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def objects(value: Any) -> list[Json]:
    """The JSON objects of a value that should be an array of objects (others are dropped)."""
    return [v for v in as_list(value) if isinstance(v, dict)]


@lru_cache(maxsize=4096)
def url_name(url: str) -> str:
    """The last segment of an extension URL, lower-cased: the id the IG gives it."""
    return url.rstrip("/").rsplit("/", 1)[-1].lower()


class Extensions:
    """The extensions of one element indexed by :func:`url_name` (build once, look up often)."""

    __slots__ = ("_by_name",)

    def __init__(self, element: Json) -> None:
        by_name: dict[str, list[tuple[int, Json]]] = {}
        for i, ext in enumerate(as_list(element.get("extension"))):
            if isinstance(ext, dict):
                by_name.setdefault(url_name(str(ext.get("url", ""))), []).append((i, ext))
        self._by_name = by_name

    def all(self, *names: str) -> list[tuple[int, Json]]:
        """``(index, extension)`` of every extension named one of ``names``, in order."""
        if len(names) == 1:
            return self._by_name.get(names[0].lower(), [])
        found = [x for n in names for x in self._by_name.get(n.lower(), [])]
        return sorted(found, key=lambda x: x[0])

    def first(self, *names: str) -> tuple[int, Json] | None:
        found = self.all(*names)
        return found[0] if found else None

    def value(self, *names: str) -> Any:
        """The value of the first extension named one of ``names`` (None when absent)."""
        found = self.first(*names)
        return value(found[1]) if found else None


def extensions(element: Json, *names: str) -> list[tuple[int, Json]]:
    """Extensions of an element whose URL ends with one of ``names``, with their index (one
    pass over them: :class:`Extensions` is for asking one element many names)."""
    found = element.get("extension")
    if found is None:
        return []
    wanted = {name.lower() for name in names}
    return [
        (i, ext)
        for i, ext in enumerate(found if isinstance(found, list) else [found])
        if isinstance(ext, dict) and url_name(str(ext.get("url", ""))) in wanted
    ]


def extension(element: Json, *names: str) -> tuple[int, Json] | None:
    """The first extension matching ``names``, or None."""
    found = element.get("extension")
    if found is None:
        return None
    items = found if isinstance(found, list) else [found]
    if len(names) == 1:
        wanted = names[0].lower()
        for i, ext in enumerate(items):
            if isinstance(ext, dict) and url_name(str(ext.get("url", ""))) == wanted:
                return i, ext
        return None
    among = {name.lower() for name in names}
    for i, ext in enumerate(items):
        if isinstance(ext, dict) and url_name(str(ext.get("url", ""))) in among:
            return i, ext
    return None


def value(ext: Json) -> Any:
    """The ``value[x]`` of an extension, whatever its type (None when absent)."""
    for key, val in ext.items():
        if key.startswith("value"):
            return val
    return None


def sub_value(ext: Json, *names: str) -> Any:
    """The value of the first sub-extension named ``names`` (by URL suffix)."""
    found = extension(ext, *names)
    return value(found[1]) if found else None


def codings(concept: Any) -> list[Json]:
    """Codings of a CodeableConcept; a bare Coding (a common slip) counts as one."""
    if not isinstance(concept, dict):
        return []
    if "coding" in concept:
        return objects(concept["coding"])
    if "code" in concept:
        return [concept]
    return []


def text(val: Any) -> str | None:
    """A non-empty stripped string, or None."""
    if type(val) is str:
        return val.strip() or None
    if isinstance(val, str | int | float) and not isinstance(val, bool):
        s = str(val).strip()
        return s or None
    return None


def integer(val: Any, path: str) -> int:
    """An integer given as a JSON number or as a string of digits (the doc examples do that)."""
    if isinstance(val, bool):
        raise InvalidInput(f"expected an integer, got {val!r}", path)
    if isinstance(val, int):
        return val
    if isinstance(val, float) and val.is_integer():
        return int(val)
    if isinstance(val, str) and re.fullmatch(r"\s*[-+]?\d+\s*", val):
        return int(val)
    raise InvalidInput(f"expected an integer, got {val!r}", path)


def decimal(val: Any, path: str) -> float:
    """A number given as a JSON number or as a numeric string."""
    if isinstance(val, bool):
        raise InvalidInput(f"expected a number, got {val!r}", path)
    if isinstance(val, int | float):
        return float(val)
    if isinstance(val, str):
        try:
            return float(val.strip().replace(",", "."))
        except ValueError:
            pass
    raise InvalidInput(f"expected a number, got {val!r}", path)


def boolean(val: Any, path: str) -> bool:
    """A boolean, also from the strings "true"/"false"."""
    if isinstance(val, bool):
        return val
    if isinstance(val, str) and val.strip().lower() in ("true", "false"):
        return val.strip().lower() == "true"
    raise InvalidInput(f"expected a boolean, got {val!r}", path)


def instant(val: Any, path: str) -> datetime:
    """A FHIR dateTime/instant as an aware datetime (UTC when no zone; partial dates allowed)."""
    if not isinstance(val, str) or not val.strip():
        raise InvalidInput(f"expected a date-time, got {val!r}", path)
    s = val.strip()
    partial = _DATE_PARTIAL.match(s)
    try:
        if partial:
            year, month, day = partial.groups()
            return datetime(int(year), int(month or 1), int(day or 1), tzinfo=UTC)
        parsed = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"not a valid date-time: {val!r}", path) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(val: Any, path: str) -> date:
    """The calendar date of a FHIR date or dateTime (as written, time zone ignored)."""
    if isinstance(val, str) and len(val.strip()) >= 4:
        return instant(val.strip()[:10], path).date()
    raise InvalidInput(f"expected a date, got {val!r}", path)


def clock(val: Any, path: str) -> time:
    """A FHIR time ("09:00:00", also "09:00")."""
    if isinstance(val, str):
        try:
            return time.fromisoformat(val.strip())
        except ValueError:
            pass
    raise InvalidInput(f"expected a time of day, got {val!r}", path)


def resource_key(resource: Json) -> str:
    """``"HealthcareService/123"`` (or the type alone when the resource has no id)."""
    rtype = str(resource.get("resourceType", "?"))
    rid = resource.get("id")
    return f"{rtype}/{rid}" if rid else rtype


def tag_codes(resource: Json) -> list[tuple[str, str]]:
    """``(system, code)`` of every ``meta.tag``."""
    meta = resource.get("meta")
    if not isinstance(meta, dict):
        return []
    return [
        (str(t.get("system", "")), str(t["code"]))
        for t in objects(meta.get("tag"))
        if text(t.get("code"))
    ]
