"""Each Location's folded name as a key of the embedded engine
(``ror.search.engine.LocationNames``), so ``Location?name:contains=…`` reads only its page.

``location_names``: ``(location_id, rid, name)``, one row for each Location (with an id) of each
offer (``rid``) using it, ``name`` the Location's name as that offer shows it
(``indexer.facts.view``), folded as the keys fold text (``terms.folded``; "" without a name).
Written with the offer (:func:`index_offer`, :func:`remove`, called by ``lookups``); filled with
the other look-up keys after a full load (``lookups.fill``), and on its own when an index made
before it opens (:data:`KEYS`, ``key_fill``): ``meta.location_names`` says the rows are complete.

A search shows a Location through its first offer the caller may see (the lowest ``rid``), as the
scan does. :class:`Held` keeps, per process, the name of each Location through its first offer as
one text, a line per Location in id order (``substrings.column``), and finds the lines holding a
substring with the regular expression the offers' names use (``substrings.pattern``); the
Locations of offers written since (``offer_changes``) are read again on their own and tested
apart, their lines left out, up to :data:`OVERLAY_MAX`, past which all are read again.
Locations whose first offer the caller may not see are tested on their first visible offer's
row instead.

``Location?_sort=[-]name`` walks the rows in name order (:func:`in_name_order`, index
``location_names_order``), the Locations without a name last.
"""

from __future__ import annotations

import bisect
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from ror.indexer.facts import view
from ror.indexer.terms import folded
from ror.model import Offer
from ror.search.embedded.key_fill import KeyTable
from ror.search.embedded.memory.store import positions
from ror.search.embedded.substrings import Positions, column, pattern
from ror.search.engine import NameTest

OVERLAY_MAX: Final = 5_000  # offers written (Locations touched) before the names are read again
_CHUNK: Final = 500

DDL: Final = [
    "CREATE TABLE IF NOT EXISTS location_names (location_id TEXT NOT NULL, "
    "rid INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY (location_id, rid)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS location_names_rid ON location_names (rid)",
    "CREATE INDEX IF NOT EXISTS location_names_order ON location_names (name, location_id, rid)",
]

#: (folded name, "" without one; Location id; rid)
NameRow = tuple[str, str, int]

#: (Location id, ref of the offer it is shown through)
Found = list[tuple[str, int]]


def ensure_tables(conn: sqlite3.Connection) -> None:
    for ddl in DDL:
        conn.execute(ddl)


# --- writing ------------------------------------------------------------------------------


def rows(rid: int, offer: Offer) -> list[tuple[str, int, str]]:
    return [
        (loc.id, rid, folded(loc.name) if loc.name else "")
        for loc in view(offer, counters=False).locations
        if loc.id is not None
    ]


def index_offer(conn: sqlite3.Connection, rid: int, offer: Offer) -> None:
    remove(conn, rid)
    conn.executemany("INSERT OR IGNORE INTO location_names VALUES (?, ?, ?)", rows(rid, offer))


def remove(conn: sqlite3.Connection, rid: int) -> None:
    conn.execute("DELETE FROM location_names WHERE rid = ?", (rid,))


def insert(conn: sqlite3.Connection, offers: Sequence[tuple[int, Offer]]) -> None:
    """The rows of these offers (their earlier ones replaced)."""
    made: list[tuple[str, int, str]] = []
    for rid, offer in offers:
        remove(conn, rid)
        made += rows(rid, offer)
    made.sort()
    conn.executemany("INSERT OR IGNORE INTO location_names VALUES (?, ?, ?)", made)


KEYS: Final = KeyTable("location_names", "location_names", insert)


def in_name_order(
    conn: sqlite3.Connection, descending: bool, after: NameRow | None, limit: int
) -> list[NameRow]:
    """Up to ``limit`` rows in (name, Location id, rid) order, names descending when asked
    (Location ids and rids ascending either way), after the row ``after``; the rows without a
    name ("") last."""
    rows: list[NameRow] = []
    if after is None or after[0]:  # the rest of the name of ``after``, then the other names
        if after is not None:
            rows += _named(conn, "name = ? AND (location_id, rid) > (?, ?)", [*after], limit)
        if after is None:
            beyond, params = "name > ''", []
        elif descending:
            beyond, params = "name < ? AND name > ''", [after[0]]
        else:
            beyond, params = "name > ?", [after[0]]
        order = "name DESC, location_id, rid" if descending else "name, location_id, rid"
        if len(rows) < limit:
            rows += _named(conn, f"{beyond} ORDER BY {order}", params, limit - len(rows), True)
    if len(rows) < limit:  # the Locations without a name, by id
        at = after[1:] if after is not None and not after[0] else ("", -1)
        rows += _named(conn, "name = '' AND (location_id, rid) > (?, ?)", [*at], limit - len(rows))
    return rows


def names_of(conn: sqlite3.Connection, rows: Sequence[tuple[str, int]]) -> list[str]:
    """The name of each (Location id, rid) row ("" when there is none)."""
    sql = "SELECT name FROM location_names WHERE location_id = ? AND rid = ?"
    out = []
    for loc, rid in rows:
        found = conn.execute(sql, (loc, rid)).fetchone()
        out.append(str(found[0]) if found else "")
    return out


