"""``_summary=true`` and ``_elements``: resources cut down to some top-level elements, marked
``SUBSETTED`` in ``meta.tag`` as FHIR asks (``id``, ``meta`` and ``resourceType`` always kept).

The summary elements are FHIR R4's (``isSummary``) for each type the facade returns; a test
checks them against the ``fhir.resources`` models.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

Json = dict[str, Any]
SUBSETTED: Final = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
    "display": "subsetted",
}
ELEMENT: Final = re.compile(r"[a-z][A-Za-z0-9]{0,63}")
KEPT: Final = frozenset({"resourceType", "id", "meta", "implicitRules"})
SUMMARY: Final = {
    "HealthcareService": frozenset(
        {"active", "category", "comment", "identifier", "location", "name", "photo"}
        | {"providedBy", "specialty", "type"}
    ),
    "Location": frozenset(
        {"description", "identifier", "managingOrganization", "mode", "name"}
        | {"operationalStatus", "physicalType", "status", "type"}
    ),
    "Organization": frozenset({"active", "identifier", "name", "partOf", "type"}),
    "PractitionerRole": frozenset(
        {"active", "code", "identifier", "location", "organization", "period"}
        | {"practitioner", "specialty", "telecom"}
    ),
    "Practitioner": frozenset(
        {"active", "address", "birthDate", "gender", "identifier", "name", "telecom"}
    ),
}


def subset(resource: Json, keep: Iterable[str]) -> Json:
    wanted = KEPT | frozenset(keep)
    out = {k: v for k, v in resource.items() if k in wanted}
    meta = dict(out.get("meta") or {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    out["meta"] = meta
    return out


def summary(resource: Json) -> Json:
    return subset(resource, SUMMARY.get(str(resource.get("resourceType")), ()))
