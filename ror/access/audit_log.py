"""The audit log: one JSON line per write attempt, appended, never rewritten (``ROR_AUDIT_LOG``).

Each entry says who (token name and id, access profile), when (UTC), what (action and target),
the outcome (``accepted``, ``refused``, ``failed``) and details. Appends are single ``write``
calls on a file opened with ``O_APPEND``, under an exclusive ``flock`` (several server
processes share the file) and ``fsync``'d before the call returns: an acknowledged write is
on disk. Nothing in the package truncates or edits the file.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal, get_args

import orjson

Outcome = Literal["accepted", "refused", "failed"]
OUTCOMES: Final = get_args(Outcome)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime  # UTC
    caller: str  # token name, or "anonyme"
    token_id: str | None
    profile: int
    action: str  # what was attempted: "capacities.put", "PUT /v1/locations/L1/capacities"…
    target: str  # what it was attempted on: "Location/L1"…
    outcome: Outcome
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "caller": self.caller,
            "token_id": self.token_id,
            "profile": self.profile,
            "action": self.action,
            "target": self.target,
            "outcome": self.outcome,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditEntry:
        outcome = data["outcome"]
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        return cls(
            at=datetime.fromisoformat(data["at"]),
            caller=str(data["caller"]),
            token_id=data.get("token_id"),
            profile=int(data["profile"]),
            action=str(data["action"]),
            target=str(data["target"]),
            outcome=outcome,
            detail=dict(data.get("detail") or {}),
        )


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]  # newest first
    matched: int  # entries matching the filters (all of them, not only this page)
    unreadable: int  # lines that are not entries (a torn last line after a crash)


class AuditLog:
    """The append-only JSONL file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, entry: AuditEntry) -> None:
        line = orjson.dumps(entry.to_dict()) + b"\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                written = 0
                while written < len(line):
                    written += os.write(fd, line[written:])
                os.fsync(fd)
            finally:
                os.close(fd)  # closing releases the lock

    def read(
        self,
        *,
        limit: int = 100,
        since: datetime | None = None,
        caller: str | None = None,
        action: str | None = None,
        outcome: str | None = None,
    ) -> AuditPage:
        """The newest ``limit`` entries matching every filter given."""
        page: deque[AuditEntry] = deque(maxlen=max(limit, 0))
        matched = unreadable = 0
        for entry in self._entries():
            if entry is None:
                unreadable += 1
                continue
            if (
                (since is not None and entry.at < since)
                or (caller is not None and entry.caller != caller)
                or (action is not None and entry.action != action)
                or (outcome is not None and entry.outcome != outcome)
            ):
                continue
            matched += 1
            page.append(entry)
        return AuditPage(tuple(reversed(page)), matched, unreadable)

    def _entries(self) -> Iterator[AuditEntry | None]:
        if not self.path.exists():
            return
        with open(self.path, "rb") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    yield AuditEntry.from_dict(orjson.loads(line))
                except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                    yield None
