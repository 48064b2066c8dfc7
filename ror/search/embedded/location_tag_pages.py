"""The Locations one ``_tag`` condition finds through the Location tag keys
(``location_tags``), counted and paged in SQL, optionally within a span of their date keys
(``location_dates``), without listing them all.

Every row here is a key row: a Location as its first offer shows it. The Locations whose first
offer a caller may not see are set apart by the caller (``location_tags.Held``).

- Count: each code's terms (``any`` holds every system of its code) are counted on the term
  index, summed, less what the Locations whose tags hold several codes (:func:`several_codes`,
  few) add twice. With a date span, on the cheapest side: the tag rows, each with its date key
  row; or the first offers' date rows in the span, or out of it (taken from the tag count),
  each tested on its tags, walked in date order when they are few, else in Location id order
  (SQLite then reads both keys in the same order).
- Page, in Location id order from an id: the tag key walked in id order keeping the rows of
  the terms (many Locations found), or each term's rows merged (few), or the first offers'
  date rows in the span sorted by id (few in the span), whichever reads the fewest rows.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ror import deadline
from ror.indexer.terms import SEP
from ror.search.embedded import location_dates

ANY: Final = "any"  # the form of a tag term holding its code under any system
_CHUNK: Final = 500
_FIRST_BATCH: Final = 256
_MAX_BATCH: Final = 50_000

#: (Location id, ref of the offer it is shown through)
Row = tuple[str, int]
#: ``[low, high)`` of date keys, None for an open end
Span = tuple[int | None, int | None]
#: the rows after a Location id, at most so many
Ask = Callable[[str, int], Iterable[tuple[Any, Any]]]


@dataclass(frozen=True, slots=True)
class Dated:
    """A span of date keys a Location's date must lie in: ``first`` the field of the first
    offers' rows (``first:…``), ``own`` that of every offer's rows."""

    first: str
    own: str
    keys: Span

    @classmethod
    def of(cls, counters: bool, keys: Span) -> Dated:
        return cls(
            location_dates.first_field(counters), location_dates.field(counters, False), keys
        )

    def holds(self, key: int) -> bool:
        low, high = self.keys
        return (low is None or key >= low) and (high is None or key < high)

    def outside(self) -> list[Span]:
        low, high = self.keys
        return [
            *([(None, low)] if low is not None else []),
            *([(high, None)] if high is not None else []),
        ]


def code_groups(terms: Sequence[str]) -> list[tuple[str, ...]]:
    """The terms by code (a Location's tag has one code; its ``any`` term is written with each
    of its other terms): one group per code, its ``any`` term alone when it is there."""
    by_code: dict[str, list[str]] = {}
    for term in dict.fromkeys(terms):
        by_code.setdefault(_code(term), []).append(term)
    out = []
    for group in by_code.values():
        anys = [t for t in group if _form(t) == ANY]
        out.append(tuple(anys or group))
    return out


def _form(term: str) -> str:
    return term.split(SEP)[-2]


def _code(term: str) -> str:
    return term.split(SEP)[-1]


def several_codes(conn: sqlite3.Connection, prefix: str) -> frozenset[str]:
    """The Locations whose tags (terms beginning with ``prefix``) hold more than one code."""
    low = f"{prefix}{ANY}{SEP}"
    rows = conn.execute(
        "SELECT location_id FROM location_tags WHERE term > ? AND term < ? "
        "GROUP BY location_id HAVING count(*) > 1",
        (low, low[:-1] + chr(ord(SEP) + 1)),
    )
    return frozenset(str(loc) for (loc,) in rows)


@dataclass(frozen=True, slots=True)
class Sizes:
    """What the choices of a search weigh: every Location, those of the terms (each code's once,
    those with several codes more than once), those in the date span."""

    locations: int
    tagged: int
    dated: int


def sizes(
    conn: sqlite3.Connection, groups: Sequence[tuple[str, ...]], dated: Dated | None
) -> Sizes:
    first = dated.first if dated else location_dates.first_field(False)
    every = location_dates.count_first(conn, first, (None, None))
    inside = location_dates.count_first(conn, first, dated.keys) if dated else every
    return Sizes(max(every, 1), sum(_group_count(conn, g, None) for g in groups), inside)


def count(
    conn: sqlite3.Connection,
    groups: Sequence[tuple[str, ...]],
    several: frozenset[str],
    dated: Dated | None,
    known: Sizes,
) -> int:
    """The Locations whose key rows hold a term of ``groups`` (and a first offer's date key in
    the span), each once."""
    if dated is None:
        return known.tagged - _twice(conn, groups, several, None)
    outside = known.locations - known.dated
    way = cheapest(
        {
            "tags": 0.8 * known.tagged,
            "inside": _date_side_cost(known.locations, known.dated),
            "outside": 0.1 * known.tagged + _date_side_cost(known.locations, outside),
        }
    )
    if way == "tags":
        return sum(_group_count(conn, g, dated) for g in groups) - _twice(
            conn, groups, several, dated
        )
    terms = [t for g in groups for t in g]
    if way == "inside":
        return _dated_with_terms(conn, terms, dated.first, [dated.keys], known, known.dated)
    spans = dated.outside()
    out = _dated_with_terms(conn, terms, dated.first, spans, known, outside)
    return known.tagged - _twice(conn, groups, several, None) - out


def cheapest(costs: Mapping[str, float]) -> str:
    """The way of the lowest cost (rows read, a look-up in no order weighing more)."""
    return min(costs, key=lambda way: costs[way])


def _date_side_cost(locations: int, rows: int) -> float:
    """Date rows tested on their tags: in date order (a look-up each, in no order) or along
    every first offer's row in id order (a step each, the look-ups in order)."""
    return min(_by_date(rows), _by_id(locations, rows))


