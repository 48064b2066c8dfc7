"""Issue 22: counters' dates are restricted like the counters. A caller who may not see
capacities gets the description's dates in FHIR Location ``meta.lastUpdated`` and in the
``_lastUpdated`` filter; a push is invisible to them. A caller who may write nowhere gets the
same answer for a known and an unknown Location."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.availability.conftest import World


def _counter(at: datetime) -> dict[str, object]:
    return {
        "nature": "01",
        "status": "02",
        "temporality": "01",
        "gender": "03",
        "count": 2,
        "updated_at": at.isoformat(),
    }


def _push(world: World, loc: str, at: datetime) -> None:
    response = world.client.put(
        f"/v1/locations/{loc}/capacities",
        json={"counters": [_counter(at)]},
        headers=world.header("all"),
    )
    assert response.status_code == 200, response.text


def _updated(world: World, loc: str, who: str | None) -> str:
    headers = world.header(who) if who else {}
    response = world.client.get(f"/fhir/Location/{loc}", headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["meta"]["lastUpdated"])


def test_counter_dates_never_reach_callers_without_capacities(world: World) -> None:
    loc = next(
        loc
        for loc, found in world.locations(writable=True)
        if not any(o.sensitive for o in found) and all(o.champ != ("04",) for o in found)
    )
    before = {who: _updated(world, loc, who) for who in (None, "p5", "p1")}
    pushed = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    _push(world, loc, pushed)
    assert _updated(world, loc, None) == before[None]
    assert _updated(world, loc, "p5") == before["p5"]
    assert datetime.fromisoformat(_updated(world, loc, "p1").replace("Z", "+00:00")) == pushed
    since = {"_lastUpdated": f"ge{(pushed - timedelta(seconds=1)).isoformat()}", "_count": "1000"}
    for who in (None, "p5"):
        headers = world.header(who) if who else {}
        bundle = world.client.get("/fhir/Location", params=since, headers=headers).json()
        ids = [e["resource"]["id"] for e in bundle.get("entry", [])]
        assert loc not in ids, who
    bundle = world.client.get("/fhir/Location", params=since, headers=world.header("p1")).json()
    assert loc in [e["resource"]["id"] for e in bundle.get("entry", [])]


def test_a_caller_who_may_write_nowhere_cannot_tell_known_from_unknown(world: World) -> None:
    loc = world.locations(writable=True)[0][0]
    body = {"counters": [_counter(datetime(2026, 1, 1, tzinfo=UTC))]}
    for who, status in ((None, 401), ("p1", 403)):
        headers = world.header(who) if who else {}
        answers = [
            world.client.put(f"/v1/locations/{target}/capacities", json=body, headers=headers)
            for target in (loc, "no-such-location")
        ]
        assert [a.status_code for a in answers] == [status, status], who
        assert answers[0].json() == answers[1].json()
