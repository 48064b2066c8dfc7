"""The FHIR facade's routes: ``GET /fhir/HealthcareService``, ``GET /fhir/Location``,
``GET /fhir/metadata``; any other ``/fhir/{type}`` is a 404 OperationOutcome.

Parse (``params``) -> check access (capacity parameters need an entitlement; the caller's
audience hides sensitive units) -> search (``search``) -> Bundle (``bundle``) shaped for the
caller's profile. Every error answers an OperationOutcome (``application/fhir+json``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ror.access.profiles import audience, capacity_refusal
from ror.api.access import request_caller
from ror.api.endpoints import Endpoint, Param
from ror.api.fhir.bundle import Links, searchset
from ror.api.fhir.capability import capability_statement
from ror.api.fhir.catalog import ResourceType
from ror.api.fhir.outcome import FhirError, Issue, error_response, fhir_response
from ror.api.fhir.params import lenient, parse_search
from ror.api.fhir.query import Atom, SearchRequest
from ror.api.fhir.search import run
from ror.api.fhir.values import Token
from ror.errors import RorError
from ror.search.engine import Engine

log = logging.getLogger("ror.api")
Handler = Callable[[Request], Awaitable[Response]]


def fhir_base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


def _guarded(handler: Handler) -> Handler:
    """Errors of ``handler`` as OperationOutcomes (an unexpected one is logged, 500)."""

    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except FhirError as exc:
            return error_response(exc)
        except RorError as exc:
            return error_response(FhirError.from_ror(exc))
        except Exception:
            log.exception("FHIR facade: internal error on %s", request.url.path)
            return error_response(
                FhirError.of(500, "exception", "erreur interne : elle est journalisée")
            )

    guarded.__name__ = handler.__name__
    return guarded


async def _search(request: Request, resource: ResourceType) -> Response:
    caller = request_caller(request)
    items = tuple(request.query_params.multi_items())
    search = parse_search(resource, items, lenient=lenient(request.headers.get("prefer")))
    champ = _champ(search)
    _require_capacities(search, caller.profile, champ)
    engine: Engine = request.app.state.engine
    links = Links(fhir_base(request), resource, items)

    def answer() -> dict[str, object]:
        result = run(search, engine, audience(caller.profile, champ))
        return searchset(search, result, links, profile=caller.profile, fetch=engine.get)

    return fhir_response(await run_in_threadpool(answer))


def _champ(search: SearchRequest) -> tuple[str, ...]:
    """The champ (R227) codes a search is limited to (its top-level ``service-type``)."""
    for child in search.condition.children:
        if isinstance(child, Atom) and child.param.name == "service-type":
            return tuple(
                str(v.code) for v in child.values if isinstance(v, Token) and v.code is not None
            )
    return ()


def _require_capacities(search: SearchRequest, profile: int, champ: tuple[str, ...]) -> None:
    names = search.capacity_params
    if not names:
        return
    reason = capacity_refusal(profile, champ)
    if reason is not None:
        if profile == 3:
            reason = reason.replace("demander champ=04 seul", "demander service-type=04 seul")
        raise FhirError(403, [Issue("error", "forbidden", f"{n} : {reason}", n) for n in names])


async def healthcare_service_search(request: Request) -> Response:
    return await _search(request, "HealthcareService")


async def location_search(request: Request) -> Response:
    return await _search(request, "Location")


async def metadata(request: Request) -> Response:
    return fhir_response(capability_statement(fhir_base(request)))


async def unsupported_type(request: Request) -> Response:
    name = str(request.path_params["resource"])
    raise FhirError.of(
        404,
        "not-supported",
        f"type de ressource non pris en charge : {name} (HealthcareService, Location ; "
        "voir /fhir/metadata)",
        name,
    )


_SEARCH_DOC = (
    "FHIR R4 search with the ROR search parameters (see `/fhir/metadata` for the exact list). "
    "Answers a `searchset` Bundle (`application/fhir+json`): `total` counts every match, "
    "`_count` up to 1000 with `next` links (no 200 cap), distance order and the "
    "`location-distance` extension when `near` / `near-insee-code` is given. Capacity "
    "parameters hold on the same counter and need an access profile that may read "
    "capacities (403 OperationOutcome otherwise). Unsupported parameters are a 400 "
    "OperationOutcome unless `Prefer: handling=lenient`."
)

ENDPOINTS = (
    Endpoint(
        "GET",
        "/fhir/metadata",
        _guarded(metadata),
        "FHIR CapabilityStatement of the facade",
        "fhir",
        content_type="application/fhir+json",
        example="/fhir/metadata",
    ),
    Endpoint(
        "GET",
        "/fhir/HealthcareService",
        _guarded(healthcare_service_search),
        "FHIR search of offers (ROR HealthcareService)",
        "fhir",
        description=_SEARCH_DOC,
        content_type="application/fhir+json",
        example="/fhir/HealthcareService?service-category=21&location.near-insee-code=31555|20|km"
        "&_include=HealthcareService:location&_count=5",
    ),
    Endpoint(
        "GET",
        "/fhir/Location",
        _guarded(location_search),
        "FHIR search of the places offers are delivered at (ROR Location)",
        "fhir",
        description=_SEARCH_DOC,
        content_type="application/fhir+json",
        example="/fhir/Location?near=43.6045|1.444|10|km&_revinclude=HealthcareService:location",
    ),
    Endpoint(
        "GET",
        "/fhir/{resource}",
        _guarded(unsupported_type),
        "Any other FHIR resource type: 404 OperationOutcome",
        "fhir",
        params=(Param("resource", "A FHIR resource type.", where="path", required=True),),
        content_type="application/fhir+json",
        errors=(404,),
    ),
)
