"""Offers by their Locations' current counters (``Lookup.counters``), from the ``capacities``
table, never the documents.

An offer shows a Location's counters as ``indexer.facts.view`` does: for each of its
``location_ids``, the stored counters of that Location key whose ``location_id`` is that id (the
``described`` rows of ``location_dates`` are exactly an offer's Location ids); an offer
without Location ids shows the counters of its Location keys with an empty ``location_id``.
A look-up finds the offers one of whose Locations has one counter passing every test, as
``evaluate`` binds one Location, then one counter, for the counter parameters of an all-of.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any, Final

from ror.search.embedded.schema import CAPACITY_KEY_COLUMNS
from ror.search.engine import Bound, CounterTest, Lookup

CODE_COLUMNS: Final = frozenset(CAPACITY_KEY_COLUMNS)
DDL: Final = [
    "CREATE INDEX IF NOT EXISTS capacities_status ON capacities "
    "(status, nature, count, location_id)",
]


def ensure_tables(conn: sqlite3.Connection) -> None:
    for ddl in DDL:
        conn.execute(ddl)


def _test(test: CounterTest, params: list[Any]) -> str:
    if test.field == "count":
        parts = [_span(low, high, params) for low, high in test.spans]
        return "(" + (" OR ".join(parts) or "0") + ")"
    if test.field not in CODE_COLUMNS:
        raise ValueError(f"no counter column {test.field!r}")
    column = f"c.{test.field}"
    if test.any_code:
        return f"{column} <> ''"
    params.extend(test.codes)
    return f"{column} IN ({', '.join('?' * len(test.codes))})" if test.codes else "0"


def _span(low: Bound, high: Bound, params: list[Any]) -> str:
    bounds = []
    if low is not None:
        bounds.append("c.count >= ?" if low[1] else "c.count > ?")
        params.append(low[0])
    if high is not None:
        bounds.append("c.count <= ?" if high[1] else "c.count < ?")
        params.append(high[0])
    return "(" + (" AND ".join(bounds) or "1") + ")"


def refs(conn: sqlite3.Connection, lookup: Lookup) -> frozenset[int]:
    """Refs of the offers the counter look-up finds (the last answer of each connection kept
    while the database is unchanged: a page asks for the count, then the page)."""
    version = (lookup, conn.total_changes, conn.execute("PRAGMA data_version").fetchone()[0])
    with _LOCK:
        kept = _LAST.get(id(conn))
    if kept is not None and kept[0] is conn and kept[1] == version:
        return kept[2]
    found = _refs(conn, lookup)
    with _LOCK:
        _LAST[id(conn)] = (conn, version, found)
        while len(_LAST) > _KEPT:
            _LAST.pop(next(iter(_LAST)))
    return found


_KEPT: Final = 8
_LOCK: Final = threading.Lock()
_LAST: dict[int, tuple[sqlite3.Connection, object, frozenset[int]]] = {}


def _refs(conn: sqlite3.Connection, lookup: Lookup) -> frozenset[int]:
    params: list[Any] = []
    where = " AND ".join(_test(t, params) for t in lookup.counters) or "1"
    located = (
        "SELECT d.rid FROM capacities c CROSS JOIN location_dates d "
        "ON d.field = 'described' AND d.location_id = c.location_id "
        f"WHERE c.location_id <> '' AND c.loc = c.location_id AND {where}"
    )
    unlocated = (
        "SELECT lo.rid FROM capacities c CROSS JOIN location_offers lo ON lo.loc = c.loc "
        f"WHERE c.location_id = '' AND {where} AND NOT EXISTS "
        "(SELECT 1 FROM location_dates d WHERE d.rid = lo.rid AND d.field = 'described')"
    )
    found = {int(r) for (r,) in conn.execute(located, params)}
    found.update(int(r) for (r,) in conn.execute(unlocated, params))
    return frozenset(found)
