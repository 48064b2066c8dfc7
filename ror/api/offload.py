"""Searches run in worker threads, a few at a time per process, never on the event loop: the
loop stays free to accept connections, answer ``/health`` and notice clients that go away.

``ROR_SEARCH_THREADS`` (default 2) searches run at once per worker process; the others wait
for a thread (their deadline runs while they wait).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Final, TypeVar

import anyio.to_thread
from starlette.requests import Request

T = TypeVar("T")


LOOP_SWITCH_S: Final = 0.001  # how long the loop may wait for a search thread to let it run


def prefer_the_loop() -> None:
    """A search thread hands the interpreter over every millisecond (Python's default is
    5 ms), so the loop answers ``/health`` and reads sockets between two steps of a search."""
    sys.setswitchinterval(LOOP_SWITCH_S)


def limiter(threads: int) -> anyio.CapacityLimiter:
    return anyio.CapacityLimiter(max(threads, 1))


async def in_search_thread(request: Request, work: Callable[[], T]) -> T:
    """``work()`` in a worker thread, within the process's search limit."""
    return await anyio.to_thread.run_sync(work, limiter=request.app.state.search_limiter)
