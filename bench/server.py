"""The server under load: ``ror serve`` itself (uvicorn, N workers) on loopback.

Started as a subprocess on the run's copy of the dataset, with its own token file holding one
bearer token of access profile 1 (a professional caller: the emergency scenario filters by
available beds, which open-data callers may not) and the per-caller rate limiter off
(``ROR_RATE_LIMIT=0``: one load generator is one caller, and the benchmark measures search,
not the limiter). Ready when ``/health`` answers and every worker runs; stopped by its pid.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.memory import command_line, descendants, peak_rss_mb
from ror.access.tokens import TokenStore

HOST = "127.0.0.1"
READY_TIMEOUT_S = 180.0
CALLER_PROFILE = 1


@dataclass(slots=True)
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    token: str  # bearer token of profile CALLER_PROFILE
    log: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def workers(self) -> list[int]:
        """Worker processes (uvicorn's children running the app)."""
        return [
            pid
            for pid in descendants(self.process.pid)
            if "multiprocessing.resource_tracker" not in command_line(pid)
        ]

    def peak_rss(self) -> dict[int, float]:
        """VmHWM (MiB) of each worker, read while they run."""
        out: dict[int, float] = {}
        for pid in self.workers():
            mb = peak_rss_mb(pid)
            if mb is not None:
                out[pid] = mb
        return out

    def supervisor_rss(self) -> float | None:
        return peak_rss_mb(self.process.pid)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def server_command(db: Path, port: int, workers: int) -> list[str]:
    """``ror serve`` (through ``ror.cli.main``, as the console script runs it)."""
    run_cli = "import sys; from ror.cli import main; sys.exit(main())"
    return [
        sys.executable,
        "-c",
        run_cli,
        "serve",
        "--db",
        str(db.resolve()),
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def server_environment(work_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROR_")}
    env.update(
        {
            "ROR_TOKENS": str((work_dir / "tokens.json").resolve()),
            "ROR_AUDIT_LOG": str((work_dir / "audit.jsonl").resolve()),
            "ROR_RATE_LIMIT": "0",
        }
    )
    return env


def bench_token(work_dir: Path) -> str:
    """A fresh token file with one profile-1 token; the token."""
    path = work_dir / "tokens.json"
    path.unlink(missing_ok=True)
    token, _ = TokenStore(path).create("bench", CALLER_PROFILE)
    return token


@contextmanager
def running_server(db: Path, workers: int, work_dir: Path) -> Iterator[Server]:
    """Start ``ror serve`` on ``db``; yield it once ready; stop it whatever happens."""
    work_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    token = bench_token(work_dir)
    log = work_dir / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            server_command(db, port, workers),
            env=server_environment(work_dir),
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=work_dir,
        )
        server = Server(process, f"http://{HOST}:{port}", token, log)
        try:
            _wait_ready(server, workers)
            yield server
        finally:
            _stop(process)


def _wait_ready(server: Server, workers: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(timeout=5.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                tail = server.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the server exited ({server.process.returncode}):\n{tail}")
            try:
                ready = client.get(server.base_url + "/health").status_code == 200
            except httpx.TransportError:
                ready = False
            if ready and (workers < 2 or len(server.workers()) >= workers):  # 1: in-process
                return
            time.sleep(0.25)
    raise RuntimeError(f"the server was not ready within {READY_TIMEOUT_S:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
