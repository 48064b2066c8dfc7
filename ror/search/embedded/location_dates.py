"""Each Location's ``meta.lastUpdated`` as a key of the embedded engine
(``ror.search.engine.LocationDates``), so ``Location?_lastUpdated=…`` reads only its page.

``location_dates``: ``(field, ts, location_id, rid)``, one row per field for each Location of each
offer (``rid``) using it. A Location's date is what ``indexer.facts`` shows through that offer:

- ``described`` / ``-described``: its description's date only (callers who may not see
  capacities, hence not their dates);
- ``updated`` / ``-updated``: the later of that and its counters' dates (every stored counter
  of the Location, capacity pushes included).

``first:described`` / ``first:updated`` hold the rows of each Location's first offer (the lowest
``rid`` using it) only, so that the Locations whose date lies in a range are counted on the key.

``ts`` is the instant in microseconds (negated in the ``-`` fields, so that each field's key
order is its sort order); a missing date is :data:`~ror.indexer.terms.MISSING`, last either way.
The description rows are written with the offer (:func:`index_offer`, :func:`remove`); the
counter rows are computed again from them and the ``capacities`` table in the same write
transaction for every Location an upsert, a delete or a push touches (:func:`refresh`). They
are filled with the other look-up keys after a full load (``lookups.fill``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final

from ror import deadline
from ror.indexer.facts import view
from ror.indexer.terms import MISSING, micros
from ror.model import Offer
from ror.search.embedded import key_days

DESCRIBED: Final = "described"
UPDATED: Final = "updated"
FIELDS: Final = (DESCRIBED, "-" + DESCRIBED, UPDATED, "-" + UPDATED)
FIRST: Final = "first:"
_CHUNK: Final = 500
_BATCH: Final = 50_000  # rows fetched between two deadline checks

#: (ts, location id, rid)
Row = tuple[int, str, int]

DDL: Final = [
    "CREATE TABLE IF NOT EXISTS location_dates (field TEXT NOT NULL, ts INTEGER NOT NULL, "
    "location_id TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (field, ts, location_id, rid)) "
    "WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS location_dates_loc ON location_dates (field, location_id, rid)",
    "CREATE INDEX IF NOT EXISTS location_dates_rid ON location_dates (rid)",
]


def field(counters: bool, descending: bool) -> str:
    return ("-" if descending else "") + (UPDATED if counters else DESCRIBED)


def first_field(counters: bool) -> str:
    return FIRST + field(counters, False)


def key(moment: int | None, descending: bool) -> int:
    if moment is None:
        return MISSING
    return -moment if descending else moment


def ensure_tables(conn: sqlite3.Connection) -> None:
    for ddl in DDL:
        conn.execute(ddl)


# --- writing ------------------------------------------------------------------------------


def index_offer(conn: sqlite3.Connection, rid: int, offer: Offer) -> list[str]:
    """The description rows of one offer's Locations (its earlier rows removed); the Locations
    whose counter rows :func:`refresh` must compute."""
    remove(conn, rid)
    rows, locs = [], []
    for loc in view(offer, counters=False).locations:
        if loc.id is None:
            continue
        moment = micros(loc.last_updated) if loc.last_updated is not None else None
        rows += [(DESCRIBED, key(moment, False), loc.id, rid)]
        rows += [("-" + DESCRIBED, key(moment, True), loc.id, rid)]
        locs.append(loc.id)
    conn.executemany("INSERT OR IGNORE INTO location_dates VALUES (?, ?, ?, ?)", rows)
    return locs


def remove(conn: sqlite3.Connection, rid: int) -> None:
    conn.execute("DELETE FROM location_dates WHERE rid = ?", (rid,))


def refresh(conn: sqlite3.Connection, locations: Iterable[str]) -> None:
    """The counter rows of these Locations, from their description rows and stored counters."""
    locs = sorted(set(locations))
    for i in range(0, len(locs), _CHUNK):
        part = locs[i : i + _CHUNK]
        marks = ", ".join("?" * len(part))
        newest: dict[str, int] = {}
        for loc, updated_at in conn.execute(
            f"SELECT loc, updated_at FROM capacities WHERE loc IN ({marks})", part
        ):
            moment = micros(datetime.fromisoformat(updated_at))
            newest[loc] = max(newest.get(loc, moment), moment)
        conn.execute(
            f"DELETE FROM location_dates WHERE field IN (?, ?, ?, ?) AND location_id IN ({marks})",
            [UPDATED, "-" + UPDATED, FIRST + UPDATED, FIRST + DESCRIBED, *part],
        )
        rows = []
        first: dict[str, tuple[int, int, int]] = {}  # Location -> (rid, described, updated)
        for ts, loc, rid in conn.execute(
            "SELECT ts, location_id, rid FROM location_dates "
            f"WHERE field = ? AND location_id IN ({marks})",
            [DESCRIBED, *part],
        ):
            own = None if ts == MISSING else int(ts)
            dates = [d for d in (own, newest.get(loc)) if d is not None]
            updated = max(dates) if dates else None
            rows += [(UPDATED, key(updated, False), loc, rid)]
            rows += [("-" + UPDATED, key(updated, True), loc, rid)]
            if loc not in first or rid < first[loc][0]:
                first[loc] = (int(rid), int(ts), key(updated, False))
        for loc, (rid, described, updated) in first.items():
            rows += [(FIRST + DESCRIBED, described, loc, rid), (FIRST + UPDATED, updated, loc, rid)]
        conn.executemany("INSERT OR IGNORE INTO location_dates VALUES (?, ?, ?, ?)", rows)


# --- reading ------------------------------------------------------------------------------


def in_date_order(
    conn: sqlite3.Connection,
    name: str,
    after: Row | None,
    span: tuple[int | None, int | None],
    limit: int,
) -> list[Row]:
    """Rows of field ``name`` with ``ts`` in ``[low, high)``, in (ts, Location id, rid) order,
    after the row ``after``."""
    sql = "SELECT ts, location_id, rid FROM location_dates WHERE field = ?"
    params: list[object] = [name]
    if after is not None:
        sql += " AND (ts, location_id, rid) > (?, ?, ?)"
        params += after
    sql, params = _span(sql, params, span)
    rows = conn.execute(sql + " ORDER BY ts, location_id, rid LIMIT ?", [*params, limit])
    return [(int(ts), str(loc), int(rid)) for ts, loc, rid in rows]


def in_id_order(
    conn: sqlite3.Connection,
    name: str,
    after: tuple[str, int],
    span: tuple[int | None, int | None],
    limit: int,
) -> list[Row]:
    """Rows of field ``name`` with ``ts`` in ``[low, high)``, in (Location id, rid) order,
    after ``after`` (a Location id and rid)."""
    sql = "SELECT ts, location_id, rid FROM location_dates WHERE field = ? "
    sql += "AND (location_id, rid) > (?, ?)"
    sql, params = _span(sql, [name, *after], span)
    rows = conn.execute(sql + " ORDER BY location_id, rid LIMIT ?", [*params, limit])
    return [(int(ts), str(loc), int(rid)) for ts, loc, rid in rows]


def _span(
    sql: str, params: list[object], span: tuple[int | None, int | None]
) -> tuple[str, list[object]]:
    if span[0] is not None:
        sql += " AND ts >= ?"
        params.append(span[0])
    if span[1] is not None:
        sql += " AND ts < ?"
        params.append(span[1])
    return sql, params


def count_first(conn: sqlite3.Connection, name: str, span: tuple[int | None, int | None]) -> int:
    """How many Locations' first offers have a row of field ``name`` (``first:…``) in ``span``."""
    return key_days.count(conn, "location_dates", name, *span)


