"""Fixtures of the search tests: an empty engine per test (answering from its in-memory index,
then from SQL only), and one synthetic dataset per run (one file, read both ways)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.reference import Reference
from ror.indexer.synthetic import generate
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine
from tests.search.builders import NOW

SYNTHETIC_SIZE = 3000


@pytest.fixture(params=["memory", "sql"])
def engine(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[EmbeddedEngine]:
    eng = EmbeddedEngine(tmp_path / "ror.sqlite", memory=request.param == "memory")
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def synthetic_offers() -> list[Offer]:
    return list(generate(SYNTHETIC_SIZE, 7, now=NOW))


@pytest.fixture(scope="session")
def synthetic_engine(
    tmp_path_factory: pytest.TempPathFactory, synthetic_offers: list[Offer]
) -> Iterator[EmbeddedEngine]:
    eng = EmbeddedEngine(tmp_path_factory.mktemp("synthetic") / "ror.sqlite")
    eng.load(synthetic_offers, replace_all=True)
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def synthetic_sql_engine(synthetic_engine: EmbeddedEngine) -> Iterator[EmbeddedEngine]:
    """The synthetic file read from SQL only (no in-memory index)."""
    eng = EmbeddedEngine(synthetic_engine.path, memory=False)
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def reference(synthetic_offers: list[Offer]) -> Reference:
    return Reference(synthetic_offers)