def _by_date(rows: int) -> float:
    return 1.6 * rows


def _by_id(locations: int, rows: int) -> float:
    return 0.05 * locations + 0.7 * rows


def _group_count(conn: sqlite3.Connection, group: tuple[str, ...], dated: Dated | None) -> int:
    what = "count(*)" if len(group) == 1 else "count(DISTINCT t.location_id)"
    sql, params = _tag_rows(what, dated)
    sql += f" WHERE t.term IN ({', '.join('?' * len(group))})"
    return int(conn.execute(sql, [*params, *group]).fetchone()[0])


def _tag_rows(select: str, dated: Dated | None) -> tuple[str, list[object]]:
    """``SELECT select FROM location_tags t``, each tag row joined, with ``dated``, to its first
    offer's date key row in the span (the rows out of it left out), and its parameters."""
    sql = f"SELECT {select} FROM location_tags t"
    if dated is None:
        return sql, []
    sql += " CROSS JOIN location_dates d ON d.field = ? AND d.location_id = t.location_id"
    sql += " AND d.rid = t.rid"
    return _ts(sql, [dated.first], dated.keys)


def _dated_with_terms(
    conn: sqlite3.Connection,
    terms: Sequence[str],
    first: str,
    spans: Sequence[Span],
    known: Sizes,
    rows: int,
) -> int:
    """The first offers' date rows in ``spans`` whose Location's key rows hold one of ``terms``
    (``rows`` of them in the spans)."""
    order = cheapest({"by date": _by_date(rows), "by id": _by_id(known.locations, rows)})
    in_id_order = order == "by id"
    marks = ", ".join("?" * len(terms))
    total = 0
    for span in spans:
        sql = "SELECT count(*) FROM location_dates d"
        sql += " INDEXED BY location_dates_loc" if in_id_order else ""
        sql += " WHERE d.field = ?"
        sql, params = _ts(sql, [first], span)
        sql += " AND EXISTS (SELECT 1 FROM location_tags t WHERE t.location_id = d.location_id"
        sql += f" AND +t.term IN ({marks}))"
        total += int(conn.execute(sql, [*params, *terms]).fetchone()[0])
    return total


def _ts(sql: str, params: list[object], span: Span) -> tuple[str, list[object]]:
    if span[0] is not None:
        sql += " AND d.ts >= ?"
        params.append(span[0])
    if span[1] is not None:
        sql += " AND d.ts < ?"
        params.append(span[1])
    return sql, params


def _twice(
    conn: sqlite3.Connection,
    groups: Sequence[tuple[str, ...]],
    several: frozenset[str],
    dated: Dated | None,
) -> int:
    """How many times the sum over ``groups`` counts the Locations of ``several`` more than
    once (those in the span only, with ``dated``)."""
    if len(groups) < 2 or not several:
        return 0
    locs = sorted(several)
    matched: dict[str, int] = {}
    for i in range(0, len(locs), _CHUNK):
        part = locs[i : i + _CHUNK]
        rows = conn.execute(
            "SELECT location_id, term FROM location_tags "
            f"WHERE location_id IN ({', '.join('?' * len(part))})",
            part,
        )
        held: dict[str, set[str]] = {}
        for loc, term in rows:
            held.setdefault(str(loc), set()).add(str(term))
        for loc, terms in held.items():
            n = sum(1 for g in groups if terms.intersection(g))
            if n > 1:
                matched[loc] = n - 1
    if dated is not None and matched:
        inside = first_keys(conn, dated.first, list(matched))
        matched = {loc: n for loc, n in matched.items() if dated.holds(inside.get(loc, -1))}
    return sum(matched.values())


def first_keys(conn: sqlite3.Connection, first: str, locations: Sequence[str]) -> dict[str, int]:
    """The date key of each of these Locations as its first offer shows it."""
    out: dict[str, int] = {}
    for i in range(0, len(locations), _CHUNK):
        part = list(locations[i : i + _CHUNK])
        rows = conn.execute(
            "SELECT location_id, ts FROM location_dates INDEXED BY location_dates_loc "
            f"WHERE field = ? AND location_id IN ({', '.join('?' * len(part))})",
            [first, *part],
        )
        out.update((str(loc), int(ts)) for loc, ts in rows)
    return out


