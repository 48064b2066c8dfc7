"""Synthetic offers generated and encoded in a child process: the same rows as encoding the
generator's offers here, loaded into the same tables, and a child that stops with its reader."""

from __future__ import annotations

import os
import pickle
import queue
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ror.commands.synthetic_stream import EncodedSynthetic, _read_frames, produce
from ror.errors import InvalidInput
from ror.indexer.synthetic import generate
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.embedded.rows import EncodedOffer, encode_offer
from ror.search.embedded.schema import DATA_TABLES

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SIZE = 600


def test_the_stream_holds_the_encoded_offers_of_the_generator_in_order() -> None:
    with EncodedSynthetic(SIZE, 3, now=NOW, batch=64) as stream:
        received = list(stream)
    expected = [encode_offer(offer) for offer in generate(SIZE, 3, now=NOW)]
    assert len(received) == SIZE and all(isinstance(r, EncodedOffer) for r in received)
    assert received == expected
    assert stream.figures is not None
    assert stream.figures.generation_seconds > 0 and stream.figures.encoding_seconds > 0


@pytest.mark.parametrize("processes", [1, 3])
def test_any_number_of_children_sends_the_offers_in_the_generator_order(processes: int) -> None:
    size = 20_000  # several blocks of establishments (``synthetic_offers.BLOCK``)
    with EncodedSynthetic(size, 8, now=NOW, processes=processes) as stream:
        received = [item.id for item in stream]
    assert received == [offer.id for offer in generate(size, 8, now=NOW)]
    assert stream.figures is not None and stream.figures.processes == processes


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        tables = [t for t in DATA_TABLES if t != "memory_snapshot"]
        out = {t: sorted(conn.execute(f"SELECT * FROM {t}"), key=repr) for t in tables}
        out["capacities"] = conn.execute("SELECT * FROM capacities ORDER BY pos").fetchall()
        out["memory_snapshot"] = conn.execute(
            "SELECT name, data FROM memory_snapshot WHERE name != 'head' ORDER BY name"
        ).fetchall()
        return out


def test_a_load_from_the_stream_writes_what_a_load_of_the_offers_writes(tmp_path: Path) -> None:
    here, there = tmp_path / "offers.sqlite", tmp_path / "stream.sqlite"
    EmbeddedEngine(here).load(generate(SIZE, 4, now=NOW), replace_all=True)
    with EncodedSynthetic(SIZE, 4, now=NOW, batch=100) as stream:
        stats = EmbeddedEngine(there).load(stream, replace_all=True)
    assert stats.loaded == SIZE and not stats.rejected
    expected, got = _rows(here), _rows(there)
    assert got.keys() == expected.keys()
    for table, rows in expected.items():
        assert got[table] == rows, table
    assert len(got["offers"]) == SIZE and got["capacities"]


def test_a_reader_that_stops_early_stops_the_child() -> None:
    stream = EncodedSynthetic(200_000, 1, now=NOW, batch=10)
    with stream:
        first = next(iter(stream))
        assert first.id == "syn-hs-0000001"
    assert stream._children and all(c.process.poll() is not None for c in stream._children)


def test_bad_sizes_and_seeds_are_refused_before_any_process_starts() -> None:
    with pytest.raises(InvalidInput) as size:
        EncodedSynthetic(-1, 0)
    assert size.value.field == "size"
    with pytest.raises(InvalidInput) as seed:
        EncodedSynthetic(10, True)
    assert seed.value.field == "seed"
    for processes in (0, -2, True, 1.5):
        with pytest.raises(InvalidInput) as error:
            EncodedSynthetic(10, 0, processes=processes)  # type: ignore[arg-type]
        assert error.value.field == "processes"


def test_the_child_reports_a_bad_input_as_its_last_message() -> None:
    read_end, write_end = os.pipe()
    produce(write_end, -1, 0, NOW, 10)  # what the child runs, here with a size generate refuses
    os.close(write_end)
    frames: queue.Queue[bytes | None] = queue.Queue()
    _read_frames(read_end, frames)
    first, end = frames.get(), frames.get()
    assert first is not None and end is None
    tag, error, _, field = pickle.loads(first)
    assert (tag, error, field) == ("failed", "InvalidInput", "size")
