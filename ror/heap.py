"""The garbage collector during bulk work (``ror index``, ``ror sync``).

A load parses millions of short-lived FHIR objects and makes almost no reference cycles (a
5,000-offer load frees some 700 objects by cycle collection), yet the collector's default
thresholds run a pass every 700 allocations and a full pass over the whole heap (code tables,
caches, the offers of the batch) whenever it grew by a quarter: a third of the load's CPU.
:func:`bulk_work` freezes what is already allocated out of the passes and runs them far less
often; cycles are still collected. :func:`collector_paused` turns the collector off for a block
that keeps many objects and makes no cycles (a full load's batches, a FHIR page built and
written).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

#: Allocations between young passes; young passes between middle ones; middle between full.
BULK_THRESHOLDS: Final = (100_000, 50, 100)


@contextmanager
def bulk_work() -> Iterator[None]:
    """Collect rarely while the block runs; the collector is as it was afterwards."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*BULK_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off while the block runs (what it makes is freed by reference
    counting); back on when the last of the blocks running at once in this process ends, if it
    was on when the first began (threads: FHIR pages are built in several)."""
    global _paused, _was_enabled
    with _pause_lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _pause_lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()


_pause_lock = threading.Lock()
_paused = 0  # blocks running with the collector paused
_was_enabled = False
