"""OperationOutcome: how the FHIR facade reports errors and warnings.

Every error of ``/fhir`` answers an ``OperationOutcome`` with ``application/fhir+json``, one
issue per problem, naming the parameter in ``expression`` (FHIR R4 issue codes: ``invalid``,
``not-supported``, ``code-invalid``, ``forbidden``, ``not-found``, ``exception``…).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import orjson
from starlette.responses import Response

from ror.errors import RorError

FHIR_JSON: Final = "application/fhir+json"
_ENTRIES_APART: Final = 64  # a Bundle with this many entries is written entry by entry
_MARK: Final = "\x00ror-entries\x00"  # no resource holds it: where a Bundle's entries go
_MARKED: Final = orjson.dumps(_MARK)
Severity = Literal["fatal", "error", "warning", "information"]

#: FHIR issue type of each ``ror.errors`` status.
_STATUS_CODES: Final = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    412: "multiple-matches",
    413: "too-costly",
    414: "too-costly",
    415: "not-supported",
    422: "code-invalid",
    429: "throttled",
    500: "exception",
    503: "transient",
}


@dataclass(frozen=True, slots=True)
class Issue:
    severity: Severity
    code: str  # FHIR IssueType
    diagnostics: str
    expression: str | None = None  # the parameter (or element) at fault

    def to_fhir(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            out["expression"] = [self.expression]
        return out


class FhirError(Exception):
    """A request the facade refuses: an HTTP status and the issues to report."""

    def __init__(self, status: int, issues: Iterable[Issue]) -> None:
        self.status = status
        self.issues = tuple(issues)
        super().__init__("; ".join(i.diagnostics for i in self.issues))

    @classmethod
    def of(
        cls, status: int, code: str | None, diagnostics: str, expression: str | None = None
    ) -> FhirError:
        """One error issue; ``code`` None: the FHIR issue type of the status."""
        issue_type = code or _STATUS_CODES.get(status, "invalid" if status < 500 else "exception")
        return cls(status, [Issue("error", issue_type, diagnostics, expression)])

    @classmethod
    def from_ror(cls, exc: RorError) -> FhirError:
        return cls.of(exc.status, None, exc.message, exc.field)


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.to_fhir() for i in issues]}


def fhir_json(body: Mapping[str, Any]) -> bytes:
    """A resource as FHIR JSON; a Bundle's entries written one at a time (``orjson`` holds the
    interpreter for a whole call: a page of 1,000 written at once, 50-90 ms, would keep the
    event loop from ``/health`` that long), the same bytes as one call."""
    entries = body.get("entry")
    if not isinstance(entries, list) or len(entries) < _ENTRIES_APART:
        return orjson.dumps(body)
    head = orjson.dumps({**body, "entry": _MARK})  # the entries' place kept
    written = b",".join(orjson.dumps(entry) for entry in entries)
    return head.replace(_MARKED, b"[" + written + b"]", 1)


def fhir_response(
    body: Mapping[str, Any] | bytes, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """``body`` (a resource, or its JSON from :func:`fhir_json`) as a FHIR response."""
    content = body if isinstance(body, bytes) else fhir_json(body)
    return Response(content, status_code=status, media_type=FHIR_JSON, headers=dict(headers or {}))


def error_response(error: FhirError) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="ror"'} if error.status == 401 else None
    if error.status == 503:
        headers = {"Retry-After": "1"}
    return fhir_error_response(error, headers)


def fhir_error_response(error: FhirError, headers: Mapping[str, str] | None = None) -> Response:
    return fhir_response(operation_outcome(error.issues), error.status, headers)
