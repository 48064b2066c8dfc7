"""The server under load: uvicorn with N workers on loopback, as ``ror serve`` runs it.

Started as a subprocess (its own process group is not needed: uvicorn's supervisor stops its
workers when terminated); ready when ``/health`` answers; stopped by its pid only.
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

HOST = "127.0.0.1"
READY_TIMEOUT_S = 180.0
APP = "bench.serving:app_factory"


@dataclass(slots=True)
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

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


def server_command(port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        APP,
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
        "--no-proxy-headers",
    ]


@contextmanager
def running_server(db: Path, workers: int, log: Path) -> Iterator[Server]:
    """Start the server on ``db``; yield it once ready; stop it whatever happens."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROR_")}
    env.update({"ROR_DB": str(db.resolve()), "ROR_HOST": HOST, "ROR_PORT": str(port)})
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")) if p
    )
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            server_command(port, workers), env=env, stdout=sink, stderr=subprocess.STDOUT
        )
        server = Server(process, f"http://{HOST}:{port}", log)
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
            if ready and len(server.workers()) >= workers:
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
