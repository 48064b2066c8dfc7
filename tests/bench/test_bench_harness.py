"""The whole benchmark at a tiny size: it runs, measures what the issue asks, and reuses its
dataset (a smoke test of the harness, not a timed test: no figure is compared with a target).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.dataset import dataset_paths
from bench.run import main
from bench.scenarios import SCENARIOS

SIZE = 3000
SEED = 5


def _run(capsys: pytest.CaptureFixture[str], out: Path, *extra: str) -> tuple[dict[str, Any], str]:
    data_dir = out.parent / "data"
    argv = [
        "--size",
        str(SIZE),
        "--seed",
        str(SEED),
        "--data-dir",
        str(data_dir),
        "--queries",
        "3",
        "--baseline-queries",
        "2",
        "--exact-sample",
        "2",
        "--out",
        str(out),
        *extra,
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    return json.loads(out.read_text(encoding="utf-8")), printed


@pytest.fixture(scope="module")
def bench_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench")


def test_full_run_with_http(capsys: pytest.CaptureFixture[str], bench_dir: Path) -> None:
    results, printed = _run(
        capsys,
        bench_dir / "results.json",
        "--http-seconds",
        "1.5",
        "--load-generator",
        "python",
        "--updates",
        "50",
    )
    assert set(results["scenarios"]) == {s.name for s in SCENARIOS}
    for name, s in results["scenarios"].items():
        assert s["queries"] == 3 and not s["errors"], name
        assert 0 < s["p50_ms"] <= s["p95_ms"], name
        assert s["baseline_p50_ms"] > 0 and s["baseline_queries"] == 2, name
        assert s["exact"] is True and s["exact_checked"] == 2, (name, s["exact_failures"])
        assert name in printed
    assert results["mix"]["queries"] == 15 and results["mix"]["exact"] is True
    assert all(c["status"] == 200 for c in results["http"]["checks"].values())
    assert results["http_rps"] > 0 and results["http"]["load"]["errors"] == {}
    assert results["http_p95_ms"] >= results["http"]["load"]["p50_ms"] > 0
    again = results["http"]["load_again"]
    assert again["rps"] > 0 and again["errors"] == {} and again["p95_ms"] >= again["p50_ms"] > 0
    assert "HTTP again, each request answered before" in printed
    assert len(results["http"]["workers_peak_rss_mb"]) == 2
    assert 50 < results["rss_mb"] < 4000
    assert results["rss"]["measured_on"].startswith("largest uvicorn worker")
    assert results["index"]["measured_in_this_run"] is True
    assert results["index"]["loaded"] == SIZE and results["index_seconds"] > 0
    updates = results["updates"]["alone"]
    assert updates["pushes"] == 50 and updates["applied"] == updates["counters"] > 0
    under = [u for label, u in results["updates"].items() if "during HTTP load" in label]
    assert len(under) == 2 and all(u["ignored_stale"] == 0 and u["pushes"] > 0 for u in under)
    assert {t["name"] for t in results["targets"]} >= {"search p50 (mix)", "HTTP throughput"}
    db, meta = dataset_paths(bench_dir / "data", SIZE, SEED)
    assert db.exists() and meta.exists()
    assert not db.with_name(db.stem + ".run.sqlite").exists()  # the run's copy is removed


def test_second_run_reuses_the_dataset_and_says_so(
    capsys: pytest.CaptureFixture[str], bench_dir: Path
) -> None:
    first = json.loads((bench_dir / "results.json").read_text(encoding="utf-8"))
    results, printed = _run(capsys, bench_dir / "again.json", "--skip-http", "--updates", "0")
    assert "reusing" in printed and "recorded when the dataset was built" in printed
    assert results["index"]["measured_in_this_run"] is False
    assert results["index_seconds"] == first["index_seconds"]
    assert results["http"] is None and results["http_rps"] is None
    assert results["rss"]["measured_on"].startswith("a process running the engine alone")
    assert results["rss_mb"] > 50
    assert results["mix"]["exact"] is True
