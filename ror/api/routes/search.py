"""Referral search: ``POST /v1/referrals/search``, ``GET /v1/search`` (the same criteria as query
parameters) and ``GET /v1/referrals/{id}`` (replay). Validate, call the pipeline, present."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ror.api.access import request_caller, require_replay, scoped_criteria
from ror.api.endpoints import Endpoint, Param
from ror.api.json_response import JSONResponse
from ror.api.offload import in_search_thread
from ror.api.params import params_of, query_of, read_body, scalar_schema, single_values
from ror.api.present import may_see_offer, present_replay, present_result, replay_offer_ids
from ror.api.response_models import ReplayResponse, SearchResponse
from ror.api.search_query import RESPONSE_PARAMS, query_param_names, search_request_from_query
from ror.api.search_request import SearchOptions, SearchRequest
from ror.api.validation import parse_json_object, validate
from ror.ranking import weights_for
from ror.search import pipeline
from ror.search.engine import Engine
from ror.search.result import SearchResult

EXAMPLE = {
    "where": {"place": "Toulouse"},
    "profile": "nursing_home",
    "offer_type": ["21"],
    "max_monthly_price_eur": 2500,
    "social_aid": True,
    "limit": 5,
}


async def search_post(request: Request) -> Response:
    options = query_of(request, SearchOptions)
    body = parse_json_object(await read_body(request))
    return await _search(request, validate(SearchRequest, body), options)


async def search_get(request: Request) -> Response:
    items = request.query_params.multi_items()
    options = validate(
        SearchOptions, single_values([(k, v) for k, v in items if k in RESPONSE_PARAMS])
    )
    criteria = search_request_from_query([(k, v) for k, v in items if k not in RESPONSE_PARAMS])
    return await _search(request, criteria, options)


async def _search(request: Request, body: SearchRequest, options: SearchOptions) -> Response:
    caller = request_caller(request)
    criteria = scoped_criteria(body.to_criteria().with_(explain=options.explain), caller)
    engine: Engine = request.app.state.engine

    def work() -> tuple[SearchResult, dict[str, Any]]:
        found = pipeline.search(criteria, engine)
        return found, present_result(found, profile=caller.profile)

    result, answer = await in_search_thread(request, work)
    if options.debug:
        answer["debug"] = {
            "strategy": result.strategy,
            "engine_version": engine.version,
            "weights": dataclasses.asdict(weights_for(result.criteria.profile)),
        }
    return JSONResponse(answer)


async def referral(request: Request) -> Response:
    search_id = str(request.path_params["id"])
    if search_id == "search":  # another method on the POST-only search URL, not an id
        raise HTTPException(405, headers={"Allow": "POST"})
    engine: Engine = request.app.state.engine
    caller = request_caller(request)
    record = await run_in_threadpool(pipeline.replay, engine, search_id)
    audience = require_replay(caller, record.criteria)
    hidden: set[str] = set()
    if audience.sensitive_champs is not None:  # defence in depth: re-check each unit listed
        ids = replay_offer_ids(record)
        offers = await run_in_threadpool(lambda: [engine.get(i) for i in ids])
        hidden = {o.id for o in offers if o is not None and not may_see_offer(o, caller.profile)}
    return JSONResponse(present_replay(record, profile=caller.profile, hidden=hidden))


def _search_query_params() -> tuple[Param, ...]:
    """``GET /v1/search`` parameters, documented from the body model's own JSON Schema."""
    schema = SearchRequest.model_json_schema()
    defs = schema.get("$defs", {})
    params = []
    for name, path in query_param_names().items():
        head, _, tail = path.partition(".")
        prop = schema["properties"][head]
        if tail:
            ref = next(s["$ref"] for s in prop["anyOf"] if "$ref" in s)
            prop = defs[ref.rsplit("/", 1)[-1]]["properties"][tail]
        description = str(prop.get("description", ""))
        if prop.get("type") == "array":
            description += " Comma-separated."
            if name == "equipment":
                description = "CODE[:FEATURE[:MIN_VALUE]], comma-separated: 088:001:200."
            if name == "colocated":
                description = (
                    "Co-located requirements, comma-separated, each FIELD:CODE|CODE (one of "
                    "the codes): activity:159|160 (see the body's `colocated`)."
                )
            param_schema: dict[str, object] = {"type": "string"}
        else:
            param_schema = scalar_schema(prop)
        params.append(Param(name, f"`{path}` of the body. {description}".strip(), param_schema))
    return (*params, *params_of(SearchOptions))


ENDPOINTS = (
    Endpoint(
        "POST",
        "/v1/referrals/search",
        search_post,
        "Referral search: units that fit a need near a place",
        "search",
        description=(
            "Hard criteria filter (codes any-of within a field, all-of across fields; age, "
            "reception, social aid, price, equipment, opening, beds); the profile weights the "
            "ranking. Without `radius_km`, the nearest `limit` that fit, the radius widening "
            "as needed (`radius_km` of the answer says which). Searching by `beds` needs an "
            "access profile that may see capacities (403 otherwise); sensitive units the "
            "caller may not see are left out before counting (total, facets, near-misses)."
        ),
        params=params_of(SearchOptions),
        body=SearchRequest,
        body_example=EXAMPLE,
        response=SearchResponse,
        errors=(400, 403, 413, 422),
    ),
    Endpoint(
        "GET",
        "/v1/search",
        search_get,
        "Referral search with the criteria as query parameters",
        "search",
        description=(
            "The same criteria and validation as `POST /v1/referrals/search`: `lat`, `lon`, "
            "`place` for `where`; `beds_nature`, `beds_min`, `beds_gender` for `beds`; lists "
            "comma-separated. Errors name the query parameter."
        ),
        params=_search_query_params(),
        response=SearchResponse,
        errors=(400, 403, 422),
        example="/v1/search?place=Toulouse&offer_type=21&social_aid=true&limit=5",
    ),
    Endpoint(
        "GET",
        "/v1/referrals/{id}",
        referral,
        "Replay a past search: its criteria, engine version and results",
        "search",
        params=(Param("id", "The `id` of a search answer.", where="path", required=True),),
        description=(
            "Only callers who may see everything the original search could (same access "
            "profile or wider) may replay it (403 otherwise)."
        ),
        response=ReplayResponse,
        errors=(403, 404),
    ),
)
