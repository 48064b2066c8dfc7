"""The offers' look-up keys in the embedded engine (``ror.search.engine.Lookups``).

=================  ========================================================================
table              content
=================  ========================================================================
``offer_terms``    ``(term, id)`` → ``rid``: every term of an offer (``ror.indexer.terms``);
                   its key order is the offers' id order within a term
``offer_dates``    ``(field, ts, id)`` → ``rid``: every date of an offer, the sort keys
                   ``sort:±_lastUpdated`` included (one per offer, a missing date last)
``offer_grams``    FTS5 ``trigram`` table, ``rowid`` = ``rid``: the folded names of an offer
                   (``terms.offer_names``), one column per ``terms.NAME_FIELDS``; only where
                   the SQLite library has the tokenizer (:data:`TRIGRAM`, SQLite ≥ 3.34)
=================  ========================================================================

Written with the offers by upserts and deletes (:func:`index_offer`, :func:`remove`);
``meta.terms_version`` records the ``docs_version`` they are in step with (carried along by
:func:`follow_docs`, like the facts of ``capacities``). A full load renumbers the offers: its keys
are computed again from the stored documents afterwards (:func:`fill`, in batches, so pushes
wait for a batch at most; the garbage collector is paused during a batch), and the engine says
it cannot look up meanwhile (:func:`ready`).

A page (:func:`page`) reads only what it returns: a lone term in id order is its key range; a
date order is its key range; otherwise a look-up finding few offers is sorted whole, one finding
many walks the order and keeps the offers that have the key (at most
``limit × offers / SMALL`` rows examined). A substring look-up finds its offers in one pass
(``substrings.py``: the trigrams, or the names held in memory for terms under 3 characters) and
they give its count; its page walks the order keeping them unless reading their sort keys
costs less (:func:`_among`, :data:`SORT_COST`).
A union (``Lookup.either``) is counted by its parts' refs, each offer once; its page sorts them
when they are few, else walks the order keeping the offers one part finds.
"""

from __future__ import annotations

import heapq
import sqlite3
import sys
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from ror.heap import collector_paused
from ror.indexer.terms import (
    MISSING,
    NAME_DOWN,
    NAME_FIELDS,
    NAME_UP,
    PRICE_ORDERS,
    SORT_DOWN,
    SORT_UP,
    offer_dates,
    offer_names,
    offer_terms,
    text_term,
)
from ror.model import Offer
from ror.search.embedded import (
    counter_lookup,
    equipment_keys,
    key_days,
    location_dates,
    location_names,
    location_tags,
    price_keys,
)
from ror.search.embedded.chunked import rows_in
from ror.search.embedded.id_ranks import IdRanks, first_page
from ror.search.embedded.key_refs import KeyRefs, refs_among
from ror.search.embedded.rows import decode_doc
from ror.search.embedded.substrings import Names, Refs
from ror.search.embedded.term_match import TOP, term_where
from ror.search.engine import Lookup, LookupRow, SortValue

#: The kind of keys kept (2: the prices' codes; 3: each Location's first offer's dates): keys
#: of another kind are computed again when the engine opens.
TERMS_FORMAT: Final = "3"
SMALL: Final = 4000  # a look-up finding at most this many offers is sorted whole
#: Rows walked in an order for the cost of one found offer's sort key read by its ref (an
#: offer's id is in the offers' table, among their documents): a page of found offers walks
#: the order unless that costs more than reading them all.
SORT_COST: Final = 4
RANKED_WALK: Final = 256  # rows of id order walked for a page, past which ranks answer it
BATCH: Final = 5000  # offers per write transaction while the keys are filled
MERGE_PAGES: Final = 2000  # trigram index pages merged per write transaction after a fill
#: Date fields with one date per offer (count without DISTINCT).
_BY_RID: Final = ("offer_terms_rid", "offer_dates_rid")
SINGLE: Final = frozenset({"offer.last_updated", "organization.last_updated", SORT_UP, SORT_DOWN})
#: The key tables with a mark of their own: filled with the others, or alone (``key_fill``).
KEY_TABLES: Final = (location_names.KEYS, location_tags.KEYS, price_keys.KEYS, equipment_keys.KEYS)

DDL: Final = [
    "CREATE TABLE IF NOT EXISTS offer_terms (term TEXT NOT NULL, id TEXT NOT NULL, "
    "rid INTEGER NOT NULL, PRIMARY KEY (term, id)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS offer_terms_rid ON offer_terms (rid, term)",
    "CREATE TABLE IF NOT EXISTS offer_dates (field TEXT NOT NULL, ts INTEGER NOT NULL, "
    "id TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (field, ts, id)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS offer_dates_rid ON offer_dates (rid, field, ts)",
]


