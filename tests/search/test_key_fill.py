"""The key tables with a mark of their own (``embedded/key_fill.py``): an index written before
them fills each alone when it opens, with the rows a full load writes and the other keys
untouched; a fill taken over by another process, or overtaken by a full load, never marks its
table complete."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ror.indexer.synthetic import generate
from ror.model import Offer
from ror.search.embedded import price_keys
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.embedded.key_fill import KeyTable
from ror.search.embedded.lookups import KEY_TABLES
from tests.service import build_db

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    offers = list(generate(400, seed=3, now=NOW))
    return build_db(tmp_path_factory.mktemp("keys") / "ror.sqlite", offers)


def rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute(f"SELECT * FROM {table}"), key=repr)


def meta(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT key, value FROM meta"))


def older(loaded: Path, tmp_path: Path, tables: Sequence[KeyTable]) -> Path:
    """A copy of ``loaded`` as an index written before ``tables`` existed."""
    copy = tmp_path / "older.sqlite"
    shutil.copy(loaded, copy)
    with sqlite3.connect(copy) as conn:
        for keys in tables:
            conn.execute(f"DROP TABLE {keys.table}")
            conn.execute("DELETE FROM meta WHERE key = ?", (keys.name,))
    return copy


def test_an_index_made_before_the_key_tables_fills_each_alone_with_a_full_loads_rows(
    loaded: Path, tmp_path: Path
) -> None:
    copy = older(loaded, tmp_path, KEY_TABLES)
    before = meta(copy)
    terms = rows(copy, "offer_terms")
    EmbeddedEngine(copy).close()
    after = meta(copy)
    for keys in KEY_TABLES:
        assert after[keys.name] == "1", keys.name
        assert rows(copy, keys.table) == rows(loaded, keys.table), keys.table
    assert after["terms_version"] == before["terms_version"]  # the other keys untouched
    assert after.get("terms_fill") == before.get("terms_fill")
    assert rows(copy, "offer_terms") == terms


def fill_interrupted(copy: Path, key: str, value: str) -> int:
    """``price_keys`` filled alone while ``meta.<key>`` becomes ``value`` in its first batch."""

    def write(conn: sqlite3.Connection, offers: Sequence[tuple[int, Offer]]) -> None:
        price_keys.KEYS.write(conn, offers)
        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    engine = EmbeddedEngine(copy)
    try:
        keys = dataclasses.replace(price_keys.KEYS, write=write)
        conn = engine.db.conn()
        with engine.db.write_lock:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM meta WHERE key = ?", (keys.name,))
            conn.execute("COMMIT")
        return keys.fill(conn, engine.db.write_lock)
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("key", "why"), [("price_keys_fill", "another process took it over"), ("generation", "a load")]
)
def test_a_fill_taken_over_or_overtaken_by_a_load_leaves_the_table_unmarked(
    loaded: Path, tmp_path: Path, key: str, why: str
) -> None:
    copy = older(loaded, tmp_path, [])
    fill_interrupted(copy, key, "someone else")
    assert price_keys.KEYS.name not in meta(copy), why
    EmbeddedEngine(copy).close()  # the next opening fills it whole
    assert meta(copy)[price_keys.KEYS.name] == "1"
    assert rows(copy, price_keys.KEYS.table) == rows(loaded, price_keys.KEYS.table)
