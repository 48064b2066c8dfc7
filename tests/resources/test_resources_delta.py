"""``ror index`` with the resource store: deltas, re-derived offers, inactive and deleted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ror.cli import main
from ror.resources.store import ResourceStore
from ror.search.embedded import EmbeddedEngine

LINKED = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "linked"
EHPAD = "ehpad-hebergement-permanent"


def _resource(name: str, rid: str | None = None) -> dict[str, Any]:
    path = LINKED / name
    if path.suffix == ".ndjson":
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return next(r for r in rows if r["id"] == rid)
    data: dict[str, Any] = json.loads(path.read_text())
    if data["resourceType"] == "Bundle":
        return next(e["resource"] for e in data["entry"] if e["resource"]["id"] == rid)
    return data


def _write(path: Path, *resources: dict[str, Any]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in resources) + "\n")
    return path


def _index(db: Path, path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["index", str(path), "--db", str(db), "--rejects", str(db.parent / "r.jsonl")])
    return status, capsys.readouterr().out


def _changes(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("changes:"))


def _touched(resource: dict[str, Any], stamp: str) -> dict[str, Any]:
    return {**resource, "meta": {**resource.get("meta", {}), "lastUpdated": stamp}}


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    db = tmp_path / "ror.sqlite"
    status, out = _index(db, LINKED, capsys)
    assert status == 0, out
    return db


def _offer_name(db: Path, oid: str) -> str | None:
    engine = EmbeddedEngine(db)
    try:
        offer = engine.get(oid)
        return offer.name if offer else None
    finally:
        engine.close()


def test_delta_of_one_service_loads_and_again_changes_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hs = _touched(_resource(f"HealthcareService-{EHPAD}.json"), "2026-12-01T10:00:00+01:00")
    delta = _write(tmp_path / "delta.ndjson", {**hs, "name": "EHPAD Les Tilleuls, renommé"})
    status, out = _index(db, delta, capsys)
    assert status == 0, out
    assert _changes(out) == "changes: 1 (1 offers built, 0 removed)"
    assert _offer_name(db, EHPAD) == "EHPAD Les Tilleuls, renommé"
    status, out = _index(db, delta, capsys)
    assert status == 0, out
    assert _changes(out) == "changes: 0 (0 offers built, 0 removed)"


def test_reloading_the_whole_directory_changes_nothing(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = _index(db, LINKED, capsys)
    assert status == 0
    assert _changes(out).startswith("changes: 0 ")


def test_a_moved_location_and_a_renamed_organization_re_derive_the_offer(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    location = _resource("locations.bundle.json", "ehpad-hebergement")
    moved = {**location, "position": {"latitude": 43.70, "longitude": 1.50}}
    eg = _resource("organizations.ndjson", "ehpad-eg")
    renamed = {**eg, "name": "EHPAD Les Tilleuls du Canal"}
    status, out = _index(db, _write(tmp_path / "d.ndjson", moved, renamed), capsys)
    assert status == 0, out
    assert _changes(out) == "changes: 1 (1 offers built, 0 removed)"
    engine = EmbeddedEngine(db)
    try:
        offer = engine.get(EHPAD)
        assert offer is not None
        assert (offer.place.lat, offer.place.lon) == (43.70, 1.50)
        assert offer.establishment.name == "EHPAD Les Tilleuls du Canal"
    finally:
        engine.close()


def test_an_inactive_service_or_organization_takes_its_offers_out(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = EmbeddedEngine(db)
    before = engine.count()
    engine.close()
    eg = _resource("organizations.ndjson", "ehpad-eg")
    status, out = _index(db, _write(tmp_path / "d.ndjson", {**eg, "active": False}), capsys)
    assert status == 0, out
    assert _changes(out) == "changes: 1 (0 offers built, 1 removed)"
    assert _offer_name(db, EHPAD) is None
    engine = EmbeddedEngine(db)
    assert engine.count() == before - 1
    engine.close()
    status, out = _index(db, _write(tmp_path / "back.ndjson", eg), capsys)
    assert _changes(out) == "changes: 1 (1 offers built, 0 removed)"
    hs = _resource(f"HealthcareService-{EHPAD}.json")
    status, out = _index(db, _write(tmp_path / "hs.ndjson", {**hs, "active": False}), capsys)
    assert _changes(out) == "changes: 1 (0 offers built, 1 removed)"
    assert _offer_name(db, EHPAD) is None


def test_store_keeps_source_dates_links_and_identifiers(db: Path) -> None:
    store = ResourceStore(db.with_name("ror.resources.sqlite"))
    try:
        kept = store.get("HealthcareService", EHPAD)
        assert kept is not None
        assert (kept.source, kept.last_updated, kept.live) == (
            "local",
            "2025-03-01T09:00:00+01:00",
            True,
        )
        assert kept.received_at
        assert store.dependents([("Organization", "ehpad-eg")]) == {EHPAD}
        assert EHPAD in store.dependents([("Location", "ehpad-hebergement")])
        found = store.by_identifier("2921317258")
        assert [(r.type, r.id) for r in found] == [("Organization", "1111")]
        assert store.get("Practitioner", "nobody") is None
    finally:
        store.close()
