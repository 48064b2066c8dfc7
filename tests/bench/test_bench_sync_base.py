"""A base built in bulk (``bench.sync.build_base``: the world straight into the store and the
engine's full load, no JSON written) is the base ``ror index`` makes of the same world written as
FHIR files and upserted offer by offer; after the same delta through ``ror index``, the index and
the store hold exactly the same rows (offer numbers and code numbers aside, which are internal)."""

from __future__ import annotations

import io
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bench.sync import _env, _write, build_base, fhir_world, write_world_delta
from ror.commands.index import run_index
from ror.commands.search import index_sink
from ror.config import Settings
from ror.resources.store import ResourceStore
from ror.search.embedded.engine import EmbeddedEngine

SIZE = 1500
SEED = 11
NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
CHANGED = 40

#: The index's tables that answer searches and look-ups (``offer_meta`` and the stored in-memory
#: index hold the same by offer and code numbers; ``meta`` holds versions and generations).
INDEX_TABLES = (
    "offers",
    "offer_terms",
    "offer_dates",
    "location_dates",
    "key_days",
    "location_offers",
    "zones",
    "codes",
    "cover",
    "offer_facts",
    "capacities",
    "location_synchro",
    "sensitive",
    "offer_grams_content",
)
STORE_TABLES = ("resources", "identifiers", "links", "pending", "conflicts")


def _index(home: Path, path: Path, *, bulk: bool) -> None:
    settings = Settings.from_env(_env(home))
    engine = EmbeddedEngine(settings.db_path)
    store = ResourceStore(settings.resources_path)
    try:
        status = run_index(
            [path],
            rejects=home / "rejects.jsonl",
            out=None,
            engine=index_sink(engine, replace_all=bulk, stream=io.StringIO()),
            store=store,
            remove=engine.delete,
            stdout=io.StringIO(),
        )
    finally:
        engine.close()
        store.close()
    assert status == 0


def _rows(conn: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    """A table's rows, an offer's number (``rid``) read as its id, a code's as (field, code),
    without when the copy was made (a resource without ``meta.lastUpdated`` is listed at its
    reception: ``last_updated_ts``; ``last_updated`` is compared)."""
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    chosen, joins = [], []
    for column in columns:
        if column == "rid" or (table == "offer_grams_content" and column == "id"):
            chosen.append("o.id")
            joins.append(f"JOIN offers o ON o.rid = t.{column}")
        elif column == "code_id":
            if table != "codes":
                chosen += ["k.field", "k.code"]
                joins.append("JOIN codes k ON k.code_id = t.code_id")
        elif column not in ("received_at", "at", "last_updated_ts"):  # when this copy was made
            chosen.append(f"t.{column}")
    sql = f"SELECT {', '.join(chosen)} FROM {table} t {' '.join(joins)}"
    rows = list(conn.execute(sql))
    if table == "capacities":  # ``pos`` orders a Location's counters: its rank there counts
        seen: Counter[str] = Counter()
        ranked = []
        for row in sorted(rows, key=lambda r: (r[0], r[-1])):
            ranked.append((*row[:-1], seen[row[0]]))
            seen[row[0]] += 1
        rows = ranked
    return sorted(rows, key=repr)


def _contents(home: Path) -> dict[str, list[tuple[Any, ...]]]:
    settings = Settings.from_env(_env(home))
    found = {}
    for path, tables in ((settings.db_path, INDEX_TABLES), (settings.resources_path, STORE_TABLES)):
        conn = sqlite3.connect(path)
        try:
            found.update({f"{path.name}:{t}": _rows(conn, t) for t in tables})
        finally:
            conn.close()
    return found


@pytest.mark.slow
def test_a_bulk_base_and_a_delta_give_what_files_and_upserts_give(tmp_path: Path) -> None:
    delta = tmp_path / "delta.ndjson"
    write_world_delta(SIZE, SEED, NOW, CHANGED, delta)

    bulk = tmp_path / "bulk"
    bulk.mkdir()
    base = build_base(SIZE, SEED, NOW, bulk)
    assert base["base_offers"] == SIZE
    _index(bulk, delta, bulk=False)

    files = tmp_path / "files"
    files.mkdir()
    world = tmp_path / "world.ndjson"
    _write(world, fhir_world(SIZE, SEED, NOW))
    _index(files, world, bulk=False)  # offer by offer, 5,000 resources per transaction
    _index(files, delta, bulk=False)

    made, expected = _contents(bulk), _contents(files)
    assert made.keys() == expected.keys()
    for table, rows in expected.items():
        assert made[table] == rows, table
    for table in ("offers", "offer_terms", "cover", "capacities", "resources", "links"):
        assert any(table == name.split(":")[1] and rows for name, rows in made.items()), table
    renamed = [row for row in made["ror.sqlite:offers"] if "(modifié ".encode() in row[-1]]
    assert len(renamed) == CHANGED
