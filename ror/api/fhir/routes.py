"""The FHIR facade's routes: searches ``GET /fhir/{type}`` and ``POST /fhir/{type}/_search``
(form-encoded parameters, with those of the URL) of HealthcareService and Location, and of
PractitionerRole and Practitioner from the resource store (``role_search``), reads
``GET /fhir/{type}/{id}``, ``GET /fhir/metadata``; any other ``/fhir/{type}`` is a 404
OperationOutcome.

Parse (``params``) -> check access (capacity parameters need an entitlement; the caller's
audience hides sensitive units) -> search (``search``) -> Bundle (``bundle``) shaped for the
caller's profile. Every error answers an OperationOutcome (``application/fhir+json``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Final
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ror.access.profiles import audience, capacity_refusal
from ror.api.access import request_caller
from ror.api.endpoints import Endpoint, Param
from ror.api.fhir.answer import answer as answer_of
from ror.api.fhir.answer import resolved
from ror.api.fhir.bundle import Links, searchset
from ror.api.fhir.capability import capability_statement
from ror.api.fhir.catalog import ResourceType
from ror.api.fhir.outcome import FhirError, Issue, error_response, fhir_json, fhir_response
from ror.api.fhir.params import lenient, parse_search
from ror.api.fhir.query import Atom, SearchRequest
from ror.api.fhir.read import INDEXED, STORED, read
from ror.api.fhir.role_search import StoredType, store_search
from ror.api.fhir.search import Result
from ror.api.fhir.store_search import organization_search, with_withdrawn
from ror.api.fhir.values import Token
from ror.api.offload import in_search_thread
from ror.config import Settings
from ror.errors import RorError
from ror.heap import collector_paused
from ror.resources.store import ResourceStore
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


FORM: Final = "application/x-www-form-urlencoded"
READABLE: Final = (*INDEXED, *STORED)


async def _search(
    request: Request, resource: ResourceType, body: tuple[tuple[str, str], ...] = ()
) -> Response:
    caller = request_caller(request)
    items = (*request.query_params.multi_items(), *body)
    parsed = parse_search(resource, items, lenient=lenient(request.headers.get("prefer")))
    champ = _champ(parsed)
    _require_capacities(parsed, caller.profile, champ)
    engine: Engine = request.app.state.engine
    links = Links(fhir_base(request), resource, items)

    def answer() -> bytes:
        seen_by = audience(caller.profile, champ)
        search = resolved(parsed, engine, seen_by)
        result = answer_of(search, engine, seen_by)
        with collector_paused():  # a page's resources: many objects, no reference cycles,
            return fhir_json(bundle(search, result))  # freed before the collector is back on

    def bundle(search: SearchRequest, result: Result) -> dict[str, object]:
        found = searchset(search, result, links, profile=caller.profile, fetch=engine.get)
        if resource == "HealthcareService":
            store = resource_store(request)
            return with_withdrawn(found, store, items, fhir_base(request), caller.profile)
        return found

    return fhir_response(await in_search_thread(request, answer))


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


async def healthcare_service_post(request: Request) -> Response:
    return await _search(request, "HealthcareService", await _form(request))


async def location_post(request: Request) -> Response:
    return await _search(request, "Location", await _form(request))


async def _form(request: Request) -> tuple[tuple[str, str], ...]:
    """The parameters of a ``POST …/_search`` body (``application/x-www-form-urlencoded``)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if not body:
        return ()
    if kind != FORM:
        raise FhirError.of(
            415, "not-supported", f"corps attendu en {FORM}, reçu « {kind} »", "Content-Type"
        )
    try:
        text = body.decode("utf-8")
        return tuple(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FhirError.of(400, "invalid", f"corps de formulaire illisible : {exc}") from exc


async def read_resource(request: Request) -> Response:
    rtype, rid = str(request.path_params["resource"]), str(request.path_params["id"])
    if rtype not in READABLE:
        await unsupported_type(request)
    profile = request_caller(request).profile
    engine: Engine = request.app.state.engine
    store = resource_store(request) if rtype in STORED else None
    return fhir_response(await run_in_threadpool(read, engine, store, rtype, rid, profile))


def resource_store(request: Request) -> ResourceStore | None:
    """The resource store beside the index, opened on first use (None when there is none)."""
    state = request.app.state
    if getattr(state, "resource_store", None) is None:
        settings: Settings = state.settings
        path = settings.resources_path
        state.resource_store = ResourceStore(path) if path.exists() else None
    store: ResourceStore | None = state.resource_store
    return store


async def organization_search_get(request: Request) -> Response:
    items = tuple(request.query_params.multi_items())
    profile = request_caller(request).profile
    store = resource_store(request)
    base = fhir_base(request)
    found = await run_in_threadpool(
        lambda: fhir_json(organization_search(store, items, base, profile))
    )
    return fhir_response(found)


async def _store_search(
    request: Request, rtype: StoredType, body: tuple[tuple[str, str], ...] = ()
) -> Response:
    items = (*request.query_params.multi_items(), *body)
    profile = request_caller(request).profile
    store = resource_store(request)
    engine: Engine = request.app.state.engine
    handling = lenient(request.headers.get("prefer"))

    def answer() -> dict[str, object]:
        return store_search(
            rtype, store, engine, items, fhir_base(request), profile, lenient=handling
        )

    return fhir_response(await run_in_threadpool(lambda: fhir_json(answer())))


async def practitioner_role_search(request: Request) -> Response:
    return await _store_search(request, "PractitionerRole")


async def practitioner_search(request: Request) -> Response:
    return await _store_search(request, "Practitioner")


async def practitioner_role_post(request: Request) -> Response:
    return await _store_search(request, "PractitionerRole", await _form(request))


async def practitioner_post(request: Request) -> Response:
    return await _store_search(request, "Practitioner", await _form(request))


async def metadata(request: Request) -> Response:
    return fhir_response(capability_statement(fhir_base(request)))


async def unsupported_type(request: Request) -> Response:
    name = str(request.path_params["resource"])
    raise FhirError.of(
        404,
        "not-supported",
        f"type de ressource non pris en charge : {name} (recherche : "
        f"{', '.join((*INDEXED, *STORED))} ; lecture par id : "
        f"{', '.join(READABLE)} ; voir /fhir/metadata)",
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

_STORE_DOC = (
    "From the resource store, each parameter one of its indexes: PractitionerRole by `_id`, "
    "`identifier`, `service`, `practitioner`, `organization`, `active`, `_lastUpdated` "
    "(`_include=PractitionerRole:practitioner`, `PractitionerRole:service`); Practitioner by "
    "`_id`, `identifier`, `active`, `_lastUpdated`. `_id` order, `_count` up to 1000, `next` "
    "links with a keyset `_cursor`, exact `total`; visible as a read by id (a role serving an "
    "offer the caller may see; no Practitioner for a profile without personal data)."
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
        "/fhir/Organization",
        _guarded(organization_search_get),
        "FHIR search of the Organizations as loaded (resource store), for following instances",
        "fhir",
        description="By `_lastUpdated` (ge, gt, le, lt), `_id`, `identifier`; oldest change "
        "first, `next` links with a keyset `_cursor`. Profiles that see every unit only.",
        content_type="application/fhir+json",
        errors=(400, 403),
    ),
    Endpoint(
        "POST",
        "/fhir/HealthcareService/_search",
        _guarded(healthcare_service_post),
        "FHIR search of offers, parameters in a form-encoded body",
        "fhir",
        description=_SEARCH_DOC,
        content_type="application/fhir+json",
        errors=(400, 403, 415),
    ),
    Endpoint(
        "POST",
        "/fhir/Location/_search",
        _guarded(location_post),
        "FHIR search of Locations, parameters in a form-encoded body",
        "fhir",
        description=_SEARCH_DOC,
        content_type="application/fhir+json",
        errors=(400, 403, 415),
    ),
    Endpoint(
        "GET",
        "/fhir/PractitionerRole",
        _guarded(practitioner_role_search),
        "FHIR search of the PractitionerRoles as loaded (resource store)",
        "fhir",
        description=_STORE_DOC,
        content_type="application/fhir+json",
        example="/fhir/PractitionerRole?service=HealthcareService/x"
        "&_include=PractitionerRole:practitioner",
        errors=(400,),
    ),
    Endpoint(
        "GET",
        "/fhir/Practitioner",
        _guarded(practitioner_search),
        "FHIR search of the Practitioners as loaded (resource store)",
        "fhir",
        description=_STORE_DOC,
        content_type="application/fhir+json",
        errors=(400,),
    ),
    Endpoint(
        "POST",
        "/fhir/PractitionerRole/_search",
        _guarded(practitioner_role_post),
        "FHIR search of PractitionerRoles, parameters in a form-encoded body",
        "fhir",
        description=_STORE_DOC,
        content_type="application/fhir+json",
        errors=(400, 415),
    ),
    Endpoint(
        "POST",
        "/fhir/Practitioner/_search",
        _guarded(practitioner_post),
        "FHIR search of Practitioners, parameters in a form-encoded body",
        "fhir",
        description=_STORE_DOC,
        content_type="application/fhir+json",
        errors=(400, 415),
    ),
    Endpoint(
        "GET",
        "/fhir/{resource}/{id}",
        _guarded(read_resource),
        "One FHIR resource by id (HealthcareService, Location, Organization, PractitionerRole, "
        "Practitioner); 404 OperationOutcome otherwise",
        "fhir",
        params=(
            Param("resource", "A FHIR resource type.", where="path", required=True),
            Param("id", "The resource id.", where="path", required=True),
        ),
        content_type="application/fhir+json",
        errors=(404,),
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
