"""Offers by their Locations' current counters (``Lookup.counters``), from the ``capacities``
table, never the documents.

An offer shows a Location's counters as ``indexer.facts.view`` does: for each of its
``location_ids``, the stored counters of that Location key whose ``location_id`` is that id (the
``described`` rows of ``location_dates`` are exactly an offer's Location ids); an offer
without Location ids shows the counters of its Location keys with an empty ``location_id``.
A look-up finds the offers one of whose Locations has one counter passing every test, as
``evaluate`` binds one Location, then one counter, for the counter parameters of an all-of.

Found whole (:func:`refs`: the counters passing, then their Locations' offers; given up past a
limit), or among some offers (:func:`among`: each offer's Location ids, then their counters; the
Location keys of the few without any, ``offer_meta.loc_keys``, then their counters).
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Sequence
from typing import Any, Final

import orjson

from ror.search.embedded.chunked import rows_in
from ror.search.embedded.memory.store import positions
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


def _test(test: CounterTest, params: list[Any], c: str) -> str:
    """The test on a counter row; its columns are ``c`` + name (``+c.``: no index for them)."""
    if test.field == "count":
        parts = [_span(low, high, params, c) for low, high in test.spans]
        return "(" + (" OR ".join(parts) or "0") + ")"
    if test.field not in CODE_COLUMNS:
        raise ValueError(f"no counter column {test.field!r}")
    column = f"{c}{test.field}"
    if test.any_code:
        return f"{column} <> ''"
    params.extend(test.codes)
    return f"{column} IN ({', '.join('?' * len(test.codes))})" if test.codes else "0"


def _span(low: Bound, high: Bound, params: list[Any], c: str) -> str:
    bounds = []
    if low is not None:
        bounds.append(f"{c}count >= ?" if low[1] else f"{c}count > ?")
        params.append(low[0])
    if high is not None:
        bounds.append(f"{c}count <= ?" if high[1] else f"{c}count < ?")
        params.append(high[0])
    return "(" + (" AND ".join(bounds) or "1") + ")"


def refs(
    conn: sqlite3.Connection, lookup: Lookup, limit: int = sys.maxsize
) -> frozenset[int] | None:
    """Refs of the offers the counter look-up finds, None past ``limit`` (kept in this process
    while the database is unchanged: a page asks for the count, then the page)."""
    key = (_data(conn), lookup)
    with _LOCK:
        kept = _WHOLE.get(key)
    if kept is not None:
        return kept if len(kept) <= limit else None
    where, params = _where(lookup)
    found: set[int] = set()
    for sql in (_LOCATED, _UNLOCATED):
        for (rid,) in conn.execute(sql.format(where=where), params):
            found.add(int(rid))
            if len(found) > limit:
                return None
    whole = frozenset(found)
    _keep(_WHOLE, key, whole)
    return whole


def among(conn: sqlite3.Connection, lookup: Lookup, refs: Sequence[int]) -> frozenset[int]:
    """The offers of ``refs`` the counter look-up finds: their Locations' counters (the whole
    answer when this process keeps it; the same question kept as the whole answer is)."""
    data = _data(conn)
    key = (data, lookup, tuple(refs))
    with _LOCK:
        whole, kept = _WHOLE.get((data, lookup)), _AMONG.get(key)
    if whole is not None:
        return whole.intersection(refs)
    if kept is not None:
        return kept
    where, params = _where(lookup, "+c.")  # by Location key: no index of the tests' columns
    found, described = set(), set()
    for rid, passes in rows_in(conn, _DESCRIBED_AMONG.format(where=where), params, refs):
        described.add(int(rid))
        if passes:
            found.add(int(rid))
    without = [r for r in refs if r not in described]
    if without:
        keys = {
            int(rid): orjson.loads(locs)
            for rid, locs in rows_in(
                conn, "SELECT rid, loc_keys FROM offer_meta WHERE rid IN ({marks})", (), without
            )
        }
        sql = _UNLOCATED_AMONG.format(where=where)
        held = {
            str(loc)
            for (loc,) in rows_in(
                conn, sql, params, sorted({k for ks in keys.values() for k in ks})
            )
        }
        found.update(rid for rid, locs in keys.items() if held.intersection(locs))
    answer = frozenset(found)
    _keep(_AMONG, key, answer)
    return answer


_KEPT: Final = 8
_LOCK: Final = threading.Lock()
_WHOLE: dict[tuple[object, Lookup], frozenset[int]] = {}
_AMONG: dict[tuple[object, Lookup, tuple[int, ...]], frozenset[int]] = {}
# An offer's counters, by its Location ids (``described``) or, without any, by its Location keys.
_LOCATED: Final = (
    "SELECT d.rid FROM capacities c CROSS JOIN location_dates d "
    "ON d.field = 'described' AND d.location_id = c.location_id "
    "WHERE c.location_id <> '' AND c.loc = c.location_id AND {where}"
)
# Each Location id of the offers (the offers with none not listed), and whether one passes.
_DESCRIBED_AMONG: Final = (
    "SELECT d.rid, d.location_id <> '' AND EXISTS (SELECT 1 FROM capacities c "
    "WHERE c.loc = d.location_id AND c.location_id = d.location_id AND {where}) "
    "FROM location_dates d INDEXED BY location_dates_rid "
    "WHERE d.field = 'described' AND d.rid IN ({{marks}})"
)
# The Location keys holding a counter without Location id that passes.
_UNLOCATED_AMONG: Final = (
    "SELECT DISTINCT c.loc FROM capacities c WHERE {where} AND c.location_id = '' "
    "AND c.loc IN ({{marks}})"
)
_UNLOCATED: Final = (
    "SELECT lo.rid FROM capacities c CROSS JOIN location_offers lo ON lo.loc = c.loc "
    "WHERE c.location_id = '' AND {where} AND NOT EXISTS "
    "(SELECT 1 FROM location_dates d WHERE d.rid = lo.rid AND d.field = 'described')"
)


def _where(lookup: Lookup, c: str = "c.") -> tuple[str, list[Any]]:
    params: list[Any] = []
    return " AND ".join(_test(t, params, c) for t in lookup.counters) or "1", params


def _data(conn: sqlite3.Connection) -> tuple[str, tuple[str, int, int]]:
    """The database and its state as ``conn``'s read transaction sees it: its file, and the
    positions of its logs of written offers and counters (``memory.store.positions``)."""
    path = str(conn.execute("PRAGMA database_list").fetchone()[2])
    return path, positions(conn)


def _keep(kept: dict[Any, frozenset[int]], key: Any, found: frozenset[int]) -> None:
    with _LOCK:
        kept[key] = found
        while len(kept) > _KEPT:
            kept.pop(next(iter(kept)))
