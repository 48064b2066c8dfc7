"""``ShedWhenBusy`` over real HTTP: a worker with more requests in flight than its limit
declines to keep the connection of the answers it gives meanwhile, and only those."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ror.api.app import balance
from ror.api.middleware_balance import ShedWhenBusy
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
    # the first two answers go out with 4 and 3 requests in flight (> 2), the last two with 2, 1
    assert sorted(a.headers.get("connection", "") for a in got) == ["", "", "close", "close"]


def test_connections_are_kept_within_the_limit() -> None:
    got = answers(limit=2, n=2)
    assert [a.headers.get("connection") for a in got] == [None, None]


def test_only_several_workers_balance() -> None:
    assert balance(1) == [] and len(balance(2)) == 1
