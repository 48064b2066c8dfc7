"""``serve()`` (behind ``ror serve``): uvicorn in factory mode, several worker processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ror.api.app import create_app
from ror.commands.serve import serve, settings_env
from ror.config import Settings
from ror.errors import InvalidInput
from ror.geo.reverse import _build_shape_index
from tests.live_server import LiveServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_settings_travel_to_the_workers_unchanged(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"ROR_DB": str(tmp_path / "x.sqlite"), "ROR_TOKENS": str(tmp_path / "t.json")}
    )
    env = settings_env(settings, "0.0.0.0", 8123, 3)
    rebuilt = Settings.from_env(env)
    assert rebuilt.workers == 3
    assert rebuilt.db_path == settings.db_path and rebuilt.tokens_path == settings.tokens_path
    assert rebuilt.es_url is None and (rebuilt.host, rebuilt.port) == ("0.0.0.0", 8123)


@pytest.mark.parametrize(("port", "workers", "field"), [(8000, 0, "workers"), (70000, 1, "port")])
def test_bad_serve_arguments(tmp_path: Path, port: int, workers: int, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        serve(Settings.from_env({}), "127.0.0.1", port, workers)
    assert caught.value.field == field


def test_serve_with_two_workers(db_path: Path) -> None:
    port = free_port()
    code = (
        "from ror.commands.serve import serve; from ror.config import Settings; "
        f"serve(Settings.from_env({{'ROR_DB': {str(db_path)!r}}}), '127.0.0.1', {port}, 2)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ROR_DB": "/nonexistent/must-not-be-used.sqlite"},
    )
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None, proc.stdout.read().decode() if proc.stdout else ""
        assert health.status_code == 200 and health.json()["offers"] == 2000
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            answers = [client.get("/v1/search", params={"place": "Lyon"}) for _ in range(4)]
        assert all(a.status_code == 200 for a in answers)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0


def test_the_commune_shapes_are_built_in_the_background_once_the_server_takes_requests(
    settings: Settings,
) -> None:
    _build_shape_index.cache_clear()
    with LiveServer(create_app(settings)) as live:
        assert httpx.get(live.url + "/health").status_code == 200  # served without waiting
        deadline = time.monotonic() + 30
        while _build_shape_index.cache_info().currsize == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _build_shape_index.cache_info().currsize == 1  # built, by the start-up alone
        point = httpx.get(live.url + "/v1/search", params={"lat": 43.6, "lon": 1.44, "limit": 1})
        assert point.status_code == 200
        assert _build_shape_index.cache_info().misses == 1  # not built a second time
