"""Bounded time per request: a URL size limit, a body read timeout, a deadline, and
cancellation when the client goes away.

- A request line longer than ``max_url_bytes`` (path and query string) answers **414**.
- The whole body must arrive within ``body_timeout`` seconds of the request's start (**408**
  otherwise), so a client that stalls, or trickles its body a byte at a time, holds nothing for
  long.
- The handler runs within a deadline (``ror.deadline``): loops over offers check it and stop
  with a **503** (``Retry-After``) past it.
- Once the body has been read, the connection is watched: when the client disconnects, the
  deadline is cancelled and the search stops at its next check instead of running on for
  nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ror import deadline
from ror.api.error_handlers import error_response
from ror.api.http_errors import BodyTimeout, UrlTooLong


class Deadlines:
    def __init__(
        self, app: ASGIApp, *, seconds: float, body_timeout: float, max_url_bytes: int
    ) -> None:
        self.app = app
        self.seconds = seconds
        self.body_timeout = body_timeout
        self.max_url_bytes = max_url_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"])
        if size > self.max_url_bytes:
            message = f"URL trop longue : {size} octets, {self.max_url_bytes} au plus"
            answer = error_response(414, UrlTooLong.code, message, path=scope["path"])
            await answer(scope, receive, send)
            return
        with deadline.within(self.seconds) as budget:
            reader = _Reader(receive, budget, self.body_timeout, _expects_body(scope))
            try:
                await self.app(scope, reader, send)
            finally:
                await reader.close()


def _expects_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


class _Reader:
    """The app's ``receive``: the whole body within the timeout, then a watch for
    disconnection."""

    def __init__(
        self, receive: Receive, budget: deadline.Deadline, timeout: float, expects_body: bool
    ) -> None:
        self.receive = receive
        self.budget = budget
        self.timeout = timeout
        self.body_due = time.monotonic() + timeout
        self.body_read = not expects_body
        self.gone = asyncio.Event()
        self.watch: asyncio.Task[None] | None = None
        self.handed_empty_body = False
        if self.body_read:
            self._start_watch()

    async def __call__(self) -> Message:
        if self.body_read:
            if not self.handed_empty_body and self.watch is not None:
                self.handed_empty_body = True  # no body: the app still reads one, empty
                return {"type": "http.request", "body": b"", "more_body": False}
            await self.gone.wait()
            return {"type": "http.disconnect"}
        try:
            left = self.body_due - time.monotonic()
            if left <= 0:
                raise TimeoutError
            async with asyncio.timeout(left):
                message = await self.receive()
        except TimeoutError:
            raise BodyTimeout(
                f"corps de requête trop lent : pas reçu en entier en {self.timeout:g} s"
            ) from None
        if message["type"] == "http.disconnect":
            self._went_away()
        elif not message.get("more_body", False):
            self.body_read = True
            self.handed_empty_body = True
            self._start_watch()
        return message

    def _start_watch(self) -> None:
        self.watch = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self._went_away()
                return

    def _went_away(self) -> None:
        self.budget.cancel()
        self.gone.set()

    async def close(self) -> None:
        if self.watch is not None:
            self.watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.watch
