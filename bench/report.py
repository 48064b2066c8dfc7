"""The printed table and ``results.json``: figures, and the issue's targets beside them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ror.indexer.synthetic import BENCH_SIZE

RSS_TARGET_MB = 1536.0  # 1.5 GiB


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 3 with the measured value (None when not measured)."""
    mix = results["mix"]
    http = results.get("http") or {}
    load = http.get("load") or {}

    def row(name: str, target: str, value: Any, met: bool | None) -> dict[str, Any]:
        return {"name": name, "target": target, "value": value, "met": met}

    def at_most(value: float | None, bound: float) -> bool | None:
        return None if value is None else value <= bound

    def at_least(value: float | None, bound: float) -> bool | None:
        return None if value is None else value >= bound

    rps, p95 = results.get("http_rps"), results.get("http_p95_ms")
    http_ok = None
    if rps is not None and p95 is not None:
        http_ok = rps >= 300 and p95 <= 50 and not load.get("errors")
    return [
        row("search p50 (mix)", "<= 5 ms", mix["p50_ms"], at_most(mix["p50_ms"], 5.0)),
        row("search p95 (mix)", "<= 30 ms", mix["p95_ms"], at_most(mix["p95_ms"], 30.0)),
        row(
            "identical to brute force (sample)",
            "same ids, same order",
            f"{mix['exact_checked']} queries",
            mix["exact"] if mix["exact_checked"] else None,
        ),
        row("speed-up at p50", ">= 10x", mix["speedup_p50"], at_least(mix["speedup_p50"], 10.0)),
        row("HTTP throughput", ">= 300 req/s with p95 <= 50 ms", [rps, p95], http_ok),
        row(
            "indexing", "<= 180 s", results["index_seconds"], at_most(results["index_seconds"], 180)
        ),
        row(
            "serving memory",
            "<= 1536 MiB",
            results["rss_mb"],
            at_most(results["rss_mb"], RSS_TARGET_MB),
        ),
    ]


def _f(value: Any, digits: int = 2, width: int = 9) -> str:
    if value is None:
        return "-".rjust(width)
    if isinstance(value, float):
        return f"{value:,.{digits}f}".rjust(width)
    return str(value).rjust(width)


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    size = results["size"]
    lines.append(
        f"ror benchmark: {size:,} offers (seed {results['seed']}), "
        f"{results['machine']['cpus']} CPUs, load average at start "
        f"{' '.join(f'{x:.2f}' for x in results['machine']['loadavg_start'])}, at end "
        f"{' '.join(f'{x:.2f}' for x in results['machine']['loadavg_end'])}"
    )
    code = results.get("code") or {}
    if code.get("commit"):
        dirty = code.get("uncommitted_ror_files") or []
        lines.append(
            f"code: {code['commit'][:12]}"
            + (f" with uncommitted changes in {', '.join(dirty)}" if dirty else "")
        )
    lines.append("")
    if results["options"].get("clock") == "cpu":
        lines.append("in-process times: CPU time of the searching thread (--clock cpu)")
    head = (
        f"{'scenario':<22}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'base p50':>10}{'speed-up':>10}{'exact':>8}"
    )
    lines.append(head)
    lines.append("-" * len(head))
    rows = [*results["scenarios"].items(), ("mix", results["mix"])]
    for name, s in rows:
        speed = s["speedup_p50"]
        if name == "mix":
            exact = "yes" if s["exact"] else ("no" if s["exact_checked"] else "-")
        else:
            exact = f"{s['exact_checked'] - len(s['exact_failures'])}/{s['exact_checked']}"
        lines.append(
            f"{name:<22}{s['queries']:>8}{_f(s['p50_ms'])}{_f(s['p95_ms'])}"
            f"{_f(s['baseline_p50_ms'], 1, 10)}"
            f"{(f'{speed:,.1f}x' if speed is not None else '-'):>10}{exact:>8}"
        )
    for name, s in results["scenarios"].items():
        if s["errors"]:
            lines.append(f"ERRORS in {name}: {len(s['errors'])}, first: {s['errors'][0][:300]}")
    lines.append("")
    mix = results["mix"]
    lines.append(
        f"baseline: numpy brute-force scan (bench.reference, truth=False) on "
        f"{mix['baseline_queries']} of the queries; speed-up = baseline p50 / engine p50 on "
        f"those same queries (engine p50 there: {mix['engine_p50_ms_on_baseline_queries']} ms)"
    )
    lines.append("")
    http = results.get("http")
    if http and "error" in http:
        lines.append(f"HTTP: FAILED: {http['error'][:500]}")
    elif http:
        load = http["load"]
        if http.get("code") and http["code"] != results.get("code"):
            lines.append(f"HTTP served by code {http['code']['commit'][:12]} (changed meanwhile)")
        lines.append(
            f"HTTP ({http['generator']}, {load['connections']} connections, "
            f"{load['seconds']:.0f} s): {load['rps']:,.1f} req/s, p50 {load['p50_ms']:.1f} ms, "
            f"p95 {load['p95_ms']:.1f} ms, p99 {load['p99_ms']:.1f} ms, "
            f"errors {load['errors'] or 0}, {load['mean_response_kb']} KiB per response"
        )
        again = http.get("load_again")
        if again:
            lines.append(
                f"HTTP again, each request answered before: {again['rps']:,.1f} req/s, "
                f"p50 {again['p50_ms']:.1f} ms, p95 {again['p95_ms']:.1f} ms, "
                f"p99 {again['p99_ms']:.1f} ms, errors {again['errors'] or 0}"
            )
    else:
        lines.append("HTTP: skipped")
    lines.append(
        "phases (s, load average at the end): "
        + ", ".join(
            f"{p['phase']} {p['seconds']:.0f} ({p['loadavg_1m']:.1f})" for p in results["phases"]
        )
    )
    index = results["index"]
    how = (
        "measured in this run"
        if index["measured_in_this_run"]
        else (f"recorded when the dataset was built ({index['built_at']})")
    )
    lines.append(
        f"indexing: {index['seconds']:.1f} s for {index['loaded']:,} offers "
        f"(generation {index['generation_seconds']:.1f} s and encoding "
        f"{index['encoding_seconds']:.1f} s in {index.get('processes', 1)} child process(es), "
        f"overlapped), {how}"
    )
    rss = results["rss"]
    lines.append(f"peak RSS: {_f(results['rss_mb'], 1, 0)} MiB ({rss['measured_on']})")
    updates = results.get("updates") or {}
    for label, u in updates.items():
        if u:
            lines.append(
                f"capacity pushes ({label}): {u['pushes_per_second']} pushes/s "
                f"({u['pushes']} pushes, {u['counters']} counters, p50 {u['p50_ms']} ms, "
                f"p95 {u['p95_ms']} ms, {u['applied']} applied, {u['ignored_stale']} stale)"
            )
    lines.append("")
    note = "" if size == BENCH_SIZE else f"  (the targets are set for {BENCH_SIZE:,} offers)"
    lines.append("targets" + note)
    for t in results["targets"]:
        met = {True: "met", False: "MISSED", None: "n/a"}[t["met"]]
        lines.append(f"  {t['name']:<36}{t['target']:<32}{_fmt(t['value']):<18}{met}")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        return " / ".join(_fmt(v) for v in value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    return "-" if value is None else str(value)


def write(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
