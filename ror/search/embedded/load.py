"""Full (re)build of the embedded engine's tables, swapped in atomically.

Offers stream in, as :class:`~ror.model.Offer` or already encoded into their rows
(``embedded_rows.encode_offer``, done by other processes for ``ror demo`` and the benchmark:
``ror.commands.synthetic_stream``). What is keyed by the offer is written as they come; code ids,
``offer_meta``, the covering table and the zones (in key order, so SQLite appends rather than
rewrites pages all over the table at each commit) at the end (:class:`BulkBuilder`). The offer
facts of the availability side are written with them. The garbage collector is paused meanwhile
(``ror.heap.collector_paused``). The new tables carry a suffix; one write transaction then keeps
the counters pushed meanwhile when newer, drops the old tables and renames the new ones: readers
see the old index or the new one, never a mix. The in-memory index of the new tables
(``memory_index``) is stored with them, under a new ``generation``, so that every process reads
it instead of building it.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

import numpy as np
import orjson
from numpy.typing import NDArray

from ror.heap import collector_paused
from ror.model import Offer
from ror.search.embedded import counter_lookup
from ror.search.embedded.memory import availability as memory_availability
from ror.search.embedded.memory import index as memory_index
from ror.search.embedded.memory import store as memory_store
from ror.search.embedded.rows import (
    EncodedCounter,
    EncodedOffer,
    Rejected,
    encode_offer,
    field_range,
)
from ror.search.embedded.schema import (
    CAPACITY_KEY_COLUMNS,
    COVER_COLUMNS,
    DATA_TABLES,
    SCHEMA_VERSION,
    STAR_CODE_ID,
    caps_log_triggers,
    data_tables_ddl,
    new_generation,
)
from ror.search.engine import LoadStats, Progress

SUFFIX: Final = "_new"
BATCH: Final = 2000
REBUILT: Final = (*DATA_TABLES, "capacities", "offer_facts", "location_synchro")
_COPIED: Final = ("capacities", "offer_facts", "location_synchro")  # tables made elsewhere

_log = logging.getLogger(__name__)

Loadable = Offer | EncodedOffer | Rejected  # offers, or offers already encoded (elsewhere)


class _Kept(NamedTuple):
    """What a full load keeps of an offer until the end (its document is written at once)."""

    cell: int
    codes: list[int]  # provisional code numbers (``BulkBuilder.pairs``)
    zones: list[str]
    locs: list[str]
    sensitive: str | None
    position: int  # of its cover values in ``BulkBuilder.values``


@dataclass(slots=True)
class BulkBuilder:
    """Builds the ``*_new`` tables from a stream of offers (or of their encoded rows).

    As offers come (a transaction per :data:`BATCH`): documents, facts, Location links and
    counters (merged: the newest wins) are written, the ``*`` rows of ``cover`` go to a
    temporary in-memory table and the cover values into numpy blocks (the in-memory index). An
    id seen again replaces what its earlier version wrote. At the end: code ids (sorted per
    field), the ``cover`` and ``zones`` rows in key order, ``offer_meta``; the in-memory index
    is assembled and the ``offer_meta`` rows made in threads meanwhile (numpy and SQLite let go
    of the interpreter).
    """

    conn: sqlite3.Connection
    rids: dict[str, int] = field(default_factory=dict)
    kept: list[_Kept | None] = field(default_factory=lambda: [None])  # per rid (0 unused)
    pairs: dict[tuple[str, str], int] = field(default_factory=dict)  # (field, code) -> number
    # per counter key: the newest counter and its position (read order)
    counters: dict[tuple[Any, ...], tuple[EncodedCounter, int]] = field(default_factory=dict)
    values: list[NDArray[np.float64]] = field(default_factory=list)  # cover values, in blocks
    pending: list[tuple[int, EncodedOffer]] = field(default_factory=list)  # (rid, offer)
    changed: set[tuple[Any, ...]] = field(default_factory=set)  # counters to write
    stale: list[tuple[int, _Kept]] = field(default_factory=list)  # earlier versions (rid)
    synchro: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # rid -> codes
    rejected: list[tuple[str, str]] = field(default_factory=list)
    code_ids: dict[tuple[str, str], int] = field(default_factory=dict)  # after finish
    seen: int = 0  # offers encoded (cover values rows)

    def start(self) -> None:
        for name in REBUILT:
            self.conn.execute(f"DROP TABLE IF EXISTS {name}{SUFFIX}")
        for ddl in data_tables_ddl(SUFFIX):
            self.conn.execute(ddl)
        self.code_ids = {}
        for name in _COPIED:  # the same definition under the suffix
            (ddl,) = self.conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            ).fetchone()
            self.conn.execute(ddl.replace(name, f"{name}{SUFFIX}", 1))
        # the ``*`` rows as offers come, by rid (the last of an id wins), in memory:
        # ``cover`` gets them at the end in key order, and its other rows copied from them
        columns = ", ".join(COVER_COLUMNS[3:])  # no type: values as bound, as into cover
        self.conn.execute("DROP TABLE IF EXISTS temp.cover_stars")
        self.conn.execute(
            f"CREATE TEMP TABLE cover_stars (rid INTEGER PRIMARY KEY, cell INTEGER NOT NULL, "
            f"{columns})"
        )

    def add(self, item: Loadable) -> None:
        """One offer: encoded here unless it comes encoded (or rejected) already."""
        if isinstance(item, Rejected):
            self.rejected.append((item.id, item.reason))
            return
        encoded = item if isinstance(item, EncodedOffer) else encode_offer(item)
        if isinstance(encoded, Rejected):
            self.rejected.append((encoded.id, encoded.reason))
            return
        pairs = self.pairs
        codes = [pairs.setdefault(pair, len(pairs)) for pair in encoded.codes]
        kept = _Kept(encoded.cell, codes, encoded.zones, encoded.locs, encoded.sensitive, self.seen)
        self.seen += 1
        rid = self.rids.get(encoded.id)
        if rid is None:
            rid = len(self.kept)
            self.rids[encoded.id] = rid
            self.kept.append(kept)
        else:  # the same id again: the last one wins
            old = self.kept[rid]
            assert old is not None
            self.stale.append((rid, old))
            self.kept[rid] = kept
        counters = self.counters
        for counter in encoded.counters:
            key = counter.row[:9]
            known = counters.get(key)
            if known is None:
                counters[key] = (counter, len(counters))
                self.changed.add(key)
            elif counter.row[12] > known[0].row[12]:  # newer (updated_ts)
                counters[key] = (counter, known[1])
                self.changed.add(key)
        self.pending.append((rid, encoded))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the pending documents, ``*`` rows, facts, Location links and counters (one
        transaction)."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        stale, self.stale = self.stale, []
        latest = dict(pending)  # rid -> its last version
        links = [(loc, rid) for rid, e in latest.items() for loc in e.locs]
        counters = [(*self.counters[k][0].row, self.counters[k][1]) for k in self.changed]
        self.changed = set()
        rows = [(rid, e.id, e.doc) for rid, e in pending]
        facts = [(rid, e.id, *e.facts) for rid, e in pending]
        for rid, e in pending:
            if e.synchro:
                self.synchro[rid] = e.synchro
            else:
                self.synchro.pop(rid, None)
        self.values.append(np.array([e.values for _, e in pending], dtype=np.float64))
        stars = [(rid, e.cell, *e.values) for rid, e in pending]
        marks = ", ".join("?" * (len(COVER_COLUMNS) - 1))
        self.conn.execute("BEGIN")
        try:
            self.conn.executemany(
                f"INSERT OR REPLACE INTO offers{SUFFIX} (rid, id, doc) VALUES (?, ?, ?)", rows
            )
            self.conn.executemany(f"INSERT OR REPLACE INTO cover_stars VALUES ({marks})", stars)
            self.conn.executemany(
                f"INSERT OR REPLACE INTO offer_facts{SUFFIX} VALUES (?, ?, ?, ?, ?, ?, ?)", facts
            )
            self.conn.executemany(  # rows of earlier versions of an offer
                f"DELETE FROM location_offers{SUFFIX} WHERE loc = ? AND rid = ?",
                [(loc, rid) for rid, k in stale for loc in k.locs],
            )
            self.conn.executemany(
                f"INSERT OR REPLACE INTO location_offers{SUFFIX} VALUES (?, ?)", links
            )
            marks = ", ".join("?" * 15)
            self.conn.executemany(
                f"INSERT OR REPLACE INTO capacities{SUFFIX} VALUES ({marks})", counters
            )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def finish(self) -> tuple[memory_index.MemoryIndex, memory_availability.Figures | None]:
        """Write everything gathered, sorted; returns the in-memory index of the offers and
        their availability figures (None: to read from this connection)."""
        self.flush()
        started = time.perf_counter()
        path = _file_of(self.conn)
        live: list[_Kept] = self.kept[1:]  # type: ignore[assignment]
        counts = np.fromiter((len(k.codes) for k in live), dtype=np.int64, count=len(live))
        numbers = np.fromiter(
            itertools.chain.from_iterable(k.codes for k in live),
            dtype=np.int64,
            count=int(counts.sum()),
        )
        code_ids = self._write_codes(numbers)
        arrays = self._index_arrays(live, code_ids[numbers], counts)
        _log.debug("codes and index arrays: %.1f s", time.perf_counter() - started)
        with ThreadPoolExecutor(3, thread_name_prefix="ror-full-load") as pool:
            index = pool.submit(memory_index.assemble, *arrays)
            meta = pool.submit(self._meta_rows, code_ids)  # made while SQLite copies cover rows
            # counters and Location links are all written: read them on a connection of its own
            figures = pool.submit(_figures_apart, path, len(live)) if path else None
            self._timed(self._write_cover, arrays[1], arrays[3], arrays[4])
            self._timed(self._write_zones, arrays[1], arrays[5])
            self._timed(self._write_meta, meta.result())
            self._timed(self._write_sensitive)
            insert_chunks(
                self.conn,
                f"INSERT OR IGNORE INTO location_synchro{SUFFIX} VALUES (?, ?)",
                (pair for pairs in self.synchro.values() for pair in pairs),
            )
            return index.result(), figures.result() if figures else None

    def _timed(self, step: Callable[..., None], *args: Any) -> None:
        started = time.perf_counter()
        step(*args)
        _log.debug("%s: %.1f s", step.__name__, time.perf_counter() - started)

    def _index_arrays(
        self, live: list[_Kept], pair_codes: NDArray[np.int64], counts: NDArray[np.int64]
    ) -> tuple[Any, ...]:
        """The arguments of ``memory_index.assemble``: offers by rid (1…n), each with its
        ``counts`` codes in ``pair_codes``."""
        n = len(live)
        rids = np.arange(1, n + 1, dtype=np.int64)
        cells = np.fromiter((k.cell for k in live), dtype=np.int64, count=n)
        positions = np.fromiter((k.position for k in live), dtype=np.int64, count=n)
        width = len(memory_index.STATIC_COLUMNS)
        table = np.concatenate(self.values) if self.values else np.empty((0, width))
        columns = memory_index.static_columns(table[positions].reshape(n, width))
        del table
        self.values = []
        pair_rids = np.repeat(rids, counts)
        by_zone: dict[str, list[int]] = {}
        for rid, k in enumerate(live, 1):
            for key in k.zones:
                by_zone.setdefault(key, []).append(rid)
        zones = [(key, np.asarray(v, dtype=np.int64)) for key, v in by_zone.items()]
        sensitive = [(rid, k.sensitive) for rid, k in enumerate(live, 1) if k.sensitive]
        return rids, cells, columns, pair_codes, pair_rids, zones, sensitive

    def _write_codes(self, numbers: NDArray[np.int64]) -> NDArray[np.int64]:
        """The ``codes`` table, from the code numbers of every offer; returns the code id of
        each number."""
        counts = np.bincount(numbers, minlength=len(self.pairs))
        next_id: dict[str, int] = {}
        ids: dict[tuple[str, str], int] = {}
        for name, code in sorted(self.pairs):
            base = next_id.get(name, field_range(name)[0] + 1)
            ids[(name, code)] = base
            next_id[name] = base + 1
        self.code_ids = ids
        by_number = np.zeros(len(self.pairs), dtype=np.int64)
        rows = []
        for pair, number in self.pairs.items():
            by_number[number] = ids[pair]
            if counts[number]:
                rows.append((ids[pair], *pair, int(counts[number])))
        rows.append((STAR_CODE_ID, "*", "*", len(self.kept) - 1))
        insert_chunks(self.conn, f"INSERT INTO codes{SUFFIX} VALUES (?, ?, ?, ?)", rows)
        return by_number

    def _write_cover(
        self,
        cells: NDArray[np.int64],
        pair_codes: NDArray[np.int64],
        pair_rids: NDArray[np.int64],
    ) -> None:
        """The ``*`` rows in key order, then one row per (code, offer) copied by SQLite from
        the offer's ``*`` row (each offer's columns were bound once, not once per code), code
        by code in key order: the rids of a code go in as one JSON array."""
        copied = ", ".join(f"s.{c}" for c in COVER_COLUMNS[3:])
        self._in_transaction(
            f"INSERT INTO cover{SUFFIX} SELECT {STAR_CODE_ID}, s.cell, s.rid, {copied} "
            "FROM temp.cover_stars s ORDER BY s.cell, s.rid"
        )
        order = np.lexsort((pair_rids, cells[pair_rids - 1], pair_codes))
        rids, codes = pair_rids[order], pair_codes[order]
        bounds = np.flatnonzero(np.diff(codes)) + 1
        sql = (
            f"INSERT INTO cover{SUFFIX} SELECT ?, s.cell, s.rid, {copied} "
            "FROM json_each(?) j CROSS JOIN temp.cover_stars s ON s.rid = j.value"
        )
        for part_rids, part_codes in zip(
            np.split(rids, bounds), np.split(codes, bounds), strict=True
        ):
            if len(part_rids):  # a transaction per code
                text = "[" + ",".join(map(str, part_rids.tolist())) + "]"
                self._in_transaction(sql, (int(part_codes[0]), text))
        self.conn.execute("DROP TABLE temp.cover_stars")

    def _write_zones(
        self, cells: NDArray[np.int64], zones: list[tuple[str, NDArray[np.int64]]]
    ) -> None:
        """The ``zones`` rows in key order (``zones``: each key's rids, ascending)."""
        by_rid = cells.tolist()
        insert_chunks(
            self.conn,
            f"INSERT INTO zones{SUFFIX} VALUES (?, ?, ?)",
            (
                (key, rid, by_rid[rid - 1])
                for key, rids in sorted(zones, key=lambda zone: zone[0])
                for rid in rids.tolist()
            ),
        )

    def _in_transaction(self, sql: str, parameters: tuple[Any, ...] = ()) -> None:
        self.conn.execute("BEGIN")
        try:
            self.conn.execute(sql, parameters)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def _write_sensitive(self) -> None:
        rows = [
            (rid, k.sensitive)
            for rid, k in enumerate(self.kept)
            if k is not None and k.sensitive is not None
        ]
        insert_chunks(self.conn, f"INSERT INTO sensitive{SUFFIX} VALUES (?, ?)", rows)

    def _meta_rows(self, code_ids: NDArray[np.int64]) -> list[tuple[Any, ...]]:
        """The ``offer_meta`` rows (code ids by provisional number: ``code_ids``)."""
        free: dict[str, tuple[int, int]] = {}  # Location key -> free (beds, places) now
        for counter, _ in self.counters.values():
            loc = counter.row[0]
            beds, places = free.get(loc, (0, 0))
            free[loc] = (beds + counter.beds, places + counter.places)
        by_number = code_ids.tolist()
        dumps = orjson.dumps
        rows: list[tuple[Any, ...]] = []
        for rid, k in enumerate(self.kept):
            if k is None:
                continue
            beds = places = 0
            for loc in k.locs:
                b, p = free.get(loc, (0, 0))
                beds += b
                places += p
            rows.append(
                (
                    rid,
                    k.cell,
                    dumps([by_number[n] for n in k.codes]).decode(),
                    dumps(k.locs).decode(),
                    dumps(k.zones).decode(),
                    beds,
                    places,
                )
            )
        return rows

    def _write_meta(self, rows: list[tuple[Any, ...]]) -> None:
        insert_chunks(
            self.conn, f"INSERT INTO offer_meta{SUFFIX} VALUES (?, ?, ?, ?, ?, ?, ?)", rows
        )


def insert_chunks(
    conn: sqlite3.Connection, sql: str, rows: Iterable[tuple[Any, ...]], size: int = 100_000
) -> None:
    """executemany in transactions of ``size`` rows, so other writers can interleave."""
    iterator = iter(rows)
    while True:
        chunk = list(itertools.islice(iterator, size))
        if not chunk:
            return
        conn.execute("BEGIN")
        try:
            conn.executemany(sql, chunk)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _file_of(conn: sqlite3.Connection) -> str:
    """The main database file of a connection ("" in memory)."""
    for _, name, path in conn.execute("PRAGMA database_list"):
        if name == "main":
            return str(path or "")
    return ""


def _figures_apart(path: str, top: int) -> memory_availability.Figures:
    """The availability figures of the ``*_new`` tables, read on a connection of its own."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60.0)
    try:
        return memory_availability.summarize_all(conn, SUFFIX, top=top)
    finally:
        conn.close()


def store_memory_index(
    conn: sqlite3.Connection,
    index: memory_index.MemoryIndex,
    generation: str,
    caps_seq: int,
    base: memory_availability.Figures | None = None,
) -> None:
    """Store the in-memory index of the ``*_new`` tables (built from what the builder
    gathered: the same index ``memory_index.build`` reads back from them) with them, and the
    availability figures of their offers (``base``, or read here).

    ``caps_seq``: the capacity log position when the load started; counters pushed since are
    read again by each process (``memory_store``), those merged by :func:`swap_in` included.
    """
    if base is None:
        base = memory_availability.summarize_all(conn, SUFFIX)
    figures = memory_availability.Availability.of(base, index)
    snapshot = memory_store.Snapshot(
        generation, 0, caps_seq, index, None, None, frozenset(), figures
    )
    insert_chunks(
        conn,
        f"INSERT INTO memory_snapshot{SUFFIX} VALUES (?, ?)",
        memory_store.snapshot_rows(snapshot),
        size=8,
    )


def swap_in(conn: sqlite3.Connection, generation: str | None = None) -> None:
    """Replace the live tables by the ``*_new`` ones in one transaction (call inside it).

    Counters stored in the live table that are newer than the loaded ones (pushed while the
    load ran) are kept, for the Locations the new data still has. The data get a new
    ``generation`` (the one their stored in-memory index was built for) and the log of
    written offers starts again.
    """
    key = ", ".join(("loc", *CAPACITY_KEY_COLUMNS))
    conn.execute(
        f"INSERT INTO capacities{SUFFIX} SELECT old.* FROM capacities old "
        f"WHERE old.loc IN (SELECT loc FROM location_offers{SUFFIX}) AND true "
        f"ON CONFLICT ({key}) DO UPDATE SET count = excluded.count, source = excluded.source, "
        "updated_at = excluded.updated_at, updated_ts = excluded.updated_ts "
        f"WHERE excluded.updated_ts > capacities{SUFFIX}.updated_ts"
    )
    for name in REBUILT:
        conn.execute(f"DROP TABLE IF EXISTS {name}")
        conn.execute(f"ALTER TABLE {name}{SUFFIX} RENAME TO {name}")
    for ddl in (*caps_log_triggers(), *counter_lookup.DDL):  # dropped with the old table
        conn.execute(ddl)
    conn.execute("DELETE FROM offer_changes")
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?), ('schema_version', ?)",
        (generation or new_generation(), SCHEMA_VERSION),
    )
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'docs_version'")
    conn.execute(  # the offer facts were built with the offers: in step with them
        "INSERT INTO meta (key, value) SELECT 'facts_version', value FROM meta "
        "WHERE key = 'docs_version' ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )


def bulk_load(
    conn: sqlite3.Connection,
    offers: Iterable[Loadable],
    progress: Progress | None,
) -> tuple[int, list[tuple[str, str]], float]:
    """Build and swap in; returns (offers loaded, rejected, seconds). ``offers`` may come
    encoded already (``embedded_rows.encode_offer``, e.g. by another process)."""
    with collector_paused():
        return _bulk_load(conn, offers, progress)


def _bulk_load(
    conn: sqlite3.Connection,
    offers: Iterable[Loadable],
    progress: Progress | None,
) -> tuple[int, list[tuple[str, str]], float]:
    started = time.perf_counter()
    _, _, caps_seq = memory_store.positions(conn)
    builder = BulkBuilder(conn)
    # The new tables are invisible until the swap: no need to wait for the disk meanwhile.
    conn.execute("PRAGMA synchronous = OFF")
    builder.start()
    seen = 0
    for offer in offers:
        builder.add(offer)
        seen += 1
        if progress is not None and seen % 10_000 == 0:
            progress(seen)
    _log.debug("%d offers read and written: %.1f s", seen, time.perf_counter() - started)
    index, base = builder.finish()
    mark = time.perf_counter()
    generation = new_generation()
    store_memory_index(conn, index, generation, caps_seq, base)
    _log.debug("in-memory index stored: %.1f s", time.perf_counter() - mark)
    if progress is not None:
        progress(seen)
    mark = time.perf_counter()
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        swap_in(conn, generation)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA synchronous = NORMAL")
    _log.debug("swapped in: %.1f s", time.perf_counter() - mark)
    return len(builder.rids), builder.rejected, time.perf_counter() - started


def stats(loaded: int, rejected: list[tuple[str, str]], seconds: float) -> LoadStats:
    return LoadStats(loaded, seconds, True, tuple(rejected))
