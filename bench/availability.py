"""Availability benchmark (issue 4): ``python -m bench.availability``.

Measures, on one dataset (the synthetic national set, 1 M offers by default):

1. **Overview** in-process: the first call (which builds the in-memory index) and then the
   p50/p95 of ``availability_overview`` by région (no filter), for ICU activities, and by
   département for EHPAD places.
2. **Pushes through HTTP with searches running**, on ``uvicorn`` with 2 workers on loopback:
   - searches alone (the idle p50/p95 of ``POST /v1/referrals/search`` over the scenario mix
     of ``bench.scenarios``, ``--searchers`` processes, one request in flight each);
   - the same searches while ``--writers`` processes push batches (``PUT /v1/capacities``,
     ``--batch`` counters over ``--batch // 5`` Locations, as fast as answers come): accepted
     counters per second, and the searches' p50/p95 under that load.

The load generators run on the same 2-core machine as the server (they cost CPU too). Every
run works on a scratch copy of the dataset (SQLite online backup), so pushed counters never leak
into the next run. Figures are printed and written as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sqlite3
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.scenarios import generate_queries, request_body
from bench.server import running_server
from bench.stats import machine, percentile
from ror.access.tokens import TokenStore
from ror.availability.overview import OverviewQuery

TARGET_UPDATES_PER_S = 2000.0
TARGET_OVERVIEW_P50_MS = 100.0
TARGET_SEARCH_P95_RATIO = 2.0


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- dataset ---------------------------------------------------------------------------------


def dataset(data_dir: Path, size: int, seed: int, given: Path | None) -> Path:
    """The dataset file: ``given``, or ``offers-<size>-<seed>.sqlite`` built once here."""
    if given is not None:
        return given
    path = data_dir / f"offers-{size}-{seed}.sqlite"
    if path.exists():
        return path
    from ror.indexer.synthetic import generate
    from ror.search.embedded.engine import EmbeddedEngine

    data_dir.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building.sqlite")
    building.unlink(missing_ok=True)
    say(f"building {path}: {size:,} synthetic offers, seed {seed}")
    started = time.perf_counter()
    engine = EmbeddedEngine(building)
    engine.load(generate(size, seed=seed), replace_all=True)
    engine.close()
    _checkpoint(building)
    building.rename(path)
    say(f"  built in {time.perf_counter() - started:.0f} s")
    return path


def _checkpoint(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def scratch_copy(source: Path, target: Path) -> Path:
    for p in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        p.unlink(missing_ok=True)
    started = time.perf_counter()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    src.backup(dst)
    dst.close()
    src.close()
    say(f"scratch copy {target} in {time.perf_counter() - started:.1f} s")
    return target


# --- overview --------------------------------------------------------------------------------

OVERVIEWS = {
    "region_all": OverviewQuery(),
    "region_icu": OverviewQuery(activity=("126", "127", "128", "129")),
    "departement_ehpad_places": OverviewQuery("departement", offer_type=("21",), bed_nature="02"),
}


def overview_phase(db: Path, repeats: int) -> dict[str, Any]:
    from ror.search.embedded.engine import EmbeddedEngine

    started = time.perf_counter()
    engine = EmbeddedEngine(db)
    opened = time.perf_counter() - started
    now = datetime.now(UTC)
    started = time.perf_counter()
    first = engine.availability_overview(OverviewQuery(), now)
    build = time.perf_counter() - started
    out: dict[str, Any] = {
        "engine_open_s": round(opened, 2),
        "first_call_s": round(build, 2),
        "offers": first.offers,
        "units": first.totals.units,
    }
    for name, query in OVERVIEWS.items():
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            engine.availability_overview(query, datetime.now(UTC))
            times.append((time.perf_counter() - t) * 1000)
        out[name] = {
            "p50_ms": round(percentile(times, 50), 2),
            "p95_ms": round(percentile(times, 95), 2),
        }
    engine.close()
    return out


def push_targets(db: Path, limit: int, seed: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """Locations with counters, and the keys of their current counters (every status): a
    bed-management tool sends a unit's whole picture."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT loc, nature, status, gender, closing_type, extra_bed_type, crisis, assignment "
        "FROM capacities WHERE temporality = '01' AND loc NOT LIKE '#%' "
        "AND status IN ('01', '02', '03', '04', '05', '06') ORDER BY loc"
    ).fetchall()
    conn.close()
    by_loc: dict[str, list[dict[str, Any]]] = {}
    names = ("gender", "closing_type", "extra_bed_type", "crisis")
    for loc, nature, status, *qualifiers, assignment in rows:
        key = {"nature": nature, "status": status, "temporality": "01", "assignment": assignment}
        key.update({n: q for n, q in zip(names, qualifiers, strict=True) if q})
        by_loc.setdefault(loc, []).append(key)
    locs = sorted(by_loc)
    random.Random(seed).shuffle(locs)
    return [(loc, by_loc[loc]) for loc in locs[:limit]]


