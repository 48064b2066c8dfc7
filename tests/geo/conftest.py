"""Shared fixtures for the geo tests: one cached gazetteer and the source data."""

from __future__ import annotations

from pathlib import Path

import pytest

from ror.geo import Gazetteer, gazetteer
from ror.source_data import GEO


@pytest.fixture(scope="session")
def gaz() -> Gazetteer:
    return gazetteer()


@pytest.fixture(scope="session")
def geo_sources() -> Path:
    assert GEO.is_dir(), f"source data expected at {GEO}"
    return GEO
