"""``ShedWhenBusy``: a worker that served more connections within its window than its limit
declines to keep the connections beyond the limit, and only those (over real HTTP, and on the
ASGI level with chosen peers)."""

from __future__ import annotations

import asyncio
import time

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Message, Scope

from ror.api.app import balance
from ror.api.middleware.balance import ShedWhenBusy
from tests.live_server import LiveServer


def together_app(limit: int, n: int) -> Starlette:
    """``/wait`` answers once ``n`` requests are in (all answers then go out one after another)."""
    arrived = [0]

    async def wait(request: Request) -> Response:
        arrived[0] += 1
        while arrived[0] < n:
            await asyncio.sleep(0.005)
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route("/wait", wait)], middleware=[Middleware(ShedWhenBusy, limit=limit)]
    )


async def concurrent(url: str, n: int) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10) as client:
        return list(await asyncio.gather(*(client.get("/wait") for _ in range(n))))


def answers(limit: int, n: int) -> list[httpx.Response]:
    with LiveServer(together_app(limit, n)) as live:
        return asyncio.run(concurrent(live.url, n))


def test_answers_given_while_too_busy_close_their_connection() -> None:
    got = answers(limit=2, n=4)
    assert all(a.status_code == 200 and a.text == "ok" for a in got)
    # four connections asking at once: the first two are kept, the other two are closed
    assert sorted(a.headers.get("connection", "") for a in got) == ["", "", "close", "close"]


def test_connections_are_kept_within_the_limit() -> None:
    got = answers(limit=2, n=2)
    assert [a.headers.get("connection") for a in got] == [None, None]


def test_only_several_workers_balance() -> None:
    assert balance(1) == [] and len(balance(2)) == 1


def asks(middleware: ShedWhenBusy, peer: tuple[str, int] | None) -> str | None:
    """One request from ``peer`` (None: no address) through ``middleware``: its Connection
    header."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "client": peer}
    asyncio.run(middleware(scope, receive, send))
    headers = dict(sent[0]["headers"])
    value = headers.get(b"connection")
    return None if value is None else value.decode()


def plain_app() -> ShedWhenBusy:
    return ShedWhenBusy(PlainTextResponse("ok"), limit=2, window=0.2)


def test_connections_beyond_the_limit_are_closed_and_forgotten() -> None:
    shed = plain_app()
    a, b, c = ("127.0.0.1", 1001), ("127.0.0.1", 1002), ("127.0.0.1", 1003)
    assert [asks(shed, a), asks(shed, b), asks(shed, c)] == [None, None, "close"]
    assert [asks(shed, a), asks(shed, b), asks(shed, a)] == [None, None, None]
    assert asks(shed, c) == "close" and shed.shed == 2


def test_connections_that_stopped_asking_no_longer_count() -> None:
    shed = plain_app()
    a, b, c = ("127.0.0.1", 1001), ("127.0.0.1", 1002), ("127.0.0.1", 1003)
    asks(shed, a)
    asks(shed, b)
    time.sleep(0.25)  # beyond the window: a and b closed or went quiet
    assert asks(shed, c) is None and set(shed.recent) == {c}


def test_requests_without_a_peer_address_pass_untouched() -> None:
    assert asks(ShedWhenBusy(PlainTextResponse("ok"), limit=0), None) is None
