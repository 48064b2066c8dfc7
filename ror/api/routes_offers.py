"""``GET /v1/offers/{id}``: one offer, and ``GET /v1/establishments/{id}``: the offers of one
establishment, as the caller may see them."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ror.api.access import caller_profile
from ror.api.endpoints import Endpoint, Param
from ror.api.json_response import JSONResponse
from ror.api.present import may_see_offer, present_offer
from ror.api.response_models import EstablishmentOffersOut, OfferOut
from ror.errors import NotFound
from ror.search.engine import Engine


async def offer(request: Request) -> Response:
    offer_id = str(request.path_params["id"])
    engine: Engine = request.app.state.engine
    profile = caller_profile(request)
    found = await run_in_threadpool(engine.get, offer_id)
    if found is None or not may_see_offer(found, profile):
        # a hidden sensitive unit answers exactly like a missing one
        raise NotFound(f"offre inconnue : {offer_id}", "id")
    return JSONResponse(present_offer(found, profile=profile))


async def establishment(request: Request) -> Response:
    key = str(request.path_params["id"])
    engine: Engine = request.app.state.engine
    profile = caller_profile(request)
    found = await run_in_threadpool(engine.establishment_offers, key)
    visible = [offer for offer in found if may_see_offer(offer, profile)]
    if not visible:
        raise NotFound(f"établissement inconnu : {key}", "id")
    offers = [present_offer(offer, profile=profile) for offer in visible]
    return JSONResponse({"establishment": offers[0]["establishment"], "offers": offers})


ENDPOINTS = (
    Endpoint(
        "GET",
        "/v1/offers/{id}",
        offer,
        "One offer by its HealthcareService id",
        "search",
        description=(
            "Codes come with their labels; `capacities` only for callers allowed to see them, "
            "`contacts` filtered by confidentiality level."
        ),
        params=(Param("id", "The HealthcareService resource id.", where="path", required=True),),
        response=OfferOut,
        errors=(404,),
    ),
    Endpoint(
        "GET",
        "/v1/establishments/{id}",
        establishment,
        "One establishment (EG) with its offers",
        "search",
        description=(
            'The establishment by FINESS, IdNatStruct ("1" + FINESS) or FHIR Organization id, '
            "with the offers the caller may see (as `GET /v1/offers/{id}` shows them)."
        ),
        params=(
            Param("id", "FINESS, IdNatStruct or FHIR id of the EG.", where="path", required=True),
        ),
        response=EstablishmentOffersOut,
        errors=(404,),
    ),
)
