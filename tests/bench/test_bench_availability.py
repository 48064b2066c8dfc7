"""The availability benchmark pushes what a bed-management tool would: every Location's picture
is plausible, so the server accepts it (a refused push measures nothing)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from bench.availability import picture, push_targets
from ror.availability.indicators import implausible
from ror.indexer.synthetic import generate
from ror.model import Capacity
from ror.search.embedded.engine import EmbeddedEngine

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_every_pushed_picture_is_plausible(tmp_path: Path) -> None:
    db = tmp_path / "ror.sqlite"
    engine = EmbeddedEngine(db)
    engine.load(generate(1500, 4, now=NOW), replace_all=True)
    engine.close()
    targets = push_targets(db, 10_000, 4)
    assert len(targets) > 100
    rng = random.Random(4)
    for _ in range(20):
        for _loc, keys in targets:
            counters = [
                Capacity(count=count, updated_at=NOW, **key) for key, count in picture(keys, rng)
            ]
            assert implausible(counters) is None
    assert any(len(keys) > 1 for _loc, keys in targets)
