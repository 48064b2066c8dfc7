"""``GET /v1/search``: the search criteria as query parameters, validated like the JSON body.

Flattening (DESIGN §6: same names, lists comma-separated):

- ``lat``, ``lon``, ``place`` -> ``where``;
- ``beds_nature``, ``beds_min``, ``beds_gender``, ``beds_temporality``, ``beds_assignment``
  -> ``beds`` {nature, min_available, gender, temporality, assignment};
- ``equipment=CODE[:FEATURE[:MIN_VALUE]],…`` -> ``equipment`` [{code, feature, min_value}];
- ``colocated=FIELD:CODE|CODE,…`` -> ``colocated`` [{FIELD: [CODE, CODE]}, …] (each item one
  requirement: ``colocated=activity:159|160``);
- code lists: ``activity=126,127`` (repeating the parameter also works);
- everything else keeps its body name (``radius_km``, ``limit``, ``social_aid=true``…).

Errors name the query parameter (``beds_min``, ``lat``), not the body path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ror.api.http_errors import InvalidValue
from ror.api.search_request import CODE_LIST_FIELDS, SearchOptions, SearchRequest
from ror.api.validation import validate

WHERE_PARAMS = {"lat": "lat", "lon": "lon", "place": "place"}
BEDS_PARAMS = {
    "beds_nature": "nature",
    "beds_min": "min_available",
    "beds_gender": "gender",
    "beds_temporality": "temporality",
    "beds_assignment": "assignment",
}
SCALAR_PARAMS = (
    "precision",
    "radius_km",
    "limit",
    "offset",
    "profile",
    "reception",
    "age",
    "text",
    "social_aid",
    "max_monthly_price_eur",
    "open_at",
    "group",
    "facets",
)
LIST_PARAMS = (*CODE_LIST_FIELDS, "equipment", "colocated")
RESPONSE_PARAMS = tuple(SearchOptions.model_fields)  # shape the answer, not the search

_BODY_TO_PARAM = {f"where.{v}": k for k, v in WHERE_PARAMS.items()} | {
    f"beds.{v}": k for k, v in BEDS_PARAMS.items()
}


def search_request_from_query(params: Sequence[tuple[str, str]]) -> SearchRequest:
    """Validate ``GET /v1/search`` parameters (as ``(name, value)`` pairs) into the body model."""
    return validate(SearchRequest, body_from_query(params), rename=param_name)


def body_from_query(params: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The JSON body equivalent to the query parameters (values stay strings)."""
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    body: dict[str, Any] = {}
    where: dict[str, str] = {}
    beds: dict[str, str] = {}
    for name, values in grouped.items():
        if name in LIST_PARAMS:
            items = [item.strip() for v in values for item in v.split(",") if item.strip()]
            parse = {"equipment": _equipment, "colocated": _colocated}.get(name)
            body[name] = parse(items) if parse is not None else items
            continue
        if name in RESPONSE_PARAMS:
            continue
        if name in ("where", "beds"):
            flat = "lat, lon, place" if name == "where" else ", ".join(BEDS_PARAMS)
            raise InvalidValue(
                f"{name} s'écrit à plat dans une URL : {flat}", name, code="unknown_field"
            )
        value = _single(name, values)
        if name in WHERE_PARAMS:
            where[WHERE_PARAMS[name]] = value
        elif name in BEDS_PARAMS:
            beds[BEDS_PARAMS[name]] = value
        else:
            body[name] = value  # unknown names are rejected by the model, with a suggestion
    if where:
        body["where"] = where
    if beds:
        body["beds"] = beds
    return body


def param_name(body_path: str) -> str:
    """The query parameter a body field path comes from (``beds.min_available`` -> ``beds_min``)."""
    if body_path in _BODY_TO_PARAM:
        return _BODY_TO_PARAM[body_path]
    if body_path == "where":
        return "place"
    if body_path.startswith(("equipment[", "colocated[")):
        return body_path.partition("[")[0]
    return body_path


def _single(name: str, values: list[str]) -> str:
    if len(values) > 1:
        raise InvalidValue(f"{name} est donné {len(values)} fois ; le donner une seule fois", name)
    return values[0]


def _equipment(items: list[str]) -> list[dict[str, str]]:
    out = []
    for item in items:
        parts = item.split(":")
        if len(parts) > 3:
            raise InvalidValue(
                f"equipment {item!r} n'est pas de la forme CODE[:FEATURE[:MIN_VALUE]]", "equipment"
            )
        entry = dict(zip(("code", "feature", "min_value"), parts, strict=False))
        out.append({k: v for k, v in entry.items() if v != ""})
    return out


def _colocated(items: list[str]) -> list[dict[str, list[str]]]:
    out = []
    for item in items:
        field, sep, codes = item.partition(":")
        values = [c.strip() for c in codes.split("|") if c.strip()]
        if not sep or not field.strip() or not values:
            raise InvalidValue(
                f"colocated {item!r} n'est pas de la forme CHAMP:CODE|CODE (activity:159|160)",
                "colocated",
            )
        out.append({field.strip(): values})
    return out


def query_param_names() -> Mapping[str, str]:
    """Every accepted query parameter -> the body path it fills (for docs and OpenAPI)."""
    names: dict[str, str] = {k: f"where.{v}" for k, v in WHERE_PARAMS.items()}
    names |= {name: name for name in SCALAR_PARAMS + LIST_PARAMS}
    names |= {k: f"beds.{v}" for k, v in BEDS_PARAMS.items()}
    return names
