"""A per-request time budget that long loops check, and a flag set when the caller went away.

The API sets one for every request (:func:`within`); library code that may loop over many
offers calls :func:`check` between batches, which raises :class:`~ror.errors.TooLong` past the
budget or once the request is cancelled. Context variables follow the request into the worker
thread that runs its search, so nothing needs to be passed around. Outside a request (the
command line, tests) there is no budget and :func:`check` costs one look-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from ror.errors import TooLong


@dataclass(slots=True)
class Deadline:
    at: float  # clock() past which the work stops
    cancelled: bool = False  # the caller went away: nobody will read the answer
    clock: Callable[[], float] = time.monotonic

    def cancel(self) -> None:
        self.cancelled = True


_CURRENT: ContextVar[Deadline | None] = ContextVar("ror_deadline", default=None)


@contextmanager
def within(seconds: float, clock: Callable[[], float] = time.monotonic) -> Iterator[Deadline]:
    """Run the block with a budget of ``seconds`` (of ``clock``)."""
    deadline = Deadline(clock() + seconds, clock=clock)
    token = _CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)


def check() -> None:
    """:class:`TooLong` when the current budget is spent or the request was cancelled."""
    deadline = _CURRENT.get()
    if deadline is None:
        return
    if deadline.cancelled:
        raise TooLong("requête abandonnée par le client")
    if deadline.clock() > deadline.at:
        raise TooLong("la requête a dépassé le temps alloué ; la préciser ou réessayer")
