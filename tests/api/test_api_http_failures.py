"""An unexpected failure inside the service answers 500 in the error shape, and is logged."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ror.api.app import create_app
from ror.config import Settings
from ror.search.embedded.replay import replay_path
from tests.api.api_checks import error_of
from tests.live_server import LiveServer


@pytest.fixture()
def broken(db_path: Path, tmp_path: Path) -> Iterator[httpx.Client]:
    """A server whose replay file lost its ``searches`` table after start (an operator's slip)."""
    copy = tmp_path / "broken.sqlite"
    shutil.copy(db_path, copy)
    with LiveServer(create_app(Settings.from_env({"ROR_DB": str(copy)}))) as live:
        conn = sqlite3.connect(replay_path(copy))
        conn.execute("DROP TABLE searches")
        conn.commit()
        conn.close()
        with httpx.Client(base_url=live.url, timeout=30) as client:
            yield client


def test_internal_error_is_json_and_logged(
    broken: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="ror.api"):
        response = broken.post("/v1/referrals/search", json={"where": {"place": "Lyon"}})
    error = error_of(response, 500, None)
    assert error["code"] == "internal_error"
    assert "searches" not in error["message"]  # no internals leak to the caller
    assert any("internal error" in r.getMessage() for r in caplog.records)
    assert broken.get("/health").status_code == 200  # the rest still answers
