"""The equipment items of the offers' Locations as keys (``Lookup.equipment``).

``offer_equipment``: one row per equipment item of a Location of the offer (those
``facts.view`` shows: of one of the offer's Locations, or without one when the offer has none):
its ``type`` (R212), ``feature`` (R340, '' for none), its limit's ``unit`` as it is compared
('' for none) and ``value`` in that unit (``model.measure_unit``: masses in kg; NULL for
none), and the offer's ``rid``; indexed by type, feature and value, and by rid.

A look-up finds the offers having one item passing every test (``evaluate`` binds one equipment
of one Location for the equipment parameters of an all-of); counted by distinct rid.

Written with the other keys (``lookups.index_offer``, ``remove``, ``lookups.fill``);
``meta.equipment_keys`` says they are complete, and an index made before this table existed
fills it alone when opened (:data:`KEYS`, ``key_fill``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, Final

from ror.model import Offer, measure_unit
from ror.search.embedded.key_fill import KeyTable
from ror.search.embedded.key_refs import KeyRefs, refs_among
from ror.search.engine import Bound, EquipmentTest

DDL: Final = [
    "CREATE TABLE IF NOT EXISTS offer_equipment (type TEXT NOT NULL, feature TEXT NOT NULL, "
    "unit TEXT NOT NULL, value REAL, rid INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS offer_equipment_key ON offer_equipment "
    "(type, feature, value, unit, rid)",
    "CREATE INDEX IF NOT EXISTS offer_equipment_rid ON offer_equipment (rid, type)",
]
_INSERT: Final = "INSERT INTO offer_equipment VALUES (?, ?, ?, ?, ?)"

Row = tuple[str, str, str, float | None, int]


def ensure_tables(conn: sqlite3.Connection) -> None:
    for ddl in DDL:
        conn.execute(ddl)


# --- writing ------------------------------------------------------------------------------


def rows_of(rid: int, offer: Offer) -> list[Row]:
    """The offer's rows: its items on one of its Locations (``facts.view``)."""
    shown = set(offer.location_ids) if offer.location_ids else {""}
    out: set[Row] = set()
    for e in offer.equipment:
        if e.location_id not in shown:
            continue
        unit, factor = measure_unit(e.limit_unit)
        value = None if e.limit_value is None else e.limit_value * factor
        out.add((e.code, e.feature or "", unit or "", value, rid))
    return sorted(out, key=_in_key_order)


def index_offer(conn: sqlite3.Connection, rid: int, offer: Offer) -> None:
    """The equipment keys of one offer being written (after :func:`remove`)."""
    conn.executemany(_INSERT, rows_of(rid, offer))


def remove(conn: sqlite3.Connection, rid: int) -> None:
    conn.execute("DELETE FROM offer_equipment WHERE rid = ?", (rid,))


def insert(conn: sqlite3.Connection, rows: Iterable[Row]) -> None:
    listed: list[Row] = list(rows)
    listed.sort(key=_in_key_order)
    conn.executemany(_INSERT, listed)


def _in_key_order(row: Row) -> tuple[str, str, bool, float, str, int]:
    return row[0], row[1], row[3] is not None, row[3] or 0.0, row[2], row[4]


def _write(conn: sqlite3.Connection, offers: Sequence[tuple[int, Offer]]) -> None:
    """The rows of these offers, their earlier rows replaced (a fill's batch)."""
    rids = [rid for rid, _ in offers]
    conn.execute(f"DELETE FROM offer_equipment WHERE rid IN ({', '.join('?' * len(rids))})", rids)
    insert(conn, (e for rid, offer in offers for e in rows_of(rid, offer)))


KEYS: Final = KeyTable("equipment_keys", "offer_equipment", _write)


# --- reading ------------------------------------------------------------------------------


def _passes(test: EquipmentTest) -> tuple[str, list[Any]]:
    """The condition on an ``offer_equipment`` row ``e`` passing ``test`` (``evaluate``: a
    limit asked in a unit fails an item whose limit has another one)."""
    parts = ["e.type = ?"]
    params: list[Any] = [test.code]
    if test.feature is not None:
        parts.append("e.feature = ?")
        params.append(test.feature)
    if test.spans is not None:
        parts.append("e.value IS NOT NULL")
        if test.unit is not None:
            parts.append("e.unit IN ('', ?)")
            params.append(test.unit)
        spans = [_span(low, high, params) for low, high in test.spans]
        parts.append("(" + (" OR ".join(spans) or "0") + ")")
    return " AND ".join(parts), params


def _span(low: Bound, high: Bound, params: list[Any]) -> str:
    bounds = []
    if low is not None:
        bounds.append("e.value >= ?" if low[1] else "e.value > ?")
        params.append(low[0])
    if high is not None:
        bounds.append("e.value <= ?" if high[1] else "e.value < ?")
        params.append(high[0])
    return "(" + (" AND ".join(bounds) or "1") + ")"


def refs(
    conn: sqlite3.Connection,
    test: EquipmentTest,
    limit: int,
    among: Sequence[int] = (),
    kept: KeyRefs | None = None,
) -> set[int] | None:
    where, params = _passes(test)
    if among:  # the key's rows read whole (and kept) or probed by offer: ``key_refs``
        probe = (
            "SELECT e.rid FROM offer_equipment e INDEXED BY offer_equipment_rid "
            f"WHERE {where} AND e.rid IN ({{marks}})"
        )
        whole = f"SELECT e.rid FROM offer_equipment e WHERE {where}"
        return refs_among(conn, whole, probe, params, among, kept)
    found: set[int] = set()
    for (rid,) in conn.execute(f"SELECT e.rid FROM offer_equipment e WHERE {where}", params):
        found.add(int(rid))
        if len(found) > limit:
            return None
    return found


def count(conn: sqlite3.Connection, test: EquipmentTest) -> int:
    where, params = _passes(test)
    sql = f"SELECT count(DISTINCT e.rid) FROM offer_equipment e WHERE {where}"
    return int(conn.execute(sql, params).fetchone()[0])