def first_in(conn: sqlite3.Connection, name: str, span: tuple[int | None, int | None]) -> list[Row]:
    """The rows of field ``name`` (``first:…``) with ``ts`` in ``span``."""
    sql, params = _span(
        "SELECT ts, location_id, rid FROM location_dates WHERE field = ?", [name], span
    )
    cursor = conn.execute(sql, params)
    out: list[Row] = []
    while True:
        deadline.check()
        rows = cursor.fetchmany(_BATCH)
        if not rows:
            return out
        out += rows


def first_of(conn: sqlite3.Connection, name: str, rids: Sequence[int]) -> list[Row]:
    """The rows of field ``name`` (``first:…``) of these offers."""
    out: list[Row] = []
    for i in range(0, len(rids), _CHUNK):
        deadline.check()
        part = list(rids[i : i + _CHUNK])
        rows = conn.execute(
            "SELECT ts, location_id, rid FROM location_dates "
            f"WHERE rid IN ({', '.join('?' * len(part))}) AND field = ?",
            [*part, name],
        )
        out += [(int(ts), str(loc), int(rid)) for ts, loc, rid in rows]
    return out


def users(conn: sqlite3.Connection, locations: Sequence[str]) -> dict[str, list[int]]:
    """The offers (rids, ascending) using each Location."""
    found: dict[str, list[int]] = {loc: [] for loc in locations}
    locs = sorted(found)
    for i in range(0, len(locs), _CHUNK):
        part = locs[i : i + _CHUNK]
        rows = conn.execute(
            "SELECT location_id, rid FROM location_dates "
            f"WHERE field = ? AND location_id IN ({', '.join('?' * len(part))}) "
            "ORDER BY location_id, rid",
            [DESCRIBED, *part],
        )
        for loc, rid in rows:
            found[str(loc)].append(int(rid))
    return found
