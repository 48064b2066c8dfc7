"""``GET /fhir/PractitionerRole`` and ``GET /fhir/Practitioner`` (also ``POST …/_search``):
searches of the resource store (``ror.resources``), each condition one of its indexes, never a
test of every resource.

=================  =============================================================================
parameter          index of the store
=================  =============================================================================
``_id``            the resources' key (type, id)
``identifier``     ``identifiers`` ([system|]value)
``service``        ``links`` healthcareService (PractitionerRole; ``HealthcareService/x`` or x)
``practitioner``   ``links`` practitioner (PractitionerRole)
``organization``   ``links`` organization (PractitionerRole)
``active``         ``true`` / ``false`` (the resource's ``active``)
``_lastUpdated``   ``resources_updated`` (``ge gt le lt``, or a day: ``ge``)
=================  =============================================================================

A comma separates values of which one must hold; repeated parameters must all hold. Results
come in ``_id`` order, ``_count`` (default 50, at most 1000) a page, a ``next`` link carrying a
keyset ``_cursor`` (the last id shown: no entry skipped or repeated when resources change
between pages), an exact ``total``. ``_include=PractitionerRole:practitioner`` and
``PractitionerRole:service`` add the page's Practitioners and offers.

Access is that of a read by id (``read``): a PractitionerRole shows when it serves a
HealthcareService kept live in the store that the caller may see (the sensitive units of the
index the caller may not see are left out); a Practitioner when one of its live roles shows,
and never to a profile without personal data. Each is shaped as its read by id shapes it.
Unsupported parameters are a 400 naming them, or ignored with a warning entry under
``Prefer: handling=lenient``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal
from urllib.parse import urlencode

from ror.access.profiles import audience, may_see_offer
from ror.api.fhir import paging
from ror.api.fhir.includes import NO_PERSONAL_DATA
from ror.api.fhir.outcome import FhirError, Issue, operation_outcome
from ror.api.fhir.query import SortKey
from ror.api.fhir.read import read
from ror.api.fhir.resources import service_resource
from ror.api.fhir.store_search import last_updated_range
from ror.errors import InvalidInput
from ror.indexer.facts import reference_id, view
from ror.indexer.fhir import as_list
from ror.resources.store import ResourceStore
from ror.search.engine import Engine, Listings

Json = dict[str, Any]
StoredType = Literal["PractitionerRole", "Practitioner"]
DEFAULT_COUNT: Final = 50
MAX_COUNT: Final = 1000
#: (referring element, type referred to) of the reference parameters.
REFERENCES: Final = {
    "service": ("healthcareService", "HealthcareService"),
    "practitioner": ("practitioner", "Practitioner"),
    "organization": ("organization", "Organization"),
}
PARAMS: Final[dict[str, tuple[str, ...]]] = {
    "PractitionerRole": (
        "_id",
        "identifier",
        "service",
        "practitioner",
        "organization",
        "active",
        "_lastUpdated",
    ),
    "Practitioner": ("_id", "identifier", "active", "_lastUpdated"),
}
INCLUDES: Final[dict[str, tuple[str, ...]]] = {
    "PractitionerRole": ("PractitionerRole:practitioner", "PractitionerRole:service"),
    "Practitioner": (),
}
RESULT_PARAMS: Final = frozenset({"_count", "_cursor", "_include", "_sort", "_format", "_total"})
SORT: Final = (SortKey("_id", False),)


@dataclass(frozen=True, slots=True)
class _Condition:
    """SQL on the resource row ``r``; ``key`` set: ``r.id IN (a subquery of ids)`` whose
    ``{after}`` takes a bound on ``key`` (the ids after the cursor, when it leads the page)."""

    sql: str
    params: tuple[Any, ...]
    key: str | None = None


@dataclass(slots=True)
class _Query:
    conditions: list[_Condition] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    after: str = ""
    warnings: list[Issue] = field(default_factory=list)


def store_search(
    rtype: StoredType,
    store: ResourceStore | None,
    engine: Engine,
    items: Sequence[tuple[str, str]],
    base: str,
    profile: int,
    *,
    lenient: bool = False,
) -> Json:
    """The searchset Bundle of ``GET /fhir/{rtype}``."""
    query = _parse(rtype, items, lenient)
    rows: list[str] = []
    total = 0
    if store is not None and not (rtype == "Practitioner" and profile in NO_PERSONAL_DATA):
        visible = _visible(rtype, _hidden_services(engine, profile))
        conn = store.connection()
        where, params = _where(rtype, visible, query.conditions, None)
        total = int(
            conn.execute(f"SELECT count(*) FROM resources r WHERE {where}", params).fetchone()[0]
        )
        where, params = _where(rtype, visible, query.conditions, query.after)
        sql = f"SELECT r.id FROM resources r WHERE {where} ORDER BY r.id LIMIT ?"
        rows = [str(i) for (i,) in conn.execute(sql, [*params, query.count + 1])]
    more = len(rows) > query.count
    rows = rows[: query.count]
    shown: list[Json] = []
    for rid in rows:
        res = _shaped(engine, store, rtype, rid, profile) if store is not None else None
        if res is not None:
            shown.append(res)
    entries: list[Json] = [
        {"fullUrl": f"{base}/{rtype}/{r['id']}", "resource": r, "search": {"mode": "match"}}
        for r in shown
    ]
    if store is not None and query.includes:
        entries += _included(engine, store, shown, query, base, profile)
    if query.warnings:
        outcome_id = str(uuid.uuid4())
        entries.append(
            {
                "fullUrl": f"urn:uuid:{outcome_id}",
                "resource": {**operation_outcome(query.warnings), "id": outcome_id},
                "search": {"mode": "outcome"},
            }
        )
    links = [{"relation": "self", "url": _url(base, rtype, items, None)}]
    links.append({"relation": "first", "url": _url(base, rtype, items, "")})
    if more and rows:
        cursor = paging.encode(SORT, (rows[-1],))
        links.append({"relation": "next", "url": _url(base, rtype, items, cursor)})
    bundle: Json = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": datetime.now(UTC).isoformat().replace("+00:00", "Z")},
        "type": "searchset",
        "total": total,
        "link": links,
    }
    if entries:
        bundle["entry"] = entries
    return bundle


def _where(
    rtype: str,
    visible: tuple[str, list[Any]],
    conditions: Sequence[_Condition],
    after: str | None,
) -> tuple[str, list[Any]]:
    """The condition on ``r`` and its values; ``after`` given: only the ids after it, bounded
    in the first id subquery (which then leads the plan: no walk over every resource)."""
    parts = ["r.type = ?", "r.deleted = 0", visible[0]]
    params: list[Any] = [rtype, *visible[1]]
    bounded = after is None
    for condition in conditions:
        if condition.key is not None and not bounded:
            parts.append(condition.sql.format(after=f" AND {condition.key} > ?"))
            params += [*condition.params, after]
            bounded = True
        else:
            parts.append(condition.sql.format(after=""))
            params += condition.params
    if not bounded:
        parts.append("r.id > ?")
        params.append(after)
    return " AND ".join(parts), params


# --- parameters ---------------------------------------------------------------------------


def _parse(rtype: StoredType, items: Sequence[tuple[str, str]], lenient: bool) -> _Query:
    query = _Query()
    problems: list[Issue] = []

    def refuse(name: str, message: str) -> None:
        problems.append(Issue("error", "not-supported", f"{name} : {message}", name))

    for name, value in items:
        if name in PARAMS[rtype]:
            _condition(rtype, name, value, query, problems)
        elif name == "_count":
            if not value.isdigit() or not 1 <= int(value) <= MAX_COUNT:
                problems.append(
                    Issue("error", "invalid", f"_count : entier de 1 à {MAX_COUNT}", "_count")
                )
            else:
                query.count = int(value)
        elif name == "_cursor":
            try:
                query.after = str(paging.decode(SORT, value)[0])
            except InvalidInput as exc:
                problems.append(Issue("error", "invalid", exc.message, "_cursor"))
        elif name == "_include":
            for one in value.split(","):
                if one in INCLUDES[rtype]:
                    query.includes.append(one)
                else:
                    refuse(name, f"{one} non pris en charge pour {rtype}")
        elif name == "_sort" and value != "_id":
            refuse(name, "seul _id (l'ordre par défaut) est pris en charge")
        elif name == "_format" and value not in ("json", "application/fhir+json"):
            refuse(name, "seul JSON est servi")
        elif name not in RESULT_PARAMS:
            refuse(name, f"paramètre non pris en charge pour {rtype}")
    errors = [p for p in problems if p.code != "not-supported" or not lenient]
    if errors:
        raise FhirError(400, errors)
    query.warnings = [Issue("warning", p.code, p.diagnostics, p.expression) for p in problems]
    return query


def _condition(
    rtype: StoredType, name: str, value: str, query: _Query, problems: list[Issue]
) -> None:
    values = [v for v in value.split(",") if v]
    if not values:
        problems.append(Issue("error", "invalid", f"{name} : valeur vide", name))
        return
    marks = ", ".join("?" * len(values))
    if name == "_id":
        query.conditions.append(
            _Condition(
                "r.id IN (SELECT value FROM json_each(?) WHERE 1{after})",
                (json.dumps(values),),
                "value",
            )
        )
    elif name == "identifier":
        parts: list[str] = []
        params = []
        for one in values:
            system, bar, code = one.rpartition("|")
            if bar and system:
                parts.append("(i.value = ? AND i.system = ?)")
                params += [code, system]
            else:
                parts.append("i.value = ?")
                params.append(code)
        sql = (
            f"r.id IN (SELECT i.id FROM identifiers i WHERE ({' OR '.join(parts)}) "
            "AND i.type = ?{after})"
        )
        query.conditions.append(_Condition(sql, (*params, rtype), "i.id"))
    elif name in REFERENCES:
        element, target = REFERENCES[name]
        ids = []
        for one in values:
            kind, slash, rid = one.rpartition("/")
            if slash and kind != target:
                problems.append(
                    Issue("error", "invalid", f"{name} : référence {target}/id attendue", name)
                )
                return
            ids.append(rid)
        sql = (
            "r.id IN (SELECT l.id FROM links l WHERE l.to_type = ? "
            f"AND l.to_id IN ({marks}) AND l.element = ? AND l.type = ?{{after}})"
        )
        query.conditions.append(_Condition(sql, (target, *ids, element, rtype), "l.id"))
    elif name == "active":
        if values not in (["true"], ["false"]):
            problems.append(Issue("error", "invalid", "active : true ou false", name))
            return
        query.conditions.append(_Condition("r.active = ?", (int(values[0] == "true"),)))
    else:  # _lastUpdated
        try:
            since, until = last_updated_range((("_lastUpdated", value),))
        except FhirError as exc:
            problems += exc.issues
            return
        bounds = ["u.type = ?"]
        args: list[Any] = [rtype]
        if since is not None:
            bounds.append("u.last_updated_ts >= ?")
            args.append(since.timestamp())
        if until is not None:
            bounds.append("u.last_updated_ts < ?")
            args.append(until.timestamp())
        sql = f"r.id IN (SELECT u.id FROM resources u WHERE {' AND '.join(bounds)}{{after}})"
        query.conditions.append(_Condition(sql, tuple(args), "u.id"))


# --- access --------------------------------------------------------------------------------


def _hidden_services(engine: Engine, profile: int) -> list[str]:
    """Ids of the sensitive units the caller may not see."""
    seen_by = audience(profile)
    if seen_by.sensitive_champs is None or not isinstance(engine, Listings):
        return []
    refs = sorted(
        r for r, champ in engine.sensitive_units().items() if not seen_by.shows_sensitive(champ)
    )
    return [oid for oid, _ in engine.order_keys(refs)]


def _visible(rtype: StoredType, hidden: list[str]) -> tuple[str, list[Any]]:
    """The condition on ``r`` (a resource row) that the caller may see it."""
    out = ", ".join("?" * len(hidden))
    role = (
        "EXISTS (SELECT 1 FROM links s CROSS JOIN resources h ON h.type = 'HealthcareService' "
        "AND h.id = s.to_id AND h.active = 1 AND h.deleted = 0 WHERE s.type = 'PractitionerRole' "
        "AND s.id = {alias}.id AND s.element = 'healthcareService' "
        "AND s.to_type = 'HealthcareService'"
        + (f" AND s.to_id NOT IN ({out})" if hidden else "")
        + ")"
    )
    if rtype == "PractitionerRole":
        return role.format(alias="r"), list(hidden)
    person = (
        "EXISTS (SELECT 1 FROM links p CROSS JOIN resources pr ON pr.type = 'PractitionerRole' "
        "AND pr.id = p.id AND pr.active = 1 AND pr.deleted = 0 WHERE p.to_type = 'Practitioner' "
        f"AND p.to_id = r.id AND p.element = 'practitioner' AND p.type = 'PractitionerRole' "
        f"AND {role.format(alias='pr')})"
    )
    return person, list(hidden)


def _shaped(
    engine: Engine, store: ResourceStore, rtype: StoredType, rid: str, profile: int
) -> Json | None:
    """The resource as its read by id shows it (the same rule as :func:`_visible`)."""
    try:
        return read(engine, store, rtype, rid, profile)
    except FhirError:
        return None


def _included(
    engine: Engine,
    store: ResourceStore,
    roles: list[Json],
    query: _Query,
    base: str,
    profile: int,
) -> list[Json]:
    out: list[Json] = []
    seen: set[tuple[str, str]] = set()
    for role in roles:
        if "PractitionerRole:practitioner" in query.includes and profile not in NO_PERSONAL_DATA:
            pid = reference_id(role.get("practitioner"), "Practitioner")
            if pid and ("Practitioner", pid) not in seen:
                seen.add(("Practitioner", pid))
                person = _shaped(engine, store, "Practitioner", pid, profile)
                if person is not None:
                    out.append(_include(base, "Practitioner", person))
        if "PractitionerRole:service" in query.includes:
            for ref in as_list(role.get("healthcareService")):
                sid = reference_id(ref, "HealthcareService")
                if not sid or ("HealthcareService", sid) in seen:
                    continue
                seen.add(("HealthcareService", sid))
                offer = engine.get(sid)
                if offer is not None and may_see_offer(offer, profile):
                    out.append(
                        _include(base, "HealthcareService", service_resource(view(offer), profile))
                    )
    return out


def _include(base: str, rtype: str, resource: Json) -> Json:
    return {
        "fullUrl": f"{base}/{rtype}/{resource['id']}",
        "resource": resource,
        "search": {"mode": "include"},
    }


def _url(base: str, rtype: str, items: Sequence[tuple[str, str]], cursor: str | None) -> str:
    """The search's URL; ``cursor`` None: as asked, "": from the start, else at that cursor."""
    kept = list(items) if cursor is None else [(k, v) for k, v in items if k != "_cursor"]
    if cursor:
        kept.append(("_cursor", cursor))
    query = urlencode(kept)
    return f"{base}/{rtype}" + (f"?{query}" if query else "")


def with_store_search(rtype: StoredType, entry: Json) -> Json:
    """The CapabilityStatement's entry of ``rtype`` with its search."""
    names = {
        "_id": "token",
        "identifier": "token",
        "service": "reference",
        "practitioner": "reference",
        "organization": "reference",
        "active": "token",
        "_lastUpdated": "date",
    }
    out = {
        **entry,
        "interaction": [*entry.get("interaction", []), {"code": "search-type"}],
        "documentation": entry.get("documentation", "")
        + " Recherche par "
        + ", ".join(PARAMS[rtype])
        + " (index du magasin), par ordre d'_id, pages par curseur (_cursor)"
        + (" ; _include " + ", ".join(INCLUDES[rtype]) if INCLUDES[rtype] else "")
        + ". Visible comme en lecture par id.",
        "searchParam": [{"name": n, "type": names[n]} for n in PARAMS[rtype]],
    }
    if INCLUDES[rtype]:
        out["searchInclude"] = list(INCLUDES[rtype])
    return out
