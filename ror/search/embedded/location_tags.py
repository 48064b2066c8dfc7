"""Each Location's tags (``meta.tag``, the source region: ``Location?_tag=…``), commune, postal
code and city as keys of the embedded engine (``ror.search.engine.LocationTags``), so that a
Location search by them reads only its keys and its page.

``location_tags``: ``(location_id, term, rid)``, the terms (``terms.location_terms`` of each
field of :data:`FIELDS`, ``terms.location_texts`` of each of :data:`TEXTS`: the terms the
offers' look-up keys hold; a city's folded value once, a prefix of it being a range of the
term index) of each Location as its first offer (the lowest ``rid`` using it, ``rid``) shows
it, and a row of term :data:`FIRST`
(``""``) for every Location, so that the Locations whose first offer a caller may not see are
found. The Locations of an offer are those of ``location_dates`` (``described`` rows: the
Locations with an id, ``indexer.facts.view``); their rows are computed again in the write
transaction of every upsert and delete touching them (:func:`refresh`), and with the other
look-up keys after a full load (``lookups.fill``); ``meta.location_tags`` says they are
complete, and an index made before them fills them alone when it opens (:data:`KEYS`,
``key_fill``).

A search shows a Location through its first offer the caller may see, as the scan does: the
Locations whose first offer is hidden are tested on their first visible offer, read
(sensitive units are few) and kept per process and hidden set until offers are written
(:class:`Held`).
"""

from __future__ import annotations

import heapq
import itertools
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Final

from ror import deadline
from ror.indexer.facts import LocationView, OfferView, view
from ror.indexer.terms import SEP, location_terms, location_texts, name
from ror.model import Offer
from ror.search.embedded import location_dates
from ror.search.embedded import location_tag_pages as pages
from ror.search.embedded.key_fill import KeyTable
from ror.search.embedded.memory.store import positions
from ror.search.embedded.rows import decode_doc
from ror.search.embedded.substrings import Positions
from ror.search.embedded.term_match import holds, term_parts
from ror.search.engine import Lookup

FIELDS: Final = ("region_tag", "commune")  # the Location token fields kept (``TOKEN_FIELDS``)
TEXTS: Final = ("postal_code", "city")  # the Location string fields kept (``TEXT_FIELDS``)
FIRST: Final = ""  # the term every Location has, through its first offer
TAGS: Final = name("location", FIELDS[0]) + SEP  # how the tag terms begin
_CHUNK: Final = 500

DDL: Final = [
    "CREATE TABLE IF NOT EXISTS location_tags (location_id TEXT NOT NULL, term TEXT NOT NULL, "
    "rid INTEGER NOT NULL, PRIMARY KEY (location_id, term)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS location_tags_term ON location_tags (term, location_id, rid)",
    "CREATE INDEX IF NOT EXISTS location_tags_rid ON location_tags (rid)",
]

#: (Location id, ref of the offer it is shown through)
Found = list[tuple[str, int]]


def ensure_tables(conn: sqlite3.Connection) -> None:
    for ddl in DDL:
        conn.execute(ddl)


def terms_of(offer: Offer, location_id: str) -> set[str]:
    """The kept terms of one Location as ``offer`` shows it (none when it does not use it)."""
    v = view(offer, counters=False)
    place = v.location(location_id)
    if place is None:
        return set()
    return _kept(v, place)


def _kept(v: OfferView, place: LocationView) -> set[str]:
    return {
        *(term for field in FIELDS for term in location_terms(v, place, field)),
        *(term for field in TEXTS for term in location_texts(v, place, field)),
    }


# --- writing ------------------------------------------------------------------------------


def refresh(
    conn: sqlite3.Connection, locations: Iterable[str], known: Mapping[int, Offer] | None = None
) -> None:
    """The rows of these Locations, from their first offer now (``known``: offers already
    decoded, by rid; the others are read)."""
    locs = sorted(set(locations))
    for i in range(0, len(locs), _CHUNK):
        part = locs[i : i + _CHUNK]
        marks = ", ".join("?" * len(part))
        conn.execute(f"DELETE FROM location_tags WHERE location_id IN ({marks})", part)
        firsts = conn.execute(
            "SELECT location_id, min(rid) FROM location_dates "
            f"WHERE field = ? AND location_id IN ({marks}) GROUP BY location_id",
            [location_dates.DESCRIBED, *part],
        ).fetchall()
        offers = _offers(conn, [int(rid) for _, rid in firsts], known or {})
        rows = []
        for loc, rid in firsts:
            rows.append((str(loc), FIRST, int(rid)))
            rows += [(str(loc), term, int(rid)) for term in terms_of(offers[int(rid)], str(loc))]
        conn.executemany("INSERT OR REPLACE INTO location_tags VALUES (?, ?, ?)", rows)


