"""A service of a test's own: an embedded engine file holding the test's offers, the settings of
a service whose state (tokens, audit log) lives in one folder, and that service over real HTTP."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ror.api.app import create_app
from ror.config import Settings
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine
from tests.live_server import LiveServer


def build_db(path: Path, items: Iterable[Offer]) -> Path:
    """A new embedded engine file at ``path`` holding ``items``."""
    engine = EmbeddedEngine(path)
    engine.load(items, replace_all=True)
    engine.close()
    return path


def settings_for(root: Path, db: Path, **env: str) -> Settings:
    """A service reading ``db``, its tokens and audit log in ``root``, without a rate limit
    (the test servers are hammered by many tests)."""
    return Settings.from_env(
        {
            "ROR_DB": str(db),
            "ROR_TOKENS": str(root / "tokens.json"),
            "ROR_AUDIT_LOG": str(root / "audit.jsonl"),
            "ROR_RATE_LIMIT": "0",
            **env,
        }
    )


@contextmanager
def served(settings: Settings, *, profile: int) -> Iterator[LiveServer]:
    """The app over an engine handed to it (opened here), for anonymous callers of ``profile``."""
    engine = EmbeddedEngine(settings.db_path)
    try:
        with LiveServer(create_app(settings, engine=engine, anonymous_profile=profile)) as live:
            yield live
    finally:
        engine.close()
