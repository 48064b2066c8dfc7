"""Bed availability over HTTP (DESIGN §6): pushes from bed-management tools, the national
overview and the history of accepted counters.

- ``PUT /v1/locations/{id}/capacities`` and ``PUT /v1/capacities`` (several Locations, all or
  nothing): validate every counter as a ROR indicator (400 naming it), find who owns each
  Location (404 for an unknown one), check the caller may write for them (401/403,
  ``require_writer``), apply in one durable transaction and answer once committed: a search
  made after the answer sees the new counts. Every attempt, accepted or refused, is audited.
- ``GET /v1/availability/overview``: beds per région or département
  (:mod:`ror.availability.overview`); restricted data (``require_capacities``).
- ``GET /v1/availability/units``: one territory's establishments and units with their counts
  (:mod:`ror.availability.drilldown`), and ``GET /v1/availability/trend`` their summed counts
  over the last days (:mod:`ror.availability.trend`); restricted data.
- ``GET /v1/availability/history?location=…``: the accepted counters of a Location, oldest
  first; restricted data as well.

The FHIR form of the push (``PATCH /fhir/Location``) is in ``routes_availability_fhir.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ror.access.caller import Caller
from ror.access.profiles import audience, capacity_refusal
from ror.api.access import (
    request_caller,
    require_capacities,
    require_some_writer,
    require_writer,
)
from ror.api.audit import audited
from ror.api.endpoints import Endpoint, Param
from ror.api.json_response import JSONResponse
from ror.api.params import params_of, query_of, read_body
from ror.api.routes.availability_models import (
    BatchPush,
    BatchResult,
    CapacityPush,
    CounterIn,
    HistoryOut,
    HistoryParams,
    OverviewOut,
    OverviewParams,
    PushResult,
    TrendOut,
    TrendParams,
    UnitsOut,
    UnitsParams,
)
from ror.api.validation import parse_json_object, validate
from ror.availability.drilldown import CounterFilter, UnitsQuery, area_counters, area_units
from ror.availability.history import MAX_PAGE, HistoryEntry
from ror.availability.indicators import check_counter
from ror.availability.overview import OverviewQuery
from ror.availability.trend import (
    HISTORY_LOOKBACK,
    TREND_UNITS_MAX,
    checked_days,
    instants,
    trend,
)
from ror.errors import Implausible, InvalidInput, NotFound, Unauthorized
from ror.model import CAPACITY_KEY_FIELDS, Capacity, Offer
from ror.search.engine import AREA_OFFERS_MAX, Engine, LocationCounters, UpdateResult

PUSH_EXAMPLE = {
    "counters": [
        {"nature": "01", "status": "01", "count": 15, "updated_at": "2026-11-26T14:05:00+01:00"},
        {
            "nature": "01",
            "status": "02",
            "gender": "03",
            "count": 3,
            "updated_at": "2026-11-26T14:05:00+01:00",
        },
    ]
}


# --- pushes -----------------------------------------------------------------------------------


def checked_counters(counters: Sequence[CounterIn], location_id: str, field: str) -> list[Capacity]:
    """Each counter as a valid indicator (``InvalidIndicator`` naming ``field[i].…``)."""
    now = datetime.now(UTC)
    return [
        check_counter(c.to_capacity(location_id), now=now, field=f"{field}[{i}]")
        for i, c in enumerate(counters)
    ]


def write_checked(
    engine: Engine, caller: Caller, updates: Sequence[LocationCounters]
) -> list[UpdateResult]:
    """Owners known, writer allowed for every one of them, then the push (in a thread)."""
    require_some_writer(caller)
    locs = list(dict.fromkeys(loc for loc, _ in updates))
    info = engine.locations_info(locs)
    missing = [loc for loc in locs if loc not in info]
    if missing:
        raise NotFound(f"Location inconnue : {', '.join(missing)}", "location_id")
    owners = {finess for loc in locs for finess in info[loc].finess}
    require_writer(caller, sorted(owners))
    return engine.update_capacities_many(updates)


def present_push(result: UpdateResult) -> dict[str, Any]:
    counters = []
    for outcome in result.results:
        key = dict(zip(CAPACITY_KEY_FIELDS, outcome.key, strict=True))
        counters.append(
            {
                **{name: value or None for name, value in key.items()},
                "applied": outcome.applied,
                "reason": outcome.reason,
                "stored_updated_at": (
                    outcome.stored_updated_at.isoformat() if outcome.stored_updated_at else None
                ),
            }
        )
    return {
        "location_id": result.location_id,
        "applied": result.applied,
        "ignored_stale": result.ignored_stale,
        "offers": list(result.offers),
        "results": counters,
    }


def _body_limit(request: Request) -> int:
    return int(request.app.state.settings.max_body_bytes)


async def put_location_capacities(request: Request) -> Response:
    location_id = str(request.path_params["id"])
    engine: Engine = request.app.state.engine
    caller = request_caller(request)
    async with audited(request, "capacities.put", f"Location/{location_id}") as note:
        raw = parse_json_object(await read_body(request, _body_limit(request)))
        body = validate(CapacityPush, raw)
        counters = checked_counters(body.counters, location_id, "counters")
        note.detail["counters"] = len(counters)
        try:
            [result] = await run_in_threadpool(
                write_checked, engine, caller, [(location_id, counters)]
            )
        except Implausible as exc:  # one Location: its counters are the request's
            field = (exc.field or "").removeprefix("locations[0].")
            raise Implausible(exc.message, field) from None
        note.detail.update(applied=result.applied, ignored_stale=result.ignored_stale)
    return JSONResponse(present_push(result))


async def put_capacities(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    caller = request_caller(request)
    async with audited(request, "capacities.put_batch", "Location/*") as note:
        raw = parse_json_object(await read_body(request, _body_limit(request)))
        body = validate(BatchPush, raw)
        updates: list[LocationCounters] = [
            (
                item.location_id,
                checked_counters(item.counters, item.location_id, f"locations[{i}].counters"),
            )
            for i, item in enumerate(body.locations)
        ]
        note.detail["locations"] = [loc for loc, _ in updates]
        note.detail["counters"] = sum(len(c) for _, c in updates)
        results = await run_in_threadpool(write_checked, engine, caller, updates)
        applied = sum(r.applied for r in results)
        ignored = sum(r.ignored_stale for r in results)
        note.detail.update(applied=applied, ignored_stale=ignored)
    return JSONResponse(
        {
            "applied": applied,
            "ignored_stale": ignored,
            "locations": [present_push(r) for r in results],
        }
    )


# --- reading ----------------------------------------------------------------------------------


def require_capacity_reader(caller: Caller, champ: Sequence[str], *, field: str) -> None:
    """Capacities are restricted: 401 without a token (an anonymous caller may not read them),
    403 when the token's profile may not (``require_capacities``)."""
    if not caller.authenticated and capacity_refusal(caller.profile, tuple(champ)) is not None:
        raise Unauthorized(
            "les capacités sont des données restreintes : jeton requis (Authorization: Bearer …)",
            "Authorization",
        )
    require_capacities(caller, champ, field=field)


