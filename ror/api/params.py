"""Query parameters of the small endpoints: a pydantic model validates them and documents them.

One model per endpoint (``GeocodeQuery``…): :func:`query_of` validates a request's query string
into it (errors name the parameter), :func:`params_of` turns it into OpenAPI parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.requests import Request

from ror.api.endpoints import Param
from ror.api.http_errors import BodyTooLarge, InvalidValue
from ror.api.validation import validate

M = TypeVar("M", bound=BaseModel)


def query_of(request: Request, model: type[M]) -> M:
    """The request's query string validated into ``model``; each parameter given once."""
    return validate(model, single_values(request.query_params.multi_items()))


def single_values(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Query parameters as a dict; ``InvalidValue`` for a parameter given twice."""
    data: dict[str, str] = {}
    for name, value in items:
        if name in data:
            raise InvalidValue(f"{name} est donné plusieurs fois ; le donner une seule fois", name)
        data[name] = value
    return data


def params_of(model: type[BaseModel]) -> tuple[Param, ...]:
    """OpenAPI query parameters from the model's JSON Schema (one per field)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    return tuple(
        Param(
            name=name,
            description=str(prop.get("description", "")),
            schema=scalar_schema(prop),
            required=name in required,
            example=(prop.get("examples") or [None])[0],
        )
        for name, prop in schema["properties"].items()
    )


def scalar_schema(prop: dict[str, Any]) -> dict[str, Any]:
    """A property's schema without ``null`` (a query cannot send null) nor its prose."""
    variants = [s for s in prop.get("anyOf", [prop]) if s.get("type") != "null"]
    chosen = dict(variants[0]) if len(variants) == 1 else {"anyOf": variants}
    for key in ("description", "examples", "title"):
        chosen.pop(key, None)
    if "default" in prop and prop["default"] is not None:
        chosen["default"] = prop["default"]
    return chosen


MAX_BODY_BYTES = 64 * 1024  # a search body is a few hundred bytes


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refusing more than ``limit`` bytes (413) without reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"corps de requête trop gros : {limit} octets au plus")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"corps de requête trop gros : {limit} octets au plus")
        chunks.append(chunk)
    return b"".join(chunks)
