"""``GET /fhir/{type}/{id}``: one resource as the caller may see it, or a 404 OperationOutcome.

A HealthcareService is its offer; a Location is read from the offers that use it (its counters
shown when the caller may see those of one of them). A sensitive unit the caller may not see
answers exactly like an unknown id.
"""

from __future__ import annotations

from typing import Any

from ror.access.profiles import may_see_offer
from ror.api.fhir.facts import view
from ror.api.fhir.outcome import FhirError
from ror.api.fhir.resources import capacities_visible, location_resource, service_resource
from ror.search.engine import Engine

Json = dict[str, Any]


def read(engine: Engine, rtype: str, rid: str, profile: int) -> Json:
    found = _service(engine, rid, profile) if rtype == "HealthcareService" else None
    if rtype == "Location":
        found = _location(engine, rid, profile)
    if found is None:
        raise FhirError.of(404, "not-found", f"{rtype}/{rid} inconnu", f"{rtype}/{rid}")
    return found


def _service(engine: Engine, rid: str, profile: int) -> Json | None:
    offer = engine.get(rid)
    if offer is None or not may_see_offer(offer, profile):
        return None
    return service_resource(view(offer), profile)


def _location(engine: Engine, rid: str, profile: int) -> Json | None:
    info = engine.locations_info([rid]).get(rid)
    if info is None:
        return None
    users = [o for o in (engine.get(i) for i in info.offers) if o is not None]
    users = [o for o in users if may_see_offer(o, profile)]
    if not users:
        return None
    v = view(users[0])
    loc = v.location(rid)
    if loc is None:
        return None
    visible = any(capacities_visible(o, profile) for o in users)
    return location_resource(v, loc, profile, capacities=visible)
