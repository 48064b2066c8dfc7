"""The functions ``ror demo``, ``ror index`` and ``ror search`` call."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ror.commands.search import demo_command, index_sink, search_command
from ror.config import Settings
from ror.criteria import Criteria
from ror.errors import NotFound
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.open import open_engine
from tests.search.builders import MURET, make_offer


def test_open_engine_defaults_to_the_embedded_file(tmp_path: Path) -> None:
    settings = Settings.from_env({"ROR_DB": str(tmp_path / "x.sqlite")})
    engine = open_engine(settings, create=True)
    assert isinstance(engine, EmbeddedEngine) and engine.path == tmp_path / "x.sqlite"
    assert isinstance(open_engine(tmp_path / "x.sqlite"), EmbeddedEngine)


def test_a_missing_index_is_an_error_unless_the_command_creates_one(tmp_path: Path) -> None:
    """Issue 22: a mistyped ``--db`` created an empty index and its folders."""
    missing = tmp_path / "typo" / "ror.sqlite"
    with pytest.raises(NotFound) as caught:
        open_engine(missing)
    assert caught.value.field == "--db"
    assert not missing.parent.exists()


def test_demo_builds_and_indexes_with_progress(tmp_path: Path) -> None:
    out = io.StringIO()
    assert demo_command(tmp_path / "demo.sqlite", 300, 3, stream=out) == 0
    assert "300 offres indexées" in out.getvalue() and "/s" in out.getvalue()
    assert EmbeddedEngine(tmp_path / "demo.sqlite").count() == 300


def test_index_sink_upserts_or_replaces(tmp_path: Path) -> None:
    engine = EmbeddedEngine(tmp_path / "x.sqlite")
    out = io.StringIO()
    assert index_sink(engine, stream=out)([make_offer("a"), make_offer("b")]) == 2
    assert index_sink(engine, stream=out)([make_offer("c")]) == 1
    assert engine.count() == 3
    assert index_sink(engine, replace_all=True, stream=out)([make_offer("d")]) == 1
    assert engine.count() == 1 and "index remplacé" in out.getvalue()


def test_search_prints_a_ranked_table_or_json(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite"
    EmbeddedEngine(db).load(
        [make_offer("a", name="Réanimation A"), make_offer("b", name="Réanimation B", where=MURET)],
        replace_all=True,
    )
    out = io.StringIO()
    assert search_command(Criteria(place="Toulouse", activity=("126",)), db, False, out=out) == 0
    text = out.getvalue()
    assert text.index("Réanimation A") < text.index("Réanimation B")
    assert "km" in text and "2 unités éligibles" in text
    out = io.StringIO()
    assert search_command(Criteria(place="Toulouse", activity=("126",)), db, True, out=out) == 0
    data = json.loads(out.getvalue())
    assert [m["offer"]["id"] for m in data["matches"]] == ["a", "b"]
    assert {"id", "took_ms", "radius_km", "total", "near_misses", "facets", "warnings"} <= set(data)


def test_search_over_a_territory_says_where_and_shows_no_distance(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite"
    EmbeddedEngine(db).load([make_offer("a"), make_offer("b", where=MURET)], replace_all=True)
    out = io.StringIO()
    assert search_command(Criteria(place="Haute-Garonne"), db, False, out=out) == 0
    text = out.getvalue()
    assert text.startswith("2 unités éligibles en Haute-Garonne (31) (") and " km" not in text
    out = io.StringIO()
    assert search_command(Criteria(place="31"), db, True, out=out) == 0
    data = json.loads(out.getvalue())
    assert data["territory"]["where"] == "en Haute-Garonne (31)" and data["radius_km"] is None


def test_search_reports_bad_input_with_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite"
    EmbeddedEngine(db)
    assert search_command(Criteria(place="Nullepartville"), db, False, out=io.StringIO()) == 2
