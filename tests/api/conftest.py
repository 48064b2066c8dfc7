"""A real server for the API tests: uvicorn on a free loopback port, over a real embedded engine
holding 2,000 synthetic offers (built once per session in a temporary SQLite file)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ror.api.app import create_app
from ror.config import Settings
from ror.indexer.synthetic import generate
from ror.model import Offer
from tests.api.access_checks import World
from tests.live_server import LiveServer
from tests.service import build_db, served, settings_for

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
    return build_db(tmp_path_factory.mktemp("api") / "ror.sqlite", offers)


@pytest.fixture(scope="session")
def settings(db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_for(tmp_path_factory.mktemp("state"), db_path)


@pytest.fixture(scope="session")
def server(settings: Settings) -> Iterator[LiveServer]:
    """The app as anonymous callers see it (profile 0), engine opened from the settings."""
    with LiveServer(create_app(settings)) as live:
        yield live


@pytest.fixture(scope="session")
def trusted_server(settings: Settings) -> Iterator[LiveServer]:
    """The same data served to profile 1 (everything), over an injected engine."""
    with served(settings, profile=1) as live:
        yield live


@pytest.fixture()
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture()
def trusted_http(trusted_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=trusted_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def live(world: World) -> Iterator[LiveServer]:
    """The access world of the module (its own ``world`` fixture) served to anonymous callers."""
    with LiveServer(create_app(world.settings)) as server:
        yield server


@pytest.fixture()
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=30) as http:
        yield http
