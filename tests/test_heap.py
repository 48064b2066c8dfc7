"""Bulk work runs the garbage collector rarely, and leaves it as it was."""

import gc

from ror.heap import BULK_THRESHOLDS, bulk_work


def test_bulk_work_collects_rarely_then_restores_the_collector() -> None:
    before = gc.get_threshold()
    with bulk_work():
        assert gc.get_threshold() == BULK_THRESHOLDS
        assert gc.get_freeze_count() > 0
        assert gc.isenabled()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_made_during_bulk_work_are_still_collected() -> None:
    with bulk_work():
        ring: list[object] = []
        ring.append(ring)
        del ring
        assert gc.collect() >= 1
