"""The key tables kept beside the look-up keys, each with its own ``meta`` mark saying its rows
are complete, so that an index written before a table existed fills that table alone when it
opens (:meth:`KeyTable.fill`), the other keys untouched.

A full load writes every table with the other keys (``lookups.fill``: :meth:`KeyTable.clear`
first, :meth:`KeyTable.mark_ready` at the end). A fill alone reads the stored offers ``BATCH``
at a time in ``rid`` order, one write transaction per batch under the engine's write lock, so
that writes go on meanwhile: each batch replaces its offers' rows, and the rows a write makes
meanwhile are right. It claims the table (``meta.<name>_fill``): a process that starts filling
it later takes over and the earlier one stops. The table is marked complete at the end unless a
full load came meanwhile (a new ``generation``: that load's own fill writes it).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ror.model import Offer
from ror.search.embedded.rows import decode_doc

BATCH: Final = 5000  # offers per write transaction while a table is filled alone

#: writes the rows of these offers (``rid``, offer), their earlier rows replaced
Writer = Callable[[sqlite3.Connection, Sequence[tuple[int, Offer]]], None]


@dataclass(frozen=True)
class KeyTable:
    """One key table: ``name`` its ``meta`` mark, ``table`` its SQL table, ``write`` how the
    rows of a batch of offers are written."""

    name: str
    table: str
    write: Writer

    @property
    def claim(self) -> str:
        return f"{self.name}_fill"

    def ready(self, conn: sqlite3.Connection) -> bool:
        return conn.execute("SELECT 1 FROM meta WHERE key = ?", (self.name,)).fetchone() is not None

    def mark_ready(self, conn: sqlite3.Connection) -> None:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", (self.name,))

    def clear(self, conn: sqlite3.Connection) -> None:
        """Every row, the mark and any claim removed (in the caller's transaction)."""
        conn.execute(f"DELETE FROM {self.table}")
        conn.execute("DELETE FROM meta WHERE key IN (?, ?)", (self.name, self.claim))

    def fill(self, conn: sqlite3.Connection, lock: Any) -> int:
        """Fill the table alone from the stored offers (``lock``: the engine's write lock);
        returns the offers done here."""
        mine = uuid.uuid4().hex
        with lock:
            conn.execute("BEGIN IMMEDIATE")
            started = _meta(conn, "generation")
            self.clear(conn)
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (self.claim, mine))
            conn.execute("COMMIT")
        after, done = 0, 0
        while True:
            with lock:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    if _meta(conn, self.claim) != mine:  # another process took it over
                        conn.execute("COMMIT")
                        return done
                    batch = conn.execute(
                        "SELECT rid, doc FROM offers WHERE rid > ? ORDER BY rid LIMIT ?",
                        (after, BATCH),
                    ).fetchall()
                    self.write(conn, [(int(rid), decode_doc(doc)) for rid, doc in batch])
                    if not batch and _meta(conn, "generation") == started:
                        self.mark_ready(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            if not batch:
                return done
            done += len(batch)
            after = int(batch[-1][0])


def _meta(conn: sqlite3.Connection, key: str) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else ""
