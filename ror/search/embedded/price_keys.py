"""The establishments' prices as keys of their offers (``Lookup.price``, the price orders).

``offer_prices``: one row per offer and distinct price of its establishment (``type``,
``start``: the validity start at midnight UTC in microseconds or NULL, ``amount``), with the
offer's ``id`` and ``rid``; indexed by type then start (both directions), type then amount
(both directions), and rid.

A look-up finds the offers having one price that passes every test (``evaluate`` binds one
price for the price parameters of an all-of). Its order keys are those of
``api/fhir/search.py`` ``_service_keys``: the newest start of the prices passing it (None when
none has one: last either way), the lowest amount. A page walks, for each type, the index in
the order's direction, keeping the rows that pass and hold their offer's key (no other passing
price of the offer has a newer start, or a lower amount): each offer comes once, at its key,
and the walk reads about the page (rows of one offer at one key are adjacent, and a batch
resumes strictly after the last (key, id) read). The types' walks are merged. A page of some
offers (``among``) walks the same way keeping them, or has them keyed and sorted whole when
they are few or the walk reads more rows than them (they lie far in the order).

Written with the other keys (``lookups.index_offer``, ``remove``, ``lookups.fill``);
``meta.price_keys`` says they are complete, and an index made before this table existed fills
it alone when opened (:data:`KEYS`, ``key_fill``).
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

from ror.indexer.terms import (
    PRICE_AMOUNT_DOWN,
    PRICE_AMOUNT_UP,
    PRICE_START_DOWN,
    PRICE_START_UP,
    offer_prices,
)
from ror.model import Offer
from ror.search.embedded.chunked import rows_in
from ror.search.embedded.key_fill import KeyTable
from ror.search.embedded.key_refs import KeyRefs, refs_among
from ror.search.engine import Bound, LookupRow, PriceTest, SortValue

FEW: Final = 16  # offers asked (``among``) keyed and sorted whole at once
#: Key rows a page may walk per offer asked before these are keyed and sorted whole instead
#: (a walked row costs about half a keyed offer: the walk is kept when the offers asked lie
#: early in the order or are many among the offers found).
WALK_PER_OFFER: Final = 1

DDL: Final = [
    "CREATE TABLE IF NOT EXISTS offer_prices (type TEXT NOT NULL, start INTEGER, "
    "amount REAL NOT NULL, id TEXT NOT NULL, rid INTEGER NOT NULL, "
    "lowest INTEGER NOT NULL, highest INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS offer_prices_start ON offer_prices (type, start, id, amount, rid)",
    "CREATE INDEX IF NOT EXISTS offer_prices_start_down ON offer_prices "
    "(type, start DESC, id, amount, rid)",
    "CREATE INDEX IF NOT EXISTS offer_prices_amount ON offer_prices (type, amount, id, start, rid)",
    "CREATE INDEX IF NOT EXISTS offer_prices_amount_down ON offer_prices "
    "(type, amount DESC, id, start, rid)",
    "CREATE INDEX IF NOT EXISTS offer_prices_rid ON offer_prices (rid, type, start, amount)",
    "CREATE INDEX IF NOT EXISTS offer_prices_lowest ON offer_prices (type, amount) "
    "WHERE lowest = 1",
    "CREATE INDEX IF NOT EXISTS offer_prices_highest ON offer_prices (type, amount) "
    "WHERE highest = 1",
]
_INSERT: Final = "INSERT INTO offer_prices VALUES (?, ?, ?, ?, ?, ?, ?)"


def ensure_tables(conn: sqlite3.Connection) -> None:
    for ddl in DDL:
        conn.execute(ddl)


# --- writing ------------------------------------------------------------------------------


Row = tuple[str, int | None, float, str, int, int, int]


def rows_of(rid: int, offer: Offer) -> list[Row]:
    """The offer's rows; ``lowest`` (``highest``) marks one row of the lowest (highest) amount
    of each type, so that the offers with a price of a type under (over) an amount are counted
    one row each."""
    prices = sorted(offer_prices(offer), key=lambda p: (p[0], p[2], p[1] or 0))
    lowest = {t: i for i, (t, _, _) in reversed(list(enumerate(prices)))}
    highest = {t: i for i, (t, _, _) in enumerate(prices)}
    return [
        (t, start, amount, offer.id, rid, int(lowest[t] == i), int(highest[t] == i))
        for i, (t, start, amount) in enumerate(prices)
    ]


def index_offer(conn: sqlite3.Connection, rid: int, offer: Offer) -> None:
    """The price keys of one offer being written (after :func:`remove`)."""
    conn.executemany(_INSERT, rows_of(rid, offer))


def remove(conn: sqlite3.Connection, rid: int) -> None:
    conn.execute("DELETE FROM offer_prices WHERE rid = ?", (rid,))


def insert(conn: sqlite3.Connection, rows: Iterable[Row]) -> None:
    listed: list[Row] = sorted(rows, key=lambda r: (r[0], r[1] or 0, r[3]))
    conn.executemany(_INSERT, listed)


def _write(conn: sqlite3.Connection, offers: Sequence[tuple[int, Offer]]) -> None:
    """The rows of these offers, their earlier rows replaced (a fill's batch)."""
    rids = [rid for rid, _ in offers]
    conn.execute(f"DELETE FROM offer_prices WHERE rid IN ({', '.join('?' * len(rids))})", rids)
    insert(conn, (p for rid, offer in offers for p in rows_of(rid, offer)))


KEYS: Final = KeyTable("price_keys", "offer_prices", _write)


# --- reading ------------------------------------------------------------------------------


def _passes(test: PriceTest, alias: str, with_type: bool = True) -> tuple[str, list[Any]]:
    """The condition on an ``offer_prices`` row ``alias`` passing ``test``."""
    parts: list[str] = []
    params: list[Any] = []
    if with_type:
        parts.append(f"{alias}.type IN ({', '.join('?' * len(test.types)) or 'NULL'})")
        params.extend(test.types)
    if test.amounts:
        spans = []
        for low, high in test.amounts:
            spans.append(_span(f"{alias}.amount", low, high, params))
        parts.append("(" + " OR ".join(spans) + ")")
    if test.starts:
        spans = []
        for start, end in test.starts:
            bounds = [f"{alias}.start IS NOT NULL"]
            if start is not None:
                bounds.append(f"{alias}.start >= ?")
                params.append(start)
            if end is not None:
                bounds.append(f"{alias}.start < ?")
                params.append(end)
            spans.append("(" + " AND ".join(bounds) + ")")
        parts.append("(" + " OR ".join(spans) + ")")
    return " AND ".join(parts) or "1", params


def _span(column: str, low: Bound, high: Bound, params: list[Any]) -> str:
    bounds = []
    if low is not None:
        bounds.append(f"{column} >= ?" if low[1] else f"{column} > ?")
        params.append(low[0])
    if high is not None:
        bounds.append(f"{column} <= ?" if high[1] else f"{column} < ?")
        params.append(high[0])
    return "(" + (" AND ".join(bounds) or "1") + ")"


def refs(
    conn: sqlite3.Connection,
    test: PriceTest,
    limit: int,
    among: Sequence[int] = (),
    kept: KeyRefs | None = None,
) -> set[int] | None:
    where, params = _passes(test, "p")
    if among:
        probe = (  # by offer: SQLite would otherwise walk the type's amounts for each chunk
            "SELECT p.rid FROM offer_prices p INDEXED BY offer_prices_rid "
            f"WHERE {where} AND p.rid IN ({{marks}})"
        )
        whole = f"SELECT p.rid FROM offer_prices p WHERE {where}"
        return refs_among(conn, whole, probe, params, among, kept)
    found: set[int] = set()
    for (rid,) in conn.execute(f"SELECT p.rid FROM offer_prices p WHERE {where}", params):
        found.add(int(rid))
        if len(found) > limit:
            return None
    return found


def count(conn: sqlite3.Connection, test: PriceTest) -> int:
    """Offers having a passing price; one type with at most one bound on the amount and none
    on the start: the rows marked lowest (under an amount), highest (over it), one per offer."""
    if len(test.types) == 1 and not test.starts and len(test.amounts) <= 1:
        low, high = test.amounts[0] if test.amounts else (None, None)
        if low is None or high is None:
            mark = "highest" if high is None else "lowest"
            params: list[Any] = [test.types[0]]
            span = _span("amount", low, high, params)
            sql = f"SELECT count(*) FROM offer_prices WHERE type = ? AND {mark} = 1 AND {span}"
            return int(conn.execute(sql, params).fetchone()[0])
    where, params = _passes(test, "p")
    sql = f"SELECT count(DISTINCT p.rid) FROM offer_prices p WHERE {where}"
    return int(conn.execute(sql, params).fetchone()[0])


def page(
    conn: sqlite3.Connection,
    test: PriceTest,
    order: str,
    after: tuple[SortValue, str] | None,
    limit: int,
    among: Sequence[int] = (),
) -> list[LookupRow]:
    """The offers ``test`` finds (only those of ``among`` when given) in ``order`` (one of
    ``terms.PRICE_ORDERS``) strictly after ``after`` (key, id), at most ``limit``; each row's
    key is the start (microseconds) or the amount."""
    if order not in (PRICE_START_UP, PRICE_START_DOWN, PRICE_AMOUNT_UP, PRICE_AMOUNT_DOWN):
        raise ValueError(f"unknown price order {order!r}")
    if among and len(among) <= FEW:
        return _keyed(conn, test, order, after, limit, among)
    wanted = set(among) if among else None
    budget = WALK_PER_OFFER * len(among) if among else None
    out: list[LookupRow] = []
    last: str | None = None
    for walked, row in enumerate(_walk(conn, test, order, after, limit), 1):
        if budget is not None and walked > budget:
            return _keyed(conn, test, order, after, limit, among)
        if row[1] == last or (wanted is not None and row[0] not in wanted):
            continue
        last = row[1]
        out.append(row)
        if len(out) == limit:
            break
    return out


def _walk(
    conn: sqlite3.Connection,
    test: PriceTest,
    order: str,
    after: tuple[SortValue, str] | None,
    limit: int,
) -> Iterator[LookupRow]:
    """Key rows in the order (an offer's rows at its key adjacent), present keys first."""
    start = order in (PRICE_START_UP, PRICE_START_DOWN)
    down = order in (PRICE_START_DOWN, PRICE_AMOUNT_DOWN)
    column = "start" if start else "amount"
    if after is None or after[0] is not None:
        streams = [_typed(conn, test, kind, column, down, after, limit) for kind in test.types]
        sign = -1 if down else 1
        yield from heapq.merge(*streams, key=lambda r: (sign * float(r[2] or 0), r[1]))
    if start:
        tail_after = after[1] if after is not None and after[0] is None else ""
        streams = [_missing(conn, test, kind, tail_after, limit) for kind in test.types]
        yield from heapq.merge(*streams, key=lambda r: r[1])


def _held(test: PriceTest, column: str) -> tuple[str, list[Any]]:
    """The row ``p`` holds its offer's key: no other passing price of the offer is better."""
    where, params = _passes(test, "q")
    better = (
        "(q.start > p.start OR (p.start IS NULL AND q.start IS NOT NULL))"
        if column == "start"
        else "q.amount < p.amount"
    )
    sql = (
        "NOT EXISTS (SELECT 1 FROM offer_prices q INDEXED BY offer_prices_rid "
        f"WHERE q.rid = p.rid AND {where} AND {better})"
    )
    return sql, params


def _typed(
    conn: sqlite3.Connection,
    test: PriceTest,
    kind: str,
    column: str,
    down: bool,
    after: tuple[SortValue, str] | None,
    limit: int,
) -> Iterator[LookupRow]:
    """The key rows of one price type with a key, in (key, id) order, strictly after
    ``after``, read ``limit`` at a time."""
    where, params = _passes(test, "p", with_type=False)
    held, more = _held(test, column)
    select = (
        f"SELECT p.rid, p.id, p.{column} FROM offer_prices p WHERE p.type = ? "
        f"AND p.{column} IS NOT NULL AND {where} AND {held}"
    )
    direction = "DESC" if down else ""
    while True:
        rows: list[LookupRow] = []
        if after is not None:  # the ties with the cursor's key, then beyond it
            key, last = after
            sql = f"{select} AND p.{column} = ? AND p.id > ? ORDER BY p.id LIMIT ?"
            ties = conn.execute(sql, [kind, *params, *more, key, last, limit]).fetchall()
            rows += [(int(r), str(i), k) for r, i, k in ties]
            beyond = f"p.{column} {'<' if down else '>'} ?"
            sql = f"{select} AND {beyond} ORDER BY p.{column} {direction}, p.id LIMIT ?"
            if len(rows) < limit:
                got = conn.execute(sql, [kind, *params, *more, key, limit - len(rows)])
                rows += [(int(r), str(i), k) for r, i, k in got]
        else:
            sql = f"{select} ORDER BY p.{column} {direction}, p.id LIMIT ?"
            got = conn.execute(sql, [kind, *params, *more, limit])
            rows += [(int(r), str(i), k) for r, i, k in got]
        yield from rows
        if len(rows) < limit:
            return
        after = (rows[-1][2], rows[-1][1])
        limit *= 2


def _missing(
    conn: sqlite3.Connection, test: PriceTest, kind: str, after: str, limit: int
) -> Iterator[LookupRow]:
    """The offers of one type none of whose passing prices has a start, in id order."""
    where, params = _passes(test, "p", with_type=False)
    held, more = _held(test, "start")
    sql = (
        f"SELECT p.rid, p.id FROM offer_prices p WHERE p.type = ? AND p.start IS NULL "
        f"AND {where} AND {held} AND p.id > ? ORDER BY p.id LIMIT ?"
    )
    while True:
        rows = conn.execute(sql, [kind, *params, *more, after, limit]).fetchall()
        yield from ((int(r), str(i), None) for r, i in rows)
        if len(rows) < limit:
            return
        after = str(rows[-1][1])
        limit *= 2


def _keyed(
    conn: sqlite3.Connection,
    test: PriceTest,
    order: str,
    after: tuple[SortValue, str] | None,
    limit: int,
    among: Sequence[int],
) -> list[LookupRow]:
    """A page of a few offers: each one's key computed, sorted whole."""
    start = order in (PRICE_START_UP, PRICE_START_DOWN)
    down = order in (PRICE_START_DOWN, PRICE_AMOUNT_DOWN)
    key = "max(p.start)" if start else "min(p.amount)"
    where, params = _passes(test, "p")
    keyed: list[tuple[int | float | None, str, int]] = []
    sql = (
        f"SELECT p.rid, p.id, {key} FROM offer_prices p INDEXED BY offer_prices_rid "
        f"WHERE {where} AND p.rid IN ({{marks}}) GROUP BY p.rid"
    )
    keyed += [(k, str(i), int(r)) for r, i, k in rows_in(conn, sql, params, sorted(among))]

    def rank(k: tuple[int | float | None, str, int] | tuple[SortValue, str]) -> tuple[Any, ...]:
        value = k[0]
        if value is None:
            return (1, 0.0, k[1])
        return (0, -float(value) if down else float(value), k[1])

    keyed.sort(key=rank)
    if after is not None:
        mark = rank(after)
        keyed = [k for k in keyed if rank(k) > mark]
    return [(rid, oid, value) for value, oid, rid in keyed[:limit]]
