"""The resources an offer points at, indexed so references resolve in any order.

A load first indexes Organizations (EJ/EG/OI), Locations and PractitionerRoles by id (and by
Bundle ``fullUrl``), then builds offers. A reference may be relative (``Organization/123``),
absolute (``https://…/fhir/Organization/123/_history/2``), a Bundle ``fullUrl``
(``urn:uuid:…``) or local (``#x``, a resource contained in the referring one). Re-reading a
resource with the same type and id replaces it (last wins) and is counted.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from ror.errors import InvalidInput

from .cache import Lru
from .fhir import Json, objects, text

#: Resource types an offer needs besides its HealthcareService.
CONTEXT_TYPES = ("Organization", "Location", "PractitionerRole", "Practitioner")

_REFERENCE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?/?$")


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed reference: a type and an id, or a local ``#id``, or an opaque URL."""

    raw: str
    type: str | None
    id: str | None


def parse_reference(ref: object) -> Reference | None:
    """The reference of a FHIR ``Reference`` element (None when it has no ``reference``)."""
    raw = text(ref.get("reference")) if isinstance(ref, dict) else text(ref)
    if raw is None:
        return None
    if raw.startswith("#"):
        return Reference(raw, None, raw[1:])
    match = _REFERENCE.search(raw)
    if match:
        return Reference(raw, match.group(1), match.group(2))
    return Reference(raw, None, None)


class ResourceIndex:
    """Context resources by ``(type, id)``, plus which roles point at which service.

    Resources are kept as compact JSON text (a parsed FHIR resource takes ten times the memory)
    and parsed again on demand, the most recently used ones staying parsed.
    """

    def __init__(self, parsed_cache_size: int = 2048) -> None:
        self._text: dict[tuple[str, str], str] = {}
        self._parsed: Lru[tuple[str, str], Json] = Lru(parsed_cache_size)
        self.by_full_url: dict[str, tuple[str, str]] = {}
        self.roles_by_service: dict[str, list[str]] = defaultdict(list)
        self.replaced = 0

    def add(self, resource: Json, full_url: str | None = None) -> None:
        rtype = str(resource.get("resourceType"))
        rid = text(resource.get("id"))
        if rid is None:
            raise InvalidInput(f"{rtype} without id cannot be referenced", "id")
        key = (rtype, rid)
        if key in self._text:
            self.replaced += 1
        self._text[key] = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
        self._parsed.put(key, resource)
        if full_url:
            self.by_full_url[full_url] = key
        if rtype == "PractitionerRole":
            for ref in objects(resource.get("healthcareService")):
                parsed = parse_reference(ref)
                if parsed and parsed.id and rid not in self.roles_by_service[parsed.id]:
                    self.roles_by_service[parsed.id].append(rid)

    def get(self, rtype: str, rid: str) -> Json | None:
        """The resource of that type and id (a parsed copy shared until evicted)."""
        key = (rtype, rid)
        found = self._parsed.get(key)
        if found is None:
            raw = self._text.get(key)
            if raw is None:
                return None
            found = json.loads(raw)
            self._parsed.put(key, found)
        return found

    def locate(self, ref: object, expected: str) -> tuple[str, str] | None:
        """The ``(type, id)`` a non-local reference points at, if that resource is known."""
        parsed = parse_reference(ref)
        if parsed is None or parsed.raw.startswith("#"):
            return None
        key = self.by_full_url.get(parsed.raw)
        if key is None and parsed.type == expected and parsed.id:
            key = (expected, parsed.id)
        if key is None or key[0] != expected or not self.known(key):
            return None
        return key

    def known(self, key: tuple[str, str]) -> bool:
        """True when a resource of that ``(type, id)`` may be referenced."""
        return key in self._text

    def resolve(self, ref: object, expected: str, container: Json | None = None) -> Json | None:
        """The resource a reference points at, when it is of type ``expected`` and known."""
        parsed = parse_reference(ref)
        if parsed is None:
            return None
        if parsed.raw.startswith("#"):
            return _contained(container, parsed.id, expected)
        key = self.locate(ref, expected)
        return self.get(*key) if key else None

    def roles_of(self, service_id: str) -> Iterator[Json]:
        for rid in self.role_ids(service_id):
            role = self.get("PractitionerRole", rid)
            if role is not None and any(
                (parsed := parse_reference(ref)) is not None and parsed.id == service_id
                for ref in objects(role.get("healthcareService"))
            ):
                yield role

    def role_ids(self, service_id: str) -> list[str]:
        """Ids of the PractitionerRoles that may point at a service (checked by roles_of)."""
        return self.roles_by_service.get(service_id, [])

    def count(self, rtype: str) -> int:
        return sum(1 for t, _ in self._text if t == rtype)


def _contained(container: Json | None, rid: str | None, expected: str) -> Json | None:
    if container is None or rid is None:
        return None
    for res in objects(container.get("contained")):
        if res.get("id") == rid and res.get("resourceType") == expected:
            return res
    return None
