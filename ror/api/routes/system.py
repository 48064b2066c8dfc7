"""Service endpoints: ``/health``, ``/openapi.json`` and the ``/docs`` page."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ror import __version__
from ror.api.docs_page import render_docs
from ror.api.endpoints import Endpoint
from ror.api.json_response import JSONResponse
from ror.api.response_models import HealthResponse
from ror.search.engine import Engine

log = logging.getLogger("ror.api")


async def health(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    body: dict[str, object] = {
        "status": "ok",
        "engine": engine.name,
        "engine_version": engine.version,
        "offers": None,
        "version": __version__,
    }
    try:
        body["offers"] = await run_in_threadpool(engine.count)
    except Exception:
        log.exception("health check: the engine does not answer")
        body["status"] = "unavailable"
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)


async def openapi_json(request: Request) -> Response:
    return JSONResponse(request.app.state.openapi)


async def docs(request: Request) -> Response:
    return HTMLResponse(render_docs(request.app.state.openapi))


ENDPOINTS = (
    Endpoint(
        "GET",
        "/health",
        health,
        "Is the service up, which engine, how many offers",
        "service",
        description="503 with `status: unavailable` when the engine does not answer.",
        response=HealthResponse,
        errors=(503,),
        example="/health",
    ),
    Endpoint(
        "GET",
        "/openapi.json",
        openapi_json,
        "This API as an OpenAPI 3.1 document",
        "service",
        example="/openapi.json",
    ),
    Endpoint(
        "GET",
        "/docs",
        docs,
        "This API as a web page",
        "service",
        content_type="text/html",
        example="/docs",
    ),
)
