"""Shared fixtures for the geo tests: one cached gazetteer and the shared source data."""

from __future__ import annotations

from pathlib import Path

import pytest

from ror.geo import Gazetteer, gazetteer

REPO = Path(__file__).resolve().parents[2]
SHARED_GEO = REPO / ".." / "shared" / "data" / "geo"


@pytest.fixture(scope="session")
def gaz() -> Gazetteer:
    return gazetteer()


@pytest.fixture(scope="session")
def shared_geo() -> Path:
    assert SHARED_GEO.is_dir(), f"source data expected at {SHARED_GEO}"
    return SHARED_GEO.resolve()