_COLUMNS: Final = {where: where.replace(".", "_") for where in NAME_FIELDS}
GRAMS_DDL: Final = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS offer_grams USING fts5({', '.join(_COLUMNS.values())}, "
    "tokenize='trigram')"
)
_INSERT_GRAMS: Final = (
    f"INSERT INTO offer_grams (rowid, {', '.join(_COLUMNS.values())}) "
    f"VALUES (?{', ?' * len(_COLUMNS)})"
)


def _trigram() -> bool:
    if sqlite3.sqlite_version_info < (3, 34, 0):
        return False
    try:
        sqlite3.connect(":memory:").execute(GRAMS_DDL)
    except sqlite3.Error:
        return False
    return True


#: The SQLite library has FTS5 and its ``trigram`` tokenizer: names are looked up by substring.
TRIGRAM: Final = _trigram()


def ensure_tables(conn: sqlite3.Connection) -> None:
    """Create the tables and their indexes (inside the caller's write transaction); an index
    written before ``offer_grams`` existed has its keys filled again."""
    for ddl in DDL:
        conn.execute(ddl)
    location_dates.ensure_tables(conn)
    location_names.ensure_tables(conn)
    location_tags.ensure_tables(conn)
    counter_lookup.ensure_tables(conn)
    price_keys.ensure_tables(conn)
    equipment_keys.ensure_tables(conn)
    counted = key_days.ensure_tables(conn)
    known = conn.execute("SELECT value FROM meta WHERE key = 'terms_format'").fetchone()
    if counted or known is None or known[0] != TERMS_FORMAT:  # keys of an older kind: again
        conn.execute("DELETE FROM meta WHERE key = 'terms_version'")
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('terms_format', ?)", (TERMS_FORMAT,))
    if TRIGRAM:
        known = "SELECT 1 FROM sqlite_master WHERE name = 'offer_grams'"
        if conn.execute(known).fetchone() is None:
            conn.execute(GRAMS_DDL)
            conn.execute("DELETE FROM meta WHERE key = 'terms_version'")


# --- writing ------------------------------------------------------------------------------


def index_offer(conn: sqlite3.Connection, rid: int, offer: Offer) -> None:
    """The keys of one offer being written (its earlier ones replaced)."""
    remove(conn, rid)
    conn.executemany(
        "INSERT OR REPLACE INTO offer_terms VALUES (?, ?, ?)",
        [(term, offer.id, rid) for term in offer_terms(offer)],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO offer_dates VALUES (?, ?, ?, ?)",
        [(field, ts, offer.id, rid) for field, ts in offer_dates(offer)],
    )
    location_dates.index_offer(conn, rid, offer)
    location_names.index_offer(conn, rid, offer)
    price_keys.index_offer(conn, rid, offer)
    equipment_keys.index_offer(conn, rid, offer)
    if TRIGRAM:
        conn.execute(_INSERT_GRAMS, (rid, *offer_names(offer)))


def remove(conn: sqlite3.Connection, rid: int) -> None:
    conn.execute("DELETE FROM offer_terms WHERE rid = ?", (rid,))
    conn.execute("DELETE FROM offer_dates WHERE rid = ?", (rid,))
    location_dates.remove(conn, rid)
    location_names.remove(conn, rid)
    price_keys.remove(conn, rid)
    equipment_keys.remove(conn, rid)
    if TRIGRAM:
        conn.execute("DELETE FROM offer_grams WHERE rowid = ?", (rid,))


def follow_docs(conn: sqlite3.Connection) -> None:
    """Called just before ``docs_version`` grows by one in a write that kept the keys."""
    conn.execute(
        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'terms_version' "
        "AND value = (SELECT value FROM meta WHERE key = 'docs_version')"
    )


def ready(conn: sqlite3.Connection) -> bool:
    meta = dict(
        conn.execute("SELECT key, value FROM meta WHERE key IN ('docs_version', 'terms_version')")
    )
    if "terms_version" not in meta or meta["terms_version"] != meta.get("docs_version", "0"):
        return False
    return conn.execute("SELECT 1 FROM meta WHERE key = 'location_dates'").fetchone() is not None


