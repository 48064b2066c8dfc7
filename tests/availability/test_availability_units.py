"""The drill-down (``GET /v1/availability/units``) and the trend (``GET /v1/availability/trend``)
of a territory on a real server: restricted data, the overview's row as the drill-down's
totals, each unit's figures against a direct computation, the counter filters (assignment,
gender, temporality, freshness), and the trend against pushes dated in its window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ror.availability.drilldown import CounterFilter, UnitsQuery, area_units
from ror.availability.keys import location_key
from ror.availability.overview import BUCKETS, METRICS, STATUS_METRIC, OverviewQuery
from ror.criteria import EVERYONE, Audience
from ror.model import Capacity, Offer
from ror.search.embedded.engine import EmbeddedEngine
from tests.availability.availability_world import newest_by_location
from tests.availability.conftest import World

UNITS = "/v1/availability/units"
TREND = "/v1/availability/trend"


def get(world: World, path: str, who: str | None = "p1", **params: Any) -> Any:
    headers = world.header(who) if who else {}
    return world.client.get(path, params=params, headers=headers)


def pushed_so_far(world: World) -> list[tuple[str, Capacity]]:
    engine = EmbeddedEngine(world.settings.db_path)
    try:
        return [
            (loc, e.counter)
            for loc in sorted({loc for o in world.offers for loc in o.location_ids})
            for e in engine.capacity_history(loc).entries
        ]
    finally:
        engine.close()


def busiest(world: World, field: str = "departement", champ: str | None = None) -> str:
    counts: dict[str, int] = {}
    for o in world.offers:
        if any(c.nature == "01" for c in o.capacities) and (champ is None or champ in o.champ):
            code = getattr(o.place, field)
            counts[code] = counts.get(code, 0) + 1
    return max(sorted(counts), key=lambda c: counts[c])


@pytest.mark.parametrize("path", [UNITS, TREND])
def test_capacities_are_for_entitled_callers_only(world: World, path: str) -> None:
    area = busiest(world)
    anonymous = get(world, path, None, area=area)
    assert anonymous.status_code == 401 and "Bearer" in anonymous.headers["WWW-Authenticate"]
    for profile in ("p0", "p5", "p3"):
        refused = get(world, path, profile, area=area)
        assert refused.status_code == 403, (profile, refused.text)
        assert set(refused.json()) == {"error"}
    area = busiest(world, champ="04")
    medico = get(world, path, "p3", area=area, champ="04")
    assert medico.status_code == 200
    if path == UNITS:
        ids = {o.id: o for o in world.offers}
        shown = [
            ids[ref["id"]]
            for est in medico.json()["establishments"]
            for unit in est["locations"]
            for ref in unit["offers"]
        ]
        assert shown and all("04" in o.champ for o in shown)
    for profile in ("p1", "p2", "p4"):
        assert get(world, path, profile, area=area).status_code == 200


def test_bad_input_names_the_field(world: World) -> None:
    cases = [
        ({"area": "99"}, 400, "area"),
        ({"area": "31", "group_by": "region"}, 400, "area"),
        ({"area": "31", "group_by": "pays"}, 400, "group_by"),
        ({"area": "31", "freshness": "lt_2h"}, 400, "freshness"),
        ({"area": "31", "assignment": "09"}, 422, "assignment"),
        ({"area": "31", "gender": "7"}, 422, "gender"),
        ({"area": "31", "temporality": "08"}, 422, "temporality"),
        ({"area": "31", "activity": "9999"}, 422, "activity"),
    ]
    for params, status, field in cases:
        answer = get(world, UNITS, **params)
        assert answer.status_code == status, (params, answer.text)
        assert answer.json()["error"]["field"] == field
    for days in (0, 31):
        answer = get(world, TREND, area="31", days=days)
        assert answer.status_code == 400 and answer.json()["error"]["field"] == "days"


def test_totals_are_the_overviews_row(world: World) -> None:
    for group_by, params in (
        ("departement", {}),
        ("departement", {"activity": "126,127"}),
        ("region", {"bed_nature": "02"}),
    ):
        overview = get(world, "/v1/availability/overview", group_by=group_by, **params).json()
        rows = [a for a in overview["areas"] if a["units"]][:4]
        assert rows
        for row in rows:
            answer = get(world, UNITS, group_by=group_by, area=row["code"], **params)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert (body["area"]["code"], body["area"]["name"]) == (row["code"], row["name"])
            totals = body["totals"]
            for name in (*METRICS, "units"):
                assert totals[name] == row[name], (row["code"], name)
            units = [u for e in body["establishments"] for u in e["locations"]]
            assert len(units) == row["units"] == len({u["location_id"] for u in units})
            for est in body["establishments"]:
                for name in METRICS:
                    assert est[name] == sum(u[name] for u in est["locations"])


def reference_units(world: World, query: UnitsQuery, now: datetime) -> dict[str, dict[str, int]]:
    """Location key -> figures of the area, computed from the offers and the pushes."""
    counters = newest_by_location(world.offers, pushed_so_far(world))
    ov = query.overview
    wanted: set[str] = set()
    for o in world.offers:
        if getattr(o.place, ov.group_by) != query.area:
            continue
        if all(set(getattr(o, name)) & set(codes) for name, codes in ov.codes()):
            wanted.update(location_key(o.id, c.location_id) for c in o.capacities)
    out: dict[str, dict[str, int]] = {}
    f = query.counters
    for loc in wanted:
        counted = []
        for c in counters.get(loc, {}).values():
            if c.nature != ov.bed_nature or c.status not in STATUS_METRIC:
                continue
            if c.temporality != (f.temporality if c.status in ("02", "05") else "01"):
                continue
            if f.assignment and c.assignment not in f.assignment:
                continue
            if f.gender and c.status == "02" and c.gender not in f.gender:
                continue
            counted.append(c)
        if not counted:
            continue
        figures = dict.fromkeys(METRICS, 0)
        for c in counted:
            figures[STATUS_METRIC[c.status]] += max(c.count, 0)
        out[loc] = figures
    return out


def answered_units(body: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        u["location_id"]: {name: u[name] for name in METRICS}
        for e in body["establishments"]
        for u in e["locations"]
    }


def installed(offer: Offer, loc: str) -> int:
    return sum(
        c.count
        for c in offer.capacities
        if (c.location_id, c.nature, c.status, c.temporality) == (loc, "01", "01", "01")
    )


def writable_unit(world: World, min_installed: int = 1) -> tuple[str, Offer]:
    """A writable Location with installed beds, not yet pushed to, and its first offer."""
    pushed = {loc for loc, _ in pushed_so_far(world)}
    for loc, users in reversed(world.locations(writable=True)):
        if loc not in pushed and installed(users[0], loc) >= min_installed:
            return loc, users[0]
    raise AssertionError("no writable Location left")


def test_counter_filters_against_a_direct_computation(world: World) -> None:
    loc, offer = writable_unit(world)
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    covid = {
        "nature": "01",
        "status": "02",
        "gender": "01",
        "assignment": "02",
        "count": 1,
        "updated_at": at.isoformat(),
    }
    push = world.client.put(
        f"/v1/locations/{loc}/capacities",
        json={"counters": [covid]},
        headers=world.header("writer"),
    )
    assert push.status_code == 200 and push.json()["applied"] == 1, push.text
    area = offer.place.departement
    for counters in (
        CounterFilter(),
        CounterFilter(assignment=("02",)),
        CounterFilter(assignment=("02", "03")),
        CounterFilter(gender=("01",)),
        CounterFilter(gender=("02", "03")),
        CounterFilter(temporality="03"),
    ):
        query = UnitsQuery(OverviewQuery("departement"), area, counters).checked()
        params = {
            "area": area,
            "temporality": counters.temporality,
            "assignment": ",".join(counters.assignment),
            "gender": ",".join(counters.gender),
        }
        answer = get(world, UNITS, **params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        now = datetime.fromisoformat(body["generated_at"])
        assert answered_units(body) == reference_units(world, query, now), counters
        assert body["filters"]["assignment"] == list(counters.assignment)
    covid_only = answered_units(get(world, UNITS, area=area, assignment="02").json())
    assert covid_only == {loc: {**dict.fromkeys(METRICS, 0), "available": 1}}


def test_freshness_filter_keeps_the_buckets_asked(world: World) -> None:
    area = busiest(world)
    overview = get(world, "/v1/availability/overview", group_by="departement").json()
    [row] = [a for a in overview["areas"] if a["code"] == area]
    for buckets in (["older"], ["lt_1h", "lt_3h"], list(BUCKETS)):
        body = get(world, UNITS, area=area, freshness=",".join(buckets)).json()
        units = [u for e in body["establishments"] for u in e["locations"]]
        assert {u["freshness"] for u in units} <= set(buckets)
        assert len(units) == sum(row["freshness"][b] for b in buckets)
        assert body["totals"]["units"] == len(units)


def test_units_an_audience_may_not_see_are_left_out(world: World) -> None:
    items = [o for o in world.offers if o.capacities][:200]
    sensitive = [o for o in items[:50] if o.location_ids]
    marked = [
        Offer(**{**{k: getattr(o, k) for k in o.__dataclass_fields__}, "sensitive": o in sensitive})
        for o in items
    ]
    now = datetime.now(UTC)
    query = UnitsQuery(OverviewQuery("departement"), items[0].place.departement)
    everyone = area_units(query, marked, EVERYONE, now)
    public = area_units(query, marked, Audience(sensitive_champs=()), now)
    hidden_ids = {o.id for o in sensitive}
    shown_ids = {
        ref[0] for est in public.establishments for unit in est.units for ref in unit.offers
    }
    assert not shown_ids & hidden_ids
    assert public.offers == everyone.offers - len(hidden_ids)


def test_the_trend_follows_the_pushes_of_its_window(world: World) -> None:
    loc, offer = writable_unit(world, min_installed=3)
    now = datetime.now(UTC).replace(microsecond=0)
    pushes = [(20, 3), (10, 1), (5, 2)]  # hours ago, available beds (gender 03, current)
    for hours, count in pushes:
        push = world.client.put(
            f"/v1/locations/{loc}/capacities",
            json={
                "counters": [
                    {
                        "nature": "01",
                        "status": "02",
                        "gender": "03",
                        "count": count,
                        "updated_at": (now - timedelta(hours=hours)).isoformat(),
                    }
                ]
            },
            headers=world.header("writer"),
        )
        assert push.status_code == 200 and push.json()["applied"] == 1, push.text
    [loaded] = [
        c
        for c in offer.capacities
        if (c.location_id, c.nature, c.status, c.temporality, c.gender, c.assignment)
        == (loc, "01", "02", "01", "03", "01")
    ]
    answer = get(world, TREND, area=offer.place.departement, activity=offer.activity[0], days="1")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["days"], body["step_hours"], len(body["points"])) == (1, 1, 25)
    assert body["history_entries"] >= 3
    points = [(datetime.fromisoformat(p["at"]), p["available"]) for p in body["points"]]
    before = loaded.count
    for hours, count in pushes:
        pushed_at = now - timedelta(hours=hours)
        last_before = max(i for i, (t, _) in enumerate(points) if t < pushed_at)
        jump = points[last_before + 1][1] - points[last_before][1]
        assert jump == count - before, (hours, jump)
        before = count
    assert all(p["units"] > 0 for p in body["points"])
