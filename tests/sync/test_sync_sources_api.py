"""``GET /v1/sources``: the sources followed, for access profile 1 only."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ror.api.app import create_app
from ror.cli import main
from ror.config import Settings
from ror.resources.store import ResourceStore
from ror.search.embedded import EmbeddedEngine
from ror.sync.state import Run, SourceState, SyncStates
from tests.live_server import LiveServer


def _token(tokens: Path, profile: int, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert (
        main(["token", "--tokens", str(tokens), "create", f"p{profile}", "--profile", str(profile)])
        == 0
    )
    return capsys.readouterr().out.strip()


def test_sources_are_listed_for_profile_1_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings.from_env(
        {
            "ROR_DB": str(tmp_path / "ror.sqlite"),
            "ROR_TOKENS": str(tmp_path / "tokens.json"),
            "ROR_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        }
    )
    store = ResourceStore(settings.resources_path)
    state = SourceState("national", "https://ror.example.org/fhir", priority=2)
    state.since, state.last_sync, state.last_error = (
        "2026-12-01T00:00:00+00:00",
        "2026-12-01T00:05:00+00:00",
        "503",
    )
    state.counts.update(added=12, changed=3, removed=1, rejected=2, conflicts=1)
    state.run = Run(started="2026-12-01T00:04:58+00:00", full=False, query=2, next="https://x")
    SyncStates(store).save(state)
    store.close()
    p1, p2 = _token(settings.tokens_path, 1, capsys), _token(settings.tokens_path, 2, capsys)
    EmbeddedEngine(settings.db_path).close()  # an empty index (serving none is an error)
    with LiveServer(create_app(settings)) as live:
        assert httpx.get(live.url + "/v1/sources").status_code == 401
        refused = httpx.get(live.url + "/v1/sources", headers={"Authorization": f"Bearer {p2}"})
        assert refused.status_code == 403
        body = httpx.get(live.url + "/v1/sources", headers={"Authorization": f"Bearer {p1}"}).json()
    assert body["conflicts"] == 0
    (listed,) = body["sources"]
    assert listed["name"] == "national" and listed["priority"] == 2 and listed["resuming"]
    assert listed["counts"]["added"] == 12 and listed["last_error"] == "503"
