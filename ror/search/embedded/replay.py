"""Replay records of the embedded engine, in a SQLite file of their own beside the index.

Every search writes one record. In the index's file those writes took SQLite's single write
lock that capacity pushes need too: under a stream of pushes a search waited in SQLite's busy
handler (sleeps of up to 100 ms, again and again) and searches fell to a few per second. In
their own file they wait only for each other, a fraction of a millisecond each, and a record
written no longer makes every other process drop its page cache of the index.

``ror.sqlite`` keeps its records in ``ror.searches.sqlite``. Records written by versions that
kept them in the index's own ``searches`` table are still found there.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from ror.search.embedded import files as sqlite_files
from ror.search.engine import REPLAY_KEEP_DAYS, REPLAY_PRUNE_EVERY, SearchRecord

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS searches (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
    "record BLOB NOT NULL)"
)
_BY_AGE = "CREATE INDEX IF NOT EXISTS searches_created ON searches (created_at)"


def replay_path(index_path: Path) -> Path:
    """The replay file of an index file: ``ror.sqlite`` -> ``ror.searches.sqlite``."""
    return index_path.with_name(f"{index_path.stem}.searches{index_path.suffix or '.sqlite'}")


class ReplayStore:
    """Search records by id. Thread-safe: one connection per thread."""

    def __init__(self, path: Path, keep_days: int = REPLAY_KEEP_DAYS) -> None:
        self.path = path
        self.keep = timedelta(days=keep_days)
        self._local = threading.local()
        self._saved = 0
        conn = self._conn()
        conn.execute(_SCHEMA)
        conn.execute(_BY_AGE)
        self.prune()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite_files.connect(self.path)
            self._local.conn = conn
        return conn

    def save(self, record: SearchRecord) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO searches VALUES (?, ?, ?)",
            (record.id, _stamp(record.created_at), orjson.dumps(record.to_dict())),
        )
        self._saved += 1
        if self._saved % REPLAY_PRUNE_EVERY == 0:
            self.prune()

    def prune(self, now: datetime | None = None) -> int:
        """Delete the records older than the retention; how many were deleted."""
        cutoff = _stamp((now or datetime.now(UTC)) - self.keep)
        cursor = self._conn().execute("DELETE FROM searches WHERE created_at < ?", (cutoff,))
        return cursor.rowcount

    def get(self, search_id: str) -> SearchRecord | None:
        row = (
            self._conn()
            .execute("SELECT record FROM searches WHERE id = ?", (search_id,))
            .fetchone()
        )
        if row is None:
            return None
        return SearchRecord.from_dict(orjson.loads(row[0]))

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _stamp(moment: datetime) -> str:
    """UTC ISO 8601: stamps of any offset compare in time order as text."""
    return moment.astimezone(UTC).isoformat()
