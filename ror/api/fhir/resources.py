"""The resources an answer carries, rebuilt from what was indexed and shaped for the caller.

- From the **kept source** when the offer was loaded from FHIR: the resource as the provider
  sent it, in R4 shape (``normalise.r4``), nothing dropped (unknown extensions included). A
  Location's capacity extensions are the engine's **live** counters: a source counter still
  current is kept as written, a pushed one is rebuilt from the counter (and
  ``meta.lastUpdated`` moves to its date when newer).
- **Synthesised** in ROR IG shape otherwise (``synthesize``).

Then :func:`shape` removes what the caller's access profile may not see (ROR-MODEL §8):
capacities (profiles without capacity access), contacts and telecoms above the caller's
confidentiality levels, ORSAN level and helipad (profile 1 only).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

from ror.access.profiles import contact_levels, may_see_capacities
from ror.api.fhir import synthesize
from ror.api.fhir.normalise import r4
from ror.errors import RorError
from ror.indexer.facts import LocationView, OfferView, described, meta_updated, reference_id
from ror.indexer.fhir import codings, text, url_name, value
from ror.indexer.locations import CAPACITY, read_capacity
from ror.model import Capacity, Offer

Json = dict[str, Any]

CONTACT: Final = "ror-healthcareservice-contact"
CONTACT_TELECOM: Final = "ror-healthcareservice-contact-telecom"
CONFIDENTIALITY: Final = frozenset(
    {"ror-confidentiality-level", "ror-contact-confidentiality-level"}
)
TELECOM_CONFIDENTIALITY: Final = "ror-telecom-confidentiality-level"
PROFILE_1_ONLY: Final = frozenset(
    {"ror-organization-level-recourse-orsan", "ror-organization-drop-zone"}
)


def service_resource(v: OfferView, profile: int) -> Json:
    source = v.service
    if source is not None:
        base = local_references(r4(source), v)
    else:
        base = synthesize.healthcare_service(v.offer)
    return shape_service(base, contact_levels(v.offer, profile))


def local_references(service: Json, v: OfferView) -> Json:
    """``location`` and ``providedBy`` references the indexer resolved, written relative
    (``Location/{id}``) so that they meet the included resources' ``fullUrl`` (a source may
    point at another server's absolute URL, or at a version)."""
    locations = []
    for ref in service.get("location", []):
        found = reference_id(ref, "Location")
        if found is not None and found in v.offer.location_ids:
            ref = {**ref, "reference": f"Location/{found}"}
        locations.append(ref)
    if locations:
        service["location"] = locations
    provider = service.get("providedBy")
    if isinstance(provider, dict) and reference_id(provider, "Organization") == v.provider_id:
        service["providedBy"] = {**provider, "reference": f"Organization/{v.provider_id}"}
    return service


def location_resource(v: OfferView, loc: LocationView, profile: int, *, capacities: bool) -> Json:
    """``capacities``: the caller may see this Location's counters (else neither they nor
    their dates show: ``meta.lastUpdated`` is the description's)."""
    if not capacities:
        loc = dataclasses.replace(loc, capacities=(), last_updated=described(v.offer, loc.resource))
    if loc.resource is not None:
        base = with_live_counters(r4(loc.resource), loc)
    else:
        base = synthesize.location(v.offer, loc)
    return shape_location(base, contact_levels(v.offer, profile), capacities=capacities)


def organization_resource(v: OfferView, profile: int) -> Json:
    """The organisation ``providedBy`` points at (the EG, synthesised, without a source)."""
    source = v.resources.get(("Organization", v.provider_id))
    base = r4(source) if source is not None else synthesize.establishment(v.offer)
    return shape_organization(base, contact_levels(v.offer, profile), profile)


def capacities_visible(offer: Offer, profile: int) -> bool:
    return may_see_capacities(profile, offer)


# --- live counters ----------------------------------------------------------------------------


def with_live_counters(location: Json, loc: LocationView) -> Json:
    """The Location with its capacity extensions replaced by the live counters."""
    live: dict[tuple[str, ...], Capacity] = {c.key(): c for c in loc.capacities}
    extensions: list[Json] = []
    placed = False
    for ext in location.get("extension", []):
        if url_name(str(ext.get("url", ""))) != CAPACITY:
            extensions.append(ext)
        elif not placed:  # the live counters go where the source put its counters
            placed = True
            current = [_current(e, live, loc.id or "") for e in _capacity_exts(location)]
            extensions += [e for e in current if e is not None]
            extensions += [synthesize.capacity(c) for c in live.values()]
    if not placed:
        extensions += [synthesize.capacity(c) for c in live.values()]
    out = dict(location)
    _set_list(out, "extension", extensions)
    newest = max((c.updated_at for c in loc.capacities), default=None)
    stated = meta_updated(location)
    if newest is not None and (stated is None or newest > stated):
        out["meta"] = {**out.get("meta", {}), "lastUpdated": synthesize.instant(newest)}
    return out


