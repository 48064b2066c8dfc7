"""Reference data: geocoding, nomenclatures, lay-term suggestions. Glue over ``ror.geo`` and
``ror.nomenclature``; nothing is computed here."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

import ror.nomenclature as nomenclature
from ror.api.endpoints import Endpoint, Param
from ror.api.json_response import JSONResponse
from ror.api.params import params_of, query_of
from ror.api.response_models import GeocodeResponse, NomenclatureResponse, SuggestResponse
from ror.errors import NotFound
from ror.geo import gazetteer


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class GeocodeQuery(_Query):
    q: str = Field(
        min_length=1,
        max_length=200,
        description="A commune name, postcode or INSEE code ('st etienne', '31000', '2A004').",
        examples=["Toulouse"],
    )
    limit: int = Field(10, ge=1, le=50, description="At most this many candidates.")


class SuggestQuery(_Query):
    q: str = Field(
        min_length=1,
        max_length=200,
        description="What the user is typing, in lay terms ('pédopsy', 'maison de retraite').",
        examples=["pédopsy"],
    )
    limit: int = Field(10, ge=1, le=50, description="At most this many suggestions.")


async def geocode(request: Request) -> Response:
    query = query_of(request, GeocodeQuery)
    gaz = gazetteer()
    candidates = [
        {
            "insee": c.insee,
            "name": c.name,
            "postcodes": list(c.postcodes),
            "lat": c.lat,
            "lon": c.lon,
            "departement": c.departement,
            "departement_name": gaz.departement_name(c.departement),
            "region": c.region,
            "region_name": gaz.region_name(c.region),
            "precision": c.precision,
            "kind": c.kind,
            "score": round(c.score, 4),
            "matched": c.matched,
        }
        for c in gaz.resolve(query.q, query.limit)
    ]
    return JSONResponse({"query": query.q, "candidates": candidates})


async def suggest(request: Request) -> Response:
    query = query_of(request, SuggestQuery)
    suggestions = [
        {
            "field": s.field,
            "codes": list(s.codes),
            "label": s.label,
            "matched": s.matched,
            "score": round(s.score, 4),
            **({"colocated": [{f: list(c)} for f, c in s.colocated]} if s.colocated else {}),
        }
        for s in nomenclature.suggest(query.q, query.limit)
    ]
    return JSONResponse({"query": query.q, "suggestions": suggestions})


async def nomenclature_codes(request: Request) -> Response:
    name = str(request.path_params["name"])
    key = nomenclature_key(name)
    table = nomenclature.codes(key)
    fields = sorted(f for f, k in nomenclature.FIELD_SYSTEMS.items() if k == key)
    return JSONResponse(
        {
            "key": key,
            "title": nomenclature.system_title(key),
            "complete": nomenclature.has_table(key),
            "fields": fields,
            "codes": [{"code": code, "label": label} for code, label in table.items()],
        }
    )


def nomenclature_key(name: str) -> str:
    """The system key for a field name ("activity"), a TRE ("R211", "TRE_R211") or a JDV ("J17");
    ``NotFound`` listing the known names otherwise."""
    key = nomenclature.FIELD_SYSTEMS.get(name) or nomenclature.system_key(name)
    if key is None or not nomenclature.codes(key):
        fields = ", ".join(sorted(nomenclature.FIELD_SYSTEMS))
        keys = ", ".join(sorted(filter(nomenclature.codes, nomenclature.default().keys())))
        raise NotFound(
            f"nomenclature inconnue {name!r} : donner un champ ({fields}), "
            f"une TRE ({keys}) ou un jeu de valeurs du ROR (J17…)",
            "name",
        )
    return key


ENDPOINTS = (
    Endpoint(
        "GET",
        "/v1/geocode",
        geocode,
        "Places matching a commune name, postcode or INSEE code",
        "reference",
        description="Accents, case, `st`/`ste` and small typos are handled; best first.",
        params=params_of(GeocodeQuery),
        response=GeocodeResponse,
        errors=(400,),
        example="/v1/geocode?q=st%20etienne",
    ),
    Endpoint(
        "GET",
        "/v1/nomenclatures/{name}",
        nomenclature_codes,
        "The codes and labels of a NOS nomenclature",
        "reference",
        description="`name` is a criteria field (`activity`), a TRE (`R211`) or a JDV (`J17`).",
        params=(
            Param("name", "Field name, TRE or JDV.", where="path", required=True, example="R211"),
        ),
        response=NomenclatureResponse,
        errors=(404,),
        example="/v1/nomenclatures/R211",
    ),
    Endpoint(
        "GET",
        "/v1/suggest",
        suggest,
        "Lay terms to codes: completions for a search box",
        "reference",
        description="Each suggestion says which criteria field its codes go in.",
        params=params_of(SuggestQuery),
        response=SuggestResponse,
        errors=(400,),
        example="/v1/suggest?q=p%C3%A9dopsy",
    ),
)
