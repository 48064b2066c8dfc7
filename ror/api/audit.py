"""Auditing writes: every accepted or refused write leaves one entry in the audit log.

- :func:`audit` writes one entry; it is the only function that does.
- :func:`audited` wraps a write in a route: ``accepted`` when the block ends, ``refused`` when
  it raises a ``RorError`` (401, 403, 404, 409, 422… with its code and message), ``failed``
  on any other exception (re-raised).
- Writes refused before reaching a route (bad token 401, rate limit 429) are audited by the
  authentication middleware; :func:`is_write` says which requests are writes.

The log itself (append-only JSONL, ``ROR_AUDIT_LOG``) is :class:`ror.access.audit_log.AuditLog`;
``GET /v1/audit`` (:mod:`ror.api.routes.audit`) reads it for profile 1.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ror.access.audit_log import AuditEntry, AuditLog, Outcome
from ror.access.caller import Caller
from ror.api.access import request_caller
from ror.errors import RorError

log = logging.getLogger("ror.api")

WRITE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READ_ONLY_POSTS: Final = frozenset({"/v1/referrals/search"})  # a search sent as a body


def is_write(method: str, path: str) -> bool:
    """The request may change data (so it is audited, whatever its outcome)."""
    return method in WRITE_METHODS and not (method == "POST" and path in READ_ONLY_POSTS)


def audit(
    caller: Caller,
    action: str,
    target: str,
    outcome: Outcome,
    detail: Mapping[str, Any] | None = None,
    *,
    log_to: AuditLog,
) -> AuditEntry:
    """Append one entry (who, when, what, outcome) to the audit log; fsync'd on return."""
    entry = AuditEntry(
        at=datetime.now(UTC),
        caller=caller.label,
        token_id=caller.token_id,
        profile=caller.profile,
        action=action,
        target=target,
        outcome=outcome,
        detail=dict(detail or {}),
    )
    log_to.append(entry)
    log.info("audit: %s %s %s -> %s", entry.caller, action, target, outcome)
    return entry


def audit_log_of(request: Request) -> AuditLog:
    found: AuditLog = request.app.state.audit_log
    return found


@dataclass(slots=True)
class AuditNote:
    """What a write adds to its audit entry (``detail``), filled in by the route."""

    detail: dict[str, Any] = field(default_factory=dict)


@asynccontextmanager
async def audited(request: Request, action: str, target: str) -> AsyncIterator[AuditNote]:
    """Audit the write done in the block, whatever its outcome::

    async with audited(request, "capacities.put", f"Location/{location_id}") as note:
        require_writer(caller, finess_numbers)
        result = await run_in_threadpool(engine.update_capacities, location_id, counters)
        note.detail.update(applied=result.applied, ignored_stale=result.ignored_stale)
    """
    caller = request_caller(request)
    sink = audit_log_of(request)
    note = AuditNote()
    try:
        yield note
    except RorError as exc:
        detail = {**note.detail, "status": exc.status, "code": exc.code, "reason": exc.message}
        await run_in_threadpool(audit, caller, action, target, "refused", detail, log_to=sink)
        raise
    except Exception as exc:
        detail = {**note.detail, "error": type(exc).__name__}
        await run_in_threadpool(audit, caller, action, target, "failed", detail, log_to=sink)
        raise
    await run_in_threadpool(audit, caller, action, target, "accepted", note.detail, log_to=sink)
