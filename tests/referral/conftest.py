"""A real server over hand-built offers for the referral cases of issue 19.

Each case sits around a centre of its own (far from the others), so one embedded engine and one
server hold them all; a case searches around its centre with a radius that sees only its offers.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ror.access.tokens import TokenStore
from ror.api.app import create_app
from ror.config import Settings
from ror.search.embedded import EmbeddedEngine
from tests.live_server import LiveServer
from tests.referral.world import world


@pytest.fixture(scope="session")
def referral_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    state = tmp_path_factory.mktemp("referral")
    path = state / "ror.sqlite"
    engine = EmbeddedEngine(path)
    engine.load(world(), replace_all=True)
    engine.close()
    return Settings.from_env(
        {
            "ROR_DB": str(path),
            "ROR_TOKENS": str(state / "tokens.json"),
            "ROR_AUDIT_LOG": str(state / "audit.jsonl"),
            "ROR_RATE_LIMIT": "0",
        }
    )


@pytest.fixture(scope="session")
def referral_server(referral_settings: Settings) -> Iterator[LiveServer]:
    """Served to profile 1 (capacities visible), as a SAMU regulator sees it."""
    engine = EmbeddedEngine(referral_settings.db_path)
    with LiveServer(create_app(referral_settings, engine=engine, anonymous_profile=1)) as live:
        yield live
    engine.close()


@pytest.fixture()
def samu(referral_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=referral_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def writer_header(referral_settings: Settings) -> dict[str, str]:
    """A bed-management writer for every establishment."""
    secret, _ = TokenStore(referral_settings.tokens_path).create("lits test", 2, ["*"])
    return {"Authorization": f"Bearer {secret}"}