def _named(
    conn: sqlite3.Connection,
    where: str,
    params: Sequence[object],
    limit: int,
    ordered: bool = False,
) -> list[NameRow]:
    order = "" if ordered else " ORDER BY location_id, rid"
    sql = f"SELECT name, location_id, rid FROM location_names WHERE {where}{order} LIMIT ?"
    return [(str(n), str(loc), int(rid)) for n, loc, rid in conn.execute(sql, [*params, limit])]


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class _Firsts:
    """Each Location's name through its first offer, a line per Location in id order, as of
    ``at``; ``stale`` (sorted line numbers) are Locations whose offers were written since the
    lines were read, left out of them, and ``fresh`` those Locations' rows now (location id,
    first offer, name; none for a Location no offer uses any more)."""

    at: Positions
    ids: list[str]
    rids: np.ndarray[Any, np.dtype[np.int64]]
    names: Any  # ``substrings._Column`` whose refs are the line numbers
    stale: np.ndarray[Any, np.dtype[np.int64]] = field(
        default_factory=lambda: np.empty(0, dtype=np.int64)
    )
    fresh: tuple[tuple[str, int, str], ...] = ()


class Held:
    """The Locations' names one process holds (read on first use; the Locations of the offers
    written since are read again on their own, up to :data:`OVERLAY_MAX`, then all)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._firsts: _Firsts | None = None

    def found(self, conn: sqlite3.Connection, tests: Sequence[NameTest], hidden: set[int]) -> Found:
        """The Locations whose name, through their first offer not in ``hidden``, passes each
        of ``tests`` (folded substrings and prefixes), in Location id order, each with that
        offer (``conn`` in a read transaction)."""
        firsts = self._read(conn)
        patterns = [pattern(test.contains, test.starts) for test in tests]
        lines: np.ndarray[Any, np.dtype[np.int64]] | None = None
        for p in patterns:
            got = firsts.names.search(p)
            lines = got if lines is None else np.intersect1d(lines, got, assume_unique=True)
        assert lines is not None
        if len(firsts.stale):
            lines = lines[~np.isin(lines, firsts.stale)]
        rows = [(loc, rid, name) for loc, rid, name in firsts.fresh if rid not in hidden]
        hiding = [loc for loc, rid, _ in firsts.fresh if rid in hidden]
        if hidden:
            hid = np.isin(firsts.rids, np.fromiter(hidden, dtype=np.int64, count=len(hidden)))
            hid[firsts.stale] = False
            hiding += [firsts.ids[i] for i in np.flatnonzero(hid)]
            lines = lines[~hid[lines]]
            rows += _first_visible(conn, hiding, hidden)
        kept = [(firsts.ids[i], int(firsts.rids[i])) for i in lines.tolist()]
        if rows:
            kept += [
                (loc, rid)
                for loc, rid, name in rows
                if all(p.search(name.encode("ascii")) for p in patterns)
            ]
            kept.sort()
        return kept

    def _read(self, conn: sqlite3.Connection) -> _Firsts:
        generation, docs, _ = positions(conn)
        at = (generation, docs)
        with self._lock:
            held = self._firsts
            if held is not None and held.at == at:
                return held
            if held is None or held.at[0] != at[0]:
                firsts = _read(conn, at)
            elif held.at[1] > at[1]:  # a snapshot older than the names held
                return _read(conn, at)
            else:
                firsts = _advance(conn, held, at) or _read(conn, at)
            self._firsts = firsts
            return firsts


def _read(conn: sqlite3.Connection, at: Positions) -> _Firsts:
    ids: list[str] = []
    rids: list[int] = []
    names: list[str] = []
    last = None
    for loc, rid, name in conn.execute(
        "SELECT location_id, rid, name FROM location_names ORDER BY location_id, rid"
    ):
        if loc == last:
            continue
        last = loc
        ids.append(loc)
        rids.append(rid)
        names.append(name)
    lines = column(at, range(len(ids)), names)
    return _Firsts(at, ids, np.asarray(rids, dtype=np.int64), lines)


def _advance(conn: sqlite3.Connection, held: _Firsts, at: Positions) -> _Firsts | None:
    """``held`` brought to ``at``: the Locations the offers written since use or used, read
    again (None: too many)."""
    written = [
        int(r)
        for (r,) in conn.execute(
            "SELECT DISTINCT rid FROM offer_changes WHERE seq > ? AND seq <= ?",
            (held.at[1], at[1]),
        )
    ]
    if len(written) > OVERLAY_MAX:
        return None
    touched = {loc for loc, _, _ in held.fresh}
    touched.update(held.ids[i] for i in np.flatnonzero(np.isin(held.rids, written)).tolist())
    for i in range(0, len(written), _CHUNK):
        part = written[i : i + _CHUNK]
        touched.update(
            str(loc)
            for (loc,) in conn.execute(
                "SELECT DISTINCT location_id FROM location_names "
                f"WHERE rid IN ({', '.join('?' * len(part))})",
                part,
            )
        )
    if len(touched) > OVERLAY_MAX:
        return None
    ordered = sorted(touched)
    fresh = _first_visible(conn, ordered, set())
    ids, lines = held.ids, []
    for loc in ordered:  # the lines of the touched Locations held
        i = bisect.bisect_left(ids, loc)
        if i < len(ids) and ids[i] == loc:
            lines.append(i)
    stale = np.asarray(lines, dtype=np.int64)
    return _Firsts(at, held.ids, held.rids, held.names, stale, tuple(fresh))


def _first_visible(
    conn: sqlite3.Connection, locations: Sequence[str], hidden: set[int]
) -> list[tuple[str, int, str]]:
    """Each Location's row through its first offer not in ``hidden`` (none when all are)."""
    out = []
    for loc in locations:
        for rid, name in conn.execute(
            "SELECT rid, name FROM location_names WHERE location_id = ? ORDER BY rid", (loc,)
        ):
            if rid not in hidden:
                out.append((loc, int(rid), str(name)))
                break
    return out
