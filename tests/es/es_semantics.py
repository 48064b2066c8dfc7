"""The meaning of the few Elasticsearch clauses the engines emit, read on a document.

It follows the documented semantics of ``term`` on a keyword, number, boolean or
``integer_range`` field; ``terms``; ``range`` (on an ``integer_range``: "intersects");
``exists``; ``prefix`` and ``wildcard``; ``bool`` with ``filter``/``should``+
``minimum_should_match``/``must_not``; ``nested``; ``geo_distance`` as an arc, with field
types from our mapping. A test oracle for our builders, not a stand-in for a cluster: the
same verdicts are asserted on a real one by ``test_es_integration``.
"""

from __future__ import annotations

import fnmatch
import math
import re
from datetime import UTC, date, datetime
from typing import Any

from ror.geo.distance import great_circle_km
from ror.mappings.template import load_template

MAPPING = load_template()["mappings"]


def _types(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        out[path] = spec.get("type", "object")
        out.update(_types(spec.get("properties", {}), f"{path}."))
    return out


TYPES = _types(MAPPING["properties"])


def kind(path: str) -> str:
    if path in TYPES:
        return TYPES[path]
    for entry in MAPPING["dynamic_templates"]:
        template = next(iter(entry.values()))
        if fnmatch.fnmatchcase(path, template["path_match"]):
            return str(template["mapping"]["type"])
    raise AssertionError(f"unmapped field in a clause: {path}")


def values(doc: dict[str, Any], path: str) -> list[Any]:
    found: list[Any] = [doc]
    for part in path.split("."):
        nxt: list[Any] = []
        for v in found:
            item = v.get(part) if isinstance(v, dict) else None
            nxt.extend(item if isinstance(item, list) else [item])
        found = nxt
    return [v for v in found if v is not None]


def comparable(field_kind: str, value: Any) -> Any:
    if field_kind == "date":
        if isinstance(value, str) and len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def _wildcard(pattern: str) -> re.Pattern[str]:
    out, escaped = [], False
    for c in pattern:
        if escaped:
            out.append(re.escape(c))
            escaped = False
        elif c == "\\":
            escaped = True
        else:
            out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
    return re.compile("".join(out), re.DOTALL)


def satisfies(doc: dict[str, Any], clause: dict[str, Any], base: str = "") -> bool:
    ((op, body),) = clause.items()

    def local(path: str) -> str:
        return path[len(base) + 1 :] if base and path.startswith(base + ".") else path

    if op == "bool":
        ok = all(satisfies(doc, c, base) for c in body.get("filter", []))
        ok = ok and not any(satisfies(doc, c, base) for c in body.get("must_not", []))
        should = body.get("should", [])
        if should:
            wanted = body.get("minimum_should_match", 1)
            ok = ok and sum(satisfies(doc, c, base) for c in should) >= wanted
        return ok
    if op == "nested":
        items = values(doc, local(body["path"]))
        return any(satisfies(item, body["query"], body["path"]) for item in items)
    if op == "match_all":
        return True
    if op == "exists":
        return bool(values(doc, local(body["field"])))
    if op == "geo_distance":
        distance = float(body["distance"][:-2])
        ((name, origin),) = ((k, v) for k, v in body.items() if k != "distance")
        return any(
            great_circle_km(origin["lat"], origin["lon"], p["lat"], p["lon"]) <= distance
            for p in values(doc, local(name))
        )
    ((name, wanted),) = body.items()
    field_kind = kind(name)
    have = values(doc, local(name))
    if op == "term":
        if field_kind == "integer_range":
            return any(r.get("gte", -math.inf) <= wanted <= r.get("lte", math.inf) for r in have)
        return wanted in have
    if op == "terms":
        return any(v in wanted for v in have)
    if op == "prefix":  # on a keyword: the term starts with the value
        return any(str(v).startswith(wanted["value"]) for v in have)
    if op == "wildcard":  # ``*`` any run of characters, ``?`` one, ``\\`` escapes
        return any(_wildcard(wanted["value"]).fullmatch(str(v)) for v in have)
    if op == "range" and field_kind == "integer_range":  # relation "intersects" (the default)
        bounds = {k: v for k, v in wanted.items() if k != "relation"}
        low = max(bounds.get("gte", -math.inf), bounds.get("gt", -math.inf) + 1)
        high = min(bounds.get("lte", math.inf), bounds.get("lt", math.inf) - 1)
        return any(r.get("gte", -math.inf) <= high and low <= r.get("lte", math.inf) for r in have)
    if op == "range":
        tests = {
            "gt": lambda a, b: a > b,
            "gte": lambda a, b: a >= b,
            "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b,
        }
        return any(
            all(
                tests[k](comparable(field_kind, v), comparable(field_kind, bound))
                for k, bound in wanted.items()
            )
            for v in have
        )
    raise AssertionError(f"clause not read by this oracle: {op}")


def named_clauses(query: Any) -> list[tuple[str, dict[str, Any]]]:
    """(``_name``, clause) of every named clause of a query, wherever it sits (a hit's
    ``matched_queries`` are the names of those its document satisfies)."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(query, list):
        for item in query:
            found += named_clauses(item)
    elif isinstance(query, dict):
        for op, body in query.items():
            if isinstance(body, dict) and "_name" in body:
                found.append((str(body["_name"]), {op: body}))
            found += named_clauses(body)
    return found
