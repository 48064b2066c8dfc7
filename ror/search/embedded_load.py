"""Full (re)build of the embedded engine's tables, swapped in atomically.

Offers stream in; documents are written as they come, everything else is gathered per offer and
written sorted at the end (the covering table in key order, so SQLite appends). The new tables
carry a suffix; one write transaction then keeps the counters pushed meanwhile when newer,
drops the old tables and renames the new ones: readers see the old index or the new one, never
a mix. The in-memory index of the new tables (``memory_index``) is stored with them, under a new
``generation``, so that every process reads it instead of building it.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import orjson

from ror.errors import RorError
from ror.model import Capacity, Offer
from ror.search import cells, memory_availability, memory_index, memory_store
from ror.search.embedded_rows import (
    CoverValues,
    StoredCounter,
    cover_values,
    encode_doc,
    field_range,
    location_key,
    location_keys,
    offer_codes,
    sensitive_champs,
    zone_keys,
)
from ror.search.embedded_schema import (
    CAPACITY_KEY_COLUMNS,
    COVER_COLUMNS,
    DATA_TABLES,
    STAR_CODE_ID,
    caps_log_triggers,
    data_tables_ddl,
    new_generation,
)
from ror.search.engine import LoadStats, Progress
from ror.search.prefilter import OfferColumns, available_counts

SUFFIX: Final = "_new"
BATCH: Final = 2000
REBUILT: Final = (*DATA_TABLES, "capacities")


@dataclass(slots=True)
class _Gathered:
    cell: int
    codes: list[tuple[str, str]]
    values: CoverValues
    zones: list[str]
    locs: list[str]
    sensitive: str | None  # champ codes of a sensitive unit (``sensitive`` table)


@dataclass(slots=True)
class BulkBuilder:
    """Builds the ``*_new`` tables from a stream of offers."""

    conn: sqlite3.Connection
    rids: dict[str, int] = field(default_factory=dict)
    gathered: list[_Gathered | None] = field(default_factory=lambda: [None])
    counters: dict[tuple[str, ...], StoredCounter] = field(default_factory=dict)
    docs: list[tuple[int, str, bytes]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    code_ids: dict[tuple[str, str], int] = field(default_factory=dict)  # after finish

    def start(self) -> None:
        for name in REBUILT:
            self.conn.execute(f"DROP TABLE IF EXISTS {name}{SUFFIX}")
        for ddl in data_tables_ddl(SUFFIX):
            self.conn.execute(ddl)
        self.code_ids = {}
        capacities = self.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'capacities'"
        ).fetchone()[0]
        self.conn.execute(capacities.replace("capacities", f"capacities{SUFFIX}", 1))

    def add(self, offer: Offer) -> None:
        try:
            gathered = _gather(offer)
            doc = encode_doc(offer)
        except (TypeError, ValueError, AttributeError, RorError) as exc:
            self.rejected.append((getattr(offer, "id", "?"), f"{type(exc).__name__}: {exc}"))
            return
        rid = self.rids.get(offer.id)
        if rid is None:
            rid = len(self.gathered)
            self.rids[offer.id] = rid
            self.gathered.append(gathered)
        else:  # the same id again: the last one wins
            self.gathered[rid] = gathered
        for c in offer.capacities:
            self._counter(location_key(offer.id, c.location_id), c)
        self.docs.append((rid, offer.id, doc))
        if len(self.docs) >= BATCH:
            self.flush_docs()

    def _counter(self, loc: str, c: Capacity) -> None:
        key = (loc, *c.key())
        old = self.counters.get(key)
        if old is None:
            self.counters[key] = StoredCounter(loc, c, len(self.counters))
        elif c.updated_at > old.capacity.updated_at:
            self.counters[key] = StoredCounter(loc, c, old.pos)

    def flush_docs(self) -> None:
        insert_chunks(
            self.conn,
            f"INSERT OR REPLACE INTO offers{SUFFIX} (rid, id, doc) VALUES (?, ?, ?)",
            self.docs,
        )
        self.docs.clear()

    def finish(self) -> None:
        """Write everything gathered, sorted."""
        self.flush_docs()
        code_ids = self._write_codes()
        self._write_meta(code_ids)  # cover keys, zones and Location links are made from it
        self._write_cover()
        self._write_zones_and_locations()
        self._write_sensitive()
        self._write_capacities()

    def memory_index(self) -> memory_index.MemoryIndex:
        """The in-memory index of the gathered offers (after :meth:`finish`)."""
        live = [(rid, g) for rid, g in enumerate(self.gathered) if g is not None]
        rids = np.asarray([rid for rid, _ in live], dtype=np.int64)
        cells = np.asarray([g.cell for _, g in live], dtype=np.int64)
        table = np.array([g.values for _, g in live], dtype=np.float64)
        columns = memory_index.static_columns(
            table.reshape(len(live), len(memory_index.STATIC_COLUMNS))
        )
        del table
        ids = self.code_ids
        pair_codes = np.fromiter((ids[pair] for _, g in live for pair in g.codes), dtype=np.int64)
        pair_rids = np.fromiter((rid for rid, g in live for _ in g.codes), dtype=np.int64)
        by_zone: dict[str, list[int]] = {}
        for rid, g in live:
            for key in g.zones:
                by_zone.setdefault(key, []).append(rid)
        zones = [(k, np.asarray(v, dtype=np.int64)) for k, v in by_zone.items()]
        sensitive = [(rid, g.sensitive) for rid, g in live if g.sensitive is not None]
        return memory_index.assemble(rids, cells, columns, pair_codes, pair_rids, zones, sensitive)

    def _write_codes(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        for g in self.gathered[1:]:
            assert g is not None
            for pair in g.codes:
                counts[pair] = counts.get(pair, 0) + 1
        next_id: dict[str, int] = {}
        ids: dict[tuple[str, str], int] = {}
        for name, code in sorted(counts):
            base = next_id.get(name, field_range(name)[0] + 1)
            ids[(name, code)] = base
            next_id[name] = base + 1
        self.code_ids = ids
        rows = [(i, name, code, counts[(name, code)]) for (name, code), i in ids.items()]
        rows.append((STAR_CODE_ID, "*", "*", len(self.gathered) - 1))
        insert_chunks(self.conn, f"INSERT INTO codes{SUFFIX} VALUES (?, ?, ?, ?)", rows)
        return ids

    def _write_cover(self) -> None:
        """The ``*`` row of each offer with its columns, then one row per (code, offer) that
        SQLite makes from it and ``offer_meta.code_ids``: each offer's columns are bound once,
        not once per code."""
        live = [(g.cell, rid) for rid, g in enumerate(self.gathered) if g is not None]
        live.sort()
        gathered = self.gathered
        marks = ", ".join("?" * len(COVER_COLUMNS))
        insert_chunks(
            self.conn,
            f"INSERT INTO cover{SUFFIX} VALUES ({marks})",
            ((STAR_CODE_ID, cell, rid, *gathered[rid].values) for cell, rid in live),  # type: ignore[union-attr]
        )
        del live
        self.conn.execute(
            "CREATE TEMP TABLE cover_keys (code_id INTEGER, cell INTEGER, rid INTEGER, "
            "PRIMARY KEY (code_id, cell, rid)) WITHOUT ROWID"
        )
        try:
            self.conn.execute(
                "INSERT INTO temp.cover_keys SELECT j.value, m.cell, m.rid "
                f"FROM offer_meta{SUFFIX} m, json_each(m.code_ids) j"
            )
            copied = ", ".join(f"s.{c}" for c in COVER_COLUMNS[3:])
            codes = [r[0] for r in self.conn.execute("SELECT DISTINCT code_id FROM cover_keys")]
            for code_id in codes:  # a transaction per code, rows in key order
                self.conn.execute(
                    f"INSERT INTO cover{SUFFIX} SELECT k.code_id, k.cell, k.rid, {copied} "
                    f"FROM temp.cover_keys k CROSS JOIN cover{SUFFIX} s "
                    f"ON s.code_id = {STAR_CODE_ID} AND s.cell = k.cell AND s.rid = k.rid "
                    "WHERE k.code_id = ? ORDER BY k.cell, k.rid",
                    (code_id,),
                )
        finally:
            self.conn.execute("DROP TABLE IF EXISTS temp.cover_keys")

    def _write_zones_and_locations(self) -> None:
        """From ``offer_meta``'s lists, sorted by SQLite."""
        for table, values, column in (
            ("zones", "j.value, m.rid, m.cell", "zone_keys"),
            ("location_offers", "j.value, m.rid", "loc_keys"),
        ):
            self.conn.execute(
                f"INSERT INTO {table}{SUFFIX} SELECT {values} FROM offer_meta{SUFFIX} m, "
                f"json_each(m.{column}) j WHERE m.{column} != '[]' ORDER BY 1, 2"
            )

    def _write_sensitive(self) -> None:
        rows = [
            (rid, g.sensitive)
            for rid, g in enumerate(self.gathered)
            if g is not None and g.sensitive is not None
        ]
        insert_chunks(self.conn, f"INSERT INTO sensitive{SUFFIX} VALUES (?, ?)", rows)

    def _write_capacities(self) -> None:
        marks = ", ".join("?" * 15)
        insert_chunks(
            self.conn,
            f"INSERT INTO capacities{SUFFIX} VALUES ({marks})",
            (c.row() for c in self.counters.values()),
        )

    def _write_meta(self, code_ids: dict[tuple[str, str], int]) -> None:
        by_loc: dict[str, list[Capacity]] = {}
        for stored in self.counters.values():
            by_loc.setdefault(stored.loc, []).append(stored.capacity)
        rows: list[tuple[Any, ...]] = []
        for rid, g in enumerate(self.gathered):
            if g is None:
                continue
            beds, places = available_counts(c for loc in g.locs for c in by_loc.get(loc, ()))
            rows.append(
                (
                    rid,
                    g.cell,
                    orjson.dumps([code_ids[p] for p in g.codes]).decode(),
                    orjson.dumps(g.locs).decode(),
                    orjson.dumps(g.zones).decode(),
                    beds,
                    places,
                )
            )
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


