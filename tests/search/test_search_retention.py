"""Issue 22: replay records and audit entries are kept for a configurable time, then pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from ror.access.audit_log import AuditEntry, AuditLog
from ror.config import Settings
from ror.search.embedded.replay import ReplayStore
from ror.search.engine import SearchRecord

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _record(name: str, age: timedelta) -> SearchRecord:
    return SearchRecord(name, NOW - age, "embedded", "v", {}, {"total": 0})


def test_replay_records_past_the_retention_are_deleted(tmp_path: Path) -> None:
    store = ReplayStore(tmp_path / "ror.searches.sqlite", keep_days=30)
    store.save(_record("old", timedelta(days=31)))
    store.save(_record("recent", timedelta(days=29)))
    paris = datetime(2026, 10, 31, 12, tzinfo=UTC).astimezone()  # another offset, same rule
    store.save(SearchRecord("offset", paris, "embedded", "v", {}, {}))
    assert store.prune(NOW) == 2
    assert store.get("old") is None and store.get("offset") is None
    assert store.get("recent") is not None


def _entry(at: datetime, target: str) -> AuditEntry:
    return AuditEntry(at, "c", None, 1, "capacities.put", target, "accepted", {})


def test_audit_entries_past_the_retention_are_dropped_and_appends_go_on(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", keep_days=365)
    log._looked_at = float("inf")  # no automatic prune while the log is filled
    for days, target in ((400, "a"), (366, "b"), (10, "c"), (1, "d")):
        log.append(_entry(NOW - timedelta(days=days), target))
    assert log.prune(NOW) == 2
    assert log.prune(NOW) == 0
    log.append(_entry(NOW, "e"))
    assert [e.target for e in log.read().entries] == ["e", "d", "c"]
    assert oct(log.path.stat().st_mode & 0o777) == "0o600"


def test_audit_entries_past_the_retention_are_dropped_wherever_they_stand(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", keep_days=365)
    log._looked_at = float("inf")
    for days, target in ((10, "c"), (400, "a"), (1, "d"), (366, "b"), (2, "e")):
        log.append(_entry(NOW - timedelta(days=days), target))
    assert log.prune(NOW) == 2
    assert [e.target for e in log.read().entries] == ["e", "d", "c"]


def test_retention_settings() -> None:
    settings = Settings.from_env({"ROR_REPLAY_DAYS": "7", "ROR_AUDIT_DAYS": "90"})
    assert (settings.replay_days, settings.audit_days) == (7, 90)
    assert (Settings.from_env({}).replay_days, Settings.from_env({}).audit_days) == (30, 365)
