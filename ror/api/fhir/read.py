"""``GET /fhir/{type}/{id}``: one resource as the caller may see it, or a 404 OperationOutcome.

A HealthcareService is its offer; a Location is read from the offers that use it (its counters
shown when the caller may see those of one of them). Organization, PractitionerRole and
Practitioner come from the resource store (``ror.resources``) as loaded: an organisation is
directory data, a PractitionerRole (inactive ones too) when one of the offers it serves does
(:func:`role_contact_levels`, the rule of the searches), a Practitioner when one of its live
roles does (never to a profile without personal data). Each is shaped for the
caller's profile. What the caller may not see answers exactly like an unknown id.
"""

from __future__ import annotations

from typing import Any, Final

from ror.access.profiles import contact_levels, directory_contact_levels, may_see_offer
from ror.api.fhir.includes import NO_PERSONAL_DATA, role_resource
from ror.api.fhir.normalise import r4
from ror.api.fhir.outcome import FhirError
from ror.api.fhir.resources import (
    capacities_visible,
    location_resource,
    service_resource,
    shape_organization,
    shape_person,
)
from ror.indexer.facts import reference_id, view
from ror.indexer.fhir import as_list
from ror.resources.store import ResourceStore
from ror.search.engine import Engine

Json = dict[str, Any]
#: Types read from the index (the others from the resource store).
INDEXED: Final = ("HealthcareService", "Location")
STORED: Final = ("Organization", "PractitionerRole", "Practitioner")


def read(engine: Engine, store: ResourceStore | None, rtype: str, rid: str, profile: int) -> Json:
    found: Json | None = None
    if rtype == "HealthcareService":
        found = _service(engine, rid, profile)
    elif rtype == "Location":
        found = _location(engine, rid, profile)
    elif store is not None:
        found = _stored(engine, store, rtype, rid, profile)
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


def _stored(
    engine: Engine, store: ResourceStore, rtype: str, rid: str, profile: int
) -> Json | None:
    if rtype == "Organization":
        organization = store.resource(rtype, rid)
        if organization is None:
            return None
        return shape_organization(r4(organization), directory_contact_levels(profile), profile)
    if rtype == "PractitionerRole":
        kept = store.get(rtype, rid)  # an inactive role is read as it is (``active: false``)
        if kept is None or kept.deleted:
            return None
        levels = role_contact_levels(engine, store, kept.resource, profile)
        return None if levels is None else role_resource(kept.resource, levels, profile)
    person = store.resource(rtype, rid)
    if person is None or profile in NO_PERSONAL_DATA:
        return None
    for role_id in store.linked_from("Practitioner", rid, "practitioner"):
        role = store.resource("PractitionerRole", role_id)
        levels = role_contact_levels(engine, store, role, profile) if role is not None else None
        if levels is not None:
            return shape_person(r4(person), levels)
    return None


def role_contact_levels(
    engine: Engine, store: ResourceStore, role: Json, profile: int
) -> str | None:
    """The contact levels a role shows with, or None when the caller may not see it: it shows
    when it serves a HealthcareService live in the store that is not a sensitive unit hidden
    from the caller; with the levels of the first such offer the index holds, else (the offers
    not indexed) the directory's."""
    shown = None
    for ref in as_list(role.get("healthcareService")):
        sid = reference_id(ref, "HealthcareService")
        if not sid or not store.has("HealthcareService", sid):
            continue
        offer = engine.get(sid)
        if offer is None:
            shown = shown or directory_contact_levels(profile)
        elif may_see_offer(offer, profile):
            return contact_levels(offer, profile)
    return shown
