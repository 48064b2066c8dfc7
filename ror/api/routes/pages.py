"""The public pages: ``/`` (search), ``/availability`` (bed overview), their static files under
``/static`` and the map shapes they draw (``GET /v1/geo/shapes``).

The pages are HTML (Jinja templates sharing ``base.html``, rendered once) and plain ES modules
calling the JSON API like any other client; the map library is vendored under ``static/vendor``
(``scripts/vendor_ui.sh``), so nothing is loaded from another origin and the service works
offline, under the strict Content-Security-Policy of :mod:`ror.api.middleware.headers` (no inline
script).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import jinja2
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from ror.api.endpoints import Endpoint, Param
from ror.api.pages import communes, shapes
from ror.api.params import params_of, query_of

API_DIR = Path(__file__).resolve().parents[1]
TEMPLATES = API_DIR / "templates"
STATIC = API_DIR / "static"
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

# Pages and scripts are revalidated on every load (ETag, 304), so a new version shows at once.
REVALIDATE = "no-cache"
SHAPES_MAX_AGE = "public, max-age=86400"  # the shapes change with a new build of the package


class ShapesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    level: Literal["departement", "region"] = Field(
        "departement", description="Départements (101) or régions (18)."
    )
    layout: Literal["geographic", "insets"] = Field(
        "geographic",
        description=(
            "`geographic`: every area where it is; `insets`: overseas areas moved into boxes "
            "west of metropolitan France, for a national map."
        ),
    )


async def search_page(request: Request) -> Response:
    return _page("search.html")


async def availability_page(request: Request) -> Response:
    return _page("availability.html")


async def territory_page(request: Request) -> Response:
    return _page("territory.html")


async def offer_page(request: Request) -> Response:
    return _page("detail.html")


async def establishment_page(request: Request) -> Response:
    return _page("detail.html")


class CommunesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    departement: str = Field(
        min_length=2, max_length=3, description="INSEE code of the département: 31, 2A, 974."
    )


async def geo_shapes(request: Request) -> Response:
    query = query_of(request, ShapesQuery)
    return _geojson(request, shapes.payload(query.level, query.layout))


async def geo_communes(request: Request) -> Response:
    query = query_of(request, CommunesQuery)
    return _geojson(request, communes.payload(query.departement.upper()))


def _geojson(request: Request, data: shapes.Payload) -> Response:
    headers = {"ETag": data.etag, "Cache-Control": SHAPES_MAX_AGE, "Vary": "Accept-Encoding"}
    if data.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    body = data.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = data.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/geo+json", headers=headers)


class Static(StaticFiles):
    """Static files revalidated on each use (they change with the package, not their URLs)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", REVALIDATE)
        return response


def _page(name: str) -> HTMLResponse:
    return HTMLResponse(_template(name), headers={"Cache-Control": REVALIDATE})


@functools.cache
def _template(name: str) -> str:
    return _TEMPLATES.get_template(name).render()


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


MOUNTS = (Mount("/static", app=Static(directory=STATIC), name="static"),)

ENDPOINTS = (
    Endpoint(
        "GET",
        "/",
        search_page,
        "The public search page (French): où ?, quoi ?, filters, results on a map",
        "pages",
        description=(
            "The query lives in the URL with the names of `GET /v1/search` (plus `ou` and "
            "`quoi`, the labels shown in the boxes), so a search can be shared as a link."
        ),
        content_type="text/html",
        example="/?place=31555&ou=Toulouse&text=p%C3%A9dopsy",
    ),
    Endpoint(
        "GET",
        "/availability",
        availability_page,
        "Bed availability by département or région, on a map and in a table",
        "pages",
        description=(
            "Reads `GET /v1/availability/overview`, which needs a token entitled to "
            "capacities: the page asks for one and keeps it for the browser session only."
        ),
        content_type="text/html",
        example="/availability",
    ),
    Endpoint(
        "GET",
        "/availability/{level}/{code}",
        territory_page,
        "One territory's establishments and units with their counts, and its trend",
        "pages",
        description=(
            "`level` is `departement` or `region`, `code` its INSEE code. Reads "
            "`GET /v1/availability/units` and `GET /v1/availability/trend` (and, for a région, "
            "the overview of its départements) with a token entitled to capacities; the filters "
            "(`quoi`, `activity`, `offer_type`, `bed_nature`, `temporality`, `assignment`, "
            "`gender`, `freshness`, `days`) live in the URL."
        ),
        params=(
            Param("level", "`departement` or `region`.", where="path", required=True),
            Param("code", "INSEE code of the territory.", where="path", required=True),
        ),
        content_type="text/html",
    ),
    Endpoint(
        "GET",
        "/offres/{id}",
        offer_page,
        "The page of one offer: contacts, opening hours, prices, ages, map, other offers",
        "pages",
        description=(
            "Reads `GET /v1/offers/{id}` and `GET /v1/establishments/{id}`. Optional `lat`, "
            "`lon` and `ou` (the search point) give an estimated travel time; `retour` is the "
            "search to go back to."
        ),
        params=(Param("id", "The HealthcareService resource id.", where="path", required=True),),
        content_type="text/html",
    ),
    Endpoint(
        "GET",
        "/etablissements/{id}",
        establishment_page,
        "The page of one establishment (by FINESS or id) and its offers",
        "pages",
        description=(
            "Reads `GET /v1/establishments/{id}`; the same optional parameters as `/offres/{id}`."
        ),
        params=(
            Param("id", "FINESS, IdNatStruct or FHIR id of the EG.", where="path", required=True),
        ),
        content_type="text/html",
    ),
    Endpoint(
        "GET",
        "/v1/geo/shapes",
        geo_shapes,
        "Département or région shapes as GeoJSON, simplified for maps",
        "reference",
        description=(
            "Each feature has `code`, `name`, `center` ([lat, lon] inside the area) and "
            "`radius_km`. Gzipped when the client accepts it; cacheable (ETag)."
        ),
        params=params_of(ShapesQuery),
        content_type="application/geo+json",
        errors=(400,),
        example="/v1/geo/shapes?level=region&layout=insets",
    ),
    Endpoint(
        "GET",
        "/v1/geo/communes",
        geo_communes,
        "The communes of a département as GeoJSON outlines, for maps at city zoom",
        "reference",
        description=(
            "Each feature has `code` (INSEE), `name` and `label` ([lat, lon] inside the "
            "commune); outlines simplified to about 200 m. Gzipped when the client accepts "
            "it; cacheable (ETag). 422 for a département without outlines."
        ),
        params=params_of(CommunesQuery),
        content_type="application/geo+json",
        errors=(400, 422),
        example="/v1/geo/communes?departement=31",
    ),
)
