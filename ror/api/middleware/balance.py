"""Spreading keep-alive connections over several worker processes (``ror serve --workers N``).

uvicorn's workers share one listening socket, and the first worker to wake accepts every
connection waiting: a client opening four keep-alive connections at once usually has all four
on one worker while the other idles (measured: 36 s of CPU against 4 s over a load run).
Searches are CPU-bound (they run in a few threads, ``offload.py``, but share one interpreter
lock), so a worker computes about one search at a time; one that has answered more than
``limit`` connections within the last ``window`` seconds answers the others with
``Connection: close``. The client opens a new connection, and the worker that accepts it is
the one waiting in ``epoll`` (idle), not the busy one, which is still computing a search.
Answers are never cut short: only the reuse of the connection is declined, which HTTP/1.1
allows after any response.
"""

from __future__ import annotations

import time
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONNECTION_LIMIT: Final = 2  # connections a worker keeps serving at once
WINDOW_S: Final = 0.25  # a connection counts as served while it asked within this window


class ShedWhenBusy:
    """ASGI middleware: ``Connection: close`` on the answers to connections beyond the first
    ``limit`` that this process served within the last ``window`` seconds."""

    def __init__(
        self, app: ASGIApp, limit: int = CONNECTION_LIMIT, window: float = WINDOW_S
    ) -> None:
        self.app = app
        self.limit = limit
        self.window = window
        # peer address -> when it last asked; one event loop per process: no lock needed
        self.recent: dict[object, float] = {}
        self.shed = 0  # connections closed so far (for the logs and tests)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client") if scope["type"] == "http" else None
        if client is None:  # not HTTP, or a UNIX socket: nothing tells connections apart
            await self.app(scope, receive, send)
            return
        peer = tuple(client)
        closing = self._too_many(peer, time.monotonic())

        async def send_closing_when_busy(message: Message) -> None:
            if closing and message["type"] == "http.response.start":
                self.shed += 1
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"connection", b"close")],
                }
            await send(message)

        await self.app(scope, receive, send_closing_when_busy)

    def _too_many(self, peer: object, now: float) -> bool:
        """Record ``peer``; True when it is beyond the limit (it is then forgotten: its
        connection closes after this answer)."""
        recent = self.recent
        recent.pop(peer, None)
        if len(recent) >= self.limit:
            cutoff = now - self.window
            for old in [p for p, t in recent.items() if t < cutoff]:
                del recent[old]
            if len(recent) >= self.limit:
                return True
        recent[peer] = now
        return False
