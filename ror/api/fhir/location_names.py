"""``Location?name:contains=…`` and ``Location?name=…`` (and ``_filter=name co …``, ``sw``)
answered through the engine's Location name keys (:class:`~ror.search.engine.LocationNames`),
never by a scan.

As the scan does, a Location is shown through its first offer the caller may see (the lowest
ref; sensitive units the caller may not see are no candidates) and matches when its name, as
that offer shows it, holds one of the substrings or starts with one of the prefixes of each
condition (folded). Searches whose conditions are all such tests of the Location's name (a
prefix that folds to nothing left to the scan: a Location without a name has none), in ``_id``
order, paged by ``_offset`` or cursor, are
answered here; the page's Locations are read with their users as ``location_lookup`` reads them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Final

from ror.api.fhir import paging
from ror.api.fhir.location_lookup import Walk
from ror.api.fhir.lookup import as_lookup, hidden_units
from ror.api.fhir.query import Node, SearchRequest
from ror.api.fhir.search import Result, flat
from ror.criteria import Audience
from ror.indexer.terms import text_term
from ror.search.engine import Engine, Listings, LocationDates, LocationNames, Lookup, NameTest

NAME: Final = "location.name"
NAMED: Final = text_term(NAME, "")  # how the Location name prefixes a look-up holds begin


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
    tests = _tests(request)
    if tests is None or not engine.location_names_ready():
        return None
    hidden = hidden_units(engine, audience)
    size = 0 if request.summary == "count" else request.count
    with engine.snapshot():
        found = engine.location_names_found(tests, hidden)
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


def _tests(request: SearchRequest) -> list[NameTest] | None:
    """The name test of each condition, or None when one is anything else."""
    conditions = flat(request.condition)
    tests = [name_test(node, conditions) for node in conditions]
    found = [t for t in tests if t is not None]
    return found if found and len(found) == len(tests) else None


def name_test(node: Node, conditions: Sequence[Node]) -> NameTest | None:
    """The substrings and prefixes of a ``name:contains`` or ``name`` condition of the Location
    (an ``or`` of them), or None when ``node`` is anything else."""
    looked = as_lookup(node, conditions, False, True)
    if looked is None:
        return None
    contains: list[str] = []
    starts: list[str] = []
    for part in looked[0].either or (looked[0],):
        if (
            part.text == NAME
            and part.contains
            and part == Lookup(text=NAME, contains=part.contains)
        ):
            contains += part.contains
        elif part.prefixes and part == Lookup(prefixes=part.prefixes):
            if not all(p.startswith(NAMED) and len(p) > len(NAMED) for p in part.prefixes):
                return None
            starts += [p[len(NAMED) :] for p in part.prefixes]
        else:
            return None
    return NameTest(tuple(dict.fromkeys(contains)), tuple(dict.fromkeys(starts)))