def _codes(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


async def availability_overview(request: Request) -> Response:
    params = query_of(request, OverviewParams)
    query = OverviewQuery(
        params.group_by,  # type: ignore[arg-type]  # checked() refuses anything else
        _codes(params.activity),
        _codes(params.offer_type),
        _codes(params.champ),
        params.bed_nature,
    ).checked()
    require_capacity_reader(request_caller(request), query.champ, field="champ")
    engine: Engine = request.app.state.engine
    result = await run_in_threadpool(engine.availability_overview, query, datetime.now(UTC))
    return JSONResponse(result.to_dict())


def _units_query(params: UnitsParams) -> UnitsQuery:
    overview = OverviewQuery(
        params.group_by,  # type: ignore[arg-type]  # checked() refuses anything else
        _codes(params.activity),
        _codes(params.offer_type),
        _codes(params.champ),
        params.bed_nature,
    )
    counters = CounterFilter(
        params.temporality,
        _codes(params.assignment),
        _codes(params.gender),
        _codes(params.freshness),
    )
    return UnitsQuery(overview, params.area, counters).checked()


async def _area(request: Request, params: UnitsParams) -> tuple[UnitsQuery, list[Offer], Caller]:
    """The checked query, the caller (entitled to capacities) and the area's matching offers."""
    query = _units_query(params)
    caller = request_caller(request)
    require_capacity_reader(caller, query.overview.champ, field="champ")
    engine: Engine = request.app.state.engine
    offers = await run_in_threadpool(engine.area_offers, query.overview, query.area)
    if len(offers) > AREA_OFFERS_MAX:
        raise InvalidInput(
            f"plus de {AREA_OFFERS_MAX} offres dans ce territoire : choisir une activité, un "
            "type d'offre ou un département",
            "area",
        )
    return query, offers, caller


async def availability_units(request: Request) -> Response:
    params = query_of(request, UnitsParams)
    query, offers, caller = await _area(request, params)
    seen = audience(caller.profile, query.overview.champ)
    result = area_units(query, offers, seen, datetime.now(UTC))
    return JSONResponse(result.to_dict())


def _histories(
    engine: Engine, locations: list[str], since: datetime
) -> dict[str, list[HistoryEntry]]:
    out: dict[str, list[HistoryEntry]] = {}
    for loc in locations:
        after: int | None = None
        while True:
            page = engine.capacity_history(loc, since=since, after=after, limit=MAX_PAGE)
            out.setdefault(loc, []).extend(page.entries)
            if page.next_after is None:
                break
            after = page.next_after
    return out


async def availability_trend(request: Request) -> Response:
    params = query_of(request, TrendParams)
    days = checked_days(params.days)
    query, offers, caller = await _area(request, params)
    now = datetime.now(UTC)
    found = area_counters(offers, audience(caller.profile, query.overview.champ))
    if len(found.counters) > TREND_UNITS_MAX:
        raise InvalidInput(
            f"plus de {TREND_UNITS_MAX} unités dans ce territoire : choisir une activité ou un "
            "département",
            "area",
        )
    _, times = instants(now, days)
    located = [loc for loc in found.counters if not loc.startswith("#")]
    engine: Engine = request.app.state.engine
    since = times[0] - HISTORY_LOOKBACK
    history = await run_in_threadpool(_histories, engine, located, since)
    result = trend(query, now, days, found.counters, history)
    return JSONResponse(result.to_dict())


async def availability_history(request: Request) -> Response:
    params = query_of(request, HistoryParams)
    engine: Engine = request.app.state.engine
    info = (await run_in_threadpool(engine.locations_info, [params.location])).get(params.location)
    if info is None:
        raise NotFound(f"Location inconnue : {params.location}", "location")
    require_capacity_reader(request_caller(request), sorted(info.champs), field="location")
    page = await run_in_threadpool(
        lambda: engine.capacity_history(
            params.location, since=params.since, after=params.after, limit=params.limit
        )
    )
    return JSONResponse(page.to_dict())


ENDPOINTS = (
    Endpoint(
        "PUT",
        "/v1/locations/{id}/capacities",
        put_location_capacities,
        "Push bed/place counters of a Location (bed-management tools)",
        "availability",
        description=(
            "Each counter must be a valid ROR indicator (400 `invalid_indicator` naming the "
            "counter and the combination). A counter is applied only if its `updated_at` is "
            "newer than the stored one of the same indicator; an older or equal one is ignored "
            "and reported (`ignored_stale`), so retries and out-of-order deliveries are safe. "
            "Every offer using the Location sees the change, atomically, as soon as the answer "
            "is sent (the write is on disk first). Needs a writer token for the Location's "
            "establishment (401/403); every attempt is audited."
        ),
        params=(Param("id", "The FHIR Location id.", where="path", required=True),),
        body=CapacityPush,
        body_example=PUSH_EXAMPLE,
        response=PushResult,
        errors=(400, 401, 403, 404, 413),
    ),
    Endpoint(
        "PUT",
        "/v1/capacities",
        put_capacities,
        "Push counters of several Locations at once (all or nothing)",
        "availability",
        description=(
            "The same rules as `PUT /v1/locations/{id}/capacities` for each Location, applied "
            "in one transaction: an invalid counter, an unknown Location or one the token may "
            "not write for refuses the whole batch."
        ),
        body=BatchPush,
        body_example={"locations": [{"location_id": "loc-1", **PUSH_EXAMPLE}]},
        response=BatchResult,
        errors=(400, 401, 403, 404, 413),
    ),
    Endpoint(
        "GET",
        "/v1/availability/overview",
        availability_overview,
        "Beds per région or département, with freshness",
        "availability",
        description=(
            "Installed, available, occupied, reserved, closed and extra beds (or places) per "
            "area for the Locations used by the matching offers, each Location counted once; "
            "current temporality, every temporary assignment; `freshness` counts Locations by "
            "the age of their latest counter. Capacities are restricted data: 403 for access "
            "profiles 0 and 5; profile 3 must ask `champ=04`."
        ),
        params=params_of(OverviewParams),
        response=OverviewOut,
        errors=(400, 401, 403, 422),
    ),
    Endpoint(
        "GET",
        "/v1/availability/units",
        availability_units,
        "One territory's establishments and units with their counts and freshness",
        "availability",
        description=(
            "The drill-down of the overview: the units (Locations) used by the matching offers "
            "placed in the région or département `area`, grouped by establishment, each with "
            "installed, available, occupied, reserved, closed and extra beds (or places), the "
            "date of its newest counter and its freshness bucket. Filters on the counters: "
            "`temporality` (R331, for available and closed beds), `assignment` (R337: Covid+ "
            "02, Covid- 03), `gender` (R332, available beds) and `freshness` (buckets). "
            "Unfiltered, `totals` equals the overview's row of the area. Restricted data, as "
            "the overview."
        ),
        params=params_of(UnitsParams),
        response=UnitsOut,
        errors=(400, 401, 403, 422),
    ),
    Endpoint(
        "GET",
        "/v1/availability/trend",
        availability_trend,
        "Summed counts of one territory's units over the last days (trend charts)",
        "availability",
        description=(
            "The units of `GET /v1/availability/units` (freshness aside), their counts summed "
            "every hour (every 6 h beyond 3 days) from the history of accepted pushes and the "
            "current counters: each counter holds its latest value dated at or before each "
            "point; `units` counts the units with a known counter at that point. Restricted "
            "data, as the overview."
        ),
        params=params_of(TrendParams),
        response=TrendOut,
        errors=(400, 401, 403, 422),
    ),
    Endpoint(
        "GET",
        "/v1/availability/history",
        availability_history,
        "Accepted counters of a Location, oldest first (trend charts)",
        "availability",
        description=(
            "The append-only log of the counters pushes applied (stale ones are not logged). "
            "Page with `after`. Restricted data, as the overview."
        ),
        params=params_of(HistoryParams),
        response=HistoryOut,
        errors=(400, 401, 403, 404),
    ),
)