def _gather(offer: Offer) -> _Gathered:
    return _Gathered(
        cell=cells.cell_of(offer.place.lat, offer.place.lon),
        codes=offer_codes(offer),
        values=cover_values(offer, OfferColumns.of(offer)),
        zones=zone_keys(offer),
        locs=location_keys(offer),
        sensitive=sensitive_champs(offer),
    )


def store_memory_index(
    conn: sqlite3.Connection, builder: BulkBuilder, generation: str, caps_seq: int
) -> None:
    """Build the in-memory index of the ``*_new`` tables (from what the builder gathered: the
    same index ``memory_index.build`` reads back from them) and store it with them.

    ``caps_seq``: the capacity log position when the load started; counters pushed since are
    read again by each process (``memory_store``), those merged by :func:`swap_in` included.
    """
    index = builder.memory_index()
    figures = memory_availability.Availability.of(
        memory_availability.summarize_all(conn, SUFFIX), index
    )
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
    for ddl in caps_log_triggers():  # dropped with the old capacities table
        conn.execute(ddl)
    conn.execute("DELETE FROM offer_changes")
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)",
        (generation or new_generation(),),
    )
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'docs_version'")


def bulk_load(
    conn: sqlite3.Connection,
    offers: Iterable[Offer],
    progress: Progress | None,
) -> tuple[int, list[tuple[str, str]], float]:
    """Build and swap in; returns (offers loaded, rejected, seconds)."""
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
    builder.finish()
    generation = new_generation()
    store_memory_index(conn, builder, generation, caps_seq)
    if progress is not None:
        progress(seen)
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
    return len(builder.rids), builder.rejected, time.perf_counter() - started


def stats(loaded: int, rejected: list[tuple[str, str]], seconds: float) -> LoadStats:
    return LoadStats(loaded, seconds, True, tuple(rejected))
