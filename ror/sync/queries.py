"""The searches a sync makes, chosen from the source's CapabilityStatement (ROR-MODEL §9).

Organizations, then Locations (capacities move there), then HealthcareServices with what resolves
them: ``_include`` of their organisation (and ``partOf`` above it) and Locations,
``_revinclude`` of their PractitionerRoles and ``_include`` of those roles' Practitioners. Each
search is limited to ``_lastUpdated=ge<checkpoint>`` when the source supports it (not in a full
run), the HealthcareService search by the national form ``_filter=(_lastUpdated ge <checkpoint>
or organization._lastUpdated:above ge <checkpoint>)`` when the source lists ``_filter`` and
``organization._lastUpdated`` for it (a source without an Organization search still brings the
services whose organisation changed); a type the source cannot search, or an include it does
not list, is left out (the HealthcareService search brings the rest). The Organization and
Location searches are what makes a change of address or a move reach every offer at once: the
store re-derives the offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ror.indexer.fhir import objects

from .client import SyncError

Json = dict[str, Any]

ORDER: Final = ("Organization", "Location", "HealthcareService")
SERVICE_INCLUDES: Final = (
    ("_include", "HealthcareService:organization"),
    ("_include:iterate", "Organization:partof"),
    ("_include", "HealthcareService:location"),
    ("_revinclude", "PractitionerRole:service"),
    ("_include", "PractitionerRole:practitioner"),
)


#: The national synchronisation's condition (ROR-MODEL §9): the services changed since, or whose
#: organisation (or one above it) changed since.
CHANGED_SINCE: Final = "(_lastUpdated ge {since} or organization._lastUpdated:above ge {since})"


@dataclass(frozen=True, slots=True)
class Query:
    type: str
    params: tuple[tuple[str, str], ...]  # the includes
    by_last_updated: bool  # the source accepts ``_lastUpdated``
    by_organization: bool = False  # and ``_filter`` on ``organization._lastUpdated``

    def url_params(self, since: str | None, count: int) -> list[tuple[str, str]]:
        params = list(self.params)
        if since is not None and self.by_organization:
            params.append(("_filter", CHANGED_SINCE.format(since=since)))
        elif since is not None and self.by_last_updated:
            params.append(("_lastUpdated", f"ge{since}"))
        params.append(("_count", str(count)))
        return params


def check_capability(statement: Json, url: str) -> None:
    """A SyncError unless this is an R4 server's CapabilityStatement."""
    version = str(statement.get("fhirVersion", ""))
    if not version.startswith("4."):
        raise SyncError(f"{url}: FHIR version {version or 'unknown'}; this sync reads FHIR R4")


def plan(statement: Json) -> list[Query]:
    """The searches to make against a source with this CapabilityStatement."""
    resources = {
        str(r.get("type")): r
        for rest in objects(statement.get("rest"))
        for r in objects(rest.get("resource"))
    }
    if "HealthcareService" not in resources:
        raise SyncError("the source does not list HealthcareService in its CapabilityStatement")
    queries = []
    for rtype in ORDER:
        found = resources.get(rtype)
        if found is None:
            continue
        names = {str(p.get("name")) for p in objects(found.get("searchParam"))}
        params: tuple[tuple[str, str], ...] = ()
        if rtype == "HealthcareService":
            offered = {*_strings(found.get("searchInclude"))}
            offered |= {*_strings(found.get("searchRevInclude"))}
            params = tuple((k, v) for k, v in SERVICE_INCLUDES if v in offered)
        by_organization = (
            rtype == "HealthcareService"
            and {
                "_lastUpdated",
                "_filter",
                "organization._lastUpdated",
            }
            <= names
        )
        queries.append(Query(rtype, params, "_lastUpdated" in names, by_organization))
    return queries


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
