"""Errors raised only at the HTTP edge, on top of the library's ``ror.errors`` classes.

They carry their status and code like every :class:`ror.errors.RorError`, so the one handler in
:mod:`ror.api.error_handlers` translates them with the rest.
"""

from __future__ import annotations

from typing import Any

from ror.errors import InvalidInput, RorError


class InvalidJson(InvalidInput):
    """The body is missing, is not JSON, or is not a JSON object (HTTP 400)."""

    code = "invalid_json"


class InvalidValue(InvalidInput):
    """A field has the wrong type, is out of range, is missing or is unknown (HTTP 400).

    ``details`` lists every problem found when there were several (``field``, ``message``).
    """

    code = "invalid_value"

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        code: str | None = None,
        details: tuple[dict[str, str], ...] = (),
    ) -> None:
        super().__init__(message, field)
        if code is not None:
            self.code = code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(super().to_dict())
        if len(self.details) > 1:
            data["details"] = list(self.details)
        return data


class BodyTooLarge(RorError):
    """The request body exceeds the size the API accepts (HTTP 413)."""

    status = 413
    code = "body_too_large"


class BodyTimeout(RorError):
    """The request body did not arrive in time (HTTP 408)."""

    status = 408
    code = "body_timeout"


class UrlTooLong(RorError):
    """The request line is longer than the API accepts (HTTP 414)."""

    status = 414
    code = "url_too_long"
