"""The ``ror`` command end to end: demo, index, search, geocode, exit statuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ror.cli import main
from ror.source_data import ROR_EXAMPLES

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fhir"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "demo.sqlite"
    assert main(["demo", "--size", "3000", "--seed", "7", "--db", str(db)]) == 0
    return db


def test_geocode_json_lists_candidates_best_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["geocode", "saint", "etienne", "--json", "--limit", "2"]) == 0
    candidates = json.loads(capsys.readouterr().out)
    assert candidates[0]["insee"] == "42218"
    assert {"insee", "name", "postcodes", "lat", "lon", "departement", "region"} <= set(
        candidates[0]
    )


def test_geocode_unknown_place_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["geocode", "zzzzqqqq"]) == 1
    assert "zzzzqqqq" in capsys.readouterr().err


def test_search_prints_ranked_json(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        ["search", "ehpad", "--place", "Toulouse", "--limit", "3", "--db", str(demo_db), "--json"]
    )
    assert status == 0
    result = json.loads(capsys.readouterr().out)
    assert 1 <= len(result["matches"]) <= 3
    distances = [m["distance_km"] for m in result["matches"]]
    assert distances == sorted(distances) or result["matches"][0]["score"] >= 0


def test_search_table_is_readable(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--place", "31000", "--offer-type", "21", "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    assert "km" in out


def test_search_bad_value_is_usage_error(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["search", "--place", "31000", "--radius-km", "-3", "--db", str(demo_db)])
    assert status == 2
    assert "radius_km" in capsys.readouterr().err


def test_search_unknown_place_names_the_field(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "--place", "Nullepartville", "--db", str(demo_db)]) == 2
    assert "place" in capsys.readouterr().err


def test_index_loads_good_records_and_reports_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The linked fixtures (built from the real IG examples) plus invalid ones: the good offers
    land in the engine, the bad ones go to the rejects report, and the exit status is 0."""
    db = tmp_path / "real.sqlite"
    rejects = tmp_path / "rejects.jsonl"
    status = main(["index", str(FIXTURES), "--db", str(db), "--rejects", str(rejects)])
    out = capsys.readouterr().out
    assert status == 0, out
    lines = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert lines and all({"source", "resource", "field", "reason"} <= set(r) for r in lines)
    from ror.search.open import open_engine

    engine = open_engine(db)
    try:
        assert engine.count() >= 1
    finally:
        engine.close()


def test_a_first_index_is_a_full_load_and_the_next_ones_update(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Into an empty index, ``ror index`` takes the engine's full load (the look-up keys filled
    once at the end); into a filled one it updates, and the same files again change nothing."""
    from ror.search.engine import Lookups
    from ror.search.open import open_engine

    db = tmp_path / "first.sqlite"
    args = ["index", str(FIXTURES), "--db", str(db), "--rejects", str(tmp_path / "r.jsonl")]
    assert main(args) == 0
    first = capsys.readouterr()
    assert "index remplacé" in first.err and "mises à jour" not in first.err
    engine = open_engine(db)
    try:
        loaded = engine.count()
        assert loaded >= 1 and isinstance(engine, Lookups) and engine.lookup_ready()
    finally:
        engine.close()
    main(args)
    again = capsys.readouterr()
    assert "mises à jour" in again.err and "changes: 0 " in again.out
    engine = open_engine(db)
    try:
        assert engine.count() == loaded
    finally:
        engine.close()


def test_index_only_unlinked_records_fails(tmp_path: Path) -> None:
    """The real examples alone reference organisations that are not supplied: all rejected."""
    rejects = tmp_path / "rejects.jsonl"
    db = str(tmp_path / "x.sqlite")
    assert main(["index", str(ROR_EXAMPLES), "--db", db, "--rejects", str(rejects)]) == 1
    assert "unresolved reference" in rejects.read_text()


def test_index_missing_path_is_usage_error(tmp_path: Path) -> None:
    assert main(["index", str(tmp_path / "nope.json"), "--db", str(tmp_path / "x.sqlite")]) == 2


def test_elasticsearch_engine_needs_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROR_ES_URL", raising=False)
    assert main(["index", str(tmp_path), "--engine", "elasticsearch"]) == 2


def test_token_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tokens = str(tmp_path / "tokens.json")
    assert main(["token", "--tokens", tokens, "create", "SAMU 31", "--profile", "1"]) == 0
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("ror_")
    assert main(["token", "--tokens", tokens, "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [t["name"] for t in listed] == ["SAMU 31"]
    assert secret not in json.dumps(listed)
    assert secret.split("_", 2)[2] not in Path(tokens).read_text()  # ror_{id}_{secret}
    assert main(["token", "--tokens", tokens, "revoke", "SAMU 31"]) == 0
    assert main(["token", "--tokens", tokens, "revoke", "nobody"]) == 2


def test_overview_prints_json_totals(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["overview", "--db", str(demo_db), "--activity", "126,127", "--json"]) == 0
    overview = json.loads(capsys.readouterr().out)
    areas = overview["areas"]
    assert areas and overview["group_by"] == "region"
    assert overview["totals"]["available"] == sum(a["available"] for a in areas)


def test_availability_import_applies_then_ignores_stale(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ror.indexer.synthetic import generate

    offer = next(o for o in generate(3000, 7) if o.location_ids and o.establishment.finess)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    snapshot = tmp_path / "lits.csv"
    snapshot.write_text(
        "etablissement;unite;horodatage;installes;disponibles;occupes\n"
        f"{offer.establishment.finess};{offer.location_ids[0]};{at};12;3;9\n"
        f"{offer.establishment.finess};nowhere;{at};1;1;0\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    args = [
        "availability",
        "import",
        str(snapshot),
        "--db",
        str(demo_db),
        "--rejects",
        str(rejects),
    ]
    assert main(args) == 0
    assert "nowhere" in rejects.read_text()
    assert " 0 compteurs appliqués" not in capsys.readouterr().err
    assert main(args) == 0  # the same snapshot again: nothing newer, nothing applied
    assert " 0 compteurs appliqués" in capsys.readouterr().err


def test_a_mistyped_db_is_an_error_not_an_empty_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 22: ``ror search --db typo`` created an empty index and exited 0 with nothing."""
    typo = tmp_path / "tpyo" / "demo.sqlite"
    assert main(["search", "ehpad", "--db", str(typo)]) == 2
    assert "--db" in capsys.readouterr().err
    assert main(["overview", "--db", str(typo)]) == 2
    assert main(["serve", "--db", str(typo), "--port", "1"]) == 2
    assert not typo.parent.exists()
