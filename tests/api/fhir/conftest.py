"""FHIR facade fixtures: the scenario units (built from the real example shapes) indexed once
in an embedded engine, served over real HTTP to callers of each ROR access profile."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ror.api.app import create_app
from ror.api.fhir import answer as fhir_answer
from ror.api.fhir import search as fhir_search
from ror.config import Settings
from ror.indexer.load import load_paths
from ror.model import Offer
from tests.api.fhir.fhir_scenario import write
from tests.live_server import LiveServer
from tests.service import build_db


@pytest.fixture(scope="session")
def scenario_offers(tmp_path_factory: pytest.TempPathFactory) -> list[Offer]:
    result = load_paths([write(tmp_path_factory.mktemp("fhir-scenario"))])
    offers = list(result.offers)
    assert result.report.rejects == []
    return offers


@pytest.fixture(scope="session")
def scenario_db(tmp_path_factory: pytest.TempPathFactory, scenario_offers: list[Offer]) -> Path:
    return build_db(tmp_path_factory.mktemp("fhir-db") / "scenario.sqlite", scenario_offers)


@pytest.fixture(scope="session")
def scenario_servers(scenario_db: Path) -> Iterator[Callable[[int], LiveServer]]:
    """``serve(profile)``: the scenario data served to anonymous callers of that profile."""
    started: dict[int, LiveServer] = {}
    settings = Settings.from_env({"ROR_DB": str(scenario_db)})

    def serve(profile: int) -> LiveServer:
        if profile not in started:
            live = LiveServer(create_app(settings, anonymous_profile=profile))
            started[profile] = live.__enter__()
        return started[profile]

    yield serve
    for live in started.values():
        live.__exit__(None, None, None)


@pytest.fixture()
def fhir(scenario_servers: Callable[[int], LiveServer]) -> Iterator[httpx.Client]:
    """A client of the scenario server for profile 1 (everything)."""
    with httpx.Client(base_url=scenario_servers(1).url + "/fhir", timeout=30) as client:
        yield client


@pytest.fixture()
def fhir_as(
    scenario_servers: Callable[[int], LiveServer],
) -> Iterator[Callable[[int], httpx.Client]]:
    """``fhir_as(profile)``: a client of the scenario server for that access profile."""
    clients: list[httpx.Client] = []

    def client(profile: int) -> httpx.Client:
        made = httpx.Client(base_url=scenario_servers(profile).url + "/fhir", timeout=30)
        clients.append(made)
        return made

    yield client
    for made in clients:
        made.close()


@pytest.fixture()
def open_fhir(server: LiveServer) -> Iterator[httpx.Client]:
    """The synthetic offers of ``tests/api/conftest.py`` for profile 0 (open data)."""
    with httpx.Client(base_url=server.url + "/fhir", timeout=30) as client:
        yield client


@pytest.fixture()
def full_fhir(trusted_server: LiveServer) -> Iterator[httpx.Client]:
    """The same for profile 1 (everything)."""
    with httpx.Client(base_url=trusted_server.url + "/fhir", timeout=30) as client:
        yield client


@pytest.fixture(autouse=True)
def pushdown_parity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every FHIR search of this suite runs twice, with the conditions the engine decides
    pushed down and with nothing pushed down (every unit tested in Python): the totals and
    pages must be the same, or the test fails."""
    run = fhir_search.run

    def both_ways(*args: Any, **kwargs: Any) -> fhir_search.Result:
        pushed = run(*args, **kwargs)
        if kwargs.get("shortcut", True):
            full = run(*args, **{**kwargs, "shortcut": False})
            assert _summary(pushed) == _summary(full), "pushdown changed the answer"
        return pushed

    monkeypatch.setattr(fhir_search, "run", both_ways)
    monkeypatch.setattr(fhir_answer, "run", both_ways)


def _summary(result: fhir_search.Result) -> tuple[object, ...]:
    return result.total, [(h.id, h.distance, tuple(h.via)) for h in result.page]
