"""HTTP load generators: ``wrk`` (Debian package) when installed, else a Python client.

Both keep a fixed number of connections busy (closed loop) for a fixed time, rotate through the
query bodies, stop by themselves, and run in their own process so the server keeps the cores it
needs. Latencies are per request as the client sees them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEARCH_PATH = "/v1/referrals/search"
LUA_SCRIPT = Path(__file__).with_name("wrk_rotate.lua")
MARK = "BENCH-JSON "


@dataclass(frozen=True, slots=True)
class LoadResult:
    generator: str
    connections: int
    seconds: float
    requests: int
    errors: dict[str, int] = field(default_factory=dict)  # non-2xx, timeouts, connection errors
    p50_ms: float = float("nan")
    p90_ms: float = float("nan")
    p95_ms: float = float("nan")
    p99_ms: float = float("nan")
    max_ms: float = float("nan")
    bytes_read: int = 0  # response bytes, headers included

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator,
            "connections": self.connections,
            "seconds": round(self.seconds, 2),
            "requests": self.requests,
            "rps": round(self.rps, 1),
            "errors": self.errors,
            "p50_ms": round(self.p50_ms, 2),
            "p90_ms": round(self.p90_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "max_ms": round(self.max_ms, 2),
            "mean_response_kb": round(self.bytes_read / self.requests / 1024, 1)
            if self.requests
            else None,
        }


def choose_generator(wanted: str) -> str:
    """ "wrk" or "python": ``auto`` takes wrk when it is on the PATH."""
    if wanted == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if wanted == "wrk" and not shutil.which("wrk"):
        raise RuntimeError(
            "wrk is not installed (apt-get install -y wrk), use --load-generator python"
        )
    return wanted


def start_load(
    generator: str,
    base_url: str,
    bodies: Path,
    seconds: float,
    connections: int,
    token: str = "",
) -> subprocess.Popen[str]:
    """Start the load in the background; :func:`finish_load` collects its figures."""
    if generator == "wrk":
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA_SCRIPT),
            base_url,
            "--",
            str(bodies),
            SEARCH_PATH,
            token,
        ]
    else:
        command = [
            sys.executable,
            "-m",
            "bench.load_client",
            "--url",
            base_url + SEARCH_PATH,
            "--bodies",
            str(bodies),
            "--seconds",
            str(seconds),
            "--connections",
            str(connections),
            "--token",
            token,
        ]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )


def finish_load(
    process: subprocess.Popen[str], generator: str, connections: int, timeout: float
) -> LoadResult:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise RuntimeError(f"the load generator did not stop within {timeout:.0f} s") from None
    lines = [line[len(MARK) :] for line in out.splitlines() if line.startswith(MARK)]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"the load generator failed ({process.returncode}): {err or out}")
    data = json.loads(lines[-1])
    if generator == "wrk":
        return _from_wrk(data, connections)
    return _from_client(data)


def run_load(
    generator: str,
    base_url: str,
    bodies: Path,
    seconds: float,
    connections: int,
    token: str = "",
) -> LoadResult:
    process = start_load(generator, base_url, bodies, seconds, connections, token)
    return finish_load(process, generator, connections, timeout=seconds + 60)


def wrk_version() -> str:
    try:
        done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "wrk"
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split("Copyright")[0].strip() if first else "wrk"


def _from_wrk(data: dict[str, Any], connections: int) -> LoadResult:
    latency = data["latency_us"]
    errors = {k: int(v) for k, v in data["errors"].items() if v}
    return LoadResult(
        generator=wrk_version(),
        connections=connections,
        seconds=data["duration_us"] / 1e6,
        requests=int(data["requests"]),
        errors=errors,
        p50_ms=latency["p50"] / 1000.0,
        p90_ms=latency["p90"] / 1000.0,
        p95_ms=latency["p95"] / 1000.0,
        p99_ms=latency["p99"] / 1000.0,
        max_ms=latency["max"] / 1000.0,
        bytes_read=int(data["bytes"]),
    )


def _from_client(data: dict[str, Any]) -> LoadResult:
    return LoadResult(
        generator=str(data["generator"]),
        connections=int(data["connections"]),
        seconds=float(data["seconds"]),
        requests=int(data["requests"]),
        errors={k: int(v) for k, v in data["errors"].items() if v},
        p50_ms=float(data["p50_ms"]),
        p90_ms=float(data["p90_ms"]),
        p95_ms=float(data["p95_ms"]),
        p99_ms=float(data["p99_ms"]),
        max_ms=float(data["max_ms"]),
        bytes_read=int(data["bytes"]),
    )
