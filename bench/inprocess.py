"""In-process phase: the engine's referral search against the numpy brute-force scan.

Both answer the same queries in the same run. The engine runs the whole pipeline
(``ror.search.pipeline.search``: place and text resolution, ranking, near-misses, facets,
replay record); the baseline is ``bench.reference.Reference.search(truth=False)``, the
scan the engine must beat. Exactness is checked against ``truth=True`` (no prefilter: the
ranking's eligibility check on every offer carrying the requested codes): same ids, same order.

The engine answers every query; the baseline, being slow by nature, a seeded subset of each
scenario (the first ``baseline_per_scenario``), and the speed-up compares the two on exactly
that subset. The queries run in one shuffled mix (as a server sees them), after one untimed
warm-up query per scenario.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench.reference import Reference
from bench.scenarios import SCENARIOS, interleave
from bench.stats import ms, percentile, rounded
from ror.criteria import Criteria
from ror.errors import RorError
from ror.search.engine import Engine
from ror.search.pipeline import search

Say = Callable[[str], None]
Clock = Callable[[], float]

#: The clocks a query may be timed by: on a shared machine, the thread's CPU time tells the
#: search's own cost where the wall clock also counts the other processes' turns.
CLOCKS: dict[str, Clock] = {"wall": time.perf_counter, "cpu": time.thread_time}


@dataclass(slots=True)
class ScenarioRun:
    """What one scenario measured."""

    name: str
    title: str
    engine_s: list[float] = field(default_factory=list)  # per query, index = query number
    engine_ids: list[tuple[str, ...] | None] = field(default_factory=list)  # None: error
    baseline_s: dict[int, float] = field(default_factory=dict)
    baseline_agree: int = 0
    exact_checked: int = 0
    exact_failures: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    strategies: Counter[str] = field(default_factory=Counter)
    matches: int = 0
    radius_km: Counter[str] = field(default_factory=Counter)

    @property
    def exact(self) -> bool:
        return self.exact_checked > 0 and not self.exact_failures and not self.errors

    def paired_engine_s(self) -> list[float]:
        return [self.engine_s[i] for i in sorted(self.baseline_s)]

    def to_dict(self) -> dict[str, Any]:
        p50 = percentile(ms(self.engine_s), 50)
        base_p50 = percentile(ms(list(self.baseline_s.values())), 50)
        paired_p50 = percentile(ms(self.paired_engine_s()), 50)
        answered = sum(1 for ids in self.engine_ids if ids is not None)
        return {
            "title": self.title,
            "queries": len(self.engine_s),
            "p50_ms": rounded(p50),
            "p95_ms": rounded(percentile(ms(self.engine_s), 95)),
            "max_ms": rounded(max(ms(self.engine_s), default=float("nan"))),
            "baseline_queries": len(self.baseline_s),
            "baseline_p50_ms": rounded(base_p50),
            "baseline_p95_ms": rounded(percentile(ms(list(self.baseline_s.values())), 95)),
            "engine_p50_ms_on_baseline_queries": rounded(paired_p50),
            "speedup_p50": rounded(base_p50 / paired_p50 if paired_p50 > 0 else None, 1),
            "exact": self.exact,
            "exact_checked": self.exact_checked,
            "exact_failures": self.exact_failures,
            "baseline_same_ids": self.baseline_agree,
            "mean_matches": rounded(self.matches / answered if answered else None, 2),
            "strategies": dict(self.strategies),
            "radius_km": dict(self.radius_km),
            "errors": self.errors,
        }


def run_engine(
    engine: Engine,
    queries: dict[str, list[Criteria]],
    now: datetime,
    seed: int,
    say: Say,
    clock: Clock = time.perf_counter,
) -> dict[str, ScenarioRun]:
    """Time every query through the search pipeline, in the shuffled mix (by ``clock``)."""
    runs = {s.name: ScenarioRun(s.name, s.title) for s in SCENARIOS if s.name in queries}
    for items in queries.values():  # warm-up: reference tables, code table, caches
        if items:
            with contextlib.suppress(RorError):
                search(items[0], engine, now=now)
    for run in runs.values():
        run.engine_s = [0.0] * len(queries[run.name])
        run.engine_ids = [None] * len(queries[run.name])
    order = interleave(queries, seed)
    started = time.perf_counter()
    for done, (name, i) in enumerate(order, 1):
        run = runs[name]
        t = clock()
        try:
            result = search(queries[name][i], engine, now=now)
        except Exception as exc:  # recorded, and the run goes on: an hour of figures is not lost
            run.engine_s[i] = clock() - t
            run.errors.append(f"query {i}: {_why(exc)}")
            continue
        run.engine_s[i] = clock() - t
        run.engine_ids[i] = tuple(m.offer.id for m in result.matches)
        run.strategies[result.strategy] += 1
        run.matches += len(result.matches)
        run.radius_km[str(result.radius_km)] += 1
        if done % 250 == 0:
            say(f"  engine: {done}/{len(order)} queries")
    say(f"  engine: {len(order)} queries in {time.perf_counter() - started:.1f} s")
    return runs


def run_baseline(
    reference: Reference,
    runs: dict[str, ScenarioRun],
    queries: dict[str, list[Criteria]],
    now: datetime,
    per_scenario: int,
    seed: int,
    say: Say,
    clock: Clock = time.perf_counter,
) -> None:
    """Time the brute-force scan on the first ``per_scenario`` queries of each scenario (by
    ``clock``)."""
    subset = {name: items[:per_scenario] for name, items in queries.items()}
    for items in subset.values():  # warm-up
        if items:
            reference.search(items[0], now, truth=False)
    started = time.perf_counter()
    order = interleave(subset, seed)
    for done, (name, i) in enumerate(order, 1):
        run = runs[name]
        t = clock()
        try:
            answer = reference.search(queries[name][i], now, truth=False)
        except Exception as exc:
            run.errors.append(f"baseline query {i}: {_why(exc)}")
            continue
        run.baseline_s[i] = clock() - t
        run.baseline_agree += answer.ids == run.engine_ids[i]
        if done % 25 == 0:
            say(f"  baseline: {done}/{len(order)} queries ({time.perf_counter() - started:.0f} s)")
    say(f"  baseline: {len(order)} queries in {time.perf_counter() - started:.1f} s")


def check_exactness(
    reference: Reference,
    runs: dict[str, ScenarioRun],
    queries: dict[str, list[Criteria]],
    now: datetime,
    per_scenario: int,
    say: Say,
) -> None:
    """Engine ids against the brute-force truth (same ids, same order) on a sample."""
    started = time.perf_counter()
    for name, items in queries.items():
        run = runs[name]
        for i, criteria in enumerate(items[:per_scenario]):
            if run.engine_ids[i] is None:
                continue
            try:
                truth = reference.search(criteria, now, truth=True)
            except Exception as exc:
                run.errors.append(f"truth query {i}: {_why(exc)}")
                continue
            run.exact_checked += 1
            if truth.ids != run.engine_ids[i]:
                run.exact_failures.append(
                    {"query": i, "engine": list(run.engine_ids[i] or ()), "truth": list(truth.ids)}
                )
    checked = sum(r.exact_checked for r in runs.values())
    say(f"  exactness: {checked} queries checked in {time.perf_counter() - started:.1f} s")


def _why(exc: Exception) -> str:
    if isinstance(exc, RorError):
        return f"{exc.code}: {exc.message}"
    return f"internal error {type(exc).__name__}: {exc}"


def mix_figures(runs: dict[str, ScenarioRun]) -> dict[str, Any]:
    """The whole mix: every engine query, every baseline query, paired speed-up."""
    engine = ms([s for r in runs.values() for s in r.engine_s])
    paired = ms([s for r in runs.values() for s in r.paired_engine_s()])
    base = ms([s for r in runs.values() for s in r.baseline_s.values()])
    paired_p50 = percentile(paired, 50)
    base_p50 = percentile(base, 50)
    return {
        "queries": len(engine),
        "p50_ms": rounded(percentile(engine, 50)),
        "p95_ms": rounded(percentile(engine, 95)),
        "baseline_queries": len(base),
        "baseline_p50_ms": rounded(base_p50),
        "engine_p50_ms_on_baseline_queries": rounded(paired_p50),
        "speedup_p50": rounded(base_p50 / paired_p50 if paired_p50 > 0 else None, 1),
        "exact": all(r.exact for r in runs.values()),
        "exact_checked": sum(r.exact_checked for r in runs.values()),
    }
