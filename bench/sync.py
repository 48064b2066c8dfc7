"""Sync benchmark (issue 16): a first load, a delta against the size of the directory, a full
first sync over HTTP from a local ``ror serve`` and a follower applying its leader's delta.

Every step runs the ``ror`` command line as a user would (``ror index``, ``ror serve``, ``ror
sync``), timed by wall clock and by the CPU seconds of the process (and of the leader's server),
so that a figure taken on a shared machine still says where the time went.

- ``python -m bench.sync index --size 100000``: the synthetic offers written as FHIR
  (``ror.api.fhir.synthesize``: an EG Organization, the Locations and the HealthcareService of
  each offer) and loaded by ``ror index`` into an empty index: offers/s. With ``--against DIR``
  the same load also runs with the code of another checkout (``DIR``, e.g. a worktree of
  ``main``), before this one, in the same run.
- ``python -m bench.sync delta --sizes 100000 1000000``: for each size, that load (kept in
  ``--work`` and reused), then ``--changed`` HealthcareServices with a new name and a newer
  ``meta.lastUpdated`` loaded by ``ror index``, twice (the second load changes nothing).
- ``python -m bench.sync delta --sizes 100000 1000000 --bulk-base``: the same delta, on a base
  built in bulk straight from the synthetic FHIR world (no JSON written: ``base``), then the
  delta through ``ror index`` as above; only the delta is the figure, the base's build time is
  reported beside it.
- ``python -m bench.sync base --size 100000``: that base alone (kept in ``--work``): the
  world's resources go into the resource store and their offers into the index through the
  paths ``ror index`` takes (``ror.resources.load``, the engine's full load, which a first
  ``ror index`` into an empty index also takes), in large transactions, in one process.
- ``python -m bench.sync http --size 100000``: the loaded index of that size is served (the
  leader, A); ``ror sync`` fills an empty follower B from A's ``/fhir`` (offers/s, follower and
  leader CPU); then ``--changed`` offers change on A (``ror index`` of a delta while A serves)
  and B's next ``ror sync`` is timed: the follower's delta.

Sizes above 100 k need ``--quiet-machine`` (the lead runs them after everyone has landed).
Results go to ``bench/sync_results.json`` (merged per measurement).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ror.api.fhir import synthesize
from ror.commands.search import index_sink
from ror.config import Settings
from ror.heap import bulk_work
from ror.indexer.facts import view
from ror.indexer.sources import Sourced
from ror.indexer.synthetic import generate
from ror.resources.load import load_resources
from ror.resources.store import ResourceStore
from ror.search.open import open_engine

RESULTS = Path(__file__).resolve().parent / "sync_results.json"
HERE = Path(__file__).resolve().parents[1]
Json = dict[str, Any]
BASE_BATCH = 50_000  # resources per store transaction while a base is built


def fhir_world(size: int, seed: int, now: datetime | None = None) -> Iterator[Json]:
    """The FHIR resources of ``size`` synthetic offers (each Organization and Location once)."""
    seen: set[tuple[str, str]] = set()
    for offer in generate(size, seed, now=now):
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
    part = path.with_suffix(".part")
    with part.open("w", encoding="utf-8") as handle:
        for resource in resources:
            handle.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    part.rename(path)
    return n


def world(size: int, seed: int, work: Path) -> Path:
    """The FHIR NDJSON of ``size`` offers (written once per size and seed)."""
    path = work / f"world-{size}-{seed}.ndjson"
    if not path.exists():
        work.mkdir(parents=True, exist_ok=True)
        _write(path, fhir_world(size, seed))
    return path


@dataclass(frozen=True, slots=True)
class Timed:
    status: int
    wall_s: float
    cpu_s: float  # user + system of the process (and its children)
    output: str

    def line(self, prefix: str) -> str:
        return next((ln for ln in self.output.splitlines() if ln.startswith(prefix)), "")


def ror(*args: str, env: dict[str, str], code: Path = HERE) -> Timed:
    """Run ``ror ARGS`` with the package of checkout ``code``; wall and CPU seconds."""
    return _timed(["-m", "ror.cli", *args], env, code)


def _timed(argv: list[str], env: dict[str, str], code: Path = HERE) -> Timed:
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, *argv],
            env={**env, "PYTHONPATH": str(code)},
            cwd=code,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return Timed(proc.returncode, wall, usage.ru_utime + usage.ru_stime, text)


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ROR_DB": str(home / "ror.sqlite"),
        "ROR_TOKENS": str(home / "tokens.json"),
        "ROR_AUDIT_LOG": str(home / "audit.jsonl"),
        "ROR_RATE_LIMIT": "0",
    }


def _fresh(home: Path) -> Path:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    return home


def _load(home: Path, source: Path, code: Path = HERE) -> Timed:
    run = ror(
        "index", str(source), "--rejects", str(home / "rejects.jsonl"), env=_env(home), code=code
    )
    if run.status != 0:
        raise SystemExit(f"ror index {source}: exit {run.status}\n{run.output[-3000:]}")
    return run


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def index(size: int, seed: int, work: Path, against: Path | None) -> list[Json]:
    """A first ``ror index`` of ``size`` offers, with this code (and ``against``'s first)."""
    source = world(size, seed, work)
    rows = []
    codes = ([("against", against)] if against else []) + [("this", HERE)]
    for label, code in codes:
        home = _fresh(work / f"index-{size}-{label}")
        run = _load(home, source, code)
        rows.append(
            {
                "measure": "index" if label == "this" else "index-against",
                "size": size,
                "code": _commit(code),
                "wall_s": round(run.wall_s, 1),
                "cpu_s": round(run.cpu_s, 1),
                "offers_per_s": _rate(size, run.wall_s),
                "offers_per_cpu_s": _rate(size, run.cpu_s),
                "changes": run.line("changes:"),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def loaded(size: int, seed: int, work: Path) -> tuple[Path, Json]:
    """An index of ``size`` offers loaded from the world by ``ror index`` (kept and reused)."""
    home = work / f"loaded-{size}-{seed}"
    done = home / "load.json"
    if not done.exists():
        _fresh(home)
        run = _load(home, world(size, seed, work))
        done.write_text(
            json.dumps(
                {
                    "full_load_wall_s": round(run.wall_s, 1),
                    "full_load_cpu_s": round(run.cpu_s, 1),
                    "full_load": run.line("changes:"),
                }
            )
        )
    return home, json.loads(done.read_text())


def write_delta(size: int, seed: int, work: Path, changed: int, path: Path) -> str:
    """``changed`` HealthcareServices of the world renamed, with ``meta.lastUpdated`` now."""
    with world(size, seed, work).open(encoding="utf-8") as handle:
        lines = (line for line in handle if '"HealthcareService"' in line)
        return _write_changed((json.loads(line) for line in lines), changed, path)


def _write_changed(resources: Iterator[Json], changed: int, path: Path) -> str:
    """The first ``changed`` HealthcareServices of ``resources``, renamed and stamped now."""
    stamp = datetime.now(UTC).isoformat(timespec="microseconds")
    services = []
    for hs in resources:
        if hs["resourceType"] == "HealthcareService":
            hs["name"] += f" (modifié {stamp})"
            hs["meta"] = {**hs.get("meta", {}), "lastUpdated": stamp}
            services.append(hs)
            if len(services) >= changed:
                break
    _write(path, iter(services))
    return stamp


def build_base(size: int, seed: int, now: datetime, home: Path) -> Json:
    """The store and index of ``ror index`` of the world (``fhir_world(size, seed, now)``) into
    an empty ``home``, built in this process without writing the world as JSON: its resources
    into the store (``load_resources``, :data:`BASE_BATCH` per transaction), the offers they
    make into the engine by its full load, as a first ``ror index`` does."""
    settings = Settings.from_env(_env(home))
    engine = open_engine(settings, create=True)
    store = ResourceStore(settings.resources_path)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        with bulk_work():
            items = (Sourced(r, "world", n) for n, r in enumerate(fhir_world(size, seed, now), 1))
            result = load_resources(items, store, batch=BASE_BATCH)
            stored = time.process_time() - cpu
            loaded = index_sink(engine, replace_all=True)(result.offers)
            result.done()
    finally:
        engine.close()
        store.close()
    report = result.report
    if report.rejects:
        raise SystemExit(f"the world's base: {report.rejected} rejected, e.g. {report.rejects[0]}")
    return {
        "now": now.isoformat(),
        "base_offers": loaded,
        "base_resources": sum(report.read.values()),
        "base_build_wall_s": round(time.perf_counter() - started, 1),
        "base_build_cpu_s": round(time.process_time() - cpu, 1),
        "base_world_into_store_cpu_s": round(stored, 1),
    }


def bulk_loaded(size: int, seed: int, work: Path) -> tuple[Path, Json]:
    """A base of ``size`` offers built by :func:`build_base` in a child process (its CPU
    seconds counted whole), kept and reused."""
    home = work / f"bulk-{size}-{seed}"
    done = home / "base.json"
    if not done.exists():
        _fresh(home)
        now = datetime.now(UTC).replace(microsecond=0)
        argv = ["-m", "bench.sync", "base", "--size", str(size), "--seed", str(seed)]
        argv += ["--home", str(home), "--now", now.isoformat()]
        run = _timed(argv, _env(home))
        if run.status != 0:
            raise SystemExit(f"base of {size}: exit {run.status}\n{run.output[-3000:]}")
        row = json.loads(run.output.strip().splitlines()[-1])
        row["base_process_wall_s"] = round(run.wall_s, 1)
        row["base_process_cpu_s"] = round(run.cpu_s, 1)
        done.write_text(json.dumps(row))
    return home, json.loads(done.read_text())


def write_world_delta(size: int, seed: int, now: datetime, changed: int, path: Path) -> str:
    """:func:`write_delta` from the world generated again (a base built in bulk has no file)."""
    return _write_changed(fhir_world(size, seed, now), changed, path)


def delta(sizes: list[int], changed: int, seed: int, work: Path, bulk: bool = False) -> list[Json]:
    rows = []
    for size in sizes:
        if bulk:
            home, load = bulk_loaded(size, seed, work)
            path = home / "delta.ndjson"
            write_world_delta(size, seed, datetime.fromisoformat(load["now"]), changed, path)
        else:
            home, load = loaded(size, seed, work)
            path = home / "delta.ndjson"
            write_delta(size, seed, work, changed, path)
        first = _load(home, path)
        again = _load(home, path)
        row = {
            "measure": "delta_bulk_base" if bulk else "delta",
            "size": size,
            **load,
            "changed": changed,
            "delta_wall_s": round(first.wall_s, 2),
            "delta_cpu_s": round(first.cpu_s, 2),
            "delta": first.line("changes:"),
            "delta_again_wall_s": round(again.wall_s, 2),
            "delta_again": again.line("changes:"),
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def http(size: int, changed: int, page_size: int, seed: int, work: Path) -> list[Json]:
    """A first sync of an empty follower from a served index, then a follower's delta."""
    leader, load = loaded(size, seed, work)
    follower = _fresh(work / f"follower-{size}-{seed}")
    env_a = _env(leader)
    token = subprocess.run(
        [sys.executable, "-m", "ror.cli", "token", "create", "bench follower", "--profile", "1"],
        env=env_a,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = _free_port()
    log = leader / "serve.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "ror.cli", "serve", "--port", str(port)],
        env=env_a,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    rows = []
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(url + "/health", server, log)
        sync = ["sync", url + "/fhir", "--name", "A", "--token", token, "--timeout", "600"]
        sync += ["--page-size", str(page_size)]
        env_b = _env(follower)
        served = _cpu_of(server.pid)
        run = ror(*sync, env=env_b)
        served = _cpu_of(server.pid) - served
        if run.status != 0:
            raise SystemExit(f"ror sync: exit {run.status}\n{run.output[-3000:]}")
        rows.append(_sync_row("http_full_sync", size, page_size, run, served, load))
        if changed:
            path = leader / "delta.ndjson"
            write_delta(size, seed, work, changed, path)
            leader_run = _load(leader, path)
            served = _cpu_of(server.pid)
            run = ror(*sync, env=env_b)
            served = _cpu_of(server.pid) - served
            row = _sync_row("follower_delta", size, page_size, run, served, {})
            row["changed"] = changed
            row["leader_delta_wall_s"] = round(leader_run.wall_s, 2)
            row["leader_delta"] = leader_run.line("changes:")
            rows.append(row)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return rows


def _sync_row(measure: str, size: int, page: int, run: Timed, served: float, load: Json) -> Json:
    report = [ln for ln in run.output.splitlines() if ln.startswith(("resources:", "offers:"))]
    built = next((ln for ln in report if ln.startswith("offers:")), "offers: 0")
    offers = int(built.split()[1])
    row = {
        "measure": measure,
        "size": size,
        "page_size": page,
        "status": run.status,
        "offers_built": offers,
        "wall_s": round(run.wall_s, 1),
        "follower_cpu_s": round(run.cpu_s, 1),
        "leader_cpu_s": round(served, 1),
        "offers_per_s": _rate(offers, run.wall_s),
        "report": report,
        **({"leader_load": load} if load else {}),
        **({"error": run.output.strip().splitlines()[-3:]} if run.status else {}),
    }
    print(json.dumps(row), flush=True)
    return row


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise SystemExit(f"ror serve exited with {server.returncode}:\n{tail}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url}: the server did not answer in 600 s")


def _commit(code: Path) -> str:
    found = subprocess.run(
        ["git", "-C", str(code), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "-C", str(code), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    )
    return found.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def _save(rows: list[Json], conditions: str, results: Path) -> None:
    known = json.loads(results.read_text()) if results.exists() else {}
    load = os.getloadavg()[0]
    for row in rows:
        row["conditions"] = (
            f"{conditions}; {os.cpu_count()} cores, load average {load:.1f} at the end; "
            f"{platform.python_implementation()} {platform.python_version()}; "
            f"{datetime.now(UTC).isoformat(timespec='minutes')}"
        )
        known[f"{row['measure']}-{row['size']}"] = row
    results.write_text(json.dumps(known, indent=1, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync")
    parser.add_argument("measure", choices=("index", "delta", "http", "base"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--against", type=Path, help="also measure this checkout's code, first")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ror-sync-bench")
    parser.add_argument("--conditions", default="2-core machine shared with other developers")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--quiet-machine", action="store_true", help="allow sizes above 100 k")
    parser.add_argument("--bulk-base", action="store_true", help="delta: the base built in bulk")
    parser.add_argument("--home", type=Path, help="base: build it there (default: in --work)")
    parser.add_argument("--now", type=datetime.fromisoformat, help="base: the world's now")
    args = parser.parse_args(argv)
    if args.measure == "base" and args.home is not None:  # the child of bulk_loaded
        now = args.now or datetime.now(UTC).replace(microsecond=0)
        print(json.dumps(build_base(args.size, args.seed, now, args.home)), flush=True)
        return 0
    sizes = args.sizes if args.measure == "delta" else [args.size]
    if max(sizes) > 100_000 and not args.quiet_machine:
        parser.error("above 100 k offers only on a quiet machine (--quiet-machine)")
    if args.measure == "index":
        rows = index(args.size, args.seed, args.work, args.against)
    elif args.measure == "delta":
        rows = delta(args.sizes, args.changed, args.seed, args.work, args.bulk_base)
    elif args.measure == "base":
        home, base = bulk_loaded(args.size, args.seed, args.work)
        rows = [{"measure": "base", "size": args.size, "home": str(home), **base}]
        print(json.dumps(rows[-1]), flush=True)
    else:
        rows = http(args.size, args.changed, args.page_size, args.seed, args.work)
    _save(rows, args.conditions, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
