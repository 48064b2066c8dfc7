"""Issue 22: every request has a bounded time. A URL past the limit is a 414, a stalled body a
408, a search past its deadline a 503 with ``Retry-After`` (``/health`` unaffected), and a
search whose client went away stops at its next check instead of running on."""

from __future__ import annotations

import asyncio
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest

from ror import deadline
from ror.api.app import create_app
from ror.api.middleware.deadline import Deadlines
from ror.config import Settings
from ror.errors import TooLong
from tests.api.api_checks import error_of
from tests.live_server import LiveServer


def _settings(db_path: Path, tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env(
        {
            "ROR_DB": str(db_path),
            "ROR_TOKENS": str(tmp_path / "tokens.json"),
            "ROR_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
            "ROR_RATE_LIMIT": "0",
            **env,
        }
    )


@pytest.fixture()
def hurried(db_path: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """A server whose requests get 1 ms and whose bodies may stall 300 ms."""
    settings = _settings(db_path, tmp_path, ROR_REQUEST_DEADLINE_MS="1", ROR_BODY_TIMEOUT_MS="300")
    with LiveServer(create_app(settings)) as live:
        yield live


def test_a_url_past_the_limit_is_414(http: httpx.Client) -> None:
    error = error_of(http.get("/v1/search", params={"text": "a" * 9000}), 414, None)
    assert error["code"] == "url_too_long"
    assert http.get("/v1/search", params={"text": "ehpad"}).status_code == 200


def test_searches_past_the_deadline_are_503_with_retry_after(hurried: LiveServer) -> None:
    with httpx.Client(base_url=hurried.url, timeout=30) as client:
        response = client.post("/v1/referrals/search", json={})
        error = error_of(response, 503, None)
        assert error["code"] == "deadline_exceeded"
        assert response.headers["Retry-After"] == "1"
        fhir = client.get(
            "/fhir/HealthcareService", params={"_count": "5", "age-range-low": "le30"}
        )
        assert fhir.status_code == 503, fhir.text
        assert fhir.json()["resourceType"] == "OperationOutcome"
        assert fhir.headers["Retry-After"] == "1"
        assert client.get("/health").status_code == 200


def test_a_stalled_body_is_408(hurried: LiveServer) -> None:
    host, port = hurried.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/referrals/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"age":'
        )
        started = time.monotonic()
        answer = sock.recv(4096)
        assert time.monotonic() - started < 5
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"body_timeout" in answer


def test_a_body_trickled_a_byte_at_a_time_is_408_once_the_whole_body_is_late(
    hurried: LiveServer,
) -> None:
    """Each byte arrives well within the 300 ms timeout, but the body as a whole does not."""
    host, port = hurried.url.removeprefix("http://").split(":")
    body = b"{}" + b" " * 98  # valid JSON once complete: 5 s at 50 ms a byte
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/referrals/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n"
        )
        started = time.monotonic()
        for byte in body:
            if select.select([sock], [], [], 0.05)[0]:
                break
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
        answer = sock.recv(4096)
        took = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"body_timeout" in answer
    assert took < 2.5


def test_a_search_whose_client_went_away_stops() -> None:
    stopped: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert (await receive())["body"] == b"{}"  # the body first, as the search routes do

        def work() -> None:
            try:
                for _ in range(3000):  # 30 s unless stopped
                    deadline.check()
                    time.sleep(0.01)
            except TooLong as exc:
                stopped.append(str(exc))

        await anyio.to_thread.run_sync(work)

    async def run() -> float:
        messages = [{"type": "http.request", "body": b"{}", "more_body": False}]

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.sleep(0.2)
            return {"type": "http.disconnect"}

        async def send(message: Any) -> None:
            return None

        scope = {
            "type": "http",
            "path": "/v1/referrals/search",
            "query_string": b"",
            "headers": [(b"content-length", b"2")],
        }
        started = time.monotonic()
        await Deadlines(app, seconds=60, body_timeout=5, max_url_bytes=8192)(scope, receive, send)
        return time.monotonic() - started

    took = asyncio.run(run())
    assert stopped == ["requête abandonnée par le client"]
    assert took < 5
