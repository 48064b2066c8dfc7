"""The audit log: appends, reading, and the ``audited`` contract a capacity write follows."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ror.access.audit_log import AuditEntry, AuditLog
from ror.access.caller import Caller, anonymous
from ror.api.access import request_caller, require_writer
from ror.api.app import create_app
from ror.api.audit import audit, audited, is_write
from ror.model import Capacity
from ror.search.engine import Engine
from tests.api.access_checks import NOW, Live, World, build_world
from tests.api.api_checks import error_of

WRITER = Caller(2, "lits CH", "0123456789ab", frozenset({"310000011"}))


def test_audit_appends_one_line_per_entry(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "logs" / "audit.jsonl")
    first = audit(WRITER, "capacities.put", "Location/L1", "accepted", {"applied": 2}, log_to=log)
    audit(anonymous(), "PUT /v1/x", "/v1/x", "refused", {"status": 401}, log_to=log)
    lines = log.path.read_bytes().splitlines()
    assert len(lines) == 2
    assert orjson.loads(lines[0]) == {
        "at": first.at.isoformat(),
        "caller": "lits CH",
        "token_id": "0123456789ab",
        "profile": 2,
        "action": "capacities.put",
        "target": "Location/L1",
        "outcome": "accepted",
        "detail": {"applied": 2},
    }
    assert abs(first.at - datetime.now(UTC)) < timedelta(seconds=5)
    page = log.read()
    assert [e.caller for e in page.entries] == ["anonyme", "lits CH"]  # newest first
    assert page.matched == 2 and page.unreadable == 0


def test_reading_filters_and_limits(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(30):
        log.append(
            AuditEntry(
                at=NOW + timedelta(minutes=i),
                caller="a" if i % 2 else "b",
                token_id=None,
                profile=1,
                action="capacities.put",
                target=f"Location/L{i}",
                outcome="refused" if i % 3 == 0 else "accepted",
            )
        )
    page = log.read(limit=5, caller="a")
    assert page.matched == 15 and page.entries[0].target == "Location/L29"
    assert len(page.entries) == 5
    since = log.read(since=NOW + timedelta(minutes=25))
    assert since.matched == 5
    refused = log.read(outcome="refused", limit=100)
    assert {e.target for e in refused.entries} == {f"Location/L{i}" for i in range(0, 30, 3)}
    with open(log.path, "ab") as f:  # a torn last line (a crash mid-write)
        f.write(b'{"at": "2026-11-26')
    assert log.read().unreadable == 1 and log.read().matched == 30
    assert AuditLog(tmp_path / "absent.jsonl").read().matched == 0


def _append_many(path: str, worker: int) -> None:
    log = AuditLog(Path(path))
    caller = Caller(1, f"w{worker}", f"{worker:012d}")
    for i in range(40):
        audit(caller, "capacities.put", f"Location/{worker}-{i}", "accepted", {"i": i}, log_to=log)


def test_processes_appending_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_append_many, args=(str(path), w)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
        assert w.exitcode == 0
    page = AuditLog(path).read(limit=1000)
    assert page.unreadable == 0 and page.matched == 160
    assert {e.target for e in page.entries} == {
        f"Location/{w}-{i}" for w in range(4) for i in range(40)
    }


def test_which_requests_are_writes() -> None:
    assert is_write("PUT", "/v1/locations/L1/capacities")
    assert is_write("DELETE", "/v1/anything") and is_write("PATCH", "/fhir/Location")
    assert not is_write("POST", "/v1/referrals/search")  # a search sent as a body
    assert not is_write("GET", "/v1/audit") and not is_write("OPTIONS", "/v1/search")


# --- the contract of a capacity write, on the real app and engine ---------------------------
# A route of the test's own (its path is not the API's) doing what a capacity push does about
# access: the establishments owning the Location, ``require_writer``, the engine write, all
# inside ``audited``.

WRITE_PATH = "/test/locations/{id}/capacities"


async def put_capacities(request: Request) -> Response:
    location_id = str(request.path_params["id"])
    engine: Engine = request.app.state.engine
    world: World = request.app.state.test_world
    async with audited(request, "capacities.put", f"Location/{location_id}") as note:
        owners = {
            o.establishment.finess or o.establishment.id
            for o in world.offers
            if any(c.location_id == location_id for c in o.capacities)
        }
        require_writer(request_caller(request), owners)
        body = orjson.loads(await request.body())
        counters = [
            Capacity(
                c["nature"],
                c["status"],
                c["temporality"],
                c["count"],
                datetime.fromisoformat(c["updated_at"]),
            )
            for c in body["counters"]
        ]
        result = await run_in_threadpool(engine.update_capacities, location_id, counters)
        note.detail.update(applied=result.applied, ignored_stale=result.ignored_stale)
    return JSONResponse(result.to_dict())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("audit"))


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[httpx.Client]:
    app = create_app(world.settings)
    app.state.test_world = world
    app.router.routes.append(Route(WRITE_PATH, put_capacities, methods=["PUT"]))
    with Live(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def entries(world: World, client: httpx.Client, target: str) -> list[dict[str, Any]]:
    body = client.get("/v1/audit", params={"limit": 1000}, headers=world.token("p1")).json()
    return [e for e in body["entries"] if e["target"] == target]


def counters(count: int, minutes: int = 0) -> dict[str, object]:
    at = (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()
    return {
        "counters": [
            {"nature": "01", "status": "02", "temporality": "01", "count": count, "updated_at": at}
        ]
    }


def test_every_write_outcome_is_audited(world: World, client: httpx.Client) -> None:
    own = world.specials["open_san"].capacities[0].location_id
    other = world.specials["open_ms"].capacities[0].location_id
    path = WRITE_PATH.format(id=own)

    accepted = client.put(path, json=counters(4), headers=world.token("writer"))
    assert accepted.status_code == 200, accepted.text
    [entry] = entries(world, client, f"Location/{own}")
    assert entry["outcome"] == "accepted" and entry["caller"] == "lits Sainte-Maxime"
    assert entry["detail"] == {"applied": 1, "ignored_stale": 0} and entry["profile"] == 2

    refused = client.put(
        WRITE_PATH.format(id=other), json=counters(4), headers=world.token("writer")
    )
    error_of(refused, 403, "establishment")
    [entry] = entries(world, client, f"Location/{other}")
    assert entry["outcome"] == "refused"
    assert entry["detail"]["status"] == 403 and entry["detail"]["code"] == "forbidden"
    finess = world.specials["open_ms"].establishment.finess
    assert finess is not None and finess in str(entry["detail"]["reason"])

    assert (
        client.put(
            WRITE_PATH.format(id=other), json=counters(5), headers=world.token("all")
        ).status_code
        == 200
    )
    error_of(client.put(path, json=counters(4)), 401, "Authorization")
    error_of(client.put(path, json=counters(4), headers=world.token("p1")), 403, "Authorization")
    missing = client.put(
        WRITE_PATH.format(id="nowhere"), json=counters(1), headers=world.token("all")
    )
    error_of(missing, 404, "location_id")
    broken = client.put(path, content=b"{oops", headers=world.token("writer"))
    assert broken.status_code == 500

    outcomes = [(e["caller"], e["outcome"]) for e in entries(world, client, f"Location/{own}")]
    assert outcomes == [
        ("lits Sainte-Maxime", "failed"),
        ("profil 1", "refused"),
        ("anonyme", "refused"),
        ("lits Sainte-Maxime", "accepted"),
    ]
    [nowhere] = entries(world, client, "Location/nowhere")
    assert nowhere["outcome"] == "refused" and nowhere["detail"]["status"] == 404
    [failed] = [e for e in entries(world, client, f"Location/{own}") if e["outcome"] == "failed"]
    assert failed["detail"] == {"error": "JSONDecodeError"}
