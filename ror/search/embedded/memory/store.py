"""A process's in-memory index of one SQLite file, kept in step with the file at every search.

Several processes (uvicorn workers) serve one file; any of them, or another program, may load,
upsert, delete or push capacities at any time, and the next search of every process must see
it. So each search, inside its read transaction, reads three positions (``meta.generation``,
the last ``offer_changes`` and ``caps_changes`` sequence numbers: a few key look-ups) and gets
the :class:`Snapshot` matching them:

- same positions as the snapshot held: it is used as is;
- a new **generation** (a full load swapped in): the index stored by that load
  (``memory_snapshot`` table) is read, or built from the tables when there is none (a file
  indexed before it existed: the built index is then stored for the next process);
- offers written or deleted since (``offer_changes``): their rows in the base index are masked
  and a small index of their current rows is laid over it; past :data:`OVERLAY_MAX` changed
  offers the base is built again;
- counters changed since (``caps_changes``, by Location): the figures of the offers using those
  Locations are read again (``memory_availability``).

Snapshots never change once made, so threads share them freely. A search whose read
transaction began before the snapshot another thread has just made gets one of the last
:data:`RECENT_KEPT` snapshots, advanced to its positions if need be; older than all of them, it
gets None and is answered from SQL (``planner.py``), as is every search of an engine opened with
``memory=False``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import orjson
from numpy.typing import NDArray

from ror.search.embedded.memory import availability
from ror.search.embedded.memory import index as memory_index
from ror.search.embedded.memory.availability import Availability
from ror.search.embedded.memory.index import MemoryIndex

FORMAT: Final = 2  # of the stored index: another one is built again, not read
RECENT_KEPT: Final = 8  # snapshots kept for searches whose transaction began a little earlier
OVERLAY_MAX: Final = 5_000  # offers changed since the base before it is built again
STORE_MIN: Final = 50_000  # indexes built in a process are stored from this many offers
LOG: Final = logging.getLogger(__name__)

Mask = NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class Snapshot:
    """The in-memory index as of some log positions."""

    generation: str
    docs_seq: int
    caps_seq: int
    base: MemoryIndex
    dead: Mask | None  # base rows of offers changed since the base was built
    overlay: MemoryIndex | None  # the current rows of those offers (still stored)
    changed: frozenset[int]  # their rids
    availability: Availability

    def parts(self) -> list[tuple[MemoryIndex, Mask | None]]:
        """The indexes to read, with the rows to skip in each."""
        out: list[tuple[MemoryIndex, Mask | None]] = [(self.base, self.dead)]
        if self.overlay is not None and self.overlay.size:
            out.append((self.overlay, None))
        return out

    @property
    def positions(self) -> tuple[str, int, int]:
        return self.generation, self.docs_seq, self.caps_seq


def positions(conn: sqlite3.Connection) -> tuple[str, int, int]:
    """The generation and the last sequence numbers of ``offer_changes`` and ``caps_changes``
    (0: empty)."""
    generation, docs, caps = conn.execute(
        "SELECT (SELECT value FROM meta WHERE key = 'generation'), "
        "(SELECT max(seq) FROM offer_changes), (SELECT max(seq) FROM caps_changes)"
    ).fetchone()
    return str(generation or ""), int(docs or 0), int(caps or 0)


class MemoryStore:
    """The snapshots of one file in this process (module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._current: Snapshot | None = None
        self._recent: dict[tuple[str, int, int], Snapshot] = {}  # the last few, oldest first
        self._storing: threading.Thread | None = None

    def snapshot(self, conn: sqlite3.Connection) -> Snapshot | None:
        """The snapshot matching ``conn``'s open read transaction, or None (answer from SQL)."""
        wanted = positions(conn)
        generation, docs_seq, caps_seq = wanted
        current = self._current
        if current is not None and current.positions == wanted:
            return current
        with self._lock:
            found = self._recent.get(wanted)
            if found is not None:
                return found
            current = self._current
            if (
                current is not None
                and current.generation == generation
                and (current.docs_seq > docs_seq or current.caps_seq > caps_seq)
            ):  # this transaction began before the snapshot held: from an older one
                older = [
                    s
                    for s in self._recent.values()
                    if s.generation == generation
                    and s.docs_seq <= docs_seq
                    and s.caps_seq <= caps_seq
                ]
                if not older:
                    return None
                start = max(older, key=lambda s: (s.docs_seq, s.caps_seq))
                past = self._advance(conn, start, docs_seq, caps_seq)
                self._remember(past)
                return past
            if current is None or current.generation != generation:
                current = self._load(conn, generation, docs_seq, caps_seq)
            current = self._advance(conn, current, docs_seq, caps_seq)
            self._current = current
            self._remember(current)
            return current

    def _remember(self, snap: Snapshot) -> None:
        self._recent[snap.positions] = snap
        while len(self._recent) > RECENT_KEPT:
            self._recent.pop(next(iter(self._recent)))

    def wait(self) -> None:
        """Wait for an index being stored (tests)."""
        storing = self._storing
        if storing is not None:
            storing.join()

    # --- a new generation ------------------------------------------------------------------

    def _load(
        self, conn: sqlite3.Connection, generation: str, docs_seq: int, caps_seq: int
    ) -> Snapshot:
        stored = load_stored(conn, generation)
        if stored is not None:
            return stored
        snap = built(conn, generation, docs_seq, caps_seq)
        self._store_later(snap)
        return snap

    def _store_later(self, snap: Snapshot) -> None:
        if snap.base.size < STORE_MIN:
            return
        self._storing = threading.Thread(
            target=store, args=(self.path, snap), name="ror-memory-store", daemon=True
        )
        self._storing.start()

    # --- changes since ---------------------------------------------------------------------

    def _advance(
        self, conn: sqlite3.Connection, snap: Snapshot, docs_seq: int, caps_seq: int
    ) -> Snapshot:
        if docs_seq > snap.docs_seq:
            rids = [
                r[0]
                for r in conn.execute(
                    "SELECT rid FROM offer_changes WHERE seq > ? AND seq <= ?",
                    (snap.docs_seq, docs_seq),
                )
            ]
            changed = snap.changed | frozenset(rids)
            if len(changed) > max(OVERLAY_MAX, snap.base.size // 50):
                rebuilt = built(conn, snap.generation, docs_seq, caps_seq)
                self._store_later(rebuilt)
                return rebuilt
            overlay = memory_index.build_for(conn, sorted(changed))
            dead_rows, _ = snap.base.rows_for(np.asarray(sorted(changed), dtype=np.int64))
            dead = np.zeros(snap.base.size, dtype=bool)
            dead[dead_rows] = True
            figures = snap.availability.updated(*availability.summarize(conn, rids))
            snap = Snapshot(
                snap.generation,
                docs_seq,
                snap.caps_seq,
                snap.base,
                dead,
                overlay,
                changed,
                figures,
            )
        if caps_seq > snap.caps_seq:
            (first,) = conn.execute("SELECT min(seq) FROM caps_changes").fetchone()
            if first is None or first > snap.caps_seq + 1:  # the log was cut: read them all
                figures = Availability.of(availability.summarize_all(conn), snap.base)
                figures = figures.updated(*availability.summarize(conn, sorted(snap.changed)))
            else:
                locs = [
                    r[0]
                    for r in conn.execute(
                        "SELECT DISTINCT loc FROM caps_changes WHERE seq > ? AND seq <= ?",
                        (snap.caps_seq, caps_seq),
                    )
                ]
                rids = availability.offers_of_locations(conn, locs)
                figures = snap.availability.updated(*availability.summarize(conn, rids))
            snap = Snapshot(
                snap.generation,
                snap.docs_seq,
                caps_seq,
                snap.base,
                snap.dead,
                snap.overlay,
                snap.changed,
                figures,
            )
        return snap


def built(conn: sqlite3.Connection, generation: str, docs_seq: int, caps_seq: int) -> Snapshot:
    """A snapshot built from the tables (in ``conn``'s read transaction)."""
    base = memory_index.build(conn)
    figures = Availability.of(availability.summarize_all(conn), base)
    return Snapshot(generation, docs_seq, caps_seq, base, None, None, frozenset(), figures)


# --- the stored index --------------------------------------------------------------------------


def snapshot_rows(snap: Snapshot) -> list[tuple[str, bytes]]:
    """The ``memory_snapshot`` rows of a snapshot without overlay."""
    head = {
        "format": FORMAT,
        "generation": snap.generation,
        "docs_seq": snap.docs_seq,
        "caps_seq": snap.caps_seq,
    }
    return [
        ("head", orjson.dumps(head)),
        ("availability", availability.to_blob(snap.availability)),
        *((f"index:{name}", data) for name, data in snap.base.to_blobs()),
    ]


def load_stored(conn: sqlite3.Connection, generation: str) -> Snapshot | None:
    """The stored snapshot of this generation, or None."""
    row = conn.execute("SELECT data FROM memory_snapshot WHERE name = 'head'").fetchone()
    if row is None:
        return None
    head = orjson.loads(row[0])
    if head.get("format") != FORMAT or head["generation"] != generation:
        return None
    blobs = dict(conn.execute("SELECT name, data FROM memory_snapshot WHERE name != 'head'"))
    index = MemoryIndex.from_blobs(
        {k.removeprefix("index:"): v for k, v in blobs.items() if k.startswith("index:")}
    )
    return Snapshot(
        generation,
        int(head["docs_seq"]),
        int(head["caps_seq"]),
        index,
        None,
        None,
        frozenset(),
        availability.from_blob(blobs["availability"], index),
    )


def store(path: Path, snap: Snapshot) -> None:
    """Store a snapshot built in a process, unless the file moved to another generation or
    holds a newer one (own connection; failures are logged, never raised)."""
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=60.0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                (generation,) = conn.execute(
                    "SELECT value FROM meta WHERE key = 'generation'"
                ).fetchone()
                row = conn.execute("SELECT data FROM memory_snapshot WHERE name = 'head'")
                held = row.fetchone()
                newer = held is not None and _is_newer(orjson.loads(held[0]), snap)
                if generation == snap.generation and not newer:
                    conn.execute("DELETE FROM memory_snapshot")
                    conn.executemany(
                        "INSERT INTO memory_snapshot VALUES (?, ?)", snapshot_rows(snap)
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()
    except sqlite3.Error as exc:  # read-only file, disk full…: the index is rebuilt next time
        LOG.warning("in-memory index not stored in %s: %s", path, exc)


def _is_newer(head: dict[str, object], snap: Snapshot) -> bool:
    return head.get("generation") == snap.generation and (
        int(str(head.get("docs_seq", 0))) > snap.docs_seq
    )