def picture(keys: list[dict[str, Any]], rng: random.Random) -> list[tuple[dict[str, Any], int]]:
    """A plausible count for each of a Location's counters: 0-9 each, and installed beds (01)
    of a nature enough for every available (02) counter of that nature at its highest, so
    that no push is refused as implausible (``ror.availability.indicators.implausible``)."""
    available: dict[str, int] = {}
    for key in keys:
        if key["status"] == "02":
            available[key["nature"]] = available.get(key["nature"], 0) + 1
    return [
        (key, 9 * available.get(key["nature"], 0) + rng.randint(0, 5))
        if key["status"] == "01"
        else (key, rng.randint(0, 9))
        for key in keys
    ]


# --- processes -------------------------------------------------------------------------------


def searcher(
    url: str, token: str, bodies: list[bytes], rate: float, until: float, out: str
) -> None:
    """POST the bodies in turn, ``rate`` per second (0: back to back), until ``until``; write
    the latencies (ms) to ``out``. Paced open loop: a late request is sent at once."""
    times: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    i = random.randrange(len(bodies))
    due = time.time()
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        while time.time() < until:
            if rate > 0:
                due += 1.0 / rate
                time.sleep(max(0.0, due - time.time()))
            t = time.perf_counter()
            answer = client.post("/v1/referrals/search", content=bodies[i % len(bodies)])
            times.append((time.perf_counter() - t) * 1000)
            errors += answer.status_code != 200
            i += 1
    Path(out).write_text(json.dumps({"ms": times, "errors": errors}))


def writer(
    url: str,
    token: str,
    targets: list[tuple[str, list[dict[str, Any]]]],
    batch: int,
    rate: float,
    start_at: float,
    until: float,
    slot: int,
    out: str,
) -> None:
    """Push requests of about ``batch`` counters (whole Locations), ``rate`` counters per
    second (0: as fast as answers come), until ``until``. Every counter is newer than the last
    pushed for its key (the writers own disjoint Locations), so each one applies."""
    rng = random.Random(slot)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    clock = datetime.fromtimestamp(start_at, UTC) - timedelta(minutes=5)
    step = 0
    applied = stale = requests = errors = sent = 0
    first_error = ""
    latencies: list[float] = []
    time.sleep(max(0.0, start_at - time.time()))
    began = time.time()
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        while time.time() < until:
            if rate > 0:
                time.sleep(max(0.0, began + sent / rate - time.time()))
            locations = []
            size = 0
            while size < batch:
                loc, keys = targets[rng.randrange(len(targets))]
                step += 1
                at = (clock + timedelta(milliseconds=step)).isoformat()
                counters = [{**k, "count": c, "updated_at": at} for k, c in picture(keys, rng)]
                locations.append({"location_id": loc, "counters": counters})
                size += len(counters)
            body = orjson.dumps({"locations": locations})
            t = time.perf_counter()
            answer = client.put("/v1/capacities", content=body)
            latencies.append((time.perf_counter() - t) * 1000)
            requests += 1
            sent += size
            if answer.status_code != 200:
                errors += 1
                first_error = first_error or f"{answer.status_code} {answer.text[:300]}"
                continue
            data = answer.json()
            applied += data["applied"]
            stale += data["ignored_stale"]
    elapsed = time.time() - began
    Path(out).write_text(
        json.dumps(
            {
                "applied": applied,
                "stale": stale,
                "requests": requests,
                "errors": errors,
                "first_error": first_error,
                "seconds": elapsed,
                "ms": latencies,
            }
        )
    )


def _run(ctx: Any, jobs: Sequence[tuple[Any, tuple[Any, ...]]]) -> None:
    procs = [ctx.Process(target=fn, args=args) for fn, args in jobs]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"a load process failed ({p.exitcode})")


