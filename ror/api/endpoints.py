"""An endpoint = its handler plus what the OpenAPI document says about it, declared once.

Route modules export ``ENDPOINTS``; :mod:`ror.api.app` turns them into Starlette routes and
:mod:`ror.api.openapi` into the OpenAPI document, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Param:
    """A query or path parameter, with its JSON Schema."""

    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    where: Literal["query", "path"] = "query"
    required: bool = False
    example: Any = None


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: Literal["GET", "POST", "PUT", "PATCH"]  # PATCH: FHIR capacity push
    path: str  # Starlette path syntax: /v1/offers/{id}
    handler: Handler
    summary: str
    tag: str
    description: str = ""
    params: tuple[Param, ...] = ()
    body: type[BaseModel] | None = None
    body_example: dict[str, Any] | None = None
    response: type[BaseModel] | None = None
    content_type: str = "application/json"
    errors: tuple[int, ...] = ()  # statuses it documents besides 200 (500 is always possible)
    example: str = ""  # a working GET example for /docs, e.g. "/v1/geocode?q=Toulouse"
