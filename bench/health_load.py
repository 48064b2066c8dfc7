"""``/health`` latency while search traffic saturates the workers (issue 22).

``python -m bench.health_load --db var/demo.sqlite [--workers 2] [--connections 8]
[--seconds 20] [--bodies FILE] [--entitled]`` starts ``ror serve`` on loopback over a
copy-free ``--db`` (read only: the searches keep replay records in their own file beside it),
keeps ``--connections`` anonymous search requests (``--entitled``: of access profile 1) in
flight (``bench.load_client``, a closed loop over :data:`BODIES`: searches without a position,
the costliest kind; or over ``--bodies``, e.g. the ``make bench`` searches from a place), and
meanwhile asks ``/health`` every :data:`PROBE_EVERY_S` on a connection of its own. Prints one
JSON line: the ``/health`` p50/p99/max, the search load's
figures and the load averages. A liveness probe needs the p99 well under its timeout; the
target is 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.load import finish_load, start_load
from bench.server import running_server
from bench.stats import percentile

PROBE_EVERY_S = 0.05
BODIES: tuple[dict[str, object], ...] = (
    {},
    {"age": 85},
    {"text": "ehpad"},
    {"offer_type": ["21"], "limit": 50},
    {"where": {"place": "Toulouse"}, "text": "psychologue enfant", "facets": True},
    {"champ": ["04"], "offset": 180, "limit": 20},
)


def probe(base_url: str, stop: threading.Event, out: list[float], errors: list[str]) -> None:
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                status = client.get("/health").status_code
            except httpx.TransportError as exc:
                errors.append(type(exc).__name__)
            else:
                out.append((time.perf_counter() - started) * 1000.0)
                if status != 200:
                    errors.append(str(status))
            stop.wait(PROBE_EVERY_S)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument(
        "--bodies",
        type=Path,
        help="search bodies, one JSON object a line (default: BODIES, without a position)",
    )
    p.add_argument(
        "--entitled", action="store_true", help="the load with a profile-1 token (else anonymous)"
    )
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ror-health-") as tmp:
        work = Path(tmp)
        bodies = a.bodies or work / "bodies.ndjson"
        if a.bodies is None:
            bodies.write_text("\n".join(json.dumps(b) for b in BODIES) + "\n")
        with running_server(a.db, a.workers, work) as server:
            load = start_load(
                "python",
                server.base_url,
                bodies,
                a.seconds,
                a.connections,
                server.token if a.entitled else "",
            )
            time.sleep(1.0)  # the load is under way
            stop = threading.Event()
            latencies: list[float] = []
            errors: list[str] = []
            prober = threading.Thread(target=probe, args=(server.base_url, stop, latencies, errors))
            prober.start()
            time.sleep(max(a.seconds - 2.0, 1.0))
            stop.set()
            prober.join()
            result = finish_load(load, "python", a.connections, timeout=a.seconds + 60)
    report = {
        "workers": a.workers,
        "connections": a.connections,
        "seconds": a.seconds,
        "bodies": str(a.bodies or "BODIES"),
        "entitled": a.entitled,
        "health": {
            "probes": len(latencies),
            "errors": errors,
            "p50_ms": round(percentile(latencies, 50), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
            "max_ms": round(max(latencies), 1) if latencies else None,
        },
        "search_load": result.to_dict(),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
