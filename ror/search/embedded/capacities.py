"""Capacity pushes of the embedded engine: durable, idempotent, logged; and the facts they need.

**Pushes** (``EmbeddedEngine.update_capacities`` / ``update_capacities_many``). One write
transaction for the whole push, however many Locations it names:

1. every Location must exist (``NotFound`` otherwise: nothing is applied);
2. per counter key (``Capacity.key()``), a counter newer than the stored one replaces it and is
   appended to ``capacity_history``; an older *or equal* one is ignored and reported ``stale``
   (a retry or an out-of-order delivery changes nothing);
3. the availability columns of every offer using a changed Location are recomputed
   (``offer_meta.beds``/``places``, read by the planner) and ``caps_version`` is bumped, so
   caches of assembled offers are dropped (``EmbeddedEngine._refresh``);
4. the transaction commits with ``PRAGMA synchronous = FULL``: in WAL mode, ``NORMAL`` does not
   sync the log at each commit and the last commits may be lost on power failure; ``FULL``
   does. The push returns only after the commit, so an acknowledged update survives a crash of
   the process or of the machine.

**Facts** kept beside the offers, so pushes and the overview never read documents:

- ``offer_facts``, per offer (``rid``): its id, the région and département of its place, the
  FINESS and id of its establishment, its champ codes (owners for write rights, areas for the
  overview);
- ``location_synchro``: identifiers of Locations found in the kept FHIR source
  (``identifier[idExterneSynchro]``, ``identifier[idLocation]``…), so a bed-management tool can
  name a Location by its own code (``find_locations``).

They are written with the offers: by upserts (``index_offer``, called by
``EmbeddedEngine._write_offer``) and by a full load, which renumbers the offers and swaps its
facts in with them (``embedded_load``). ``meta.facts_version`` records the ``docs_version``
they are in step with: ``EmbeddedEngine._bump`` carries it along when offers are written
through upserts and deletes (``follow_docs``), a full load's swap sets it; facts found out of
step (a file written by an older version) are computed again from the stored documents
(``fill_facts``) and read from the documents meanwhile (:func:`facts_current`).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import orjson

from ror.availability.history import HistoryEntry, HistoryPage
from ror.availability.indicators import implausible, pushed_field
from ror.availability.keys import establishment_keys, source_identifiers
from ror.errors import Implausible, NotFound
from ror.model import Capacity, Offer
from ror.search.embedded import location_dates
from ror.search.embedded.rows import (
    CAPACITY_SELECT,
    StoredCounter,
    capacity_from_row,
    fact_values,
    synchro_codes,
)
from ror.search.embedded.schema import CAPACITY_KEY_COLUMNS, table_exists
from ror.search.engine import CounterOutcome, LocationCounters, LocationInfo, UpdateResult

if TYPE_CHECKING:
    from ror.search.embedded.db import Database

_CHUNK: Final = 500  # SQLite variables per IN (...) list

TABLES_DDL: Final = [
    "CREATE TABLE IF NOT EXISTS capacity_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "loc TEXT NOT NULL, nature TEXT NOT NULL, status TEXT NOT NULL, temporality TEXT NOT NULL, "
    "gender TEXT NOT NULL, closing_type TEXT NOT NULL, extra_bed_type TEXT NOT NULL, "
    "crisis TEXT NOT NULL, assignment TEXT NOT NULL, count INTEGER NOT NULL, "
    "source TEXT NOT NULL, updated_at TEXT NOT NULL, updated_ts REAL NOT NULL, "
    "received_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS capacity_history_loc ON capacity_history (loc, seq)",
]
FACTS_DDL: Final = [
    "CREATE TABLE IF NOT EXISTS offer_facts (rid INTEGER PRIMARY KEY, id TEXT NOT NULL, "
    "region TEXT NOT NULL, departement TEXT NOT NULL, finess TEXT NOT NULL, eg TEXT NOT NULL, "
    "champs TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS location_synchro (code TEXT NOT NULL, loc TEXT NOT NULL, "
    "PRIMARY KEY (code, loc)) WITHOUT ROWID",
]
_FACT_PATHS: Final = (
    "$.place.region",
    "$.place.departement",
    "$.establishment.finess",
    "$.establishment.id",
    "$.champ",
)
_HISTORY_COLUMNS: Final = (
    "loc",
    *CAPACITY_KEY_COLUMNS,
    "count",
    "source",
    "updated_at",
    "updated_ts",
    "received_at",
)


def ensure_tables(conn: sqlite3.Connection) -> None:
    """Create the history and facts tables (inside the caller's write transaction); facts of
    a database indexed before they existed are computed once, here."""
    for ddl in TABLES_DDL:
        conn.execute(ddl)
    if not table_exists(conn, "offer_facts"):
        for ddl in FACTS_DDL:
            conn.execute(ddl)
        fill_facts(conn)


# --- pushes ---------------------------------------------------------------------------------


def push(
    db: Database, updates: Sequence[LocationCounters], *, received_at: datetime
) -> list[UpdateResult]:
    """Apply pushes for several Locations in one durable transaction (module docstring)."""
    if not updates:
        return []
    locs = list(dict.fromkeys(loc for loc, _ in updates))
    conn = db.conn()
    conn.execute("PRAGMA synchronous = FULL")
    try:
        with db.writing() as conn:
            offers = _offer_ids(conn, locs)
            missing = [loc for loc in locs if loc not in offers]
            if missing:
                raise NotFound(f"Location inconnue : {', '.join(missing)}", "location_id")
            stored = Stored.read(conn, locs)
            outcomes = [
                [stored.offer(loc, dataclasses.replace(c, location_id=loc)) for c in counters]
                for loc, counters in updates
            ]
            if stored.rows:
                stored.write(conn, received_at)
                check_plausible(conn, updates, sorted(stored.changed))
                db.recount_locations(conn, sorted(stored.changed))
                location_dates.refresh(conn, stored.changed)
                db.bump(conn, "caps_version")
    finally:
        conn.execute("PRAGMA synchronous = NORMAL")
    results = []
    for (loc, _), done in zip(updates, outcomes, strict=True):
        applied = sum(o.applied for o in done)
        results.append(UpdateResult(loc, applied, len(done) - applied, offers[loc], tuple(done)))
    return results


def check_plausible(
    conn: sqlite3.Connection, updates: Sequence[LocationCounters], locs: Sequence[str]
) -> None:
    """Refuse the push (``Implausible``, the caller rolls back) when a changed Location's
    counters, as written, are implausible (``indicators.implausible``); the field names the
    pushed counter of that nature and gender (or of that nature) at its place in the push."""
    by_loc: dict[str, list[Capacity]] = {}
    for chunk in chunks(locs):
        rows = conn.execute(
            f"{CAPACITY_SELECT} WHERE loc IN ({', '.join('?' * len(chunk))})", chunk
        )
        for loc, counter in map(capacity_from_row, rows):
            by_loc.setdefault(loc, []).append(counter)
    for loc in locs:
        problem = implausible(by_loc.get(loc, ()))
        if problem is None:
            continue
        bad, message = problem
        raise Implausible(message, pushed_field(updates, loc, bad))


def _offer_ids(conn: sqlite3.Connection, locs: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Ids of the offers using each known Location (unknown ones are left out)."""
    return {loc: info.offers for loc, info in locations_info(conn, locs).items()}


@dataclasses.dataclass(slots=True)
class Stored:
    """The stored counters of the pushed Locations, read once, and what the push changes:
    each pushed counter is judged against the newest one known so far (stored, or pushed
    earlier in the same push), exactly as if they were stored one after the other."""

    newest: dict[tuple[str, ...], tuple[float, datetime, int]]  # (loc, *key) -> ts, date, pos
    next_pos: dict[str, int]
    rows: dict[tuple[str, ...], StoredCounter] = dataclasses.field(default_factory=dict)
    history: list[tuple[Any, ...]] = dataclasses.field(default_factory=list)
    changed: set[str] = dataclasses.field(default_factory=set)

    @classmethod
    def read(cls, conn: sqlite3.Connection, locs: Sequence[str]) -> Stored:
        newest: dict[tuple[str, ...], tuple[float, datetime, int]] = {}
        next_pos: dict[str, int] = {}
        columns = ", ".join(("loc", *CAPACITY_KEY_COLUMNS, "updated_ts", "updated_at", "pos"))
        for chunk in chunks(locs):
            rows = conn.execute(
                f"SELECT {columns} FROM capacities WHERE loc IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for row in rows:
                loc, ts, at, pos = row[0], row[-3], row[-2], int(row[-1])
                newest[tuple(row[:-3])] = (float(ts), datetime.fromisoformat(at), pos)
                next_pos[loc] = max(next_pos.get(loc, 0), pos + 1)
        return cls(newest, next_pos)

    def offer(self, loc: str, c: Capacity) -> CounterOutcome:
        """Keep ``c`` unless the newest known counter of its key is as new or newer."""
        key = c.key()
        full = (loc, *key)
        known = self.newest.get(full)
        ts = c.updated_at.timestamp()
        if known is not None and ts <= known[0]:
            return CounterOutcome(key, False, "stale", known[1])
        if known is not None:
            pos = known[2]
        else:
            pos = self.next_pos.get(loc, 0)
            self.next_pos[loc] = pos + 1
        self.newest[full] = (ts, c.updated_at, pos)
        self.rows[full] = StoredCounter(loc, c, pos)
        self.history.append((loc, *key, c.count, c.source, c.updated_at.isoformat(), ts))
        self.changed.add(loc)
        return CounterOutcome(key, True, "applied", c.updated_at)

    def write(self, conn: sqlite3.Connection, received_at: datetime) -> None:
        """The newest counter of each changed key, and every accepted one in the history."""
        marks = ", ".join("?" * 15)
        conn.executemany(
            f"INSERT OR REPLACE INTO capacities VALUES ({marks})",
            [stored.row() for stored in self.rows.values()],
        )
        received = received_at.isoformat()
        conn.executemany(
            f"INSERT INTO capacity_history ({', '.join(_HISTORY_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(_HISTORY_COLUMNS))})",
            [(*row, received) for row in self.history],
        )


def chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- history ---------------------------------------------------------------------------------


def history(
    conn: sqlite3.Connection,
    loc: str,
    *,
    since: datetime | None,
    after: int | None,
    limit: int,
) -> HistoryPage:
    where = ["loc = ?"]
    params: list[Any] = [loc]
    if since is not None:
        where.append("updated_ts >= ?")
        params.append(since.timestamp())
    if after is not None:
        where.append("seq > ?")
        params.append(after)
    rows = conn.execute(
        f"SELECT seq, {', '.join(_HISTORY_COLUMNS)} FROM capacity_history "
        f"WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",
        (*params, limit + 1),
    ).fetchall()
    entries = tuple(_entry(r) for r in rows[:limit])
    more = len(rows) > limit
    return HistoryPage(loc, entries, entries[-1].seq if more and entries else None)


def _entry(row: Sequence[Any]) -> HistoryEntry:
    """A history row: seq, the capacity columns of a stored counter, then received_at."""
    seq, loc, received_at = row[0], row[1], row[-1]
    _, counter = capacity_from_row((*row[1:13], loc))
    return HistoryEntry(int(seq), loc, counter, datetime.fromisoformat(received_at))


# --- owners and identifiers ------------------------------------------------------------------


def locations_info(conn: sqlite3.Connection, locs: Sequence[str]) -> dict[str, LocationInfo]:
    """Owners (FINESS, EG ids), champs and offers of each known Location, read in one
    snapshot: from the facts when they are in step with the offers, else from the documents."""
    gathered: dict[str, tuple[set[str], set[str], set[str], list[str]]] = {}
    with _reading(conn):
        current = facts_current(conn)
        for chunk in chunks(list(dict.fromkeys(locs))):
            marks = ", ".join("?" * len(chunk))
            if current:
                rows = conn.execute(
                    "SELECT lo.loc, f.id, f.finess, f.eg, f.champs FROM location_offers lo "
                    f"JOIN offer_facts f ON f.rid = lo.rid WHERE lo.loc IN ({marks})",
                    chunk,
                ).fetchall()
            else:
                rows = [
                    (loc, offer_id, *_facts_of(facts)[2:])
                    for loc, offer_id, facts in conn.execute(
                        f"SELECT lo.loc, o.id, {_FACTS_SQL} FROM location_offers lo "
                        f"JOIN offers o ON o.rid = lo.rid WHERE lo.loc IN ({marks})",
                        chunk,
                    )
                ]
            for loc, offer_id, finess, eg, champs in rows:
                seen = gathered.setdefault(loc, (set(), set(), set(), []))
                if finess:
                    seen[0].add(finess)
                if eg:
                    seen[1].add(eg)
                seen[2].update(champs.split())
                seen[3].append(offer_id)
    return {
        loc: LocationInfo(loc, frozenset(f), frozenset(e), frozenset(c), tuple(sorted(o)))
        for loc, (f, e, c, o) in gathered.items()
    }


@contextmanager
def _reading(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction, unless the caller already holds one."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


def find_locations(conn: sqlite3.Connection, establishment: str, code: str) -> list[str]:
    """Locations named ``<establishment>/<code>`` (``Engine.find_locations``)."""
    code = code.strip()
    candidates = {
        r[0]
        for r in conn.execute(
            "SELECT loc FROM location_synchro WHERE code = ? "
            "AND EXISTS (SELECT 1 FROM location_offers lo WHERE lo.loc = location_synchro.loc)",
            (code,),
        )
    }
    if conn.execute("SELECT 1 FROM location_offers WHERE loc = ? LIMIT 1", (code,)).fetchone():
        candidates.add(code)
    keys = establishment_keys(establishment)
    info = locations_info(conn, sorted(candidates))
    return sorted(loc for loc, i in info.items() if keys & i.finess or keys & i.establishment_ids)


# --- facts -----------------------------------------------------------------------------------

_FACTS_SQL: Final = (
    "json_extract(CAST(o.doc AS TEXT), " + ", ".join(f"'{p}'" for p in _FACT_PATHS) + ")"
)


def _facts_of(extracted: str | None) -> tuple[str, str, str, str, str]:
    """(région, département, FINESS, EG id, " champs ") from the paths of ``_FACT_PATHS``."""
    region, departement, finess, eg, champs = orjson.loads(extracted or "[null,null,null,null,[]]")
    return (
        str(region or ""),
        str(departement or ""),
        str(finess or "").strip().upper(),
        str(eg or ""),
        " ".join(str(c) for c in champs or ()),
    )


def facts_current(conn: sqlite3.Connection) -> bool:
    """The facts are in step with the offers (same ``docs_version``)."""
    meta = dict(
        conn.execute("SELECT key, value FROM meta WHERE key IN ('docs_version', 'facts_version')")
    )
    return "facts_version" in meta and meta["facts_version"] == meta.get("docs_version", "0")


def follow_docs(conn: sqlite3.Connection) -> None:
    """Called just before ``docs_version`` grows by one in a write that kept the facts (an
    upsert or a delete): facts in step stay in step."""
    conn.execute(
        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'facts_version' "
        "AND value = (SELECT value FROM meta WHERE key = 'docs_version')"
    )


def index_offer(conn: sqlite3.Connection, rid: int, offer: Offer, locs: Sequence[str]) -> None:
    """Facts of one offer being written (upsert): areas, owners, champs, Location codes."""
    conn.execute(
        "INSERT OR REPLACE INTO offer_facts VALUES (?, ?, ?, ?, ?, ?, ?)",
        (rid, offer.id, *fact_values(offer)),
    )
    if offer.source:
        conn.executemany(
            "INSERT OR IGNORE INTO location_synchro VALUES (?, ?)", synchro_codes(offer, locs)
        )


def fill_facts(conn: sqlite3.Connection) -> int:
    """Compute every offer's facts from the stored documents (inside the caller's write
    transaction); they are then in step with the offers. Returns the number of offers."""
    conn.execute("DELETE FROM offer_facts")
    conn.execute("DELETE FROM location_synchro")
    rows = conn.execute(f"SELECT o.rid, o.id, {_FACTS_SQL} FROM offers o")
    done = 0
    while batch := rows.fetchmany(10_000):
        conn.executemany(
            "INSERT INTO offer_facts VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(rid, offer_id, *_facts_of(facts)) for rid, offer_id, facts in batch],
        )
        done += len(batch)
    sources = conn.execute(
        "SELECT json_extract(CAST(doc AS TEXT), '$.source'), loc_keys FROM offers o "
        "JOIN offer_meta m ON m.rid = o.rid WHERE instr(o.doc, ?) > 0",
        (b'"source":{',),  # a kept source (not null): only real FHIR data has one
    )
    pairs = [
        (code, loc)
        for source, loc_keys in sources
        for code, loc in source_identifiers(orjson.loads(source))
        if loc in set(orjson.loads(loc_keys))
    ]
    conn.executemany("INSERT OR IGNORE INTO location_synchro VALUES (?, ?)", pairs)
    conn.execute(
        "INSERT INTO meta (key, value) SELECT 'facts_version', value FROM meta "
        "WHERE key = 'docs_version' ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )
    return done


def rebuild_facts(db: Database) -> None:
    """After a full load: every offer's facts computed again, in one write transaction,
    unless the load wrote them with the offers (``embedded_load``: they are in step)."""
    with db.writing() as conn:
        if not facts_current(conn):
            fill_facts(conn)
