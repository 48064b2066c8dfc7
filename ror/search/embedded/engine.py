"""The embedded engine: SQLite (standard library), WAL mode, one file (DESIGN §4).

Readers in any number of threads or processes see committed data at once; one writer at a
time (capacity pushes commit in well under a millisecond). Tables: ``embedded_schema.py``;
how candidates are read: ``planner.py``; full loads: ``embedded_load.py``.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import numpy as np
import orjson
from numpy.typing import NDArray

import ror
from ror import deadline
from ror.availability.history import DEFAULT_PAGE, HistoryPage, page_size
from ror.availability.keys import establishment_keys, location_key, location_keys
from ror.availability.overview import Overview, OverviewQuery
from ror.errors import IndexOutdated, InvalidInput, NotFound
from ror.geo.distance import dot_to_km
from ror.model import Capacity, Offer
from ror.search.embedded import capacities as embedded_capacities
from ror.search.embedded import (
    cells,
    equipment_keys,
    groups,
    location_dates,
    location_names,
    location_tag_pages,
    location_tags,
    lookups,
    planner,
    price_keys,
)
from ror.search.embedded.cache import BoundedCache
from ror.search.embedded.db import Database
from ror.search.embedded.id_ranks import IdRanks
from ror.search.embedded.key_refs import KeyRefs
from ror.search.embedded.load import Loadable, bulk_load, stats
from ror.search.embedded.memory import query as memory_query
from ror.search.embedded.memory.store import MemoryStore, Snapshot, positions
from ror.search.embedded.overview import OverviewIndex
from ror.search.embedded.replay import ReplayStore, replay_path
from ror.search.embedded.rows import (
    TERRITORY_FIELD,
    StoredCounter,
    cover_values,
    decode_doc,
    decode_for_ranking,
    decode_order_keys,
    encode_doc,
    field_range,
    offer_codes,
    sensitive_champs,
    zone_keys,
)
from ror.search.embedded.schema import (
    CAPACITY_KEY_COLUMNS,
    COVER_COLUMNS,
    EQUIPMENT_SCHEMA,
    SCHEMA_VERSION,
    STAR_CODE_ID,
    TERRITORY_SCHEMA,
    ensure_schema,
)
from ror.search.embedded.substrings import Names, Refs
from ror.search.engine import (
    AREA_OFFERS_MAX,
    ESTABLISHMENT_OFFERS_MAX,
    REPLAY_KEEP_DAYS,
    Candidate,
    CandidateQuery,
    Candidates,
    CounterOutcome,
    FacetCounts,
    LoadStats,
    LocationCounters,
    LocationDateRow,
    LocationInfo,
    Lookup,
    LookupRow,
    NameTest,
    OrderKeys,
    Progress,
    RingMark,
    SearchRecord,
    SortValue,
    Streamed,
    UpdateResult,
)
from ror.search.prefilter import OfferColumns

FACET_MAX_UNITS: Final = 20_000  # a facet over more units is left out (and said so)
OFFER_CACHE_SIZE: Final = 50_000
_FETCH: Final = 256

_KEY_WHERE: Final = " AND ".join(f"{c} = ?" for c in ("loc", *CAPACITY_KEY_COLUMNS))


_SQL_CHUNK: Final = 900  # refs per IN (…) list
ORDER_CACHE_SIZE: Final = 200_000  # (id, last_updated) pairs kept, a few hundred bytes each
PAST_KEPT: Final = 64  # look-ups remembered as found past a limit
CANDIDATES_KEPT: Final = 8  # strict queries whose candidates' refs are kept (8 MB at most each)


class EmbeddedEngine:
    """Offers in one SQLite file. Thread-safe: one connection per thread."""

    name = "embedded"

    def __init__(
        self,
        path: str | Path,
        *,
        cache_size_mb: int = 256,
        memory: bool = True,
        replay_days: int = REPLAY_KEEP_DAYS,
    ) -> None:
        """``memory``: answer searches from an in-memory index of the file (``memory_store``);
        False: from SQL only."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.version = f"embedded-{SCHEMA_VERSION}/ror-{getattr(ror, '__version__', '0')}"
        self.db = Database(self.path, cache_kib=cache_size_mb * 1024)
        self._docs_version = -1
        self._codes: dict[tuple[str, str], tuple[int, int]] = {}
        self._code_names: dict[int, tuple[str, str]] = {}
        self._total = 0
        self._offer_cache: BoundedCache[int, tuple[Offer, tuple[str, ...]]] = BoundedCache(
            OFFER_CACHE_SIZE
        )
        # Offers with counters, and the caps_version they were read at (one tuple, replaced
        # whole, so a thread never pairs a version with another version's offers).
        self._assembled: tuple[int, BoundedCache[int, Offer]] = (-1, BoundedCache(0))
        # offers read for ranking alone (``ranking_offers``), by (ref, with counters)
        self._for_ranking: BoundedCache[tuple[int, bool], Offer] = BoundedCache(0)
        self._order_cache: BoundedCache[int, OrderKeys] = BoundedCache(ORDER_CACHE_SIZE)
        self._caps_version = -1
        self._schema = int(SCHEMA_VERSION)
        self._location_total = (-1, 0)  # (docs_version, Locations the offers use)
        self._memory = MemoryStore(self.path) if memory else None
        self._held = threading.local()  # this thread's open snapshot and its memory index
        self._key_tables: dict[str, groups.KeyTable] = {}  # by grouping (``group_keys``)
        self._replays = ReplayStore(replay_path(self.path), replay_days)
        self._names = Names()
        self._key_refs = KeyRefs()
        self._id_ranks = IdRanks()
        # strict candidates' refs by (memory snapshot positions, query): ``candidate_refs``
        self._candidate_refs: BoundedCache[tuple[object, CandidateQuery], Refs] = BoundedCache(
            CANDIDATES_KEPT
        )
        self._past: BoundedCache[tuple[object, Lookup], int] = BoundedCache(PAST_KEPT)
        self._location_names = location_names.Held()
        self._location_tags = location_tags.Held()
        with self.db.writing() as conn:
            ensure_schema(conn)
            embedded_capacities.ensure_tables(conn)
            lookups.ensure_tables(conn)
        self._overview = OverviewIndex(self.db)
        self._refresh()
        if not lookups.ready(self.db.conn()):  # an index written before the look-up keys existed
            lookups.fill(self.db.conn(), self.db.write_lock)
        else:  # a fill before the trigram index was merged after it (once: then nothing to do)
            lookups.merge_grams(self.db.conn(), self.db.write_lock)
            for keys in lookups.KEY_TABLES:  # written before one of these tables existed
                if not keys.ready(self.db.conn()):
                    keys.fill(self.db.conn(), self.db.write_lock)

    # --- connections and cached state ------------------------------------------------------

    def _refresh(self) -> None:
        """Reload the code table and drop cached documents when offers changed anywhere (in a
        :meth:`snapshot`, once: its read transaction sees the same versions throughout)."""
        held = self._held
        if getattr(held, "open", False) and held.caps is not None:
            return
        conn = self.db.conn()
        versions = dict(
            conn.execute(
                "SELECT key, value FROM meta "
                "WHERE key IN ('docs_version', 'caps_version', 'schema_version')"
            )
        )
        self._schema = int(versions.get("schema_version", SCHEMA_VERSION))
        version = int(versions.get("docs_version", 0))
        caps = int(versions.get("caps_version", 0))
        if getattr(held, "open", False):
            held.caps = caps
        if caps != self._caps_version or version != self._docs_version:
            # counters changed somewhere: offers must be read again
            self._assembled = (caps, BoundedCache(OFFER_CACHE_SIZE))
            self._for_ranking = BoundedCache(OFFER_CACHE_SIZE)
            self._caps_version = caps
        if version == self._docs_version:
            return
        codes: dict[tuple[str, str], tuple[int, int]] = {}
        names: dict[int, tuple[str, str]] = {}
        total = 0
        for code_id, name, code, postings in conn.execute("SELECT * FROM codes"):
            if code_id == STAR_CODE_ID:
                total = postings
                continue
            codes[(name, code)] = (code_id, postings)
            names[code_id] = (name, code)
        self._codes, self._code_names, self._total = codes, names, total
        self._offer_cache = BoundedCache(OFFER_CACHE_SIZE)
        self._order_cache = BoundedCache(ORDER_CACHE_SIZE)
        self._docs_version = version

    def _memory_snapshot(self) -> Snapshot | None:
        """The in-memory index as of the current read transaction (None: answer from SQL),
        asked once per :meth:`snapshot`."""
        if self._memory is None:
            return None
        held: Snapshot | None = getattr(self._held, "memory", None)
        if held is not None:
            return held
        with self.snapshot():
            found = self._memory.snapshot(self.db.conn())
            if getattr(self._held, "open", False):
                self._held.memory = found
            return found

    def _code_id(self, name: str, code: str) -> int | None:
        found = self._codes.get((name, code))
        return found[0] if found else None

    def _postings(self, code_id: int) -> int:
        name = self._code_names.get(code_id)
        return self._codes[name][1] if name else 0

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        if getattr(self._held, "open", False):  # nested: the outer one holds
            yield
            return
        with self.db.snapshot():
            self._held.open, self._held.memory, self._held.caps = True, None, None
            try:
                yield
            finally:
                self._held.open, self._held.memory, self._held.caps = False, None, None

    def close(self) -> None:
        self.db.close()
        self._replays.close()

    def count(self) -> int:
        self._refresh()
        return self._total

    def warm_up(self) -> None:
        """The code table and the in-memory index (about a second at 1 M offers)."""
        self._refresh()
        snap = self._memory_snapshot()
        if snap is not None:
            for by in groups.GROUPINGS:
                self._key_table(snap, by)

    # --- loading ---------------------------------------------------------------------------

    def load(
        self,
        offers: Iterable[Loadable],
        *,
        replace_all: bool,
        progress: Progress | None = None,
    ) -> LoadStats:
        """Bulk load: ``replace_all`` rebuilds every table and swaps it in atomically (offers
        may come encoded already: ``embedded_rows.encode_offer``, e.g. from
        ``ror.commands.synthetic_stream``); otherwise offers are upserted in batches."""
        if replace_all:
            with self.db.write_lock:
                loaded, rejected, seconds = bulk_load(self.db.conn(), offers, progress)
            embedded_capacities.rebuild_facts(self.db)  # offer areas
            lookups.fill(self.db.conn(), self.db.write_lock)
            self._refresh()
            return stats(loaded, rejected, seconds)
        started = time.perf_counter()
        done = 0
        batch: list[Offer] = []
        for offer in offers:
            if not isinstance(offer, Offer):
                raise InvalidInput("encoded offers load with replace_all only", field="offers")
            batch.append(offer)
            if len(batch) >= 2000:
                done += self.upsert(batch)
                batch.clear()
                if progress is not None:
                    progress(done)
        done += self.upsert(batch)
        if progress is not None:
            progress(done)
        return LoadStats(done, time.perf_counter() - started, False)

    def upsert(self, offers: Iterable[Offer]) -> int:
        """Insert or replace offers (by id). Counters merge per Location, newest wins."""
        n = 0
        with self.db.writing() as conn:
            touched: set[str] = set()
            for offer in offers:
                touched.update(self._write_offer(conn, offer))
                n += 1
            self.db.recount_locations(conn, touched)
            location_dates.refresh(conn, touched)
            location_tags.refresh(conn, touched)
            self._bump(conn)
        self._refresh()
        return n

    def delete(self, ids: Iterable[str]) -> int:
        n = 0
        with self.db.writing() as conn:
            touched: set[str] = set()
            for offer_id in ids:
                row = conn.execute("SELECT rid FROM offers WHERE id = ?", (offer_id,)).fetchone()
                if row is None:
                    continue
                touched.update(self._remove_offer_rows(conn, row[0]))
                lookups.remove(conn, row[0])
                conn.execute("DELETE FROM offers WHERE rid = ?", (row[0],))
                conn.execute("INSERT INTO offer_changes (rid) VALUES (?)", (row[0],))
                conn.execute("DELETE FROM offer_meta WHERE rid = ?", (row[0],))
                self._add_postings(conn, STAR_CODE_ID, -1)
                n += 1
            for loc in touched:
                if conn.execute(
                    "SELECT 1 FROM location_offers WHERE loc = ? LIMIT 1", (loc,)
                ).fetchone():
                    continue
                conn.execute("DELETE FROM capacities WHERE loc = ?", (loc,))
            self.db.recount_locations(conn, touched)
            location_dates.refresh(conn, touched)
            location_tags.refresh(conn, touched)
            self._bump(conn)
        self._refresh()
        return n

    def _bump(self, conn: sqlite3.Connection) -> None:
        """Offers changed: the facts and look-up keys kept by this write follow, and every
        process sees it."""
        embedded_capacities.follow_docs(conn)
        lookups.follow_docs(conn)
        self.db.bump(conn, "docs_version")

    def _add_postings(self, conn: sqlite3.Connection, code_id: int, delta: int) -> None:
        conn.execute("UPDATE codes SET postings = postings + ? WHERE code_id = ?", (delta, code_id))

    def _ensure_code(self, conn: sqlite3.Connection, name: str, code: str) -> int:
        row = conn.execute(
            "SELECT code_id FROM codes WHERE field = ? AND code = ?", (name, code)
        ).fetchone()
        if row is not None:
            return int(row[0])
        lo, hi = field_range(name)
        top = conn.execute(
            "SELECT max(code_id) FROM codes WHERE code_id BETWEEN ? AND ?", (lo, hi)
        ).fetchone()[0]
        code_id = int(top or lo) + 1
        conn.execute("INSERT INTO codes VALUES (?, ?, ?, 0)", (code_id, name, code))
        return code_id

    def _remove_offer_rows(self, conn: sqlite3.Connection, rid: int) -> list[str]:
        """Delete the cover, zone and Location rows of an offer; returns its Location keys."""
        meta = conn.execute(
            "SELECT cell, code_ids, loc_keys, zone_keys FROM offer_meta WHERE rid = ?", (rid,)
        ).fetchone()
        if meta is None:
            return []
        cell, code_ids, locs, zones = meta
        for code_id in (STAR_CODE_ID, *orjson.loads(code_ids)):
            conn.execute(
                "DELETE FROM cover WHERE code_id = ? AND cell = ? AND rid = ?", (code_id, cell, rid)
            )
            if code_id != STAR_CODE_ID:
                self._add_postings(conn, code_id, -1)
        for key in orjson.loads(zones):
            conn.execute("DELETE FROM zones WHERE key = ? AND rid = ?", (key, rid))
        conn.execute("DELETE FROM sensitive WHERE rid = ?", (rid,))
        loc_list: list[str] = orjson.loads(locs)
        for loc in loc_list:
            conn.execute("DELETE FROM location_offers WHERE loc = ? AND rid = ?", (loc, rid))
        return loc_list

    def _write_offer(self, conn: sqlite3.Connection, offer: Offer) -> set[str]:
        touched: set[str] = set()
        row = conn.execute("SELECT rid FROM offers WHERE id = ?", (offer.id,)).fetchone()
        doc = encode_doc(offer)
        if row is not None:
            rid = int(row[0])
            touched.update(self._remove_offer_rows(conn, rid))
            conn.execute("UPDATE offers SET doc = ? WHERE rid = ?", (doc, rid))
        else:
            cur = conn.execute("INSERT INTO offers (id, doc) VALUES (?, ?)", (offer.id, doc))
            rid = int(cur.lastrowid or 0)
            self._add_postings(conn, STAR_CODE_ID, 1)
        conn.execute("INSERT INTO offer_changes (rid) VALUES (?)", (rid,))  # memory_store
        cell = cells.cell_of(offer.place.lat, offer.place.lon)
        values = cover_values(offer, OfferColumns.of(offer))
        code_ids = []
        for name, code in offer_codes(offer):
            code_id = self._ensure_code(conn, name, code)
            code_ids.append(code_id)
            self._add_postings(conn, code_id, 1)
        marks = ", ".join("?" * len(COVER_COLUMNS))
        conn.executemany(
            f"INSERT INTO cover VALUES ({marks})",
            [(c, cell, rid, *values) for c in (STAR_CODE_ID, *code_ids)],
        )
        zones = zone_keys(offer)
        conn.executemany("INSERT INTO zones VALUES (?, ?, ?)", [(k, rid, cell) for k in zones])
        locs = location_keys(offer)
        conn.executemany("INSERT INTO location_offers VALUES (?, ?)", [(loc, rid) for loc in locs])
        touched.update(locs)
        champs = sensitive_champs(offer)
        if champs is not None:
            conn.execute("INSERT INTO sensitive VALUES (?, ?)", (rid, champs))
        embedded_capacities.index_offer(conn, rid, offer, locs)
        lookups.index_offer(conn, rid, offer)
        for c in offer.capacities:
            self._store_counter(conn, location_key(offer.id, c.location_id), c)
        conn.execute(
            "INSERT OR REPLACE INTO offer_meta VALUES (?, ?, ?, ?, ?, 0, 0)",
            (
                rid,
                cell,
                orjson.dumps(code_ids).decode(),
                orjson.dumps(locs).decode(),
                orjson.dumps(zones).decode(),
            ),
        )
        return touched

    def _store_counter(self, conn: sqlite3.Connection, loc: str, c: Capacity) -> CounterOutcome:
        """Store a counter unless the stored one is as new or newer."""
        key = c.key()
        row = conn.execute(
            f"SELECT updated_ts, updated_at, pos FROM capacities WHERE {_KEY_WHERE}", (loc, *key)
        ).fetchone()
        if row is not None and c.updated_at.timestamp() <= row[0]:
            return CounterOutcome(key, False, "stale", datetime.fromisoformat(row[1]))
        if row is not None:
            pos = int(row[2])
        else:
            top = conn.execute("SELECT max(pos) FROM capacities WHERE loc = ?", (loc,)).fetchone()[
                0
            ]
            pos = int(top) + 1 if top is not None else 0
        marks = ", ".join("?" * 15)
        conn.execute(
            f"INSERT OR REPLACE INTO capacities VALUES ({marks})",
            StoredCounter(loc, c, pos).row(),
        )
        return CounterOutcome(key, True, "applied", c.updated_at)

    # --- capacities ------------------------------------------------------------------------

    def update_capacities(self, location_id: str, counters: Sequence[Capacity]) -> UpdateResult:
        """Apply pushed counters of one Location: per counter key, a newer ``updated_at`` wins;
        older (or equal) ones are ignored and reported. Every offer using the Location sees
        the change in the same transaction (``embedded_capacities.push``: durable, logged)."""
        return self.update_capacities_many([(location_id, counters)])[0]

    # --- availability: capacities.py, overview.py ------------------------------------------

    def update_capacities_many(self, updates: Sequence[LocationCounters]) -> list[UpdateResult]:
        return embedded_capacities.push(self.db, updates, received_at=datetime.now(UTC))

    def locations_info(self, location_ids: Sequence[str]) -> dict[str, LocationInfo]:
        return embedded_capacities.locations_info(self.db.conn(), location_ids)

    def find_locations(self, establishment: str, code: str) -> list[str]:
        return embedded_capacities.find_locations(self.db.conn(), establishment, code)

    def availability_overview(self, query: OverviewQuery, now: datetime) -> Overview:
        return self._overview.overview(query.checked(), now)

    def area_offers(self, query: OverviewQuery, area: str) -> list[Offer]:
        self._refresh()
        column = "region" if query.group_by == "region" else "departement"
        where, params = [f"f.{column} = ?"], [area]
        for name, codes in query.codes():
            marks = ",".join("?" * len(codes))
            where.append(
                "f.rid IN (SELECT c.rid FROM codes k JOIN cover c ON c.code_id = k.code_id "
                f"WHERE k.field = ? AND k.code IN ({marks}))"
            )
            params.extend((name, *codes))
        conn = self.db.conn()
        with self.snapshot():
            rows = conn.execute(
                "SELECT f.rid FROM offer_facts f JOIN offers o ON o.rid = f.rid AND o.id = f.id "
                f"WHERE {' AND '.join(where)} ORDER BY f.id LIMIT ?",
                (*params, AREA_OFFERS_MAX + 1),
            ).fetchall()
            return self.offers([int(row[0]) for row in rows])

    def capacity_history(
        self,
        location_id: str,
        *,
        since: datetime | None = None,
        after: int | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> HistoryPage:
        return embedded_capacities.history(
            self.db.conn(), location_id, since=since, after=after, limit=page_size(limit)
        )

    # --- reading ---------------------------------------------------------------------------

    def get(self, offer_id: str) -> Offer | None:
        self._refresh()
        row = self.db.conn().execute("SELECT rid FROM offers WHERE id = ?", (offer_id,)).fetchone()
        if row is None:
            return None
        return self.offers([int(row[0])])[0]

    def establishment_offers(self, establishment: str) -> list[Offer]:
        self._refresh()
        keys = sorted(establishment_keys(establishment))
        marks = ",".join("?" * len(keys))
        rows = self.db.conn().execute(
            "SELECT f.rid FROM offer_facts f JOIN offers o ON o.rid = f.rid AND o.id = f.id "
            f"WHERE f.finess IN ({marks}) OR f.eg IN ({marks}) ORDER BY f.id LIMIT ?",
            (*keys, *keys, ESTABLISHMENT_OFFERS_MAX),
        )
        return self.offers([int(row[0]) for row in rows])

    def establishments_with(
        self, field: str, codes: Sequence[str], sensitive_champs: tuple[str, ...] | None
    ) -> frozenset[str]:
        self._refresh()
        if not codes:
            return frozenset()
        hidden = "" if sensitive_champs is None else " AND c.rid NOT IN (SELECT rid FROM sensitive)"
        rows = self.db.conn().execute(
            "SELECT DISTINCT f.eg FROM codes k JOIN cover c ON c.code_id = k.code_id "
            "JOIN offer_facts f ON f.rid = c.rid "
            f"WHERE k.field = ? AND k.code IN ({','.join('?' * len(codes))}){hidden}",
            (field, *codes),
        )
        return frozenset(str(row[0]) for row in rows)

    def offers(self, refs: Sequence[int]) -> list[Offer]:
        """Offers with their Locations' current counters (cached until either changes)."""
        self._refresh()
        conn = self.db.conn()
        # the cache is read and filled only when its caps_version is
        # the one this connection sees, so a search in an older snapshot never leaves older
        # counters for the readers that come after an acknowledged push.
        version, assembled = self._assembled
        held_caps = self._held.caps if getattr(self._held, "open", False) else None
        current = (_visible_caps(conn) if held_caps is None else held_caps) == version
        if current:
            ready, missing_ready = assembled.take(refs)
            if not missing_ready:
                return [ready[r] for r in refs]
        stored, missing = self._offer_cache.take(refs)
        if missing:
            read = self._read_stored(conn, missing)
            self._offer_cache.store(read)
            stored.update(read)
        out = self._with_counters(conn, refs, stored)
        if current:
            assembled.store(dict(zip(refs, out, strict=True)))
        return out

    def ranking_offers(self, refs: Sequence[int], counters: bool) -> list[Offer]:
        """Offers holding what ranking reads of a unit the prefilter is sure of (the whole
        offer when it is at hand; else ``rows.decode_for_ranking``, with the counters when
        ``counters``): never checked, never shown, cached apart from the whole offers."""
        self._refresh()
        conn = self.db.conn()
        version, assembled = self._assembled
        partial = self._for_ranking
        held_caps = self._held.caps if getattr(self._held, "open", False) else None
        # the caches hold this snapshot's counters
        current = (_visible_caps(conn) if held_caps is None else held_caps) == version
        ready: dict[int, Offer] = {}
        missing = list(dict.fromkeys(refs))
        if current:
            ready, missing = assembled.take(missing)
            held, _ = partial.take((r, counters) for r in missing)
            ready.update((r, offer) for (r, _), offer in held.items())
            missing = [r for r in missing if r not in ready]
        if missing:
            stored, unread = self._offer_cache.take(missing)
            if unread:
                stored.update(self._read_stored(conn, unread, decode_for_ranking))
            if counters:
                made = self._with_counters(conn, missing, stored, fresh=set(unread))
            else:
                made = [stored[r][0] for r in missing]
            ready.update(zip(missing, made, strict=True))
            if current:
                partial.store({(r, counters): o for r, o in zip(missing, made, strict=True)})
        return [ready[r] for r in refs]

    def _with_counters(
        self,
        conn: sqlite3.Connection,
        refs: Sequence[int],
        stored: dict[int, tuple[Offer, tuple[str, ...]]],
        fresh: set[int] | frozenset[int] = frozenset(),
    ) -> list[Offer]:
        """The stored offers of ``refs`` with their Locations' current counters (given to the
        offers of ``fresh``, decoded for this call alone; the others, shared, are copied)."""
        wanted = {loc for r in refs for loc in stored[r][1]}
        by_loc: dict[str, list[Capacity]] = {}
        for loc, c in self.db.counters(conn, sorted(wanted)):
            by_loc.setdefault(loc, []).append(c)
        out = []
        for r in refs:
            offer, offer_locs = stored[r]
            caps = tuple(c for loc in offer_locs for c in by_loc.get(loc, ()))
            if caps and r in fresh:
                offer.capacities = caps
            elif caps:
                offer = offer.with_capacities(caps)
            out.append(offer)
        return out

    # --- listings (``ror.search.engine.Listings``) ---------------------------------------------

    def offer_refs(self, offer_ids: Sequence[str]) -> dict[str, int]:
        self._refresh()
        found: dict[str, int] = {}
        conn = self.db.conn()
        ids = list(dict.fromkeys(offer_ids))
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            sql = f"SELECT id, rid FROM offers WHERE id IN ({marks})"
            found.update((str(oid), int(rid)) for oid, rid in conn.execute(sql, part))
        return found

    def offers_in_id_order(self, after: str, limit: int) -> list[tuple[int, str]]:
        self._refresh()
        rows = self.db.conn().execute(
            "SELECT rid, id FROM offers WHERE id > ? ORDER BY id LIMIT ?", (after, limit)
        )
        return [(int(rid), str(offer_id)) for rid, offer_id in rows]

    def locations_in_id_order(self, after: str, limit: int) -> list[tuple[str, tuple[int, ...]]]:
        self._refresh()
        rows = self.db.conn().execute(
            "SELECT loc, group_concat(rid) FROM (SELECT loc, rid FROM location_offers "
            "WHERE loc IN (SELECT DISTINCT loc FROM location_offers WHERE loc > ? "
            "ORDER BY loc LIMIT ?) ORDER BY loc, rid) GROUP BY loc ORDER BY loc",
            (after, limit),
        )
        return [(str(loc), tuple(int(r) for r in str(refs).split(","))) for loc, refs in rows]

    def location_count(self) -> int:
        """Counted once per ``docs_version`` (a capacity synchronisation asks it at each page)."""
        conn = self.db.conn()
        row = conn.execute("SELECT value FROM meta WHERE key = 'docs_version'").fetchone()
        version = int(row[0]) if row else 0
        known, total = self._location_total
        if known != version:
            row = conn.execute("SELECT count(DISTINCT loc) FROM location_offers").fetchone()
            total = int(row[0])
            self._location_total = (version, total)
        return total

    # --- look-ups (``ror.search.engine.Lookups``) ---------------------------------------------

    def lookup_ready(self) -> bool:
        return lookups.ready(self.db.conn())

    def lookup_contains(self) -> bool:
        return lookups.TRIGRAM

    def lookup_counters(self) -> bool:
        return True

    def lookup_names_order(self) -> bool:
        return True

    def lookup_among(self) -> bool:
        return True

    def lookup_prices(self) -> bool:
        return price_keys.KEYS.ready(self.db.conn())

    def lookup_equipment(self) -> bool:
        return equipment_keys.KEYS.ready(self.db.conn())

    def lookup_refs(self, lookup: Lookup, limit: int, among: Sequence[int] = ()) -> set[int] | None:
        """The look-up's refs (None past ``limit``); one found past a limit at this data state
        answers None at once for that limit or a smaller one, not read again to give up."""
        with self.db.snapshot() as conn:
            if among:
                return lookups.refs(conn, self._names, lookup, limit, among, self._key_refs)
            key = (positions(conn), lookup)
            held, _ = self._past.take([key])
            past = held.get(key, -1)
            if limit <= past:
                return None
            found = lookups.refs(conn, self._names, lookup, limit, among, self._key_refs)
            if found is None:
                self._past.store({key: max(limit, past)})
            return found

    def lookup_count(self, lookup: Lookup | None) -> int:
        if lookup is None:
            return self.count()
        with self.db.snapshot() as conn:
            return lookups.count(conn, self._names, lookup)

    def lookup_page(
        self,
        lookup: Lookup | None,
        order: str,
        after: tuple[SortValue, str] | None,
        limit: int,
        among: Sequence[int] | NDArray[np.int64] = (),
    ) -> list[LookupRow]:
        with self.db.snapshot() as conn:
            return lookups.page(
                conn, self._names, lookup, order, after, limit, among, self._id_ranks
            )

    # --- Location dates (``ror.search.engine.LocationDates``) ----------------------------------

    def location_dates_ready(self) -> bool:
        self._refresh()
        return lookups.ready(self.db.conn())

    def location_dates_by_date(
        self,
        counters: bool,
        descending: bool,
        after: LocationDateRow | None,
        span: tuple[int | None, int | None],
        limit: int,
    ) -> list[LocationDateRow]:
        name = location_dates.field(counters, descending)
        return location_dates.in_date_order(self.db.conn(), name, after, span, limit)

    def location_dates_by_id(
        self,
        counters: bool,
        after: tuple[str, int],
        span: tuple[int | None, int | None],
        limit: int,
    ) -> list[LocationDateRow]:
        name = location_dates.field(counters, False)
        return location_dates.in_id_order(self.db.conn(), name, after, span, limit)

    def location_dates_count(self, counters: bool, span: tuple[int | None, int | None]) -> int:
        name = location_dates.first_field(counters)
        return location_dates.count_first(self.db.conn(), name, span)

    def location_dates_first(self, counters: bool, refs: Sequence[int]) -> list[LocationDateRow]:
        return location_dates.first_of(self.db.conn(), location_dates.first_field(counters), refs)

    def location_dates_first_in(
        self, counters: bool, span: tuple[int | None, int | None]
    ) -> list[LocationDateRow]:
        return location_dates.first_in(self.db.conn(), location_dates.first_field(counters), span)

    def location_users(self, location_ids: Sequence[str]) -> dict[str, list[int]]:
        return location_dates.users(self.db.conn(), location_ids)

    # --- Location names (``ror.search.engine.LocationNames``) ----------------------------------

    def location_names_ready(self) -> bool:
        self._refresh()
        conn = self.db.conn()
        return lookups.ready(conn) and location_names.KEYS.ready(conn)

    def location_names_found(
        self, tests: Sequence[NameTest], hidden: set[int]
    ) -> list[tuple[str, int]]:
        with self.db.snapshot() as conn:
            return self._location_names.found(conn, tests, hidden)

    def location_names_in_order(
        self, descending: bool, after: tuple[str, str, int] | None, limit: int
    ) -> list[tuple[str, str, int]]:
        with self.db.snapshot() as conn:
            return location_names.in_name_order(conn, descending, after, limit)

    def location_names_of(self, rows: Sequence[tuple[str, int]]) -> list[str]:
        with self.db.snapshot() as conn:
            return location_names.names_of(conn, rows)

    # --- Location tags (``ror.search.engine.LocationTags``) ------------------------------------

    def location_tags_ready(self) -> bool:
        self._refresh()
        conn = self.db.conn()
        return lookups.ready(conn) and location_tags.KEYS.ready(conn)

    def location_tags_found(
        self, conditions: Sequence[Lookup], hidden: set[int]
    ) -> list[tuple[str, int]]:
        with self.db.snapshot() as conn:
            return self._location_tags.found(conn, conditions, hidden)

    def location_tags_hold(
        self, conditions: Sequence[Lookup], hidden: set[int], rows: Sequence[tuple[str, int]]
    ) -> list[bool]:
        with self.db.snapshot() as conn:
            return self._location_tags.hold(conn, conditions, hidden, rows)

    def location_tags_search(
        self,
        terms: Sequence[str],
        hidden: set[int],
        after: str,
        limit: int,
        dated: tuple[bool, tuple[int | None, int | None]] | None,
    ) -> tuple[int, list[tuple[str, int]]]:
        span = location_tag_pages.Dated.of(*dated) if dated is not None else None
        with self.db.snapshot() as conn:
            return self._location_tags.search(conn, terms, hidden, after, limit, span)

    def sensitive_units(self) -> dict[int, tuple[str, ...]]:
        self._refresh()
        rows = self.db.conn().execute("SELECT rid, champs FROM sensitive")
        return {int(rid): tuple(str(champs).split()) for rid, champs in rows}

    def order_keys(self, refs: Sequence[int]) -> list[OrderKeys]:
        """From the offers already read, else decoded from the stored documents for these two
        fields only (kept, and dropped with the offers when offers change)."""
        found, missing = self._order_cache.take(refs)
        stored, unread = self._offer_cache.take(missing)
        found.update((r, (o.id, o.last_updated)) for r, (o, _) in stored.items())
        read: dict[int, OrderKeys] = {}
        conn = self.db.conn()
        for i in range(0, len(unread), _SQL_CHUNK):
            chunk = unread[i : i + _SQL_CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = conn.execute(f"SELECT rid, doc FROM offers WHERE rid IN ({marks})", chunk)
            read.update((rid, decode_order_keys(doc)) for rid, doc in rows)
        self._order_cache.store(read)
        found.update(read)
        absent = next((r for r in refs if r not in found), None)
        if absent is not None:
            raise NotFound(f"offre inconnue (ref {absent})")
        return [found[r] for r in refs]

    def group_keys(self, refs: Sequence[int], by: str) -> list[str]:
        """``grouping.group_key`` of the offers behind ``refs`` (``GroupKeys``), from the
        establishment and Location columns, without reading the offers: from the key table
        of the in-memory index (``groups.KeyTable``), from SQL for the offers changed since."""
        found: dict[int, str] = {}
        rest: Sequence[int] = refs
        snap = self._memory_snapshot() if by in groups.GROUPINGS else None
        table = None if snap is None else self._key_table(snap, by)
        if snap is not None and table is not None:
            wanted = np.asarray(refs, dtype=np.int64)
            keys, held = table.keys(wanted, snap.changed)
            found.update(zip(wanted[held].tolist(), keys, strict=True))
            rest = wanted[~held].tolist()
        found.update(groups.read_keys(self.db.conn(), by, rest))
        absent = next((r for r in refs if r not in found), None)
        if absent is not None:
            raise NotFound(f"offre inconnue (ref {absent})")
        return [found[r] for r in refs]

    def _key_table(self, snap: Snapshot, by: str) -> groups.KeyTable | None:
        """The key table of the snapshot's index, read now when none fits (None: the one
        held was read after this snapshot's position: this search asks SQL)."""
        table = self._key_tables.get(by)
        if table is not None and table.base is snap.base:
            return table if table.docs_seq <= snap.docs_seq else None
        with self.snapshot():
            table = groups.KeyTable.read(self.db.conn(), by, snap.base, snap.docs_seq)
        self._key_tables[by] = table
        return table

    def _in_id_order(self, after: str, before: str, limit: int) -> tuple[list[int], str]:
        rows = self.db.conn().execute(
            "SELECT rid, id FROM offers WHERE id > ? AND id < ? ORDER BY id LIMIT ?",
            (after, before, limit),
        )
        rids, last = [], ""
        for rid, offer_id in rows:
            rids.append(int(rid))
            last = str(offer_id)
        return rids, last

    def _read_stored(
        self,
        conn: sqlite3.Connection,
        refs: Sequence[int],
        decode: Callable[[bytes], Offer] = decode_doc,
    ) -> dict[int, tuple[Offer, tuple[str, ...]]]:
        marks = ", ".join("?" * len(refs))
        docs = dict(conn.execute(f"SELECT rid, doc FROM offers WHERE rid IN ({marks})", refs))
        locs = dict(
            conn.execute(f"SELECT rid, loc_keys FROM offer_meta WHERE rid IN ({marks})", refs)
        )
        read = {}
        for rid in refs:
            if rid not in docs:
                raise NotFound(f"offre inconnue (ref {rid})")
            read[rid] = (decode(docs[rid]), tuple(orjson.loads(locs.get(rid, "[]"))))
        return read

    def _territorial(self, query: CandidateQuery) -> CandidateQuery:
        """The query's départements as one more code group (the units' département postings)."""
        if not query.departements:
            return query
        if self._schema < TERRITORY_SCHEMA:
            raise IndexOutdated(
                f"index construit par une version antérieure (schéma {self._schema}) : il ne "
                "connaît pas le département de ses unités ; reconstruisez-le (ror index, ror demo)"
            )
        codes = (*query.codes, (TERRITORY_FIELD, query.departements))
        return dataclasses.replace(query, codes=codes, departements=())

    def _indexed(self, query: CandidateQuery) -> CandidateQuery:
        """The query as this index answers it: départements as one more code group; equipment
        asked of an index built before its keys were posted is an ``IndexOutdated``."""
        if query.prefilter.equipment and self._schema < EQUIPMENT_SCHEMA:
            raise IndexOutdated(
                f"index construit par une version antérieure (schéma {self._schema}) : il ne "
                "connaît pas les équipements de ses unités ; reconstruisez-le (ror index, ror demo)"
            )
        return self._territorial(query)

    def candidate_refs(self, query: CandidateQuery) -> Refs | None:
        """Sorted refs of the candidates of a ``strict`` query without a position or zones
        (``KeptCandidates``), kept by data state (the memory snapshot's positions: offers and
        capacities) and query; None without a memory index."""
        if not query.strict or query.point is not None or query.zone_keys or query.colocated_egs:
            return None
        self._refresh()
        query = self._indexed(query)
        memory = self._memory_snapshot()
        if memory is None:
            return None
        key = (memory.positions, query)
        held, _ = self._candidate_refs.take([key])
        if key in held:
            return held[key]
        plan = planner.choose_plan(query, self._code_id, self._postings, self._total)
        stream = memory_query.candidates(memory, query, plan).rings
        assert stream is not None
        parts = [ring.refs[ring.fails == 0] for ring in stream.rings()]
        refs = np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
        refs.flags.writeable = False
        self._candidate_refs.store({key: refs})
        return refs

    def candidates(self, query: CandidateQuery) -> Candidates:
        self._refresh()
        query = self._indexed(query)
        plan = planner.choose_plan(query, self._code_id, self._postings, self._total)
        memory = self._memory_snapshot()
        if memory is not None:
            found = memory_query.candidates(memory, query, plan)
            if found.rings is not None:
                found.rings.in_id_order = self._in_id_order
            return found
        conn = self.db.conn()
        by_zone: list[Candidate] = []
        zone = planner.zone_statement(query, plan)
        if zone is not None:
            for rid, dot, fails, sure in conn.execute(*zone):
                km = dot_to_km(dot) if dot is not None else None
                by_zone.append(Candidate(int(rid), km, int(fails), bool(sure)))
            by_zone.sort(key=lambda c: (c.distance_km or 0.0, c.ref))
        exclude = {c.ref for c in by_zone}
        return Candidates(
            by_zone,
            self._stream(conn, query, plan, exclude),
            plan.strategy,
            counts_without_reading=True,
        )

    def _stream(
        self,
        conn: sqlite3.Connection,
        query: CandidateQuery,
        plan: planner.Plan,
        exclude: set[int],
    ) -> Iterator[Streamed]:
        seen = set(exclude)
        for sql, params, covered in planner.stream_statements(query, plan):
            cursor = conn.execute(sql, params)
            try:
                while rows := cursor.fetchmany(_FETCH):
                    for rid, dot, fails, sure in rows:
                        if rid in seen:
                            continue
                        seen.add(rid)
                        km = dot_to_km(dot) if dot is not None else None
                        yield Candidate(rid, km, fails, bool(sure))
            finally:
                cursor.close()
            if covered is not None:
                yield RingMark(covered)

    def facets(
        self, query: CandidateQuery, radius_km: float | None, fields: Sequence[str]
    ) -> FacetCounts:
        """Counts per code of each facet field, each ignoring its own selection.

        A unit counts for field F when it lies within ``radius_km`` (or is a home-based offer
        matched by zone), carries a code of every *other* requested field, and fails no
        prefilter criterion (``prefilter.py``); units with more than
        :data:`FACET_MAX_UNITS` to count leave that facet out (listed in ``incomplete``).
        """
        self._refresh()
        query = self._indexed(query)
        memory = self._memory_snapshot()
        if memory is not None:
            plans = {
                codes: planner.choose_plan(
                    dataclasses.replace(query, codes=codes),
                    self._code_id,
                    self._postings,
                    self._total,
                )
                for codes in {tuple((k, v) for k, v in query.codes if k != n) for n in fields}
            }
            return memory_query.facets(
                memory, query, radius_km, fields, plans, self._code_names, FACET_MAX_UNITS
            )
        conn = self.db.conn()
        groups: dict[tuple[tuple[str, tuple[str, ...]], ...], list[str]] = {}
        for name in fields:
            codes = tuple((k, v) for k, v in query.codes if k != name)
            groups.setdefault(codes, []).append(name)
        counts: dict[str, dict[str, int]] = {name: {} for name in fields}
        incomplete: list[str] = []
        for codes, names in groups.items():
            deadline.check()
            sub = dataclasses.replace(query, codes=codes)
            plan = planner.choose_plan(sub, self._code_id, self._postings, self._total)
            statement = planner.population_statement(sub, plan, radius_km, FACET_MAX_UNITS + 1)
            if statement is None:
                continue
            sql, params = statement
            ranges = " OR ".join(
                "j.value BETWEEN {} AND {}".format(*field_range(name)) for name in names
            )
            rows = conn.execute(
                f"WITH pop(rid) AS MATERIALIZED ({sql}) "
                "SELECT -1, count(*) FROM pop UNION ALL "
                "SELECT j.value, count(*) FROM pop JOIN offer_meta m ON m.rid = pop.rid, "
                f"json_each(m.code_ids) j WHERE {ranges} GROUP BY j.value",
                params,
            ).fetchall()
            if rows and rows[0][1] > FACET_MAX_UNITS:
                incomplete.extend(names)
                continue
            for code_id, n in rows[1:]:
                name, code = self._code_names.get(int(code_id), ("", ""))
                if name in counts:
                    counts[name][code] = n
        for name in incomplete:
            counts.pop(name, None)
        return FacetCounts(
            counts,
            "units within the radius used (or matched by zone) having a code of every other "
            "requested field and failing no prefilter criterion",
            tuple(incomplete),
        )

    # --- replay ----------------------------------------------------------------------------

    def save_search(self, record: SearchRecord) -> None:
        self._replays.save(record)

    def get_search(self, search_id: str) -> SearchRecord | None:
        return self._replays.get(search_id)


def _visible_caps(conn: sqlite3.Connection) -> int:
    """The caps_version this connection sees (in its read transaction, if one is open)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'caps_version'").fetchone()
    return int(row[0]) if row else 0
