"""The few error classes the library raises; each carries the HTTP status it maps to.

The API translates them to ``{"error": {"code", "message", "field"}}`` in one handler.
"""

from __future__ import annotations


class RorError(Exception):
    """Base class: a problem the caller can act on."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidInput(RorError):
    """A value is malformed or out of range (HTTP 400)."""


class UnknownCode(RorError):
    """A code is not in the nomenclature it should come from (HTTP 422)."""

    status = 422
    code = "unknown_code"


class UnknownPlace(RorError):
    """A place (commune, postcode, INSEE code) cannot be resolved (HTTP 422)."""

    status = 422
    code = "unknown_place"


class Implausible(RorError):
    """A value contradicts another one the service knows (HTTP 422), both named."""

    status = 422
    code = "implausible"


class OutsideFrance(RorError):
    """A point that is not in France (nor in its territorial waters) (HTTP 422)."""

    status = 422
    code = "outside_france"


class NotFound(RorError):
    status = 404
    code = "not_found"


class Unauthorized(RorError):
    status = 401
    code = "unauthorized"


class Forbidden(RorError):
    status = 403
    code = "forbidden"


class Conflict(RorError):
    status = 409
    code = "conflict"


class TooLong(RorError):
    """The request ran past its time budget, or its caller went away (HTTP 503)."""

    status = 503
    code = "deadline_exceeded"


class IndexOutdated(RorError):
    """The index was built by an older version and cannot answer this request until it is
    rebuilt (HTTP 503)."""

    status = 503
    code = "index_outdated"