def http_phase(db: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    queries = generate_queries(args.queries, args.seed)
    bodies = [orjson.dumps(request_body(c)) for items in queries.values() for c in items]
    random.Random(args.seed).shuffle(bodies)
    targets = push_targets(db, 50_000, args.seed)
    say(f"HTTP phase: {len(bodies)} search bodies, {len(targets)} Locations to push")
    ctx = multiprocessing.get_context("spawn")
    result: dict[str, Any] = {}
    with running_server(db, args.workers, work) as server:
        reader = server.token
        writer_token = TokenStore(work / "tokens.json").create("bench écrivain", 1, ["*"])[0]
        warm = {"Authorization": f"Bearer {reader}", "Content-Type": "application/json"}
        with httpx.Client(base_url=server.base_url, headers=warm, timeout=120) as c:
            for body in bodies[:40]:
                c.post("/v1/referrals/search", content=body)
        rate = args.search_rate / args.searchers

        def searchers(tag: str, until: float) -> list[tuple[Any, tuple[Any, ...]]]:
            return [
                (
                    searcher,
                    (
                        server.base_url,
                        reader,
                        bodies[i :: args.searchers],
                        rate,
                        until,
                        str(work / f"search-{tag}-{i}.json"),
                    ),
                )
                for i in range(args.searchers)
            ]

        def searched(tag: str) -> dict[str, Any]:
            ms: list[float] = []
            errors = 0
            for i in range(args.searchers):
                data = json.loads((work / f"search-{tag}-{i}.json").read_text())
                ms += data["ms"]
                errors += data["errors"]
            return {
                "requests": len(ms),
                "errors": errors,
                "p50_ms": round(percentile(ms, 50), 2),
                "p95_ms": round(percentile(ms, 95), 2),
            }

        def loaded(tag: str, push_rate: float) -> dict[str, Any]:
            start = time.time() + 3.0  # the processes start
            until = start + args.seconds
            per_writer = push_rate / args.writers
            jobs = searchers(tag, until) + [
                (
                    writer,
                    (
                        server.base_url,
                        writer_token,
                        targets[slot :: args.writers],
                        args.batch,
                        per_writer,
                        start,
                        until,
                        slot,
                        str(work / f"writer-{tag}-{slot}.json"),
                    ),
                )
                for slot in range(args.writers)
            ]
            _run(ctx, jobs)
            written = [
                json.loads((work / f"writer-{tag}-{s}.json").read_text())
                for s in range(args.writers)
            ]
            applied = sum(w["applied"] for w in written)
            seconds = max(w["seconds"] for w in written)
            push_ms = [m for w in written for m in w["ms"]]
            return {
                "search": searched(tag),
                "pushes": {
                    "asked_counters_per_s": push_rate or "as fast as possible",
                    "writers": args.writers,
                    "batch_counters": args.batch,
                    "requests": sum(w["requests"] for w in written),
                    "errors": sum(w["errors"] for w in written),
                    "first_error": next(
                        (w["first_error"] for w in written if w["first_error"]), ""
                    ),
                    "accepted_counters": applied,
                    "ignored_stale": sum(w["stale"] for w in written),
                    "seconds": round(seconds, 1),
                    "accepted_per_s": round(applied / seconds, 1),
                    "request_p50_ms": round(percentile(push_ms, 50), 2),
                    "request_p95_ms": round(percentile(push_ms, 95), 2),
                },
            }

        say(f"  searches alone ({args.search_rate:g}/s), {args.seconds:.0f} s")
        _run(ctx, searchers("idle", time.time() + args.seconds))
        result["search_idle"] = searched("idle")
        say(f"  the same searches with pushes at {args.push_rate:g} counters/s")
        result["paced"] = loaded("paced", args.push_rate)
        say("  the same searches with pushes as fast as they are answered")
        result["max"] = loaded("max", 0.0)
    return result


# --- report ----------------------------------------------------------------------------------


def verdicts(results: dict[str, Any]) -> list[str]:
    lines = []
    ov = results.get("overview", {}).get("region_all", {})
    if ov:
        p50 = ov["p50_ms"]
        ok = p50 <= TARGET_OVERVIEW_P50_MS
        lines.append(f"overview by région, p50 {p50} ms (target <= 100 ms): {_ok(ok)}")
    http = results.get("http")
    if http:
        idle = http["search_idle"]["p95_ms"]
        for phase in ("paced", "max"):
            rate = http[phase]["pushes"]["accepted_per_s"]
            p95 = http[phase]["search"]["p95_ms"]
            ratio = p95 / idle if idle else float("inf")
            lines.append(
                f"{phase}: {rate} accepted counters/s (target >= 2000: "
                f"{_ok(rate >= TARGET_UPDATES_PER_S)}); search p95 {p95} ms vs {idle} ms idle, "
                f"x{ratio:.2f} (target <= 2: {_ok(ratio <= TARGET_SEARCH_P95_RATIO)})"
            )
    return lines


def _ok(flag: bool) -> str:
    return "OK" if flag else "MISSED"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.availability", description=__doc__)
    p.add_argument("--db", type=Path, help="an indexed dataset (default: build/reuse one)")
    p.add_argument("--size", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--data-dir", type=Path, default=Path("var/bench/availability"))
    p.add_argument("--seconds", type=float, default=20.0, help="each HTTP measurement")
    p.add_argument("--batch", type=int, default=200, help="counters per push request")
    p.add_argument("--push-rate", type=float, default=2500.0, help="counters/s of the paced phase")
    p.add_argument(
        "--search-rate", type=float, default=8.0, help="searches/s, all searchers together"
    )
    p.add_argument("--writers", type=int, default=2)
    p.add_argument("--searchers", type=int, default=2)
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    p.add_argument("--queries", type=int, default=40, help="search bodies per scenario")
    p.add_argument("--repeats", type=int, default=30, help="overview calls per query")
    p.add_argument("--skip-http", action="store_true")
    p.add_argument("--out", type=Path, default=None, help="JSON results file")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    source = dataset(args.data_dir, args.size, args.seed, args.db)
    work = args.data_dir / "run"
    work.mkdir(parents=True, exist_ok=True)
    for name in ("tokens.json", "audit.jsonl"):
        (work / name).unlink(missing_ok=True)
    db = scratch_copy(source, work / "availability.run.sqlite")
    results: dict[str, Any] = {"dataset": str(source), "machine": machine()}
    say("overview phase")
    results["overview"] = overview_phase(db, args.repeats)
    if not args.skip_http:
        results["http"] = http_phase(db, work, args)
    results["verdicts"] = verdicts(results)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    for line in results["verdicts"]:
        say(line)
    if args.out is not None:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
