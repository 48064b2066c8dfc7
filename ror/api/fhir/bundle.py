"""The ``searchset`` Bundle of a FHIR search: matches, includes, warnings and paging links.

- ``total`` counts every match (not the includes), whatever the page size;
- ``entry.search.mode`` is ``match``, ``include`` or ``outcome`` (the lenient warnings);
- every Location entry, and every HealthcareService match when a ``near`` was given, carries
  its distance in ``entry.search.extension`` (``location-distance``, km);
- ``link``: ``self``, ``first`` and ``next`` (the same query with the ``_cursor`` where the next
  page starts: see ``paging``); ``previous`` too for a page asked by ``_offset``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlencode

from ror.access.profiles import may_see_offer
from ror.api.fhir.evaluate import distance_km
from ror.api.fhir.includes import service_includes
from ror.api.fhir.outcome import operation_outcome
from ror.api.fhir.query import SearchRequest
from ror.api.fhir.resources import capacities_visible, location_resource, service_resource
from ror.api.fhir.search import Hit, Result
from ror.api.fhir.subset import subset, summary
from ror.indexer.facts import LocationView, view
from ror.model import Offer

Json = dict[str, Any]
DISTANCE_URL: Final = "http://hl7.org/fhir/StructureDefinition/location-distance"
UCUM: Final = "http://unitsofmeasure.org"


@dataclass(frozen=True, slots=True)
class Links:
    """Where the search was asked: ``base`` is the FHIR root (``https://host/fhir``)."""

    base: str
    resource: str
    items: tuple[tuple[str, str], ...]  # the query parameters as received

    def page(self, offset: int = 0, cursor: str | None = None) -> str:
        items = [(k, v) for k, v in self.items if k not in ("_offset", "_cursor")]
        if offset:
            items.append(("_offset", str(offset)))
        if cursor:
            items.append(("_cursor", cursor))
        query = urlencode(items)
        return f"{self.base}/{self.resource}" + (f"?{query}" if query else "")


def searchset(
    request: SearchRequest,
    result: Result,
    links: Links,
    *,
    profile: int,
    fetch: Callable[[str], Offer | None],
) -> Json:
    """The Bundle; ``fetch`` reads an offer by id (revincludes)."""
    entries: list[Json] = []
    if request.resource == "HealthcareService":
        entries += _services(request, result.page, links, profile)
    else:
        entries += _locations(request, result.page, links, profile, fetch)
    entries = [_cut(request, e) for e in entries]
    if request.warnings:
        outcome_id = str(uuid.uuid4())
        entries.append(
            {
                "fullUrl": f"urn:uuid:{outcome_id}",
                "resource": {**operation_outcome(request.warnings), "id": outcome_id},
                "search": {"mode": "outcome"},
            }
        )
    bundle: Json = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": datetime.now(UTC).isoformat().replace("+00:00", "Z")},
        "type": "searchset",
        "total": result.total,
        "link": _links(request, result, links),
    }
    if entries:
        bundle["entry"] = entries
    return bundle


def _links(request: SearchRequest, result: Result, links: Links) -> list[Json]:
    here = dict(links.items).get("_cursor")
    out = [
        {"relation": "self", "url": links.page(request.offset, here)},
        {"relation": "first", "url": links.page()},
    ]
    size = request.count
    if request.cursor is None and request.offset > 0 and size > 0:
        out.append({"relation": "previous", "url": links.page(max(0, request.offset - size))})
    if result.next_cursor is not None:
        out.append({"relation": "next", "url": links.page(cursor=result.next_cursor)})
    return out


def _cut(request: SearchRequest, entry: Json) -> Json:
    """``_summary=true`` on every resource, ``_elements`` on the matches."""
    if request.summary == "true":
        return {**entry, "resource": summary(entry["resource"])}
    if request.elements is not None and entry["search"]["mode"] == "match":
        return {**entry, "resource": subset(entry["resource"], request.elements)}
    return entry


def _entry(links: Links, resource: Json, mode: str, distance: float | None = None) -> Json:
    search: Json = {"mode": mode}
    if distance is not None:
        search["extension"] = [
            {
                "url": DISTANCE_URL,
                "valueDistance": {
                    "value": round(distance, 3),
                    "unit": "km",
                    "system": UCUM,
                    "code": "km",
                },
            }
        ]
    rtype, rid = resource["resourceType"], resource["id"]
    return {"fullUrl": f"{links.base}/{rtype}/{rid}", "resource": resource, "search": search}


def _services(
    request: SearchRequest, page: Sequence[Hit], links: Links, profile: int
) -> list[Json]:
    matches, includes = [], []
    seen: set[tuple[str, str]] = set()
    for hit in page:
        v = hit.view
        assert v is not None
        if not may_see_offer(v.offer, profile):
            continue  # defence in depth: the engine already left it out
        matches.append(_entry(links, service_resource(v, profile), "match", hit.distance))
        if "HealthcareService:location" in request.includes:
            for loc in v.locations:
                if loc.id is None or ("Location", loc.id) in seen:
                    continue
                seen.add(("Location", loc.id))
                resource = location_resource(
                    v, loc, profile, capacities=capacities_visible(v.offer, profile)
                )
                includes.append(_entry(links, resource, "include", _distance(request, loc)))
        for resource in service_includes(request.includes, request.revincludes, v, profile):
            key = (resource["resourceType"], resource["id"])
            if key not in seen:
                seen.add(key)
                includes.append(_entry(links, resource, "include"))
    return matches + includes


def _locations(
    request: SearchRequest,
    page: Sequence[Hit],
    links: Links,
    profile: int,
    fetch: Callable[[str], Offer | None],
) -> list[Json]:
    matches, includes = [], []
    seen: set[str] = set()
    for hit in page:
        loc, v = hit.location, hit.view
        assert loc is not None and v is not None
        read = hit.users or (fetch(i) for i in hit.via)
        users = list({o.id: o for o in read if o is not None}.values())
        users = [o for o in users if may_see_offer(o, profile)]
        visible = any(capacities_visible(o, profile) for o in users)
        resource = location_resource(v, loc, profile, capacities=visible)
        matches.append(_entry(links, resource, "match", hit.distance))
        if "HealthcareService:location" in request.revincludes:
            for offer in users:
                if offer.id in seen:
                    continue
                seen.add(offer.id)
                includes.append(_entry(links, service_resource(view(offer), profile), "include"))
    return matches + includes


def _distance(request: SearchRequest, loc: LocationView) -> float | None:
    return distance_km(request.near, loc) if request.near is not None else None