def fill(conn: sqlite3.Connection, lock: Any) -> int:
    """Compute every offer's keys from the stored documents, ``BATCH`` offers per write
    transaction (under ``lock``, the engine's write lock); the keys are then in step, unless a
    full load came meanwhile (a new ``generation``: it fills them again) or another process
    started filling them (it goes on alone). Returns the offers done here."""

    def generation() -> str:
        row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return str(row[0]) if row else ""

    def token() -> str:
        row = conn.execute("SELECT value FROM meta WHERE key = 'terms_fill'").fetchone()
        return str(row[0]) if row else ""

    mine = uuid.uuid4().hex
    with lock:
        conn.execute("BEGIN IMMEDIATE")
        started = generation()
        key_days.drop_triggers(conn)  # counted again at the end
        conn.execute("DELETE FROM offer_terms")
        conn.execute("DELETE FROM offer_dates")
        conn.execute("DELETE FROM location_dates")
        for keys in KEY_TABLES:
            keys.clear(conn)
        if TRIGRAM:
            conn.execute("DELETE FROM offer_grams")
        for index in _BY_RID:  # made again at the end, in one pass
            conn.execute(f"DROP INDEX IF EXISTS {index}")
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('terms_fill', ?)", (mine,))
        conn.execute("COMMIT")
    after, done = 0, 0
    while True:
        with lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if token() != mine:  # another process fills them from the start
                    conn.execute("COMMIT")
                    return done
                rows = conn.execute(
                    "SELECT rid, doc FROM offers WHERE rid > ? ORDER BY rid LIMIT ?", (after, BATCH)
                ).fetchall()
                with collector_paused():  # a batch's keys: many objects, no cycles
                    _insert_sorted(conn, rows)
                if not rows:
                    for ddl in DDL:
                        conn.execute(ddl)
                    key_days.rebuild(conn)
                if not rows and generation() == started:
                    conn.execute(
                        "INSERT INTO meta (key, value) SELECT 'terms_version', value FROM meta "
                        "WHERE key = 'docs_version' "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                    )
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('location_dates', '1')")
                    for keys in KEY_TABLES:
                        keys.mark_ready(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        if not rows:
            merge_grams(conn, lock)
            return done
        done += len(rows)
        after = int(rows[-1][0])


def merge_grams(conn: sqlite3.Connection, lock: Any) -> None:
    """Merge the trigram index's segments into one (a fill writes many, and a look-up reads each
    of them: three times slower at 100 k offers), :data:`MERGE_PAGES` pages per write
    transaction under ``lock``, so that pushes wait for one step at most. FTS5's ``merge`` with
    a negative page count merges down to one segment; a step changing less than 2 rows found
    nothing left to merge."""
    if not TRIGRAM:
        return
    while True:
        with lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                before = conn.total_changes
                conn.execute(
                    "INSERT INTO offer_grams (offer_grams, rank) VALUES ('merge', ?)",
                    (-MERGE_PAGES,),
                )
                merged = conn.total_changes - before >= 2
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        if not merged:
            return


def _insert_sorted(conn: sqlite3.Connection, rows: Sequence[tuple[int, bytes]]) -> None:
    """The keys of these stored offers, written in key order (their earlier ones replaced)."""
    terms, dates, locs, names, decoded, prices, items = [], [], [], [], [], [], []
    for rid, doc in rows:
        offer = decode_doc(doc)
        decoded.append((rid, offer))
        terms += [(term, offer.id, rid) for term in offer_terms(offer)]
        prices += price_keys.rows_of(rid, offer)
        items += equipment_keys.rows_of(rid, offer)
        dates += [(field, ts, offer.id, rid) for field, ts in offer_dates(offer)]
        locs += location_dates.index_offer(conn, rid, offer)
        names.append((rid, *offer_names(offer)))
    location_dates.refresh(conn, locs)
    location_names.insert(conn, decoded)
    location_tags.insert(conn, decoded)
    terms.sort()
    dates.sort()
    conn.executemany("INSERT OR REPLACE INTO offer_terms VALUES (?, ?, ?)", terms)
    conn.executemany("INSERT OR IGNORE INTO offer_dates VALUES (?, ?, ?, ?)", dates)
    price_keys.insert(conn, prices)
    equipment_keys.insert(conn, items)
    if TRIGRAM:
        conn.executemany(_INSERT_GRAMS, names)


# --- reading ------------------------------------------------------------------------------


def _where(lookup: Lookup, alias: str) -> tuple[str, list[Any]]:
    """The condition on ``alias`` (an ``offer_terms`` or ``offer_dates`` row) and its values."""
    params: list[Any] = []
    if lookup.field is not None:
        parts = []
        for low, high in lookup.ranges:
            bounds = []
            if low is not None:
                bounds.append(f"{alias}.ts >= ?")
                params.append(low)
            if high is not None:
                bounds.append(f"{alias}.ts < ?")
                params.append(high)
            parts.append("(" + (" AND ".join(bounds) or "1") + ")")
        return f"{alias}.field = ? AND ({' OR '.join(parts) or '0'})", [lookup.field, *params]
    return term_where(Lookup(terms=lookup.terms, prefixes=lookup.prefixes), f"{alias}.term")


def _table(lookup: Lookup) -> str:
    return "offer_dates" if lookup.field is not None else "offer_terms"


def refs(
    conn: sqlite3.Connection,
    names: Names,
    lookup: Lookup,
    limit: int,
    among: Sequence[int] = (),
    kept: KeyRefs | None = None,
) -> set[int] | None:
    """The offers ``lookup`` finds (None: more than ``limit``), only those of ``among`` when
    given (a key read whole is then kept in ``kept``, when given: ``key_refs``)."""
    if lookup.either:
        wide = _complement(conn, lookup)
        if wide is not None and not among and wide[0] > limit:
            return None
        if wide is not None and among:
            return _wide_among(conn, names, wide, among)
        union: set[int] = set()
        for one in lookup.either:
            got = refs(conn, names, one, limit, among, kept)
            if got is None:
                return None
            union |= got
            if len(union) > limit and not among:
                return None
        return union
    if lookup.text is not None:
        held = names.found(conn, lookup)
        if among:
            wanted = np.asarray(among, dtype=np.int64)
            return set(wanted[_held(held, wanted)].tolist())
        return None if len(held) > limit else set(held.tolist())
    if lookup.counters:
        if among:
            return set(counter_lookup.among(conn, lookup, among))
        counted = counter_lookup.refs(conn, lookup, limit)
        return None if counted is None else set(counted)
    if lookup.price is not None:
        return price_keys.refs(conn, lookup.price, limit, among, kept)
    if lookup.equipment is not None:
        return equipment_keys.refs(conn, lookup.equipment, limit, among, kept)
    where, params = _where(lookup, "k")
    sql = f"SELECT k.rid FROM {_table(lookup)} k WHERE {where}"
    if among:
        return refs_among(conn, sql, sql + " AND k.rid IN ({marks})", params, among, kept)
    if lookup.field is None and len(lookup.terms) == 1 and not lookup.prefixes:
        rows = conn.execute(sql + " LIMIT ?", [*params, min(limit, 1 << 62) + 1]).fetchall()
        return None if len(rows) > limit else {int(r) for (r,) in rows}
    found = set()  # no DISTINCT: SQLite would walk the whole rid index for it
    for (rid,) in conn.execute(sql, params):
        found.add(int(rid))
        if len(found) > limit:
            return None
    return found


def count(conn: sqlite3.Connection, names: Names, lookup: Lookup) -> int:
    if lookup.either:
        return _union_count(conn, names, lookup)
    if lookup.counters:
        return len(counter_lookup.refs(conn, lookup) or ())
    if lookup.price is not None:
        return price_keys.count(conn, lookup.price)
    if lookup.equipment is not None:
        return equipment_keys.count(conn, lookup.equipment)
    if lookup.text is not None:
        return len(names.found(conn, lookup))
    if lookup.field in SINGLE and len(lookup.ranges) == 1:
        return key_days.count(conn, "offer_dates", str(lookup.field), *lookup.ranges[0])
    where, params = _where(lookup, "k")
    single_term = lookup.field is None and len(lookup.terms) == 1 and not lookup.prefixes
    what = "count(*)" if single_term else "count(DISTINCT k.rid)"
    row = conn.execute(f"SELECT {what} FROM {_table(lookup)} k WHERE {where}", params).fetchone()
    return int(row[0])


def _union_count(conn: sqlite3.Connection, names: Names, lookup: Lookup) -> int:
    """The offers one part of ``lookup`` finds: each offer once, or (:func:`_complement`) the
    wide part's count plus those of the offers it leaves out that another part finds."""
    wide = _complement(conn, lookup)
    if wide is None:
        return len(refs(conn, names, lookup, sys.maxsize) or ())
    inside, span, others = wide
    left = _left_out(conn, span)
    return inside + len(refs(conn, names, others, len(left), left) or ()) if left else inside


def _complement(
    conn: sqlite3.Connection, lookup: Lookup
) -> tuple[int, tuple[int | None, int | None], Lookup] | None:
    """For a union one part of which is a single range of the offers' own date finding more
    offers than it leaves out: that part's count (its per-span counts), its range as a range
    of the ascending sort key (one row per offer: those outside it are the few it leaves out,
    :func:`_left_out`) and the union of the other parts; None otherwise."""
    parts = list(_parts(lookup))
    own = next((p for p in parts if p.field == "offer.last_updated" and len(p.ranges) == 1), None)
    if own is None:
        return None
    low, high = own.ranges[0]
    inside = key_days.count(conn, "offer_dates", "offer.last_updated", low, high)
    offers = key_days.count(conn, "offer_dates", SORT_UP, None, None)
    if offers - inside >= inside:
        return None
    others = Lookup(either=tuple(p for p in parts if p is not own))
    return inside, _bounds((low, high), SORT_UP), others


def _wide_among(
    conn: sqlite3.Connection,
    names: Names,
    wide: tuple[int, tuple[int | None, int | None], Lookup],
    among: Sequence[int],
) -> set[int]:
    """The offers of ``among`` a union finds (:func:`_complement`): all but those its wide part
    leaves out that none of the others finds."""
    left = sorted(set(_left_out(conn, wide[1])).intersection(among))
    kept = refs(conn, names, wide[2], len(left), left) if left else set()
    return set(among).difference(left).union(kept or ())


def _left_out(conn: sqlite3.Connection, span: tuple[int | None, int | None]) -> list[int]:
    """The offers whose ascending ``_lastUpdated`` sort key is outside ``[low, high)``."""
    low, high = span
    out: list[int] = []
    if low is not None:
        sql = "SELECT rid FROM offer_dates WHERE field = ? AND ts < ?"
        out += [int(r) for (r,) in conn.execute(sql, (SORT_UP, low))]
    if high is not None:
        sql = "SELECT rid FROM offer_dates WHERE field = ? AND ts >= ?"
        out += [int(r) for (r,) in conn.execute(sql, (SORT_UP, high))]
    return sorted(out)


def page(
    conn: sqlite3.Connection,
    names: Names,
    lookup: Lookup | None,
    order: str,
    after: tuple[SortValue, str] | None,
    limit: int,
    among: Sequence[int] | NDArray[np.int64] = (),
    ranks: IdRanks | None = None,
) -> list[LookupRow]:
    """A page of the offers ``lookup`` finds (``among`` given: of those offers), in ``order``
    after ``after``; ``ranks``: pages of found offers in ``_id`` order taken by rank
    (:func:`_among`)."""
    if order in PRICE_ORDERS:
        if lookup is None or lookup.price is None:
            raise ValueError(f"the order {order!r} needs a price look-up")
        return price_keys.page(conn, lookup.price, order, after, limit, _listed(among))
    if order in (NAME_UP, NAME_DOWN):
        return _by_name(conn, names, lookup, order == NAME_DOWN, after, limit, _listed(among))
    if order not in ("_id", SORT_UP, SORT_DOWN):
        raise ValueError(f"unknown look-up order {order!r}")
    if len(among):
        members = np.asarray(among, dtype=np.int64)
        if np.any(members[1:] < members[:-1]):
            members = np.sort(members)
        return _among(conn, members, order, after, limit, ranks)
    if lookup is None:
        return _walk(conn, None, order, after, limit)
    if lookup.text is not None:
        return _among(conn, names.found(conn, lookup), order, after, limit, ranks)
    if lookup.either:
        few = refs(conn, names, lookup, SMALL)
        if few is not None:
            return _sorted(conn, sorted(few), order, after, limit)
        if any(
            part.text is not None or part.counters or _keyed_apart(part) for part in _parts(lookup)
        ):
            found = sorted(refs(conn, names, lookup, sys.maxsize) or ())
            return _among(conn, np.asarray(found, dtype=np.int64), order, after, limit, ranks)
        return _walk(conn, lookup, order, after, limit)
    if lookup.counters or _keyed_apart(lookup):
        counted = sorted(refs(conn, names, lookup, sys.maxsize) or ())
        return _among(conn, np.asarray(counted, dtype=np.int64), order, after, limit, ranks)
    if order != "_id" and lookup.field == "offer.last_updated" and len(lookup.ranges) == 1:
        return _walk(conn, None, order, after, limit, _bounds(lookup.ranges[0], order))
    if order == "_id" and lookup.field is None and not lookup.prefixes:
        return _merged(conn, lookup.terms, after[1] if after else "", limit)
    few = refs(conn, names, lookup, SMALL)
    if few is not None:
        return _sorted(conn, sorted(few), order, after, limit)
    return _walk(conn, lookup, order, after, limit)


def _listed(refs: Sequence[int] | NDArray[np.int64]) -> Sequence[int]:
    out: Sequence[int] = refs.tolist() if isinstance(refs, np.ndarray) else refs
    return out


def _keyed_apart(lookup: Lookup) -> bool:
    """A look-up of a table of its own (prices, equipment), found whole and then paged."""
    return lookup.price is not None or lookup.equipment is not None


def _bounds(span: tuple[int | None, int | None], order: str) -> tuple[int | None, int | None]:
    """A ``[low, high)`` range of dates as a range of the sort key of ``order`` (a missing
    date, :data:`MISSING`, out of it)."""
    low, high = span
    if order == SORT_UP:
        return low, MISSING if high is None else high
    return (-high + 1 if high is not None else None), MISSING if low is None else -low + 1


def _walk(
    conn: sqlite3.Connection,
    lookup: Lookup | None,
    order: str,
    after: tuple[SortValue, str] | None,
    limit: int,
    span: tuple[int | None, int | None] = (None, None),
) -> list[LookupRow]:
    """The order's key range, keeping the offers the look-up finds (an existence test each)."""
    params: list[Any] = []
    if order == "_id":
        sql = "SELECT o.rid, o.id, NULL FROM offers o WHERE o.id > ?"
        params.append(after[1] if after else "")
        tail = " ORDER BY o.id LIMIT ?"
    else:
        sql = "SELECT o.rid, o.id, o.ts FROM offer_dates o WHERE o.field = ?"
        params.append(order)
        if after is not None:
            sql += " AND (o.ts, o.id) > (?, ?)"
            params.extend(after)
        if span[0] is not None:
            sql += " AND o.ts >= ?"
            params.append(span[0])
        if span[1] is not None:
            sql += " AND o.ts < ?"
            params.append(span[1])
        tail = " ORDER BY o.ts, o.id LIMIT ?"
    if lookup is not None:
        tests = []
        for part in _parts(lookup):
            where, more = _where(part, "k")
            tests.append(f"EXISTS (SELECT 1 FROM {_table(part)} k WHERE k.rid = o.rid AND {where})")
            params.extend(more)
        sql += f" AND ({' OR '.join(tests)})"
    rows = conn.execute(sql + tail, [*params, limit])
    return [(int(rid), str(oid), None if ts is None else int(ts)) for rid, oid, ts in rows]


def _parts(lookup: Lookup) -> Iterator[Lookup]:
    """The look-ups whose union ``lookup`` is (itself when it is not a union)."""
    if not lookup.either:
        yield lookup
    for part in lookup.either:
        yield from _parts(part)


def _merged(
    conn: sqlite3.Connection, terms: Sequence[str], after: str, limit: int
) -> list[LookupRow]:
    """Each term's key range in id order, merged (an offer having two terms once)."""

    def one(term: str) -> Iterator[tuple[str, int]]:
        rows = conn.execute(
            "SELECT id, rid FROM offer_terms WHERE term = ? AND id > ? ORDER BY id LIMIT ?",
            (term, after, limit),
        )
        yield from ((str(oid), int(rid)) for oid, rid in rows)

    out: list[LookupRow] = []
    last = None
    for oid, rid in heapq.merge(*(one(t) for t in dict.fromkeys(terms))):
        if oid != last:
            out.append((rid, oid, None))
            last = oid
            if len(out) == limit:
                break
    return out


def _held(found: Refs, refs: Refs) -> Any:
    """Which of ``refs`` are in ``found`` (sorted), as a boolean array."""
    if not len(found):
        return np.zeros(len(refs), dtype=bool)
    at = np.minimum(np.searchsorted(found, refs), len(found) - 1)
    return found[at] == refs


def _among(
    conn: sqlite3.Connection,
    found: Refs,
    order: str,
    after: tuple[SortValue, str] | None,
    limit: int,
    ranks: IdRanks | None = None,
) -> list[LookupRow]:
    """A page of the offers ``found`` (sorted refs): the order walked, keeping those found,
    for about ``limit × offers / found`` rows, unless reading all their keys costs less
    (:data:`SORT_COST`): then sorted whole (also when the walk goes on past four times that:
    they lie further on). In ``_id`` order with ``ranks``, a walk past :data:`RANKED_WALK`
    rows is the found offers' smallest ranks instead, only the page's ids read."""
    (offers,) = conn.execute("SELECT coalesce(max(rid), 0) FROM offers").fetchone()
    ahead = (limit + 1) * int(offers) / max(len(found), 1)  # rows walked for a page, on average
    if ahead >= len(found) * SORT_COST:
        return _sorted(conn, found.tolist(), order, after, limit)
    if order == "_id" and ranks is not None and ahead >= RANKED_WALK:
        first = first_page(conn, ranks.of(conn), found, after[1] if after else "", limit)
        sql = "SELECT rid, id FROM offers WHERE rid IN ({marks})"
        ids = {int(rid): str(oid) for rid, oid in rows_in(conn, sql, (), first)}
        return [(rid, ids[rid], None) for rid in first]
    out: list[LookupRow] = []
    walked, batch = 0, int(ahead * 1.2) + 64
    while walked <= 4 * ahead:
        rows = _walk(conn, None, order, after, batch)
        walked += len(rows)
        refs = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        out += [row for row, keep in zip(rows, _held(found, refs).tolist(), strict=True) if keep]
        if len(out) >= limit or len(rows) < batch:
            return out[:limit]
        after = (rows[-1][2], rows[-1][1])
        batch *= 2
    return _sorted(conn, found.tolist(), order, after, limit - len(out), out)


def _sorted(
    conn: sqlite3.Connection,
    found: Sequence[int],
    order: str,
    after: tuple[SortValue, str] | None,
    limit: int,
    before: Sequence[LookupRow] = (),
) -> list[LookupRow]:
    """The first ``limit`` of ``found`` after ``after``, following the rows ``before``."""
    keyed: list[tuple[int | None, str, int]] = []
    if order == "_id":
        rows = rows_in(conn, "SELECT NULL, id, rid FROM offers WHERE rid IN ({marks})", (), found)
    else:
        sql = "SELECT ts, id, rid FROM offer_dates WHERE field = ? AND rid IN ({marks})"
        rows = rows_in(conn, sql, (order,), found)
    keyed.extend((ts, str(oid), int(rid)) for ts, oid, rid in rows)
    keyed.sort(key=lambda k: (k[0] or 0, k[1]))
    if after is not None:
        keyed = [k for k in keyed if (k[0] or 0, k[1]) > (after[0] or 0, after[1])]
    return [*before, *((rid, oid, ts) for ts, oid, rid in keyed[:limit])]


# --- the name orders ---------------------------------------------------------------------


_NAMED: Final = text_term("offer.name", "")  # the folded names' key range follows it


def _by_name(
    conn: sqlite3.Connection,
    names: Names,
    lookup: Lookup | None,
    descending: bool,
    after: tuple[SortValue, str] | None,
    limit: int,
    among: Sequence[int] = (),
) -> list[LookupRow]:
    """A page in (folded name, id) order (descending names, ids ascending within one), then the
    offers without a name in id order: the name keys' range walked, keeping the offers the
    look-up finds (those found sorted whole when they are few)."""
    found: Refs | None = None
    if among:
        if len(among) <= SMALL:
            return _names_sorted(conn, sorted(among), descending, after, limit)
        found = np.sort(np.asarray(among, dtype=np.int64))
    elif lookup is not None:
        few = refs(conn, names, lookup, SMALL)
        if few is not None:
            return _names_sorted(conn, sorted(few), descending, after, limit)
        if lookup.text is not None:
            found = names.found(conn, lookup)
        elif lookup.counters or lookup.either or _keyed_apart(lookup):
            every = refs(conn, names, lookup, 2**62) or set()
            found = np.asarray(sorted(every), dtype=np.int64)
    test = lookup if lookup is not None and found is None and not among else None
    out: list[LookupRow] = []
    if after is None or after[0] is not None:
        out = _named(conn, test, found, descending, after, limit)
        if len(out) == limit:
            return out
        after = None
    return out + _nameless(conn, test, found, after[1] if after else "", limit - len(out))


def _names_sorted(
    conn: sqlite3.Connection,
    found: Sequence[int],
    descending: bool,
    after: tuple[SortValue, str] | None,
    limit: int,
) -> list[LookupRow]:
    """The first ``limit`` of a few offers after ``after``, in the name order, sorted whole."""
    sql = "SELECT rid, id FROM offers WHERE rid IN ({marks})"
    keyed: dict[int, tuple[str, str | None]] = {
        int(rid): (str(oid), None) for rid, oid in rows_in(conn, sql, (), found)
    }
    sql = (
        "SELECT rid, substr(term, ?) FROM offer_terms WHERE term >= ? AND term < ? "
        "AND rid IN ({marks})"
    )
    for rid, key in rows_in(conn, sql, (len(_NAMED) + 1, _NAMED, _NAMED + TOP), found):
        keyed[int(rid)] = (keyed[int(rid)][0], str(key))
    named = sorted(
        ((key, oid, rid) for rid, (oid, key) in keyed.items() if key is not None),
        key=lambda k: k[1],
    )
    named.sort(key=lambda k: k[0], reverse=descending)
    nameless = sorted((oid, rid) for rid, (oid, key) in keyed.items() if key is None)
    rows: list[LookupRow] = [(rid, oid, key) for key, oid, rid in named]
    rows += [(rid, oid, None) for oid, rid in nameless]
    if after is not None:
        at = next((i for i, r in enumerate(rows) if (r[2], r[1]) == after), None)
        if at is None:
            at = next((i for i, r in enumerate(rows) if _beyond(r, after, descending)), len(rows))
        else:
            at += 1
        rows = rows[at:]
    return rows[:limit]


def _beyond(row: LookupRow, after: tuple[SortValue, str], descending: bool) -> bool:
    """Whether ``row`` comes strictly after ``after`` in the name order."""
    key, last = row[2], after[0]
    if key is None or last is None:
        return (key, row[1]) > (last, after[1]) if key is None and last is None else key is None
    if key != last:
        return (str(key) < str(last)) if descending else (str(key) > str(last))
    return row[1] > after[1]


def _named(
    conn: sqlite3.Connection,
    test: Lookup | None,
    found: Refs | None,
    descending: bool,
    after: tuple[SortValue, str] | None,
    limit: int,
) -> list[LookupRow]:
    """The offers with a name after ``after``: in descending order the ties with the cursor's
    name first (ids after its), then the names below it, each a key range."""
    select = "SELECT o.rid, o.id, substr(o.term, ?) FROM offer_terms o WHERE "
    top = _NAMED + TOP
    up, down = " ORDER BY o.term, o.id", " ORDER BY o.term DESC, o.id"
    segments: list[tuple[str, list[Any], str]]
    if after is None:
        segments = [("o.term >= ? AND o.term < ?", [_NAMED, top], down if descending else up)]
    elif descending:
        term = _NAMED + str(after[0])
        segments = [
            ("o.term = ? AND o.id > ?", [term, after[1]], " ORDER BY o.id"),
            ("o.term >= ? AND o.term < ?", [_NAMED, term], down),
        ]
    else:
        term = _NAMED + str(after[0])
        segments = [("(o.term, o.id) > (?, ?) AND o.term < ?", [term, after[1], top], up)]
    out: list[LookupRow] = []
    for where, params, order in segments:
        sql = select + where
        out += _kept(conn, sql, [len(_NAMED) + 1, *params], order, test, found, limit - len(out))
        if len(out) == limit:
            break
    return out


def _nameless(
    conn: sqlite3.Connection, test: Lookup | None, found: Refs | None, after: str, limit: int
) -> list[LookupRow]:
    if not limit:
        return []
    (named,) = conn.execute(
        "SELECT count(*) FROM offer_terms WHERE term >= ? AND term < ?", (_NAMED, _NAMED + TOP)
    ).fetchone()
    (offers,) = conn.execute("SELECT count(*) FROM offers").fetchone()
    if named == offers:
        return []
    sql = (
        "SELECT o.rid, o.id, NULL FROM offers o WHERE o.id > ? AND NOT EXISTS (SELECT 1 FROM "
        "offer_terms t WHERE t.rid = o.rid AND t.term >= ? AND t.term < ?)"
    )
    params: list[Any] = [after, _NAMED, _NAMED + TOP]
    return _kept(conn, sql, params, " ORDER BY o.id", test, found, limit)


def _kept(
    conn: sqlite3.Connection,
    sql: str,
    params: list[Any],
    order: str,
    test: Lookup | None,
    found: Refs | None,
    limit: int,
) -> list[LookupRow]:
    """The first ``limit`` rows of ``sql`` (an ``o`` row: rid, id, key) in ``order`` whose offer
    the look-up ``test`` finds (an existence test each) or that are in ``found``; every row when
    neither is given. Rows are read in growing batches when ``found`` filters them."""
    if test is not None:
        where, more = _where(test, "k")
        sql += f" AND EXISTS (SELECT 1 FROM {_table(test)} k WHERE k.rid = o.rid AND {where})"
        params = [*params, *more]
    if found is None:
        rows = conn.execute(sql + order + " LIMIT ?", [*params, limit])
        return [(int(rid), str(oid), key) for rid, oid, key in rows]
    out: list[LookupRow] = []
    if not len(found):
        return out
    offset, batch = 0, limit + 64
    while True:
        got = conn.execute(sql + order + " LIMIT ? OFFSET ?", [*params, batch, offset]).fetchall()
        refs_ = np.fromiter((r[0] for r in got), dtype=np.int64, count=len(got))
        kept = _held(found, refs_).tolist()
        out += [(int(r), str(i), k) for (r, i, k), keep in zip(got, kept, strict=True) if keep]
        if len(out) >= limit or len(got) < batch:
            return out[:limit]
        offset += len(got)
        batch *= 2
