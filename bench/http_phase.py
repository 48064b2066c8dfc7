"""HTTP phase: the scenario mix on loopback against ``ror serve`` with N uvicorn workers.

Steps: write the request bodies (the in-process queries, shuffled) -> start the server on the
run's copy of the dataset -> check one request per scenario answers 200 -> warm up -> timed
load -> the same load again (every request answered before: caches warm) -> peak memory of
the workers -> optionally a load while capacity pushes land on the same file from this
process -> stop the server.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.load import SEARCH_PATH, choose_generator, finish_load, run_load, start_load
from bench.scenarios import request_body
from bench.server import CALLER_PROFILE, running_server
from bench.stats import code_state
from bench.updates import Pushes, push
from ror.criteria import Criteria
from ror.search.engine import Engine

Say = Callable[[str], None]
WARM_UP_S = 5.0
UNDER_UPDATES_S = 10.0


def write_bodies(queries: dict[str, list[Criteria]], path: Path, seed: int) -> int:
    """One JSON body per line, the scenarios mixed in a seeded order."""
    lines = [json.dumps(request_body(c)) for items in queries.values() for c in items]
    random.Random(f"{seed}:http").shuffle(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def check_answers(
    base_url: str, headers: dict[str, str], queries: dict[str, list[Criteria]]
) -> dict[str, Any]:
    """One request per scenario: status and number of matches (a wrong route or a 4xx for
    every request would make the throughput meaningless)."""
    out: dict[str, Any] = {}
    with httpx.Client(timeout=60.0, headers=headers) as client:
        for name, items in queries.items():
            if not items:
                continue
            response = client.post(base_url + SEARCH_PATH, json=request_body(items[0]))
            entry: dict[str, Any] = {"status": response.status_code}
            if response.status_code == 200:
                entry["matches"] = len(response.json().get("matches", []))
            else:
                entry["body"] = response.text[:300]
            out[name] = entry
    return out


def run_http(
    db: Path,
    queries: dict[str, list[Criteria]],
    *,
    work_dir: Path,
    seed: int,
    seconds: float,
    connections: int,
    workers: int,
    generator: str,
    engine: Engine | None,
    pushes: Pushes | None,
    push_rate: float,
    say: Say,
) -> dict[str, Any]:
    generator = choose_generator(generator)
    bodies = work_dir / "requests.ndjson"
    count = write_bodies(queries, bodies, seed)
    say(f"HTTP: {workers} uvicorn workers on 127.0.0.1, {generator}, {connections} connections")
    code = code_state()  # the server imports the tree as it is now, maybe newer than the run's
    with running_server(db, workers, work_dir) as server:
        checks = check_answers(server.base_url, server.headers, queries)
        bad = {k: v for k, v in checks.items() if v["status"] != 200}
        if bad:
            raise RuntimeError(f"the server does not answer the scenario queries: {bad}")
        url, token = server.base_url, server.token
        run_load(generator, url, bodies, min(WARM_UP_S, seconds / 2), connections, token)
        say(f"  load: {seconds:.0f} s over {count} distinct requests")
        main = run_load(generator, url, bodies, seconds, connections, token)
        loadavg = os.getloadavg()
        say(f"  {main.rps:.0f} requests/s, p50 {main.p50_ms:.1f} ms, p95 {main.p95_ms:.1f} ms")
        # The same load again: every request was answered before (documents cached), what a
        # server that has been up a while sees. Reported beside the first; targets read the first.
        again = run_load(generator, url, bodies, seconds, connections, token)
        say(
            f"  again, each request answered before: {again.rps:.0f} requests/s, "
            f"p50 {again.p50_ms:.1f} ms, p95 {again.p95_ms:.1f} ms"
        )
        under: list[dict[str, Any]] = []
        if engine is not None and pushes is not None and len(pushes):
            span = min(UNDER_UPDATES_S, seconds / 2)
            for rate in (push_rate, None):
                process = start_load(generator, url, bodies, span, connections, token)
                label = f"{rate:g}/s during HTTP load" if rate else "unthrottled during HTTP load"
                updates = push(engine, pushes, label, seconds=span, rate=rate).to_dict()
                loaded = finish_load(process, generator, connections, timeout=span + 60)
                under.append({"http": loaded.to_dict(), "updates": updates})
                say(
                    f"  with capacity pushes ({label}): {loaded.rps:.0f} requests/s, "
                    f"p95 {loaded.p95_ms:.1f} ms, {updates['pushes_per_second']} pushes/s"
                )
        workers_rss = server.peak_rss()
        supervisor_rss = server.supervisor_rss()
    return {
        "generator": main.generator,
        "server": (
            f"ror serve (uvicorn), {workers} workers, 127.0.0.1, bearer token of profile "
            f"{CALLER_PROFILE}, rate limiter off"
        ),
        "code": code,
        "distinct_requests": count,
        "checks": checks,
        "load": main.to_dict(),
        "load_again": again.to_dict(),
        "loadavg_after": list(loadavg),
        "workers_peak_rss_mb": {str(pid): round(mb, 1) for pid, mb in workers_rss.items()},
        "supervisor_peak_rss_mb": None if supervisor_rss is None else round(supervisor_rss, 1),
        "under_updates": under,
    }
