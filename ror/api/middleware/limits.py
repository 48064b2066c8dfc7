"""Basic protection: a request body size limit and a per-caller rate limit (token bucket).

- :class:`BodyLimit` answers 413 when ``Content-Length`` says the body is too large, and stops
  a body sent without one (chunked) as soon as it grows past the limit.
- :class:`RateLimiter` keeps one token bucket per key (a token id, or a client address for
  anonymous callers): ``burst`` requests at once, refilled at ``per_minute``. The
  authentication middleware asks it before answering, so a flood of bad tokens is limited
  too. Buckets live in the process: with several workers, each keeps its own.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ror.api.error_handlers import error_response
from ror.api.http_errors import BodyTooLarge

_SWEEP_EVERY: Final = 1024  # takes between two sweeps of full (forgettable) buckets


class BodyLimit:
    """ASGI middleware: request bodies of at most ``max_bytes`` (413 otherwise)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"corps de requête trop gros : {self.max_bytes} octets au plus"
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                response = error_response(413, BodyTooLarge.code, message, path=scope["path"])
                await response(scope, receive, send)
                return
        size = 0

        async def limited() -> Message:
            nonlocal size
            received = await receive()
            if received["type"] == "http.request":
                size += len(received.get("body", b""))
                if size > self.max_bytes:
                    raise BodyTooLarge(message)  # answered by the one error handler
            return received

        await self.app(scope, limited, send)


class RateLimiter:
    """Token buckets: ``take(key)`` is 0 when a request may go, else seconds to wait."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute <= 0 or burst <= 0:
            raise ValueError("per_minute and burst must be positive")
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()
        self._takes = 0

    def take(self, key: str) -> float:
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            self._takes += 1
            if self._takes % _SWEEP_EVERY == 0:
                self._sweep(now)
        return wait

    def _sweep(self, now: float) -> None:
        """Forget buckets that have filled up again (the same as no bucket)."""
        full = [
            k for k, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


def retry_after(wait: float) -> str:
    """The ``Retry-After`` value (whole seconds, at least 1) for a wait in seconds."""
    return str(max(1, math.ceil(wait)))
