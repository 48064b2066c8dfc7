"""What ``_include`` / ``_revinclude`` add around a matched HealthcareService, beyond its
Locations: its organisation (``HealthcareService:organization``) and the organisations above it
(``Organization:partof``, OI -> EG -> EJ), the PractitionerRoles pointing at it
(``_revinclude=PractitionerRole:service``) and their Practitioners
(``PractitionerRole:practitioner``).

Includes apply to every resource already in the answer, matches or includes (so
``_include:iterate`` and ``_include`` mean the same). The resources are those the offer was
built from (its kept source); a synthesised offer has no organisation above its EG and no
PractitionerRole. Each is shaped for the caller's profile: telecoms above the caller's
confidentiality levels removed; a profile without personal data (4) gets no Practitioner and
no practitioner name in a role.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from ror.access.profiles import contact_levels
from ror.api.fhir.normalise import r4
from ror.api.fhir.resources import organization_resource, shape_organization, shape_person
from ror.indexer.facts import OfferView, reference_id
from ror.indexer.fhir import as_list

Json = dict[str, Any]
NO_PERSONAL_DATA: Final = frozenset({4})
MAX_DEPTH: Final = 8  # partOf chains: OI, OI, EG, EJ… never a loop


def service_includes(
    includes: tuple[str, ...], revincludes: tuple[str, ...], v: OfferView, profile: int
) -> Iterator[Json]:
    levels = contact_levels(v.offer, profile)
    if "HealthcareService:organization" in includes:
        org = organization_resource(v, profile)
        yield org
        if "Organization:partof" in includes:
            yield from _above(org, v, levels, profile)
    if "PractitionerRole:service" not in revincludes:
        return
    for role in _roles(v):
        yield role_resource(role, levels, profile)
        if "PractitionerRole:practitioner" in includes and profile not in NO_PERSONAL_DATA:
            pid = reference_id(role.get("practitioner"), "Practitioner")
            person = v.resources.get(("Practitioner", pid)) if pid else None
            if person is not None:
                yield shape_person(r4(person), levels)


def _above(org: Json, v: OfferView, levels: str, profile: int) -> Iterator[Json]:
    seen = {org["id"]}
    for _ in range(MAX_DEPTH):
        parent_id = reference_id(org.get("partOf"), "Organization")
        parent = v.resources.get(("Organization", parent_id)) if parent_id else None
        if parent is None or parent_id in seen:
            return
        seen.add(str(parent_id))
        org = shape_organization(r4(parent), levels, profile)
        yield org


def _roles(v: OfferView) -> list[Json]:
    return [
        res
        for (rtype, _), res in v.resources.items()
        if rtype == "PractitionerRole"
        and any(
            reference_id(ref, "HealthcareService") == v.offer.id
            for ref in as_list(res.get("healthcareService"))
        )
    ]


def role_resource(role: Json, levels: str, profile: int) -> Json:
    """A PractitionerRole shaped for the caller (no practitioner name without personal data)."""
    out = shape_person(r4(role), levels)
    practitioner = out.get("practitioner")
    if profile in NO_PERSONAL_DATA and isinstance(practitioner, dict):
        out["practitioner"] = {k: v for k, v in practitioner.items() if k != "display"}
    return out
