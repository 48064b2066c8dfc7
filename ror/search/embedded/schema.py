"""Tables of the embedded engine (one SQLite file, WAL mode).

=================  ========================================================================
table              content
=================  ========================================================================
``offers``         ``rid`` (integer handle), ``id`` (HealthcareService id), ``doc``: the Offer
                   as JSON without its capacities (those live per Location)
``offer_meta``     per offer: grid ``cell``, its code ids, Location keys, zone keys, and the
                   availability columns the planner reads (``beds``, ``places`` free now)
``codes``          ``code_id`` ↔ (field, code) and the number of offers carrying it
``cover``          the covering table: one row per (code, offer) plus one ``*`` row per offer,
                   keyed ``(code_id, cell, rid)`` so one code near a point is a few key ranges;
                   unit vector ``x, y, z`` and the prefilter columns ride along
``zones``          zone key (``C:31555``, ``D:31``, ``R:76``…) → home-based offer
``location_offers``  Location key → offers using it
``sensitive``      the units flagged sensitive (uniteSensible) and their champ codes
                   (`` 01 03 ``), left out of searches whose audience may not see them
``capacities``     one row per counter of a Location (``Capacity.key()``), newest wins
``searches``       replay records
``meta``           schema and data versions; ``generation``: a token new at each full load
``offer_changes``  rids of the offers written or deleted since the last full load (in order)
``caps_changes``   Locations whose counters changed (triggers on ``capacities``), in order,
                   the last :data:`CAPS_LOG_KEPT` kept
``memory_snapshot``  the in-memory index of the last full load (``memory_index.py``), so a
                   process starts without reading every table
=================  ========================================================================

The two logs let each process keep its in-memory index in step with the file at the cost of
one indexed read per search (``memory_store.py``).
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Final

from ror.model import CAPACITY_KEY_FIELDS

SCHEMA_VERSION: Final = "4"
TERRITORY_SCHEMA: Final = 3  # from this version on, each unit's département is a posting
EQUIPMENT_SCHEMA: Final = 4  # …and each unit's equipment keys (``prefilter.equipment``)

# Tables rebuilt by a full load (built under a suffix, then swapped in).
DATA_TABLES: Final = (
    "offers",
    "offer_meta",
    "codes",
    "cover",
    "zones",
    "location_offers",
    "sensitive",
    "memory_snapshot",
)

STAR_CODE_ID: Final = 0  # the "*" posting: every offer

COVER_COLUMNS: Final = (
    "code_id",
    "cell",
    "rid",
    "x",
    "y",
    "z",
    "home",
    "age_min",
    "age_max",
    "aid",
    "aid_perm",
    "aid_temp",
    "recep",
    "price",
    "closed_from",
    "reopens_at",
    "p_n0",
    "p_n1",
    "p_p0",
    "p_p1",
    "p_t0",
    "p_t1",
    "price_from",
    "price_until",
)

CAPACITY_KEY_COLUMNS: Final = CAPACITY_KEY_FIELDS


def data_tables_ddl(suffix: str = "") -> list[str]:
    s = suffix
    return [
        f"CREATE TABLE offers{s} (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
        "doc BLOB NOT NULL)",
        f"CREATE TABLE offer_meta{s} (rid INTEGER PRIMARY KEY, cell INTEGER NOT NULL, "
        "code_ids TEXT NOT NULL, loc_keys TEXT NOT NULL, zone_keys TEXT NOT NULL, "
        "beds INTEGER NOT NULL, places INTEGER NOT NULL)",
        f"CREATE TABLE codes{s} (code_id INTEGER PRIMARY KEY, field TEXT NOT NULL, "
        "code TEXT NOT NULL, postings INTEGER NOT NULL, UNIQUE (field, code))",
        f"CREATE TABLE cover{s} (code_id INTEGER NOT NULL, cell INTEGER NOT NULL, "
        "rid INTEGER NOT NULL, x REAL NOT NULL, y REAL NOT NULL, z REAL NOT NULL, "
        "home INTEGER NOT NULL, age_min INTEGER, age_max INTEGER, aid INTEGER NOT NULL, "
        "aid_perm INTEGER, aid_temp INTEGER, recep INTEGER NOT NULL, price REAL, "
        "closed_from REAL, reopens_at REAL, p_n0 REAL, p_n1 REAL, p_p0 REAL, p_p1 REAL, "
        "p_t0 REAL, p_t1 REAL, price_from REAL, price_until REAL, "
        "PRIMARY KEY (code_id, cell, rid)) WITHOUT ROWID",
        f"CREATE TABLE zones{s} (key TEXT NOT NULL, rid INTEGER NOT NULL, "
        "cell INTEGER NOT NULL, PRIMARY KEY (key, rid)) WITHOUT ROWID",
        f"CREATE TABLE location_offers{s} (loc TEXT NOT NULL, rid INTEGER NOT NULL, "
        "PRIMARY KEY (loc, rid)) WITHOUT ROWID",
        f"CREATE TABLE sensitive{s} (rid INTEGER PRIMARY KEY, champs TEXT NOT NULL)",
        f"CREATE TABLE memory_snapshot{s} (name TEXT PRIMARY KEY, data BLOB NOT NULL)",
    ]


STATE_TABLES_DDL: Final = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS capacities (loc TEXT NOT NULL, nature TEXT NOT NULL, "
    "status TEXT NOT NULL, temporality TEXT NOT NULL, gender TEXT NOT NULL, "
    "closing_type TEXT NOT NULL, extra_bed_type TEXT NOT NULL, crisis TEXT NOT NULL, "
    "assignment TEXT NOT NULL, count INTEGER NOT NULL, source TEXT NOT NULL, "
    "updated_at TEXT NOT NULL, updated_ts REAL NOT NULL, location_id TEXT NOT NULL, "
    "pos INTEGER NOT NULL, "
    "PRIMARY KEY (loc, nature, status, temporality, gender, closing_type, extra_bed_type, "
    "crisis, assignment)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS searches (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
    "record BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS offer_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "rid INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS caps_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "loc TEXT NOT NULL)",
]

CAPS_LOG_KEPT: Final = 200_000


def caps_log_triggers() -> list[str]:
    """Triggers logging every write to ``capacities`` (a full load replaces the table: they are
    created again after the swap)."""
    out = []
    for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old")):
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS caps_log_{event.lower()} AFTER {event} ON capacities "
            f"BEGIN INSERT INTO caps_changes (loc) VALUES ({row}.loc); "
            f"DELETE FROM caps_changes WHERE seq <= last_insert_rowid() - {CAPS_LOG_KEPT}; END"
        )
    return out


def table_exists(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return row.fetchone() is not None


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create every table of an empty database (idempotent)."""
    for ddl in STATE_TABLES_DDL:
        conn.execute(ddl)
    if not table_exists(conn, "offers"):
        for ddl in data_tables_ddl():
            conn.execute(ddl)
        conn.execute("INSERT INTO codes VALUES (?, '*', '*', 0)", (STAR_CODE_ID,))
    if not table_exists(conn, "memory_snapshot"):  # a database indexed before it existed
        conn.execute(data_tables_ddl()[-1])
    for ddl in caps_log_triggers():
        conn.execute(ddl)
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?), "
        "('docs_version', '0'), ('generation', ?)",
        (SCHEMA_VERSION, new_generation()),
    )


def new_generation() -> str:
    """A token naming one full load (the in-memory indexes of processes are keyed by it)."""
    return uuid.uuid4().hex
