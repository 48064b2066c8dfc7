"""``python -m bench``: the whole benchmark, top-down (see the package docstring).

dataset (build or reuse) -> scratch copy -> queries -> engine -> baseline -> exactness
-> capacity pushes -> HTTP (with pushes under load) -> serving memory -> report
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.dataset import Dataset, ensure_dataset, remove_scratch, scratch_copy
from bench.http_phase import run_http
from bench.inprocess import (
    CLOCKS,
    ScenarioRun,
    check_exactness,
    mix_figures,
    run_baseline,
    run_engine,
)
from bench.options import Options, parse_args
from bench.reference import Reference
from bench.report import render, targets, write
from bench.scenarios import generate_queries
from bench.stats import Phases, code_state, machine
from bench.updates import Pushes, push
from ror.criteria import Criteria
from ror.search.embedded.engine import EmbeddedEngine

Say = Callable[[str], None]


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        results = run(options)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1
    print()
    print(render(results))
    write(results, options.out)
    print(f"\nwritten {options.out}")
    failed = (results["http"] or {}).get("error") or any(
        s["errors"] for s in results["scenarios"].values()
    )
    return 1 if failed else 0


def run(options: Options) -> dict[str, Any]:
    def say(message: str) -> None:
        if not options.quiet:
            print(message, flush=True)

    at_start = machine()
    code = code_state()
    phases = Phases()
    dataset = ensure_dataset(options.data_dir, options.size, options.seed, say)
    index = dataset.index
    phases.mark("dataset")
    scratch = scratch_copy(dataset, say)
    try:
        queries = generate_queries(options.queries, options.seed)
        engine = EmbeddedEngine(scratch)
        runs = in_process(engine, dataset, queries, options, phases, say)
        pushes = Pushes(dataset.offers, options.seed) if options.updates else None
        dataset.offers.clear()  # the serving processes should not share the machine with them
        gc.collect()
        updates: dict[str, Any] = {}
        if pushes is not None and len(pushes):
            alone = push(engine, pushes, "alone", count=options.updates).to_dict()
            updates["alone"] = alone
            say(f"capacity pushes alone: {alone['pushes_per_second']} pushes/s")
            phases.mark("capacity pushes")
        http: dict[str, Any] | None = None
        if not options.skip_http:
            http = http_or_failure(scratch, queries, options, engine, pushes, say)
            if "error" in http:
                say(f"HTTP phase failed: {http['error']}")
            for part in http.get("under_updates", []):
                updates[part["updates"]["label"]] = part["updates"]
            phases.mark("HTTP")
        engine.close()
        rss_mb, rss = serving_memory(http, dataset, scratch, options)
    finally:
        remove_scratch(scratch)
    load = (http or {}).get("load")
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "size": options.size,
        "seed": options.seed,
        "options": {
            "queries_per_scenario": options.queries,
            "baseline_queries_per_scenario": options.baseline_queries,
            "exact_sample_per_scenario": options.exact_sample,
            "http_seconds": options.http_seconds,
            "http_connections": options.http_connections,
            "http_workers": options.http_workers,
            "clock": options.clock,
        },
        "machine": {
            "cpus": at_start["cpus"],
            "python": at_start["python"],
            "platform": at_start["platform"],
            "loadavg_start": at_start["loadavg"],
            "loadavg_end": list(os.getloadavg()),
        },
        "code": code,
        "phases": phases.rows,
        "dataset": {"path": str(dataset.path), "now": dataset.now.isoformat()},
        "scenarios": {name: r.to_dict() for name, r in runs.items()},
        "mix": mix_figures(runs),
        "http_rps": load["rps"] if load else None,
        "http_p95_ms": load["p95_ms"] if load else None,
        "http": http,
        "index_seconds": round(index.seconds, 2),
        "index": index.to_dict(),
        "rss_mb": rss_mb,
        "rss": rss,
        "updates": updates,
        "wall_seconds": phases.total_seconds,
    }
    results["targets"] = targets(results)
    return results


def in_process(
    engine: EmbeddedEngine,
    dataset: Dataset,
    queries: dict[str, list[Criteria]],
    options: Options,
    phases: Phases,
    say: Say,
) -> dict[str, ScenarioRun]:
    """The engine on every query, the brute-force scan on a subset, the truth on a sample."""
    say(f"in-process: {sum(map(len, queries.values()))} queries over {len(queries)} scenarios")
    clock = CLOCKS[options.clock]
    runs = run_engine(engine, queries, dataset.now, options.seed, say, clock)
    phases.mark("engine")
    reference = Reference(dataset.offers)
    say(f"  brute-force reference over {reference.size:,} offers ready")
    phases.mark("reference build")
    now, seed = dataset.now, options.seed
    run_baseline(reference, runs, queries, now, options.baseline_queries, seed, say, clock)
    phases.mark("baseline")
    check_exactness(reference, runs, queries, now, options.exact_sample, say)
    phases.mark("exactness")
    return runs


def http_or_failure(
    db: Path,
    queries: dict[str, list[Criteria]],
    options: Options,
    engine: EmbeddedEngine,
    pushes: Pushes | None,
    say: Say,
) -> dict[str, Any]:
    """The HTTP phase's figures, or what made it fail (the other figures are kept)."""
    try:
        return run_http(
            db,
            queries,
            work_dir=options.data_dir,
            seed=options.seed,
            seconds=options.http_seconds,
            connections=options.http_connections,
            workers=options.http_workers,
            generator=options.load_generator,
            engine=engine,
            pushes=pushes,
            push_rate=options.push_rate,
            say=say,
        )
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def serving_memory(
    http: dict[str, Any] | None, dataset: Dataset, scratch: Path, options: Options
) -> tuple[float | None, dict[str, Any]]:
    """Peak RSS of a serving process: the largest uvicorn worker, or, without the HTTP phase,
    a process that only opens the engine and answers the mix."""
    if http is not None and "error" not in http:
        workers = http["workers_peak_rss_mb"]
        peak = max(workers.values()) if workers else None
        return peak, {"measured_on": "largest uvicorn worker (VmHWM)", "workers": workers}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.engine_memory",
            "--db",
            str(scratch),
            "--seed",
            str(options.seed),
            "--queries",
            str(options.queries),
            "--now",
            dataset.now.isoformat(),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH-JSON "))
    peak = json.loads(line.removeprefix("BENCH-JSON "))["peak_rss_mb"]
    return (
        None if peak is None else round(peak, 1),
        {"measured_on": "a process running the engine alone over the mix (VmHWM); HTTP skipped"},
    )