def _offers(
    conn: sqlite3.Connection, rids: Sequence[int], known: Mapping[int, Offer]
) -> dict[int, Offer]:
    out: dict[int, Offer] = {r: known[r] for r in rids if r in known}
    missing = sorted({r for r in rids if r not in known})
    for i in range(0, len(missing), _CHUNK):
        part = missing[i : i + _CHUNK]
        rows = conn.execute(
            f"SELECT rid, doc FROM offers WHERE rid IN ({', '.join('?' * len(part))})", part
        )
        out.update((int(rid), decode_doc(doc)) for rid, doc in rows)
    return out


def insert(conn: sqlite3.Connection, offers: Sequence[tuple[int, Offer]]) -> None:
    """The rows of the Locations of these offers where one of them is the first offer met (a
    fill goes in ``rid`` order: a Location keeps the rows of a lower ``rid`` written before)."""
    made: dict[str, tuple[int, set[str]]] = {}
    for rid, offer in offers:
        v = view(offer, counters=False)
        for place in v.locations:
            if place.id is None or (place.id in made and made[place.id][0] <= rid):
                continue
            made[place.id] = (rid, _kept(v, place))
    before = _firsts(conn, list(made))
    replaced = [loc for loc, (rid, _) in made.items() if before.get(loc, rid + 1) > rid]
    for i in range(0, len(replaced), _CHUNK):
        part = replaced[i : i + _CHUNK]
        marks = ", ".join("?" * len(part))
        conn.execute(f"DELETE FROM location_tags WHERE location_id IN ({marks})", part)
    rows = []
    for loc in replaced:
        rid, terms = made[loc]
        rows += [(loc, term, rid) for term in (FIRST, *terms)]
    rows.sort()
    conn.executemany("INSERT OR REPLACE INTO location_tags VALUES (?, ?, ?)", rows)


KEYS: Final = KeyTable("location_tags_cities", "location_tags", insert)


def _firsts(conn: sqlite3.Connection, locations: Sequence[str]) -> dict[str, int]:
    """The first offer held for each of these Locations that has rows."""
    out: dict[str, int] = {}
    for i in range(0, len(locations), _CHUNK):
        part = locations[i : i + _CHUNK]
        rows = conn.execute(
            "SELECT location_id, rid FROM location_tags WHERE term = ? "
            f"AND location_id IN ({', '.join('?' * len(part))})",
            [FIRST, *part],
        )
        out.update((str(loc), int(rid)) for loc, rid in rows)
    return out


# --- reading ------------------------------------------------------------------------------


