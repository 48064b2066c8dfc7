"""``Location?name:contains=…`` (and ``_filter=name co …``) answered through the engine's
Location name keys (:class:`~ror.search.engine.LocationNames`), never by a scan.

As the scan does, a Location is shown through its first offer the caller may see (the lowest
ref; sensitive units the caller may not see are no candidates) and matches when its name, as
that offer shows it, holds one of the substrings of each condition. Searches whose conditions
are all substrings of the Location's name, in ``_id`` order, paged by ``_offset`` or cursor, are
answered here; the page's Locations are read with their users as ``location_lookup`` reads them.
"""

from __future__ import annotations

import bisect

from ror.api.fhir import paging
from ror.api.fhir.location_lookup import Walk
from ror.api.fhir.lookup import as_lookup, hidden_units
from ror.api.fhir.query import SearchRequest
from ror.api.fhir.search import Result, flat
from ror.criteria import Audience
from ror.search.engine import Engine, Listings, LocationDates, LocationNames


def location_names(request: SearchRequest, engine: Engine, audience: Audience) -> Result | None:
    """The search answered through the Location name keys, or None when it is not one."""
    if request.resource != "Location" or request.near is not None:
        return None
    if not isinstance(engine, LocationNames) or not isinstance(engine, Listings):
        return None
    if not isinstance(engine, LocationDates):  # the page's users are read through its keys
        return None
    if [(k.key, k.descending) for k in request.sort] not in ([("_id", False)], []):
        return None
    contains = _contains(request)
    if contains is None or not engine.location_names_ready():
        return None
    hidden = hidden_units(engine, audience)
    size = 0 if request.summary == "count" else request.count
    with engine.snapshot():
        found = engine.location_names_found(contains, hidden)
        start = 0
        if request.cursor is not None:
            start = bisect.bisect_right(found, (str(request.cursor[0]), 2**62))
        start += request.skip if size else 0
        rows = found[start : start + size]
        page = Walk(engine, audience.capacities, hidden).hits([(0, loc, r) for loc, r in rows])
    cursor = None
    if start + size < len(found) and page:
        cursor = paging.encode(request.sort, (page[-1].id,))
    return Result(len(found), page, cursor)


def _contains(request: SearchRequest) -> list[tuple[str, ...]] | None:
    """The substrings of each condition, or None when one is anything else."""
    conditions = flat(request.condition)
    if not conditions:
        return None
    out = []
    for node in conditions:
        found = as_lookup(node, conditions, False, True)
        if found is None:
            return None
        lookup = found[0]
        if lookup.text != "location.name" or not lookup.contains:
            return None
        out.append(lookup.contains)
    return out
