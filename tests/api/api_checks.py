"""Checks shared by the API tests (a module name no other test folder uses)."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel

from ror.api.response_models import ErrorResponse


def valid(model: type[BaseModel], data: object) -> None:
    """The answer matches the model its OpenAPI entry documents (extra keys are errors)."""
    model.model_validate(data)


def error_of(response: httpx.Response, status: int, field: str | None) -> dict[str, Any]:
    """The ``error`` object of a JSON error answer, checked against the documented shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    valid(ErrorResponse, body)
    assert body["error"]["field"] == field, body
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]