class Held:
    """The Locations whose first offer is hidden, with their first visible offer's terms, one
    process keeps per hidden set (a few audiences) as of the offers written (``positions``):
    read again after any write."""

    KEPT: Final = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[tuple[Positions, frozenset[int]], list[_Shown]] = {}
        self._several: tuple[Positions, frozenset[str]] | None = None

    def found(
        self, conn: sqlite3.Connection, conditions: Sequence[Lookup], hidden: set[int]
    ) -> Found:
        """The Locations that have, as their first offer not in ``hidden`` shows them, a term
        each of ``conditions`` names (``term_match``), in Location id order, each with that
        offer (``conn`` in a read transaction)."""
        kept: dict[str, int] | None = None
        for condition in conditions:
            got: dict[str, int] = {}
            for where, params in term_parts(condition, "term"):
                deadline.check()
                sql = f"SELECT location_id, rid FROM location_tags WHERE {where}"
                got.update(conn.execute(sql, params))
            kept = got if kept is None else {k: r for k, r in kept.items() if k in got}
        assert kept is not None
        if hidden:
            for loc, ref, shown, _ in self._hidden_firsts(conn, hidden):
                kept.pop(loc, None)
                if ref is not None and all(holds(shown, c) for c in conditions):
                    kept[loc] = ref
        return sorted(kept.items(), key=itemgetter(0))  # one row per id: by id alone, faster

    def hold(
        self,
        conn: sqlite3.Connection,
        conditions: Sequence[Lookup],
        hidden: set[int],
        rows: Sequence[tuple[str, int]],
    ) -> list[bool]:
        """Whether each Location of ``rows`` (Location id, its first offer not in ``hidden``)
        has, as that offer shows it, a term each of ``conditions`` names."""
        held = self._hidden_firsts(conn, hidden) if hidden else []
        shown = {loc: (ref, own) for loc, ref, own, _ in held}
        keyed: dict[tuple[str, int], set[str]] = {}
        locs = sorted({loc for loc, _ in rows if loc not in shown})
        for i in range(0, len(locs), _CHUNK):
            part = locs[i : i + _CHUNK]
            found = conn.execute(
                "SELECT location_id, term, rid FROM location_tags "
                f"WHERE location_id IN ({', '.join('?' * len(part))})",
                part,
            )
            for loc, term, rid in found:
                keyed.setdefault((str(loc), int(rid)), set()).add(str(term))
        out = []
        for loc, ref in rows:
            if loc in shown:
                terms: frozenset[str] | set[str] = (
                    shown[loc][1] if shown[loc][0] == ref else frozenset()
                )
            else:
                terms = keyed.get((loc, ref), set())
            out.append(all(holds(terms, c) for c in conditions))
        return out

    def search(
        self,
        conn: sqlite3.Connection,
        terms: Sequence[str],
        hidden: set[int],
        after: str,
        limit: int,
        dated: pages.Dated | None,
    ) -> tuple[int, Found]:
        """How many Locations have, as their first offer not in ``hidden`` shows them, one of
        ``terms`` (and a date key in ``dated``'s span), and the first ``limit`` of them after
        the id ``after``, in Location id order, each with that offer (``conn`` in a read
        transaction): counted and paged on the keys (``location_tag_pages``), the Locations
        whose first offer is hidden set apart and tested on the offer shown."""
        groups = pages.code_groups(terms)
        several = self._several_codes(conn) if len(groups) > 1 else frozenset()
        known = pages.sizes(conn, groups, dated)
        total = pages.count(conn, groups, several, dated, known)
        held = self._hidden_firsts(conn, hidden) if hidden else []
        keyed = [loc for loc, _, _, keys in held if keys.intersection(terms)]
        shown = sorted(
            (loc, r) for loc, r, own, _ in held if r is not None and own.intersection(terms)
        )
        if dated is not None:
            firsts = pages.first_keys(conn, dated.first, keyed)
            keyed = [loc for loc in keyed if loc in firsts and dated.holds(firsts[loc])]
            shown = [row for row in shown if dated.holds(pages.own_key(conn, dated.own, row))]
        total += len(shown) - len(keyed)
        if not limit:
            return total, []
        apart = {loc for loc, _, _, _ in held}
        walked = pages.walk(conn, groups, after, dated, known, limit + len(apart))
        kept = (row for row in walked if row[0] not in apart)
        merged = heapq.merge(kept, (row for row in shown if row[0] > after))
        return total, list(itertools.islice(merged, limit))

    def _several_codes(self, conn: sqlite3.Connection) -> frozenset[str]:
        generation, docs, _ = positions(conn)
        with self._lock:
            if self._several is not None and self._several[0] == (generation, docs):
                return self._several[1]
        found = pages.several_codes(conn, TAGS)
        with self._lock:
            self._several = ((generation, docs), found)
        return found

    def _hidden_firsts(self, conn: sqlite3.Connection, hidden: set[int]) -> list[_Shown]:
        generation, docs, _ = positions(conn)
        key = ((generation, docs), frozenset(hidden))
        with self._lock:
            held = self._held.get(key)
        if held is None:
            held = _hidden_firsts(conn, hidden)
            with self._lock:
                self._held = {k: v for k, v in self._held.items() if k[0] == key[0]}
                if len(self._held) >= self.KEPT:
                    self._held.clear()
                self._held[key] = held
        return held


#: (Location id, its first offer not hidden or None, that offer's terms of it, the terms of
#: its key rows)
_Shown = tuple[str, int | None, frozenset[str], frozenset[str]]


def _hidden_firsts(conn: sqlite3.Connection, hidden: set[int]) -> list[_Shown]:
    """The Locations whose first offer is in ``hidden``, each with its first offer not in
    ``hidden`` and the kept terms it shows the Location with (None and none when every one
    is hidden), and the terms of its key rows (its first offer's)."""
    refs = sorted(hidden)
    keys: dict[str, set[str]] = {}
    for i in range(0, len(refs), _CHUNK):
        part = refs[i : i + _CHUNK]
        marks = ", ".join("?" * len(part))
        rows = conn.execute(
            f"SELECT location_id, term FROM location_tags WHERE rid IN ({marks})", part
        )
        for loc, term in rows:
            keys.setdefault(str(loc), set()).add(str(term))
    users = location_dates.users(conn, list(keys))
    shown = {loc: next((r for r in refs if r not in hidden), None) for loc, refs in users.items()}
    offers = _offers(conn, [r for r in shown.values() if r is not None], {})
    return [
        (
            loc,
            r,
            frozenset(terms_of(offers[r], loc)) if r is not None else frozenset(),
            frozenset(keys[loc] - {FIRST}),
        )
        for loc, r in shown.items()
    ]
