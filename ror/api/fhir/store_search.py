"""What the facade serves from the resource store (``ror.resources.store``) so that another
``ror`` can follow this one (``ror sync``):

- ``GET /fhir/Organization``: the Organizations as loaded (EJ, EG, OI), by ``_lastUpdated``
  (``ge``, ``gt``, ``le``, ``lt``), ``_id`` and ``identifier``, oldest change first, paged by
  a keyset cursor (``_cursor`` in the ``next`` link: pages neither skip nor repeat when
  Organizations change meanwhile). Directory data, as in a read by id (``read``): contacts
  shaped by the caller's profile.
- The services withdrawn since a ``HealthcareService?_lastUpdated=ge…`` (or the national
  ``_filter=(_lastUpdated ge … or organization._lastUpdated:above ge …)``), inactive or deleted:
  appended to the last page of such a search as ``{"id", "active": false}`` entries, the rest
  of the resource left out. Sensitive units are withdrawn for the callers who may see them only.
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlencode

from ror.access.profiles import audience, directory_contact_levels
from ror.api.fhir.normalise import r4
from ror.api.fhir.outcome import FhirError
from ror.api.fhir.resources import shape_organization
from ror.errors import RorError
from ror.indexer.fhir import instant
from ror.indexer.services import sensitive
from ror.resources.store import ResourceStore, StoredResource

Json = dict[str, Any]
DEFAULT_COUNT: Final = 100
MAX_COUNT: Final = 1000
ORGANIZATION_PARAMS: Final = ("_lastUpdated", "_id", "identifier", "_count", "_cursor")
SYNC_PARAMS: Final = frozenset(
    {"_lastUpdated", "_filter", "_count", "_include", "_include:iterate", "_revinclude", "_offset"}
)
#: The national synchronisation's ``_filter`` (ROR-MODEL §9), the one ``_filter`` a sync-style
#: search may carry: services changed, or whose organisation changed, since a date.
_CHANGED_SINCE: Final = re.compile(
    r"\(?\s*_lastUpdated\s+(ge|gt)\s+(\S+)\s+or\s+organization\._lastUpdated(?::above)?"
    r"\s+(ge|gt)\s+(\S+?)\s*\)?"
)
_TICK: Final = timedelta(microseconds=1)


def with_withdrawn(
    bundle: Json,
    store: ResourceStore | None,
    items: tuple[tuple[str, str], ...],
    base: str,
    profile: int,
) -> Json:
    """``bundle`` (a HealthcareService searchset) with the withdrawn services on its last page."""
    if any(link.get("relation") == "next" for link in bundle.get("link", [])):
        return bundle
    extra = withdrawn_entries(store, items, base, profile)
    if extra:
        bundle["entry"] = [*bundle.get("entry", []), *extra]
    return bundle


def organization_search(
    store: ResourceStore | None, items: tuple[tuple[str, str], ...], base: str, profile: int
) -> Json:
    """The searchset Bundle of ``GET /fhir/Organization``."""
    since, until = last_updated_range(items)
    ids = {v for k, value in items if k == "_id" for v in value.split(",") if v}
    identifiers = [v for k, v in items if k == "identifier"]
    count = _count(items)
    cursor = _cursor(items)
    for name, _ in items:
        if name not in ORGANIZATION_PARAMS:
            raise FhirError.of(
                400,
                "not-supported",
                f"{name} : paramètre non pris en charge pour Organization",
                name,
            )
    found: list[StoredResource] = []
    after = cursor
    while store is not None and len(found) < count + 1:
        page = store.updated_between("Organization", since, until, limit=500, after=after)
        if not page:
            break
        found += [r for r in page if _wanted(r, ids, identifiers, store)]
        last = page[-1]
        after = (last.listed_at, last.id)
    entries = found[:count]
    levels = directory_contact_levels(profile)
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "self", "url": _url(base, items, None)}],
        "entry": [
            {
                "fullUrl": f"{base}/Organization/{r.id}",
                "resource": shape_organization(r4(r.resource), levels, profile),
                "search": {"mode": "match"},
            }
            for r in entries
        ],
    }
    if len(found) > count:
        last = entries[-1]
        bundle["link"].append(
            {"relation": "next", "url": _url(base, items, f"{last.listed_at}|{last.id}")}
        )
    return bundle


def _wanted(r: StoredResource, ids: set[str], identifiers: list[str], store: ResourceStore) -> bool:
    if r.deleted or (ids and r.id not in ids):
        return False
    for wanted in identifiers:
        system, bar, value = wanted.rpartition("|")
        matches = store.by_identifier(value, system=system if bar and system else None)
        if not any(m.type == "Organization" and m.id == r.id for m in matches):
            return False
    return True


def withdrawn_entries(
    store: ResourceStore | None, items: tuple[tuple[str, str], ...], base: str, profile: int
) -> list[Json]:
    """The ``active: false`` entries a sync-style HealthcareService search ends with."""
    if store is None or any(name not in SYNC_PARAMS for name, _ in items):
        return []
    filters = [value for name, value in items if name == "_filter"]
    if filters:
        changed = _CHANGED_SINCE.fullmatch(filters[0].strip())
        if len(filters) > 1 or changed is None or changed.group(1, 2) != changed.group(3, 4):
            return []
        items = (*items, ("_lastUpdated", changed[1] + changed[2]))
    since, until = last_updated_range(items)
    if since is None:
        return []
    sees_all = audience(profile).sensitive_champs is None
    out = []
    for r in store.withdrawn("HealthcareService", since, until):
        if not sees_all and _sensitive(r.resource):
            continue
        stamp = r.received_at if r.deleted else (r.last_updated or r.received_at)
        out.append(
            {
                "fullUrl": f"{base}/HealthcareService/{r.id}",
                "resource": {
                    "resourceType": "HealthcareService",
                    "id": r.id,
                    "meta": {"lastUpdated": stamp},
                    "active": False,
                },
                "search": {"mode": "match"},
            }
        )
    return out


def _sensitive(hs: Json) -> bool:
    try:
        return sensitive(hs)
    except RorError:
        return True


def last_updated_range(
    items: tuple[tuple[str, str], ...],
) -> tuple[datetime | None, datetime | None]:
    """``(since, until)``, since included and until excluded, of the ``_lastUpdated`` values."""
    since = until = None
    for name, raw in items:
        if name != "_lastUpdated":
            continue
        prefix, value = (raw[:2], raw[2:]) if raw[:2] in ("ge", "gt", "le", "lt") else ("ge", raw)
        try:
            when = instant(value, "_lastUpdated")
        except RorError as exc:
            raise FhirError.of(400, "invalid", exc.message, "_lastUpdated") from exc
        if prefix in ("ge", "gt"):
            start = when + _TICK if prefix == "gt" else when
            since = start if since is None else max(since, start)
        else:
            end = when + _TICK if prefix == "le" else when
            until = end if until is None else min(until, end)
    return since, until


def _count(items: tuple[tuple[str, str], ...]) -> int:
    raw = next((v for k, v in items if k == "_count"), None)
    if raw is None:
        return DEFAULT_COUNT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_COUNT:
        raise FhirError.of(400, "invalid", f"_count : entier de 1 à {MAX_COUNT}", "_count")
    return int(raw)


def _cursor(items: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    raw = next((v for k, v in items if k == "_cursor"), None)
    if raw is None:
        return None
    stamp, bar, rid = raw.rpartition("|")
    with suppress(RorError):
        if bar and rid:
            instant(stamp, "_cursor")
            return stamp, rid
    raise FhirError.of(400, "invalid", "_cursor illisible : reprendre au lien next", "_cursor")


def _url(base: str, items: tuple[tuple[str, str], ...], cursor: str | None) -> str:
    kept = [(k, v) for k, v in items if k != "_cursor"]
    if cursor is not None:
        kept.append(("_cursor", cursor))
    query = urlencode(kept)
    return f"{base}/Organization" + (f"?{query}" if query else "")


def with_organization_search(entry: Json) -> Json:
    """The CapabilityStatement's ``Organization`` entry with the search served here."""
    return {
        **entry,
        "interaction": [*entry.get("interaction", []), {"code": "search-type"}],
        "documentation": entry.get("documentation", "")
        + " Recherche par _lastUpdated, _id, identifier : de la plus ancienne mise à jour à la "
        "plus récente (suivi par une autre instance).",
        "searchParam": [
            {"name": "_lastUpdated", "type": "date"},
            {"name": "_id", "type": "token"},
            {"name": "identifier", "type": "token"},
        ],
    }
