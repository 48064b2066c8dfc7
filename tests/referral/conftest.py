"""A real server over hand-built offers for the referral cases of issue 19.

Each case sits around a centre of its own (far from the others), so one embedded engine and one
server hold them all; a case searches around its centre with a radius that sees only its offers.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ror.access.tokens import TokenStore
from ror.config import Settings
from tests.live_server import LiveServer
from tests.referral.world import world
from tests.service import build_db, served, settings_for


@pytest.fixture(scope="session")
def referral_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    state = tmp_path_factory.mktemp("referral")
    return settings_for(state, build_db(state / "ror.sqlite", world()))


@pytest.fixture(scope="session")
def referral_server(referral_settings: Settings) -> Iterator[LiveServer]:
    """Served to profile 1 (capacities visible), as a SAMU regulator sees it."""
    with served(referral_settings, profile=1) as live:
        yield live


@pytest.fixture()
def samu(referral_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=referral_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def writer_header(referral_settings: Settings) -> dict[str, str]:
    """A bed-management writer for every establishment."""
    secret, _ = TokenStore(referral_settings.tokens_path).create("lits test", 2, ["*"])
    return {"Authorization": f"Bearer {secret}"}
