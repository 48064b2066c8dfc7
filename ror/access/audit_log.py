"""The audit log: one JSON line per write attempt, appended, never rewritten (``ROR_AUDIT_LOG``).

Each entry says who (token name and id, access profile), when (UTC), what (action and target),
the outcome (``accepted``, ``refused``, ``failed``) and details. Appends are single ``write``
calls on a file opened with ``O_APPEND``, under an exclusive ``flock`` (several server
processes share the file) and ``fsync``'d before the call returns: an acknowledged write is
on disk.

Retention (``ROR_AUDIT_DAYS``, 365 by default): at most once an hour, a process that appends
dates every entry (lines need not be in time order: processes stamp entries before taking the
lock, and clocks move); when some are past the retention, the others are written in their
order to a new file, which replaces the log under the same lock (an appender that opened the old
file sees it was replaced and appends to the new one). Entries are kept whole or not at all.
"""

from __future__ import annotations

import fcntl
import math
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal, get_args

import orjson

KEEP_DAYS: Final = 365
PRUNE_EVERY_S: Final = 3600.0  # a process looks for expired entries at most this often

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

    def __init__(self, path: Path, *, keep_days: int = KEEP_DAYS) -> None:
        self.path = Path(path)
        self.keep = timedelta(days=keep_days)
        self._lock = threading.Lock()
        self._looked_at = -math.inf  # time.monotonic() of the last look for expired entries

    def append(self, entry: AuditEntry) -> None:
        line = orjson.dumps(entry.to_dict()) + b"\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = self._locked(os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                written = 0
                while written < len(line):
                    written += os.write(fd, line[written:])
                os.fsync(fd)
            finally:
                os.close(fd)  # closing releases the lock
        if time.monotonic() - self._looked_at > PRUNE_EVERY_S:
            self.prune()

    def _locked(self, flags: int) -> int:
        """The log opened and locked, the file at ``path`` now (not one a prune replaced)."""
        while True:
            fd = os.open(self.path, flags, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                current = False
            if current:
                return fd
            os.close(fd)

    def prune(self, now: datetime | None = None) -> int:
        """Drop the entries older than the retention; how many were dropped."""
        self._looked_at = time.monotonic()
        cutoff = (now or datetime.now(UTC)) - self.keep
        if not self.path.exists():
            return 0
        with self._lock:
            fd = self._locked(os.O_RDONLY)
            try:
                with open(self.path, "rb") as handle:
                    lines = handle.readlines()
                kept = [line for line in lines if not _older(line, cutoff)]
                if len(kept) == len(lines):
                    return 0
                fresh = self.path.with_name(self.path.name + ".pruning")
                with open(
                    os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb"
                ) as out:
                    out.writelines(kept)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(fresh, self.path)
                return len(lines) - len(kept)
            finally:
                os.close(fd)

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


def _older(line: bytes, cutoff: datetime) -> bool:
    """The entry on ``line`` is older than ``cutoff`` (one that cannot be dated is kept)."""
    try:
        at = datetime.fromisoformat(orjson.loads(line)["at"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return False
    return (at if at.tzinfo else at.replace(tzinfo=UTC)) < cutoff
