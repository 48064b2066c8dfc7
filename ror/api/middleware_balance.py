"""Spreading keep-alive connections over several worker processes (``ror serve --workers N``).

uvicorn's workers share one listening socket, and the first worker to wake accepts every
connection waiting: a client opening four keep-alive connections at once usually has all four
on one worker while the other idles (measured: 36 s of CPU against 4 s over a load run).
Searches are CPU-bound and a worker runs Python on one core at a time, so a worker that has
more than ``limit`` requests in flight answers with ``Connection: close``. The client opens a
new connection, and the worker that accepts it is the one waiting in ``epoll`` (idle), not the
busy one, whose event loop first has to win the GIL back from its searches. Answers are never
cut short: only the reuse of the connection is declined, which HTTP/1.1 allows after any
response.
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

IN_FLIGHT_LIMIT: Final = 2  # requests a worker runs at once before it sheds connections


class ShedWhenBusy:
    """ASGI middleware: ``Connection: close`` on answers given while more than ``limit``
    requests are in flight in this process."""

    def __init__(self, app: ASGIApp, limit: int = IN_FLIGHT_LIMIT) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0  # one event loop per process: no lock needed
        self.shed = 0  # connections closed so far (for the logs and tests)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_closing_when_busy(message: Message) -> None:
            if message["type"] == "http.response.start" and self.in_flight > self.limit:
                self.shed += 1
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"connection", b"close")],
                }
            await send(message)

        self.in_flight += 1
        try:
            await self.app(scope, receive, send_closing_when_busy)
        finally:
            self.in_flight -= 1
