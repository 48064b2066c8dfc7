"""Which path answers a FHIR search: the first of the engine's key paths that takes it, else
the plain search (``search.run``). Each path answers exactly as ``run`` would (their parity
tests), and reads less; one that cannot decide the search gives way (None) to the next."""

from __future__ import annotations

from ror.api.fhir import colocated
from ror.api.fhir.listing import listing
from ror.api.fhir.location_lookup import location_lookup
from ror.api.fhir.location_names import location_names
from ror.api.fhir.location_sorted import location_sorted
from ror.api.fhir.location_tags import location_tags
from ror.api.fhir.lookup import lookup
from ror.api.fhir.near_lookup import coded_lookup, near_lookup
from ror.api.fhir.query import SearchRequest
from ror.api.fhir.search import Result, run
from ror.criteria import Audience
from ror.search.engine import Engine

PATHS = (
    listing,
    location_lookup,
    location_names,
    location_tags,
    location_sorted,
    near_lookup,
    coded_lookup,
    lookup,
)


def resolved(request: SearchRequest, engine: Engine, audience: Audience) -> SearchRequest:
    """The search with its co-located requirements resolved to establishments."""
    return colocated.resolve(request, engine, audience)


def answer(request: SearchRequest, engine: Engine, audience: Audience) -> Result:
    """The result of a resolved search (:func:`resolved`)."""
    for path in PATHS:
        found = path(request, engine, audience)
        if found is not None:
            return found
    return run(request, engine, audience)
