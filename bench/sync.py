"""Sync benchmark (issue 16): the cost of a delta against the size of the directory, and a full
first sync over HTTP from a local ``ror serve``.

``python -m bench.sync delta --sizes 20000 100000``: for each size, the synthetic offers are
written as FHIR (``ror.api.fhir.synthesize``: an EG Organization, the Locations and the
HealthcareService of each offer), loaded with ``ror index`` (resource store + embedded engine),
then a delta of ``--changed`` HealthcareServices (new name, newer ``meta.lastUpdated``) is
loaded the same way and timed, twice (the second load changes nothing).

``python -m bench.sync http --size 100000``: ``ror demo`` builds A, ``ror serve`` serves it,
``ror sync`` fills an empty B from A's ``/fhir`` with ``--page-size``; offers/s, and with
``--profile`` a cProfile of the follower written beside the results.

Results go to ``bench/sync_results.json`` (merged per measurement).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ror.api.fhir import synthesize
from ror.commands.index import run_index
from ror.commands.search import index_sink
from ror.indexer.facts import view
from ror.indexer.synthetic import generate
from ror.resources.store import ResourceStore
from ror.search.embedded import EmbeddedEngine

RESULTS = Path(__file__).resolve().parent / "sync_results.json"
Json = dict[str, Any]


def fhir_world(size: int, seed: int) -> Iterator[Json]:
    """The FHIR resources of ``size`` synthetic offers (each Organization and Location once)."""
    seen: set[tuple[str, str]] = set()
    for offer in generate(size, seed):
        v = view(offer)
        resources = [synthesize.establishment(offer)]
        resources += [synthesize.location(offer, loc) for loc in v.locations]
        resources.append(synthesize.healthcare_service(offer))
        for resource in resources:
            key = (resource["resourceType"], resource["id"])
            if key not in seen:
                seen.add(key)
                yield resource


def _write(path: Path, resources: Iterator[Json]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as handle:
        for resource in resources:
            handle.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    return n


def _index(db: Path, path: Path, rejects: Path) -> tuple[float, str]:
    engine = EmbeddedEngine(db)
    store = ResourceStore(db.with_name(db.stem + ".resources.sqlite"))
    out = io.StringIO()
    started = time.perf_counter()
    try:
        status = run_index(
            [path],
            rejects=rejects,
            out=None,
            engine=index_sink(engine, stream=io.StringIO()),
            store=store,
            remove=engine.delete,
            stdout=out,
            stderr=out,
        )
    finally:
        engine.close()
        store.close()
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"ror index {path}: exit {status}\n{out.getvalue()}")
    return seconds, out.getvalue()


def _changes(report: str) -> str:
    return next(line for line in report.splitlines() if line.startswith("changes:"))


def delta(sizes: list[int], changed: int, seed: int, work: Path) -> list[Json]:
    rows = []
    for size in sizes:
        home = work / f"delta-{size}"
        home.mkdir(parents=True, exist_ok=True)
        db = home / "ror.sqlite"
        world = home / "world.ndjson"
        count = _write(world, fhir_world(size, seed))
        load_s, report = _index(db, world, home / "rejects.jsonl")
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        services = []
        with world.open(encoding="utf-8") as handle:
            for line in handle:
                if '"HealthcareService"' in line:
                    hs = json.loads(line)
                    if hs["resourceType"] == "HealthcareService":
                        hs["name"] += " (modifié)"
                        hs["meta"] = {**hs.get("meta", {}), "lastUpdated": stamp}
                        services.append(hs)
                        if len(services) >= changed:
                            break
        delta_path = home / "delta.ndjson"
        _write(delta_path, iter(services))
        first_s, first = _index(db, delta_path, home / "rejects-delta.jsonl")
        again_s, again = _index(db, delta_path, home / "rejects-delta.jsonl")
        row = {
            "measure": "delta",
            "size": size,
            "resources": count,
            "full_load_s": round(load_s, 2),
            "full_load": _changes(report),
            "changed": changed,
            "delta_s": round(first_s, 3),
            "delta": _changes(first),
            "delta_again_s": round(again_s, 3),
            "delta_again": _changes(again),
        }
        print(json.dumps(row), flush=True)
        _save([row])
        rows.append(row)
    return rows


def _ror(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ror.cli", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def http(size: int, page_size: int, seed: int, work: Path, profile: bool) -> Json:
    a, b = work / f"http-a-{size}", work / f"http-b-{size}"
    for home in (a, b):
        home.mkdir(parents=True, exist_ok=True)
    env_a = {
        **os.environ,
        "ROR_DB": str(a / "ror.sqlite"),
        "ROR_TOKENS": str(a / "tokens.json"),
        "ROR_AUDIT_LOG": str(a / "audit.jsonl"),
        "ROR_RATE_LIMIT": "0",
    }
    if not (a / "ror.sqlite").exists():
        _ror("demo", "--size", str(size), "--seed", str(seed), env=env_a)
    token = _ror("token", "create", "bench follower", "--profile", "1", env=env_a).stdout.strip()
    port = 18400 + size % 97
    server = subprocess.Popen(
        [sys.executable, "-m", "ror.cli", "serve", "--port", str(port)],
        env=env_a,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        for path in b.glob("ror*"):
            path.unlink()
        from ror.commands.sync import SyncRequest, sync_command

        engine = EmbeddedEngine(b / "ror.sqlite")
        store = ResourceStore(b / "ror.resources.sqlite")
        request = SyncRequest(
            url + "/fhir", name="A", page_size=page_size, token=token, timeout_s=600
        )
        out = io.StringIO()
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        status = sync_command(request, store, engine, stdout=out, stderr=out)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
        offers = engine.count()
        engine.close()
        store.close()
        row: Json = {
            "measure": "http_full_sync",
            "size": size,
            "page_size": page_size,
            "status": status,
            "offers": offers,
            "seconds": round(seconds, 1),
            "offers_per_s": round(offers / seconds, 1) if seconds else None,
            "report": out.getvalue().strip().splitlines(),
        }
        if profiler:
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
            (RESULTS.parent / f"sync_profile_{size}.txt").write_text(text.getvalue())
            row["profile"] = f"bench/sync_profile_{size}.txt"
        print(json.dumps(row), flush=True)
        return row
    finally:
        server.terminate()
        server.wait(timeout=30)


def _save(rows: list[Json]) -> None:
    known = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for row in rows:
        known[f"{row['measure']}-{row['size']}"] = row
    known["conditions"] = (
        "2-core development machine shared with other developers' test runs; embedded engine"
    )
    RESULTS.write_text(json.dumps(known, indent=1, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync")
    parser.add_argument("measure", choices=("delta", "http"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ror-sync-bench")
    args = parser.parse_args(argv)
    if max([*args.sizes, args.size]) > 100_000:
        parser.error("100 k offers at most on the development machines")
    if args.measure == "delta":
        delta(args.sizes, args.changed, args.seed, args.work)
    else:
        _save([http(args.size, args.page_size, args.seed, args.work, args.profile)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
