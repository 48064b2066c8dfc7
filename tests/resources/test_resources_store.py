"""The resource store: newer wins across sources, conflicts, read API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ror.resources.store import ResourceStore


def _org(name: str, stamp: str, rid: str = "eg-1") -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": rid,
        "meta": {"lastUpdated": stamp, "versionId": stamp[-5:]},
        "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1" + rid}],
        "name": name,
    }


def test_same_id_from_two_sources_newer_wins_then_priority(tmp_path: Path) -> None:
    store = ResourceStore(tmp_path / "s.sqlite", priorities={"national": 2, "region-76": 1})
    assert store.put(_org("A", "2026-01-01T10:00:00Z"), "region-76") == "added"
    assert store.put(_org("A", "2026-01-01T10:00:00Z"), "region-76") == "unchanged"
    assert store.put(_org("B", "2025-12-01T10:00:00Z"), "national") == "kept"
    assert store.get("Organization", "eg-1").resource["name"] == "A"  # type: ignore[union-attr]
    assert store.put(_org("C", "2026-01-01T10:00:00Z"), "national") == "changed"  # priority
    assert store.put(_org("D", "2026-02-01T10:00:00Z"), "region-76") == "changed"  # newer
    kept = store.get("Organization", "eg-1")
    assert kept is not None and (kept.source, kept.resource["name"]) == ("region-76", "D")
    reasons = [(c.kept_source, c.other_source, c.reason) for c in store.conflicts()]
    assert reasons == [
        ("region-76", "national", "newer meta.lastUpdated"),
        ("national", "region-76", "same meta.lastUpdated; source priority"),
        ("region-76", "national", "older meta.lastUpdated"),
    ]
    assert store.put(_org("E", "2025-01-01T10:00:00Z"), "region-76") == "stale"


def test_read_api_by_identifier_and_last_updated_range(tmp_path: Path) -> None:
    store = ResourceStore(tmp_path / "s.sqlite")
    for i in range(5):
        store.put(_org(f"O{i}", f"2026-01-0{i + 1}T00:00:00Z", rid=f"o{i}"), "a")
    assert [r.id for r in store.by_identifier("1o3", rtype="Organization")] == ["o3"]
    assert store.by_identifier("1o3", rtype="Location") == []
    since = datetime(2026, 1, 2, tzinfo=UTC)
    until = datetime(2026, 1, 5, tzinfo=UTC)
    page = store.updated_between("Organization", since, until, limit=2)
    assert [r.id for r in page] == ["o1", "o2"]
    rest = store.updated_between(
        "Organization", since, until, after=(page[-1].last_updated or "", "o2")
    )
    assert [r.id for r in rest] == ["o3"]
    assert store.mark_deleted("Organization", "o3", "a")
    assert store.resource("Organization", "o3") is None
    assert store.get("Organization", "o3").deleted  # type: ignore[union-attr]
    assert not store.mark_deleted("Organization", "o4", "another source")


def test_a_resource_without_last_updated_is_listed_by_when_it_was_received(
    tmp_path: Path,
) -> None:
    store = ResourceStore(tmp_path / "s.sqlite", priorities={"national": 2})
    received = datetime(2026, 3, 1, tzinfo=UTC)
    for i in range(3):
        bare = {k: v for k, v in _org(f"O{i}", "2026-01-01T00:00:00Z", f"b{i}").items()}
        del bare["meta"]
        store.put(bare, "region", received_at=received)
    first = store.updated_between("Organization", datetime(2026, 2, 1, tzinfo=UTC), limit=2)
    assert [(r.id, r.last_updated, r.listed_at) for r in first] == [
        ("b0", None, received.isoformat()),
        ("b1", None, received.isoformat()),
    ]
    rest = store.updated_between("Organization", after=(first[-1].listed_at, "b1"))
    assert [r.id for r in rest] == ["b2"]
    # no meta.lastUpdated on the kept side: the source priority decides, as for a tie
    assert store.put(_org("N", "2020-01-01T00:00:00Z", "b0"), "national") == "changed"
    assert store.conflicts()[0].reason == "same meta.lastUpdated; source priority"
