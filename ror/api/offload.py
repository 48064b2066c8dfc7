"""Searches run in worker threads, a few at a time per process, never on the event loop: the
loop stays free to accept connections, answer ``/health`` and notice clients that go away.

``ROR_SEARCH_THREADS`` (default 2) searches run at once per worker process, in a thread pool of
that size; the others wait in its queue (their deadline runs while they wait). The work runs in
a copy of the request's context, so its deadline (``ror.deadline``) follows it into the thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Final, TypeVar

from starlette.requests import Request

T = TypeVar("T")


LOOP_SWITCH_S: Final = 0.001  # how long the loop may wait for a search thread to let it run


def prefer_the_loop() -> None:
    """A search thread hands the interpreter over every millisecond (Python's default is
    5 ms), so the loop answers ``/health`` and reads sockets between two steps of a search."""
    sys.setswitchinterval(LOOP_SWITCH_S)


def search_pool(threads: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max(threads, 1), thread_name_prefix="ror-search")


async def in_search_thread(request: Request, work: Callable[[], T]) -> T:
    """``work()`` in a search thread of the process's pool (its own queue and futures: no cancel
    scope nor capacity limiter to keep, a lighter hop than ``anyio.to_thread.run_sync``)."""
    pool: ThreadPoolExecutor = request.app.state.search_pool
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(pool, context.run, work)
