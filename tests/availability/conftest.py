"""A real server for the availability HTTP tests: uvicorn on a free loopback port over a real
embedded engine (synthetic offers), with real tokens and an audit log."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from availability_world import Tokens, build_db, make_tokens, offers, settings_for

from ror.api.app import create_app
from ror.config import Settings
from ror.model import Offer


class Live:
    """uvicorn serving one app in a background thread, on a free loopback port."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Live:
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
