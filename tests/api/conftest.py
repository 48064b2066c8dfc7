"""A real server for the API tests: uvicorn on a free loopback port, over a real embedded engine
holding 2,000 synthetic offers (built once per session in a temporary SQLite file)."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn

from ror.api.app import create_app
from ror.config import Settings
from ror.indexer.synthetic import generate
from ror.model import Offer
from ror.search.embedded import EmbeddedEngine

SIZE = 2000
SEED = 7
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.fixture(scope="session")
def offers() -> list[Offer]:
    """The synthetic offers, with one unit with capacities made sensitive (uniteSensible)."""
    offers = list(generate(SIZE, seed=SEED, now=NOW))
    i = next(i for i, o in enumerate(offers) if o.capacities and not o.home_based)
    offers[i] = dataclasses.replace(offers[i], sensitive=True)
    return offers


@pytest.fixture(scope="session")
def db_path(tmp_path_factory: pytest.TempPathFactory, offers: list[Offer]) -> Path:
    path = tmp_path_factory.mktemp("api") / "ror.sqlite"
    engine = EmbeddedEngine(path)
    engine.load(offers, replace_all=True)
    engine.close()
    return path


@pytest.fixture(scope="session")
def settings(db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    state = tmp_path_factory.mktemp("state")
    return Settings.from_env(
        {
            "ROR_DB": str(db_path),
            "ROR_TOKENS": str(state / "tokens.json"),
            "ROR_AUDIT_LOG": str(state / "audit.jsonl"),
            "ROR_RATE_LIMIT": "0",  # the shared test server is hammered by many tests
        }
    )


class LiveServer:
    """uvicorn serving one app in a background thread."""

    def __init__(self, app: object) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on")  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="session")
def server(settings: Settings) -> Iterator[LiveServer]:
    """The app as anonymous callers see it (profile 0), engine opened from the settings."""
    with LiveServer(create_app(settings)) as live:
        yield live


@pytest.fixture(scope="session")
def trusted_server(settings: Settings) -> Iterator[LiveServer]:
    """The same data served to profile 1 (everything), over an injected engine."""
    engine = EmbeddedEngine(settings.db_path)
    with LiveServer(create_app(settings, engine=engine, anonymous_profile=1)) as live:
        yield live
    engine.close()


@pytest.fixture()
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture()
def trusted_http(trusted_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=trusted_server.url, timeout=30) as client:
        yield client
