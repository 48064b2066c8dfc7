"""A real server for the availability HTTP tests: uvicorn on a free loopback port over a real
embedded engine (synthetic offers), with real tokens and an audit log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from ror.api.app import create_app
from ror.config import Settings
from ror.model import Offer
from tests.availability.availability_world import Tokens, make_tokens, offers
from tests.live_server import LiveServer
from tests.service import build_db, settings_for

Live = LiveServer


@dataclass(frozen=True)
class World:
    offers: list[Offer]
    settings: Settings
    tokens: Tokens
    writer_finess: frozenset[str]  # what the "writer" token may write for
    client: httpx.Client

    def header(self, name: str) -> dict[str, str]:
        return self.tokens.header(name)

    def locations(self, *, writable: bool, shared: bool = False) -> list[tuple[str, list[Offer]]]:
        """Locations with counters whose offers are all inside (or all outside) the writer's
        establishments, with their offers (``shared``: used by several offers)."""
        users: dict[str, list[Offer]] = {}
        for o in self.offers:
            for loc in o.location_ids:
                users.setdefault(loc, []).append(o)
        out = []
        for loc, found in sorted(users.items()):
            if shared and len(found) < 2:
                continue
            if not any(c.location_id == loc for o in found for c in o.capacities):
                continue
            inside = [o.establishment.finess in self.writer_finess for o in found]
            if (all(inside) if writable else not any(inside)) and all(
                o.establishment.finess for o in found
            ):
                out.append((loc, found))
        return out


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("availability-http")
    items = offers()
    db = build_db(root / "ror.sqlite", items)
    settings = settings_for(root, db)
    finess = sorted({o.establishment.finess for o in items if o.establishment.finess})
    scope = frozenset(finess[: len(finess) // 2])
    tokens = make_tokens(settings.tokens_path, scope)
    with Live(create_app(settings)) as server, httpx.Client(base_url=server.url, timeout=30) as c:
        yield World(items, settings, tokens, scope, c)
