"""How counters, Locations and establishments are named across engines and push APIs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ror.model import Offer


def location_key(offer_id: str, location_id: str) -> str:
    """The Location a counter belongs to; counters with no Location stay with their offer."""
    return location_id or f"#{offer_id}"


def location_keys(offer: Offer) -> list[str]:
    """Location keys in order: those of the counters first (as they come), then the others."""
    keys: list[str] = []
    for c in offer.capacities:
        key = location_key(offer.id, c.location_id)
        if key not in keys:
            keys.append(key)
    for loc in offer.location_ids:
        if loc not in keys:
            keys.append(loc)
    return keys


def establishment_keys(establishment: str) -> set[str]:
    """The ways a bed-management tool names an establishment: FINESS, IdNatStruct ("1" +
    FINESS, as the national push API does) or FHIR id."""
    text = establishment.strip()
    keys = {text, text.upper()}
    if len(text) == 10 and text[0] == "1":
        keys.add(text[1:].upper())
    return keys


def source_identifiers(source: Any) -> Iterator[tuple[str, str]]:
    """(identifier value, Location id) of every Location in a kept FHIR source Bundle."""
    if not isinstance(source, dict):
        return
    for entry in source.get("entry") or ():
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Location":
            continue
        loc = str(resource.get("id") or "")
        for identifier in resource.get("identifier") or ():
            value = identifier.get("value") if isinstance(identifier, dict) else None
            if loc and isinstance(value, str) and value.strip():
                yield value.strip(), loc
