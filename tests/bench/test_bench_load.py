"""The load generators against a small real HTTP server: they rotate the bodies, count the
answers and errors, and stop by themselves."""

from __future__ import annotations

import json
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from bench.load import SEARCH_PATH, run_load


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[Counter[str]] = Counter()
    paths: ClassVar[Counter[str]] = Counter()
    auth: ClassVar[Counter[str]] = Counter()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        number = json.loads(body)["n"]
        type(self).seen[str(number)] += 1
        type(self).paths[self.path] += 1
        type(self).auth[self.headers.get("Authorization", "")] += 1
        status = 422 if number == 3 else 200  # one body of four is refused
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def recorder() -> Iterator[str]:
    _Recorder.seen = Counter()
    _Recorder.paths = Counter()
    _Recorder.auth = Counter()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def bodies(tmp_path: Path) -> Path:
    path = tmp_path / "bodies.ndjson"
    path.write_text("".join(json.dumps({"n": n}) + "\n" for n in range(4)), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "generator",
    [
        "python",
        pytest.param(
            "wrk",
            marks=pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed"),
        ),
    ],
)
def test_load_generator_rotates_bodies_and_counts(
    generator: str, recorder: str, bodies: Path
) -> None:
    result = run_load(generator, recorder, bodies, seconds=3.0, connections=2, token="ror_x_y")
    served = sum(_Recorder.seen.values())
    assert result.requests >= 8  # each body twice; a loaded machine may serve few more
    assert abs(result.requests - served) <= 2  # requests cut at the deadline may differ
    assert set(_Recorder.seen) == {"0", "1", "2", "3"}
    assert max(_Recorder.seen.values()) - min(_Recorder.seen.values()) <= 3
    assert set(_Recorder.paths) == {SEARCH_PATH}
    assert set(_Recorder.auth) == {"Bearer ror_x_y"}
    assert abs(result.errors.get("status", 0) - _Recorder.seen["3"]) <= 2
    assert 2.5 < result.seconds < 6.0
    assert 0 < result.p50_ms <= result.p95_ms <= result.max_ms
    assert result.rps == pytest.approx(result.requests / result.seconds)
    assert 2 * result.requests < result.bytes_read < 400 * result.requests  # {} + headers
