"""``bench.worst_requests`` runs against a real ``ror serve`` and every request it times is
within the documented limits: each one is answered, none refused as out of bounds."""

from __future__ import annotations

from pathlib import Path

from bench import worst_requests
from ror.indexer.synthetic import generate
from ror.search.embedded.engine import EmbeddedEngine


def test_every_request_is_in_limit_and_answered(tmp_path: Path) -> None:
    db = tmp_path / "ror.sqlite"
    engine = EmbeddedEngine(db)
    engine.load(generate(600, 3), replace_all=True)
    engine.close()
    report = worst_requests.main(["--db", str(db), "--repeat", "1"])
    statuses = {row["name"]: row["status"] for row in report["requests"]}
    assert len(statuses) == len(worst_requests.REQUESTS)
    assert set(statuses.values()) == {200}, statuses
    assert report["worst"]["best_s"] > 0


def test_a_rotated_probe_is_another_look_up_at_each_repeat() -> None:
    """Each repeat of a substring probe asks other terms first (not what the engine kept)."""
    for probe in worst_requests.REQUESTS:
        if probe.rotate is None:
            continue
        seen = {str(probe.turned(i)[probe.rotate]) for i in range(3)}
        assert len(seen) == 3, probe.name
        assert probe.turned(0) == probe.params
        sep = " or " if probe.rotate == "_filter" else ","
        values = sorted(probe.params[probe.rotate].split(sep))
        assert sorted(probe.turned(2)[probe.rotate].split(sep)) == values
