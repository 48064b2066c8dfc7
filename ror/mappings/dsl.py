"""Elasticsearch query clauses as plain dicts: the few shapes the engines' filters are made of.

Plain data, so the engine-neutral criteria (``ror.search.prefilter``) can state their
Elasticsearch form next to their other forms without importing the client.
"""

from __future__ import annotations

from typing import Any

Clause = dict[str, Any]


def term(field: str, value: Any) -> Clause:
    return {"term": {field: value}}


def exists(field: str) -> Clause:
    return {"exists": {"field": field}}


def missing(field: str) -> Clause:
    return {"bool": {"must_not": [exists(field)]}}


def any_of(*clauses: Clause) -> Clause:
    return {"bool": {"should": list(clauses), "minimum_should_match": 1}}


def all_of(*clauses: Clause) -> Clause:
    return {"bool": {"filter": list(clauses)}}


def none_of(*clauses: Clause) -> Clause:
    return {"bool": {"must_not": list(clauses)}}


def nested(path: str, query: Clause) -> Clause:
    return {"nested": {"path": path, "query": query}}


def km(value: float) -> str:
    """A distance for the DSL, never in scientific notation ("12.5km")."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return f"{text or '0'}km"
