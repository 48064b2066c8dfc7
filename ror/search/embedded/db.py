"""The embedded engine's SQLite file as the engine and its helpers share it.

One connection per thread (``files.connect``), read snapshots, one writer at a time, and the
writes every writer ends with: a version bumped in ``meta`` (processes drop what they cached),
the free beds of the offers using some Locations recounted. The engine, the capacity pushes
(``capacities.py``) and the availability overview (``overview.py``) all go through it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import orjson

from ror.model import Capacity
from ror.search.embedded import files
from ror.search.embedded.rows import CAPACITY_SELECT, capacity_from_row
from ror.search.prefilter import available_counts


class Database:
    """One SQLite file (WAL mode). Thread-safe: one connection per thread."""

    def __init__(self, path: Path, *, cache_kib: int) -> None:
        self.path = path
        self._cache_kib = cache_kib
        self._local = threading.local()
        self.write_lock = threading.Lock()  # held by every writer (a full load holds it alone)

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = files.connect(self.path)
            conn.execute(f"PRAGMA cache_size = -{self._cache_kib}")
            conn.execute("PRAGMA secure_delete = OFF")
            conn.execute("PRAGMA temp_store = MEMORY")
            self._local.conn = conn
        return conn

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every read inside sees the same committed state (nested: the
        outer snapshot holds)."""
        conn = self.conn()
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, the only one of this process; rolled back on any error."""
        conn = self.conn()
        with self.write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def bump(self, conn: sqlite3.Connection, key: str) -> None:
        """Count one more change of ``key`` (``docs_version``, ``caps_version``…) in ``meta``."""
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, '1') "
            "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
            (key,),
        )

    def counters(self, conn: sqlite3.Connection, locs: Sequence[str]) -> list[tuple[str, Capacity]]:
        """The stored counters of some Locations, each with its Location key, in order."""
        if not locs:
            return []
        marks = ", ".join("?" * len(locs))
        rows = conn.execute(
            f"{CAPACITY_SELECT} WHERE loc IN ({marks}) ORDER BY loc, pos", tuple(locs)
        )
        return [capacity_from_row(r) for r in rows]

    def recount_locations(self, conn: sqlite3.Connection, locs: Iterable[str]) -> list[int]:
        """Recompute the availability columns of every offer using these Locations."""
        rids: set[int] = set()
        for loc in locs:
            rids.update(
                r[0] for r in conn.execute("SELECT rid FROM location_offers WHERE loc = ?", (loc,))
            )
        for rid in sorted(rids):
            meta = conn.execute("SELECT loc_keys FROM offer_meta WHERE rid = ?", (rid,)).fetchone()
            if meta is None:
                continue
            counters = [c for _, c in self.counters(conn, orjson.loads(meta[0]))]
            beds, places = available_counts(counters)
            conn.execute(
                "UPDATE offer_meta SET beds = ?, places = ? WHERE rid = ?", (beds, places, rid)
            )
        return sorted(rids)
