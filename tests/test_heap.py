"""Bulk work runs the garbage collector rarely, and leaves it as it was; paused blocks in
several threads turn it back on only when the last one ends."""

import gc
import threading

from ror.heap import BULK_THRESHOLDS, bulk_work, collector_paused


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


def test_paused_blocks_in_several_threads_turn_the_collector_back_on_when_the_last_ends() -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def second() -> None:
        first_in.wait()
        with collector_paused():
            second_in.set()
            first_out.wait()
            seen.append(gc.isenabled())  # the first block has ended: still off

    assert gc.isenabled()
    worker = threading.Thread(target=second)
    worker.start()
    with collector_paused():
        first_in.set()
        second_in.wait()
        assert not gc.isenabled()
    first_out.set()
    worker.join()
    assert seen == [False]
    assert gc.isenabled()


def test_a_paused_block_leaves_a_collector_that_was_off_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