def own_key(conn: sqlite3.Connection, own: str, row: Row) -> int:
    """The date key of a Location as one offer using it shows it (``own``: the field of every
    offer's rows)."""
    found = conn.execute(
        "SELECT ts FROM location_dates INDEXED BY location_dates_loc "
        "WHERE field = ? AND location_id = ? AND rid = ?",
        [own, *row],
    ).fetchone()
    return int(found[0])


# --- pages ----------------------------------------------------------------------------------


def walk(
    conn: sqlite3.Connection,
    groups: Sequence[tuple[str, ...]],
    after: str,
    dated: Dated | None,
    known: Sizes,
    wanted: int,
) -> Iterator[Row]:
    """The key rows of the Locations holding a term of ``groups`` (and a first offer's date
    key in the span), each once, in Location id order after ``after``, read by the way that
    reads the fewest rows for ``wanted`` of them, in the worst case: the Locations out of the
    span may all come first in id order (dates and ids go together)."""
    terms = [t for g in groups for t in g]
    outside = known.locations - known.dated  # a walk may meet them all first
    along = wanted * known.locations / max(known.tagged, 1) + outside
    merged = min(known.tagged, len(terms) * wanted + known.tagged * outside / known.locations)
    costs = {"along": along, "merged": merged}
    if dated is not None:
        costs["listed"] = 2.0 * known.dated
    way = cheapest(costs)
    if way == "along":
        return _along(conn, terms, after, dated, wanted)
    if way == "merged":
        return _merged(conn, terms, after, dated, wanted)
    assert dated is not None
    return _listed(conn, terms, after, dated)


def _along(
    conn: sqlite3.Connection, terms: Sequence[str], after: str, dated: Dated | None, wanted: int
) -> Iterator[Row]:
    """The tag key in Location id order, keeping the rows of ``terms``."""
    sql, head = _tag_rows("t.location_id, t.rid", dated)
    sql += f" WHERE +t.term IN ({', '.join('?' * len(terms))}) AND t.location_id > ?"
    sql += " GROUP BY t.location_id ORDER BY t.location_id LIMIT ?"
    return _batches(lambda at, n: conn.execute(sql, [*head, *terms, at, n]), after, wanted)


def _merged(
    conn: sqlite3.Connection, terms: Sequence[str], after: str, dated: Dated | None, wanted: int
) -> Iterator[Row]:
    """Each term's rows in Location id order, merged (a Location once)."""
    sql, head = _tag_rows("t.location_id, t.rid", dated)
    sql += " WHERE t.term = ? AND t.location_id > ? ORDER BY t.location_id LIMIT ?"

    def one(term: str) -> Iterator[Row]:
        return _batches(lambda at, n: conn.execute(sql, [*head, term, at, n]), after, wanted)

    last = None
    for row in heapq.merge(*(one(t) for t in terms)):
        if row[0] != last:
            last = row[0]
            yield row


def _listed(
    conn: sqlite3.Connection, terms: Sequence[str], after: str, dated: Dated
) -> Iterator[Row]:
    """The first offers' date rows in the span, sorted by Location id, kept when their
    Location holds one of ``terms``."""
    sql, params = _ts(
        "SELECT d.location_id, d.rid FROM location_dates d WHERE d.field = ? AND d.location_id > ?",
        [dated.first, after],
        dated.keys,
    )
    cursor = conn.execute(sql, params)
    rows: list[Row] = []
    while part := cursor.fetchmany(_MAX_BATCH):
        deadline.check()
        rows += part
    rows.sort()
    marks = ", ".join("?" * len(terms))
    for i in range(0, len(rows), _CHUNK):
        deadline.check()
        part = rows[i : i + _CHUNK]
        ids = [loc for loc, _ in part]
        holding = {
            str(loc)
            for (loc,) in conn.execute(
                "SELECT DISTINCT location_id FROM location_tags "
                f"WHERE location_id IN ({', '.join('?' * len(ids))}) AND +term IN ({marks})",
                [*ids, *terms],
            )
        }
        yield from ((str(loc), int(rid)) for loc, rid in part if loc in holding)


def _batches(ask: Ask, after: str, wanted: int) -> Iterator[Row]:
    """Rows asked ``ask(after, limit)`` batch after batch, growing, in Location id order."""
    size = max(min(wanted, _MAX_BATCH), _FIRST_BATCH)
    while True:
        deadline.check()
        rows = [(str(loc), int(rid)) for loc, rid in ask(after, size)]
        yield from rows
        if len(rows) < size:
            return
        after = rows[-1][0]
        size = min(size * 4, _MAX_BATCH)
