"""How many date keys each field has per span of time (``key_days``), so that a range of
dates is counted on a few rows, not row by row over the range.

``key_days``: ``(table, field, span)`` → ``n``, the rows of ``offer_dates`` and
``location_dates`` per field whose ``ts`` shifted right by :data:`SHIFT` (about 19 hours of
microseconds, floored for negative keys too) is ``span``. Triggers on both tables keep it in
step with every insert and delete in the same transaction (their writers insert ``OR IGNORE``
after removing an offer's rows: a ``REPLACE`` would delete without its trigger). While the
look-up keys are filled (``lookups.fill``) the triggers are dropped and the counts made again
from the tables at the end (:func:`rebuild`).

A range ``[low, high)`` is counted (:func:`count`) as the keys of its two edge spans, read in
the table's key order, plus the ``n`` of the spans between.
"""

from __future__ import annotations

import sqlite3
from typing import Final

SHIFT: Final = 36
TABLES: Final = ("offer_dates", "location_dates")

DDL: Final = [
    "CREATE TABLE IF NOT EXISTS key_days (tab TEXT NOT NULL, field TEXT NOT NULL, "
    "span INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (tab, field, span)) WITHOUT ROWID",
]


def triggers() -> list[str]:
    out = []
    for table in TABLES:
        out += [
            f"CREATE TRIGGER IF NOT EXISTS {table}_days_in AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO key_days VALUES ('{table}', new.field, new.ts >> {SHIFT}, 1) "
            "ON CONFLICT (tab, field, span) DO UPDATE SET n = n + 1; END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_days_out AFTER DELETE ON {table} BEGIN "
            "UPDATE key_days SET n = n - 1 "
            f"WHERE tab = '{table}' AND field = old.field AND span = old.ts >> {SHIFT}; END",
        ]
    return out


def ensure_tables(conn: sqlite3.Connection) -> bool:
    """Create the table and its triggers; True when the table is new (its counts are made by
    the next fill of the keys)."""
    new = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'key_days'").fetchone() is None
    for ddl in (*DDL, *triggers()):
        conn.execute(ddl)
    return new


def drop_triggers(conn: sqlite3.Connection) -> None:
    for table in TABLES:
        for end in ("in", "out"):
            conn.execute(f"DROP TRIGGER IF EXISTS {table}_days_{end}")


def rebuild(conn: sqlite3.Connection) -> None:
    """The counts made again from the tables, and the triggers back (inside a write)."""
    conn.execute("DELETE FROM key_days")
    for table in TABLES:
        conn.execute(
            f"INSERT INTO key_days SELECT '{table}', field, ts >> {SHIFT}, count(*) "
            f"FROM {table} GROUP BY field, ts >> {SHIFT}"
        )
    for ddl in triggers():
        conn.execute(ddl)


def count(
    conn: sqlite3.Connection, table: str, field: str, low: int | None, high: int | None
) -> int:
    """Rows of ``table`` of ``field`` with ``low <= ts < high`` (None: open)."""
    if table not in TABLES:
        raise ValueError(f"no key counts for {table!r}")
    first = None if low is None else low >> SHIFT
    last = None if high is None else high >> SHIFT
    if first is not None and last is not None and last - first < 2:
        return _rows(conn, table, field, low, high)
    total = 0
    if low is not None and first is not None:
        total += _rows(conn, table, field, low, (first + 1) << SHIFT)
    if high is not None and last is not None:
        total += _rows(conn, table, field, last << SHIFT, high)
    sql = "SELECT total(n) FROM key_days WHERE tab = ? AND field = ?"
    params: list[object] = [table, field]
    if first is not None:
        sql += " AND span > ?"
        params.append(first)
    if last is not None:
        sql += " AND span < ?"
        params.append(last)
    return total + int(conn.execute(sql, params).fetchone()[0])


def _rows(
    conn: sqlite3.Connection, table: str, field: str, low: int | None, high: int | None
) -> int:
    sql = f"SELECT count(*) FROM {table} WHERE field = ?"
    params: list[object] = [field]
    if low is not None:
        sql += " AND ts >= ?"
        params.append(low)
    if high is not None:
        sql += " AND ts < ?"
        params.append(high)
    return int(conn.execute(sql, params).fetchone()[0])
