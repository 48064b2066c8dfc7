"""``GET /v1/audit``: the audit log of writes, newest first, for access profile 1 only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ror.api.access import request_caller, require_profile
from ror.api.audit import audit_log_of
from ror.api.endpoints import Endpoint
from ror.api.json_response import JSONResponse
from ror.api.params import params_of, query_of

AUDIT_PROFILES = (1,)


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    limit: int = Field(100, ge=1, le=1000, description="At most this many entries.")
    since: datetime | None = Field(
        None, description="Entries at or after this time (ISO 8601; UTC when no offset)."
    )
    caller: str | None = Field(None, max_length=64, description="Only this caller (token name).")
    action: str | None = Field(None, max_length=200, description="Only this action.")
    outcome: Literal["accepted", "refused", "failed"] | None = Field(
        None, description="Only this outcome."
    )


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuditEntryOut(_Out):
    at: str = Field(description="When (UTC, ISO 8601).")
    caller: str = Field(description="Who: the token's name, or `anonyme`.")
    token_id: str | None
    profile: int = Field(description="The caller's ROR access profile.")
    action: str = Field(description="What was attempted (`capacities.put`, `PUT /v1/…`).")
    target: str = Field(description="On what (`Location/…`).")
    outcome: Literal["accepted", "refused", "failed"]
    detail: dict[str, Any] = Field(description="Counts applied, or the status and reason.")


class AuditResponse(_Out):
    entries: list[AuditEntryOut] = Field(description="Newest first.")
    matched: int = Field(description="Entries matching the filters (not only this page).")
    unreadable: int = Field(description="Lines of the log that are not entries (torn writes).")


async def audit_entries(request: Request) -> Response:
    require_profile(request_caller(request), *AUDIT_PROFILES, what="le journal d'audit")
    query = query_of(request, AuditQuery)
    since = query.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    page = await run_in_threadpool(
        audit_log_of(request).read,
        limit=query.limit,
        since=since,
        caller=query.caller,
        action=query.action,
        outcome=query.outcome,
    )
    return JSONResponse(
        {
            "entries": [e.to_dict() for e in page.entries],
            "matched": page.matched,
            "unreadable": page.unreadable,
        }
    )


ENDPOINTS = (
    Endpoint(
        "GET",
        "/v1/audit",
        audit_entries,
        "The audit log: every accepted or refused write",
        "access",
        description=(
            "Who, when, what and the outcome of every write, newest first. Reserved to access "
            "profile 1 (401 without a token, 403 for another profile)."
        ),
        params=params_of(AuditQuery),
        response=AuditResponse,
        errors=(400, 401, 403),
    ),
)
