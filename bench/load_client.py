"""A Python load generator (when ``wrk`` is not installed): asyncio + httpx, bounded.

``python -m bench.load_client --url URL --bodies FILE --seconds S --connections C [--token T]``
keeps C requests in flight for S seconds (and at most ``--max-requests``), POSTing the bodies in
turn, then prints one ``BENCH-JSON {...}`` line. Run it in its own process: it costs CPU too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import httpx
import numpy as np

MARK = "BENCH-JSON "


async def drive(
    url: str,
    bodies: list[bytes],
    seconds: float,
    connections: int,
    max_requests: int,
    token: str = "",
) -> dict[str, object]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    sent = 0
    received = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            nonlocal sent, received
            while time.perf_counter() < deadline and sent < max_requests:
                body = bodies[sent % len(bodies)]
                sent += 1
                t = time.perf_counter()
                try:
                    response = await client.post(url, content=body, headers=headers)
                    await response.aread()
                except httpx.TimeoutException:
                    errors["timeout"] += 1
                    continue
                except httpx.TransportError:
                    errors["connect"] += 1
                    continue
                latencies.append(time.perf_counter() - t)
                received += len(response.content) + sum(
                    len(k) + len(v) + 4 for k, v in response.headers.raw
                )
                if response.status_code >= 400:
                    errors["status"] += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    ms = np.asarray(latencies, dtype=np.float64) * 1000.0

    def pct(q: float) -> float:
        return float(np.percentile(ms, q)) if len(ms) else float("nan")

    return {
        "generator": f"python asyncio+httpx {httpx.__version__}",
        "connections": connections,
        "seconds": elapsed,
        "requests": len(latencies),
        "errors": dict(errors),
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": float(ms.max()) if len(ms) else float("nan"),
        "bytes": received,
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load_client")
    p.add_argument("--url", required=True)
    p.add_argument("--bodies", type=Path, required=True, help="one JSON body per line")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--max-requests", type=int, default=1_000_000)
    p.add_argument("--token", default="", help="bearer token sent with every request")
    a = p.parse_args(argv)
    lines = a.bodies.read_text(encoding="utf-8").splitlines()
    bodies = [line.encode() for line in lines if line.strip()]
    if not bodies:
        p.error(f"no request bodies in {a.bodies}")
    figures = asyncio.run(drive(a.url, bodies, a.seconds, a.connections, a.max_requests, a.token))
    print(MARK + json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