def _capacity_exts(location: Json) -> list[Json]:
    return [e for e in location.get("extension", []) if url_name(str(e.get("url", ""))) == CAPACITY]


def _current(ext: Json, live: dict[tuple[str, ...], Capacity], lid: str) -> Json | None:
    """The source counter when still live as written, its live form when pushed since, None
    when the engine no longer has it. Consumes the live counter it stands for."""
    try:
        written = read_capacity(ext, "extension", lid)
    except RorError:
        return None
    counter = live.pop(written.key(), None)
    if counter is None:
        return None
    same = (counter.count, counter.updated_at, counter.source) == (
        written.count,
        written.updated_at,
        written.source,
    )
    return ext if same else synthesize.capacity(counter)


# --- shaping ----------------------------------------------------------------------------------


def shape_service(resource: Json, levels: str) -> Json:
    out = dict(resource)
    extensions = []
    for ext in out.get("extension", []):
        if url_name(str(ext.get("url", ""))) == CONTACT:
            ext = _contact(ext, levels)
            if ext is None:
                continue
        extensions.append(ext)
    _set_list(out, "extension", extensions)
    _telecoms(out, levels)
    return out


def shape_location(resource: Json, levels: str, *, capacities: bool) -> Json:
    out = dict(resource)
    if not capacities:
        kept = [e for e in out.get("extension", []) if url_name(str(e.get("url", ""))) != CAPACITY]
        _set_list(out, "extension", kept)
    _telecoms(out, levels)
    return out


def shape_organization(resource: Json, levels: str, profile: int) -> Json:
    out = dict(resource)
    if profile != 1:
        kept = [
            e
            for e in out.get("extension", [])
            if url_name(str(e.get("url", ""))) not in PROFILE_1_ONLY
        ]
        _set_list(out, "extension", kept)
    _telecoms(out, levels)
    contacts = []
    for contact in out.get("contact", []):
        level = _level(contact, CONFIDENTIALITY)
        had_telecoms = bool(contact.get("telecom"))
        contact = dict(contact)
        _telecoms(contact, levels, floor=level)
        if level in levels and (contact.get("telecom") or not had_telecoms):
            contacts.append(contact)
    _set_list(out, "contact", contacts)
    return out


def shape_person(resource: Json, levels: str) -> Json:
    """A PractitionerRole or Practitioner with the telecoms the caller may see."""
    out = dict(resource)
    _telecoms(out, levels)
    return out


def _set_list(element: Json, key: str, items: list[Json]) -> None:
    """``element[key] = items``, or no ``key`` at all when empty (FHIR has no empty arrays)."""
    if items:
        element[key] = items
    else:
        element.pop(key, None)


def _contact(ext: Json, levels: str) -> Json | None:
    """A contact extension keeping the telecoms the caller may see; None when the contact
    itself is above the caller's levels or none of its telecoms is left."""
    level = _level(ext, CONFIDENTIALITY)
    if level not in levels:
        return None
    parts = []
    had = kept = 0
    for part in ext.get("extension", []):
        if url_name(str(part.get("url", ""))) == CONTACT_TELECOM:
            had += 1
            own = _level(part, frozenset({TELECOM_CONFIDENTIALITY}))
            if max(level, own, key=int) not in levels:
                continue
            kept += 1
        parts.append(part)
    if had and not kept:
        return None
    return {**ext, "extension": parts}


def _telecoms(element: Json, levels: str, *, floor: str = "1") -> None:
    telecoms = [
        t
        for t in element.get("telecom", [])
        if max(floor, _level(t, frozenset({TELECOM_CONFIDENTIALITY})), key=int) in levels
    ]
    _set_list(element, "telecom", telecoms)


def _level(element: Json, names: frozenset[str]) -> str:
    """The R283 level an element's confidentiality extension gives ("1" when none)."""
    for ext in element.get("extension", []):
        if url_name(str(ext.get("url", ""))) in names:
            for coding in codings(value(ext)):
                code = text(coding.get("code"))
                if code and code.isdigit():
                    return code
    return "1"
