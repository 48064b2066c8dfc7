"""The availability endpoints on a real server: pushes (validation, rights, audit, stale rule,
batches), the overview and the history (restricted data), searches seeing a push at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ror.availability.overview import OverviewQuery
from ror.model import Capacity
from ror.search.embedded.engine import EmbeddedEngine
from tests.availability.availability_world import NOW, answered_areas, reference_overview
from tests.availability.conftest import World

LATER = datetime.now(UTC).replace(microsecond=0)


def body(*counters: dict[str, Any]) -> dict[str, Any]:
    return {"counters": list(counters)}


def free(count: int, at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "nature": "01",
        "status": "02",
        "gender": "03",
        "count": count,
        "updated_at": at.isoformat(),
        **extra,
    }


def audit(world: World, target: str) -> list[dict[str, Any]]:
    answer = world.client.get("/v1/audit", params={"limit": 1000}, headers=world.header("p1"))
    assert answer.status_code == 200, answer.text
    return [e for e in answer.json()["entries"] if e["target"] == target]


def test_a_push_is_applied_reported_audited_and_idempotent(world: World) -> None:
    loc, users = world.locations(writable=True, shared=True)[-1]
    path = f"/v1/locations/{loc}/capacities"
    at = LATER - timedelta(minutes=3)
    first = world.client.put(path, json=body(free(6, at)), headers=world.header("writer"))
    assert first.status_code == 200, first.text
    answer = first.json()
    assert (answer["applied"], answer["ignored_stale"]) == (1, 0)
    assert answer["offers"] == sorted(o.id for o in users)
    [result] = answer["results"]
    assert result["status"] == "02" and result["gender"] == "03" and result["closing_type"] is None
    assert result["applied"] is True and result["reason"] == "applied"
    again = world.client.put(path, json=body(free(6, at)), headers=world.header("writer"))
    older = world.client.put(
        path, json=body(free(1, at - timedelta(hours=1))), headers=world.header("writer")
    )
    for retry in (again, older):
        assert retry.status_code == 200
        assert (retry.json()["applied"], retry.json()["ignored_stale"]) == (0, 1)
        assert retry.json()["results"][0]["reason"] == "stale"
        assert retry.json()["results"][0]["stored_updated_at"] == at.isoformat()
    # every offer using the Location shows the new count right after the answer
    for offer in users:
        shown = world.client.get(f"/v1/offers/{offer.id}", headers=world.header("p1")).json()
        mine = [
            c
            for c in shown["capacities"]
            if c["location_id"] == loc
            and (c["nature"]["code"], c["status"]["code"], c["temporality"]["code"])
            == ("01", "02", "01")
            and (c.get("gender") or {}).get("code") == "03"
        ]
        assert [c["count"] for c in mine] == [6]
    entries = audit(world, f"Location/{loc}")
    assert [e["outcome"] for e in entries] == ["accepted"] * 3
    assert entries[-1]["detail"] == {"counters": 1, "applied": 1, "ignored_stale": 0}  # the first
    assert entries[0]["detail"] == {"counters": 1, "applied": 0, "ignored_stale": 1}


def test_rights_are_checked_and_refusals_audited(world: World) -> None:
    loc, _ = world.locations(writable=False)[0]
    path = f"/v1/locations/{loc}/capacities"
    payload = body(free(2, LATER))
    assert world.client.put(path, json=payload).status_code == 401
    reader = world.client.put(path, json=payload, headers=world.header("p1"))
    assert reader.status_code == 403 and reader.json()["error"]["field"] == "Authorization"
    other = world.client.put(path, json=payload, headers=world.header("writer"))
    assert other.status_code == 403 and other.json()["error"]["field"] == "establishment"
    anyone = world.client.put(path, json=payload, headers=world.header("all"))
    assert anyone.status_code == 200
    outcomes = [e["outcome"] for e in audit(world, f"Location/{loc}")]
    assert outcomes == ["accepted", "refused", "refused", "refused"]  # newest first


@pytest.mark.parametrize(
    ("counter", "field", "words"),
    [
        (free(1, LATER, status="03"), "counters[0].gender", "statut 02 Disponible"),
        (
            free(1, LATER, temporality="03", status="01", gender=None),
            "counters[0].temporality",
            "prévisionnelle",
        ),
        (free(1, LATER, status="07", gender=None), "counters[0].status", "Opérationnel"),
        (free(1, LATER, nature="03"), "counters[0].nature", "R329"),
        (free(1, LATER, closing_type="01"), "counters[0].closing_type", "05 Fermé"),
        (free(1, LATER + timedelta(hours=2)), "counters[0].updated_at", "futur"),
    ],
)
def test_invalid_indicators_are_named(
    world: World, counter: dict[str, Any], field: str, words: str
) -> None:
    loc, _ = world.locations(writable=True)[1]
    answer = world.client.put(
        f"/v1/locations/{loc}/capacities", json=body(counter), headers=world.header("writer")
    )
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_indicator" and error["field"] == field
    assert words in error["message"]
    assert error["combination"].startswith("capacityType: ")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (body(free(-1, LATER)), "counters[0].count"),
        (body({**free(1, LATER), "count": "3"}), "counters[0].count"),
        (body({**free(1, LATER), "updated_at": "2026-11-26T14:00:00"}), "counters[0].updated_at"),
        (body({k: v for k, v in free(1, LATER).items() if k != "status"}), "counters[0].status"),
        (body({**free(1, LATER), "statut": "02"}), "counters[0].statut"),
        ({"counters": []}, "counters"),
    ],
)
def test_malformed_bodies_are_named(world: World, payload: dict[str, Any], field: str) -> None:
    loc, _ = world.locations(writable=True)[1]
    answer = world.client.put(
        f"/v1/locations/{loc}/capacities", json=payload, headers=world.header("writer")
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["field"] == field


def test_unknown_location(world: World) -> None:
    answer = world.client.put(
        "/v1/locations/nowhere/capacities", json=body(free(1, LATER)), headers=world.header("all")
    )
    assert answer.status_code == 404 and answer.json()["error"]["field"] == "location_id"


def test_a_batch_is_all_or_nothing(world: World) -> None:
    (mine, _), (mine2, _) = world.locations(writable=True)[2:4]
    theirs, _ = world.locations(writable=False)[1]
    at = LATER - timedelta(minutes=1)
    batch = {
        "locations": [
            {"location_id": mine, "counters": [free(4, at)]},
            {"location_id": theirs, "counters": [free(4, at)]},
        ]
    }
    refused = world.client.put("/v1/capacities", json=batch, headers=world.header("writer"))
    assert refused.status_code == 403
    history = world.client.get(
        "/v1/availability/history", params={"location": mine}, headers=world.header("p1")
    )
    assert history.json()["entries"] == []
    batch["locations"][1]["location_id"] = mine2
    batch["locations"].append({"location_id": mine, "counters": [free(9, at - timedelta(1))]})
    done = world.client.put("/v1/capacities", json=batch, headers=world.header("writer"))
    assert done.status_code == 200, done.text
    assert (done.json()["applied"], done.json()["ignored_stale"]) == (2, 1)
    assert [r["location_id"] for r in done.json()["locations"]] == [mine, mine2, mine]
    bad = {"locations": [{"location_id": mine, "counters": [free(1, at, status="03")]}]}
    invalid = world.client.put("/v1/capacities", json=bad, headers=world.header("writer"))
    assert invalid.json()["error"]["field"] == "locations[0].counters[0].gender"
    [entry] = [e for e in audit(world, "Location/*") if e["outcome"] == "accepted"][:1]
    assert entry["detail"]["locations"] == [mine, mine2, mine]


def test_history_of_a_location(world: World) -> None:
    loc, _ = world.locations(writable=True)[4]
    path = f"/v1/locations/{loc}/capacities"
    for n, m in ((3, 30), (2, 40), (5, 10)):
        world.client.put(
            path, json=body(free(n, LATER - timedelta(minutes=m))), headers=world.header("writer")
        )
    answer = world.client.get(
        "/v1/availability/history", params={"location": loc}, headers=world.header("p2")
    )
    assert answer.status_code == 200, answer.text
    assert [e["count"] for e in answer.json()["entries"]] == [3, 5]  # 2 was older than 3
    page = world.client.get(
        "/v1/availability/history",
        params={"location": loc, "limit": 1},
        headers=world.header("p4"),
    ).json()
    assert len(page["entries"]) == 1 and page["next_after"] == page["entries"][0]["seq"]
    for profile in ("p0", "p5"):
        refused = world.client.get(
            "/v1/availability/history", params={"location": loc}, headers=world.header(profile)
        )
        assert refused.status_code == 403
    missing = world.client.get(
        "/v1/availability/history", params={"location": "nowhere"}, headers=world.header("p1")
    )
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "location"


def test_overview_access_and_figures(world: World) -> None:
    path = "/v1/availability/overview"
    anonymous = world.client.get(path)  # profile 0: a token is needed
    assert anonymous.status_code == 401 and "Bearer" in anonymous.headers["WWW-Authenticate"]
    for profile in ("p0", "p5", "p3"):
        assert world.client.get(path, headers=world.header(profile)).status_code == 403
    medico = world.client.get(path, params={"champ": "04"}, headers=world.header("p3"))
    assert medico.status_code == 200
    assert (
        world.client.get(path, params={"group_by": "pays"}, headers=world.header("p1")).json()[
            "error"
        ]["field"]
        == "group_by"
    )
    unknown = world.client.get(path, params={"activity": "9999"}, headers=world.header("p1"))
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "activity"


def test_overview_equals_a_direct_computation(world: World) -> None:
    engine = EmbeddedEngine(world.settings.db_path)  # the pushes accepted so far, read aside
    pushed: list[tuple[str, Capacity]] = [
        (loc, e.counter)
        for loc in sorted({loc for o in world.offers for loc in o.location_ids})
        for e in engine.capacity_history(loc).entries
    ]
    engine.close()
    assert pushed
    for params in (
        {"group_by": "departement", "activity": "126,127", "bed_nature": "01"},
        {"group_by": "region", "offer_type": "21", "bed_nature": "02"},
    ):
        answer = world.client.get(
            "/v1/availability/overview", params=params, headers=world.header("p1")
        ).json()
        query = OverviewQuery(
            params["group_by"],  # type: ignore[arg-type]
            tuple(params.get("activity", "").split(",")) if "activity" in params else (),
            tuple(params.get("offer_type", "").split(",")) if "offer_type" in params else (),
            bed_nature=params["bed_nature"],
        ).checked()
        now = datetime.fromisoformat(answer["generated_at"])
        assert answered_areas(answer) == reference_overview(world.offers, query, now, pushed)
    assert now > NOW
