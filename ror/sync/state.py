"""What the sync keeps per source, in the resource store's file: the checkpoint (resources
updated from then on are still to fetch), the run under way (which query, which ``next`` page:
a rerun resumes there), the counts and error of the last run, the ids seen by a full run."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import orjson

from ror.resources.store import ResourceStore

_SCHEMA: Final = (
    """CREATE TABLE IF NOT EXISTS sync_sources (
        name TEXT PRIMARY KEY, url TEXT NOT NULL, priority INTEGER NOT NULL,
        since TEXT, run TEXT, last_sync TEXT, last_error TEXT, counts TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sync_seen (
        source TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
        PRIMARY KEY (source, type, id)) WITHOUT ROWID""",
)
COUNTS: Final = ("added", "changed", "removed", "rejected", "conflicts", "unchanged", "resources")


@dataclass(slots=True)
class Run:
    """A sync under way: resumable at query ``query``, page ``next`` (None: its first page)."""

    started: str  # the source's clock when the run began: the next checkpoint
    full: bool
    query: int = 0
    next: str | None = None


@dataclass(slots=True)
class SourceState:
    name: str
    url: str
    priority: int = 0
    since: str | None = None
    run: Run | None = None
    last_sync: str | None = None
    last_error: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["resuming"] = data.pop("run") is not None
        return data


class SyncStates:
    """The ``sync_*`` tables of a store."""

    def __init__(self, store: ResourceStore) -> None:
        self.store = store
        for ddl in _SCHEMA:
            self._conn().execute(ddl)

    def _conn(self) -> sqlite3.Connection:
        return self.store.connection()

    def get(self, name: str) -> SourceState | None:
        row = self._conn().execute("SELECT * FROM sync_sources WHERE name = ?", (name,)).fetchone()
        return _state(row) if row else None

    def all(self) -> list[SourceState]:
        return [_state(r) for r in self._conn().execute("SELECT * FROM sync_sources ORDER BY name")]

    def save(self, state: SourceState) -> None:
        run = orjson.dumps(asdict(state.run)).decode() if state.run else None
        self._conn().execute(
            "INSERT OR REPLACE INTO sync_sources VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                state.name,
                state.url,
                state.priority,
                state.since,
                run,
                state.last_sync,
                state.last_error,
                orjson.dumps(state.counts).decode(),
            ),
        )

    def priorities(self) -> dict[str, int]:
        return {s.name: s.priority for s in self.all()}

    def see(self, source: str, keys: Iterable[tuple[str, str]]) -> None:
        self._conn().executemany(
            "INSERT OR IGNORE INTO sync_seen VALUES (?, ?, ?)", [(source, t, i) for t, i in keys]
        )

    def seen(self, source: str, rtype: str) -> set[str]:
        rows = self._conn().execute(
            "SELECT id FROM sync_seen WHERE source = ? AND type = ?", (source, rtype)
        )
        return {r[0] for r in rows}

    def forget_seen(self, source: str) -> None:
        self._conn().execute("DELETE FROM sync_seen WHERE source = ?", (source,))


def _state(row: tuple[Any, ...]) -> SourceState:
    name, url, priority, since, run, last_sync, last_error, counts = row
    return SourceState(
        name,
        url,
        priority,
        since,
        Run(**orjson.loads(run)) if run else None,
        last_sync,
        last_error,
        {**dict.fromkeys(COUNTS, 0), **orjson.loads(counts)},
    )
