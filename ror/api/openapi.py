"""The OpenAPI 3.1 document, generated from the endpoints and the pydantic models they validate
with and answer in (never written by hand, so it cannot drift from the code)."""

from __future__ import annotations

import http
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from ror.api.endpoints import Endpoint, Param
from ror.api.fhir.outcome import FHIR_JSON
from ror.api.response_models import ErrorResponse

REF = "#/components/schemas/{model}"
# Any request may get these: a refused token (401), a URL past the limit (414), the rate
# limit (429), an unexpected failure (500), the deadline (503).
ALWAYS = (401, 414, 429, 500, 503)
WITH_BODY = (408, 413)  # a body too slow, or too large
OPERATION_OUTCOME: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {"type": "array", "items": {"type": "object"}},
    },
}


def openapi_document(endpoints: Iterable[Endpoint], *, version: str) -> dict[str, Any]:
    endpoints = list(endpoints)
    refs, components = _schemas(endpoints)
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        paths.setdefault(ep.path, {})[ep.method.lower()] = _operation(ep, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ror: referral search over French healthcare offers (ROR)",
            "version": version,
            "description": (
                "Find the units that fit a patient's need near a place, with free beds, "
                "explanations and near-misses. Errors are always "
                '`{"error": {"code", "message", "field"}}`.'
            ),
        },
        "paths": paths,
        "components": {"schemas": components},
    }


Refs = dict[tuple[Any, JsonSchemaMode], dict[str, Any]]


def _schemas(endpoints: list[Endpoint]) -> tuple[Refs, dict[str, Any]]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorResponse, "serialization")]
    for ep in endpoints:
        if ep.body is not None:
            wanted.append((ep.body, "validation"))
        if ep.response is not None:
            wanted.append((ep.response, "serialization"))
    unique = list(dict.fromkeys(wanted))
    refs, top = models_json_schema(unique, ref_template=REF)
    return dict(refs), dict(top.get("$defs", {}))


def _operation(ep: Endpoint, refs: Refs) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": ep.handler.__name__,
        "summary": ep.summary,
        "tags": [ep.tag],
    }
    if ep.description:
        op["description"] = ep.description
    if ep.params:
        op["parameters"] = [_parameter(p) for p in ep.params]
    if ep.body is not None:
        content: dict[str, Any] = {"schema": refs[(ep.body, "validation")]}
        if ep.body_example is not None:
            content["example"] = ep.body_example
        op["requestBody"] = {"required": True, "content": {"application/json": content}}
    ok: dict[str, Any] = {"description": "OK"}
    if ep.response is not None:
        ok["content"] = {ep.content_type: {"schema": refs[(ep.response, "serialization")]}}
    elif "json" in ep.content_type:
        ok["content"] = {ep.content_type: {"schema": {"type": "object"}}}
    else:
        ok["content"] = {ep.content_type: {"schema": {"type": "string"}}}
    op["responses"] = {"200": ok}
    if ep.path == "/fhir" or ep.path.startswith("/fhir/"):
        errors = {FHIR_JSON: {"schema": OPERATION_OUTCOME}}
    else:
        errors = {"application/json": {"schema": refs[(ErrorResponse, "serialization")]}}
    statuses = {*ep.errors, *ALWAYS, *(WITH_BODY if ep.body is not None else ())}
    for status in sorted(statuses):
        op["responses"][str(status)] = {
            "description": http.HTTPStatus(status).phrase,
            "content": errors,
        }
    if ep.example:
        op["x-example"] = ep.example
    return op


def _parameter(p: Param) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": p.name,
        "in": p.where,
        "required": p.required or p.where == "path",
        "description": p.description,
        "schema": p.schema,
    }
    if p.example is not None:
        out["example"] = p.example
    return out
