"""The benchmark's command-line options."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ror.indexer.synthetic import BENCH_SIZE


@dataclass(frozen=True, slots=True)
class Options:
    size: int = BENCH_SIZE
    seed: int = 2026
    data_dir: Path = Path("bench/data")
    queries: int = 100  # distinct queries per scenario, the same for engine and baseline
    baseline_queries: int = 20  # per scenario: timed on the brute-force scan too (slow)
    exact_sample: int = 10  # per scenario: compared with the brute-force truth (slow)
    skip_http: bool = False
    http_seconds: float = 30.0
    http_connections: int = 4
    http_workers: int = 2
    load_generator: str = "auto"  # "auto" (wrk when installed), "wrk" or "python"
    updates: int = 2000  # capacity pushes timed alone (0: no capacity pushes at all)
    push_rate: float = 50.0  # steady pushes per second during HTTP load
    out: Path = Path("bench/results.json")
    quiet: bool = False
    clock: str = "wall"  # the in-process timings: "wall" (perf_counter) or "cpu" (thread_time)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _not_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def parse_args(argv: Sequence[str] | None = None) -> Options:
    d = Options()
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark ror at N synthetic offers; prints a table, writes results.json.",
    )
    p.add_argument("--size", type=_positive, default=d.size, help="offers (default 1,000,000)")
    p.add_argument("--seed", type=_not_negative, default=d.seed, help="dataset and query seed")
    p.add_argument("--data-dir", type=Path, default=d.data_dir, help="where datasets are kept")
    p.add_argument("--queries", type=_positive, default=d.queries, help="queries per scenario")
    p.add_argument(
        "--baseline-queries",
        type=_not_negative,
        default=d.baseline_queries,
        help="queries per scenario also timed on the brute-force scan",
    )
    p.add_argument(
        "--exact-sample",
        type=_not_negative,
        default=d.exact_sample,
        help="queries per scenario checked against the brute-force truth",
    )
    p.add_argument("--skip-http", action="store_true", help="no HTTP phase")
    p.add_argument("--http-seconds", type=_positive_float, default=d.http_seconds)
    p.add_argument(
        "--http-connections",
        type=_positive,
        default=d.http_connections,
        help="concurrent connections of the load generator",
    )
    p.add_argument("--http-workers", type=_positive, default=d.http_workers)
    p.add_argument("--load-generator", choices=("auto", "wrk", "python"), default=d.load_generator)
    p.add_argument(
        "--updates", type=_not_negative, default=d.updates, help="capacity pushes (0: skip)"
    )
    p.add_argument(
        "--push-rate",
        type=_positive_float,
        default=d.push_rate,
        help="steady capacity pushes per second during the HTTP load",
    )
    p.add_argument("--out", type=Path, default=d.out, help="results JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default=d.clock,
        help="in-process timings by wall clock or by the thread's CPU time (a shared machine)",
    )
    a = p.parse_args(argv)
    return Options(
        size=a.size,
        seed=a.seed,
        data_dir=a.data_dir,
        queries=a.queries,
        baseline_queries=a.baseline_queries,
        exact_sample=a.exact_sample,
        skip_http=a.skip_http,
        http_seconds=a.http_seconds,
        http_connections=a.http_connections,
        http_workers=a.http_workers,
        load_generator=a.load_generator,
        updates=a.updates,
        push_rate=a.push_rate,
        out=a.out,
        quiet=a.quiet,
        clock=a.clock,
    )
