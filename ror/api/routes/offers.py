"""``GET /v1/offers/{id}``: one offer, and ``GET /v1/establishments/{id}``: the offers of one
establishment, as the caller may see them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ror.api.access import caller_profile
from ror.api.endpoints import Endpoint, Param
from ror.api.json_response import JSONResponse
from ror.api.params import params_of, query_of
from ror.api.present import may_see_offer, present_offer
from ror.api.response_models import EstablishmentOffersOut, OfferOut
from ror.errors import NotFound
from ror.geo import haversine_km, travel_minutes
from ror.model import Offer
from ror.search.engine import Engine


class FromQuery(BaseModel):
    """An optional starting point: the answer then says how far each offer is."""

    model_config = ConfigDict(extra="forbid")

    lat: float | None = Field(None, ge=-90, le=90, description="Latitude of a starting point.")
    lon: float | None = Field(None, ge=-180, le=180, description="Longitude of that point.")

    @model_validator(mode="after")
    def _both(self) -> FromQuery:
        if (self.lat is None) != (self.lon is None):
            missing = "lon" if self.lon is None else "lat"
            raise PydanticCustomError(
                "missing", "lat et lon vont ensemble : {field} manque", {"field": missing}
            )
        return self


def presented(offer: Offer, profile: int, start: FromQuery) -> dict[str, Any]:
    """The offer as the caller may see it, with ``travel`` from the starting point if any."""
    out = present_offer(offer, profile=profile)
    if start.lat is not None and start.lon is not None:
        km = float(haversine_km(start.lat, start.lon, offer.place.lat, offer.place.lon))
        out["travel"] = {"distance_km": round(km, 2), "minutes": round(travel_minutes(km))}
    return out


async def offer(request: Request) -> Response:
    start = query_of(request, FromQuery)
    offer_id = str(request.path_params["id"])
    engine: Engine = request.app.state.engine
    profile = caller_profile(request)
    found = await run_in_threadpool(engine.get, offer_id)
    if found is None or not may_see_offer(found, profile):
        # a hidden sensitive unit answers exactly like a missing one
        raise NotFound(f"offre inconnue : {offer_id}", "id")
    return JSONResponse(presented(found, profile, start))


async def establishment(request: Request) -> Response:
    start = query_of(request, FromQuery)
    key = str(request.path_params["id"])
    engine: Engine = request.app.state.engine
    profile = caller_profile(request)
    found = await run_in_threadpool(engine.establishment_offers, key)
    visible = [offer for offer in found if may_see_offer(offer, profile)]
    if not visible:
        raise NotFound(f"établissement inconnu : {key}", "id")
    offers = [presented(offer, profile, start) for offer in visible]
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
            "`contacts` filtered by confidentiality level. With `lat` and `lon`, `travel` "
            "estimates the car trip from there (`ror.geo.travel`: an estimate, not a route)."
        ),
        params=(
            Param("id", "The HealthcareService resource id.", where="path", required=True),
            *params_of(FromQuery),
        ),
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
            *params_of(FromQuery),
        ),
        response=EstablishmentOffersOut,
        errors=(404,),
    ),
)
