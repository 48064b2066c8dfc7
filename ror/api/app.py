"""The Starlette application: glue between HTTP and the ``ror`` library (DESIGN §6).

Routes come from the route modules' ``ENDPOINTS``; the same list generates ``/openapi.json``.
The lifespan opens the engine named by the settings (unless one is injected, as tests do),
keeps it on ``app.state.engine`` and closes it at shutdown. Errors are translated in
:mod:`ror.api.error_handlers`, nowhere else.

Middleware, outermost first: security headers (every answer, errors included), CORS (when
``ROR_CORS_ORIGINS`` names origins), JSON 500s, authentication and rate limit (the caller of
every request, 401/429), request body size limit (413).
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.routing import Route

import ror.nomenclature as nomenclature
from ror import __version__
from ror.access.audit_log import AuditLog
from ror.access.profiles import check_profile
from ror.access.tokens import TokenStore
from ror.api import offload
from ror.api.access import ANONYMOUS_PROFILE
from ror.api.endpoints import Endpoint
from ror.api.error_handlers import EXCEPTION_HANDLERS, InternalErrors
from ror.api.fhir import location_patch as routes_availability_fhir
from ror.api.fhir import routes as fhir_routes
from ror.api.middleware.auth import Authentication
from ror.api.middleware.balance import ShedWhenBusy
from ror.api.middleware.deadline import Deadlines
from ror.api.middleware.headers import SecurityHeaders, cors
from ror.api.middleware.limits import BodyLimit, RateLimiter
from ror.api.openapi import openapi_document
from ror.api.routes import audit as routes_audit
from ror.api.routes import availability as routes_availability
from ror.api.routes import offers as routes_offers
from ror.api.routes import pages as routes_pages
from ror.api.routes import reference as routes_reference
from ror.api.routes import search as routes_search
from ror.api.routes import sources as routes_sources
from ror.api.routes import system as routes_system
from ror.config import Settings
from ror.geo import gazetteer
from ror.geo.reverse import shape_index
from ror.search.engine import Engine
from ror.search.open import open_engine

log = logging.getLogger("ror.api")

ENDPOINTS: tuple[Endpoint, ...] = (
    *routes_search.ENDPOINTS,
    *routes_offers.ENDPOINTS,
    *routes_reference.ENDPOINTS,
    *routes_system.ENDPOINTS,
    *routes_audit.ENDPOINTS,
    *routes_sources.ENDPOINTS,  # ror sync
    *routes_availability.ENDPOINTS,
    *routes_availability_fhir.ENDPOINTS,  # PATCH /fhir/Location
    *fhir_routes.ENDPOINTS,
    *routes_pages.ENDPOINTS,
)


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    anonymous_profile: int = ANONYMOUS_PROFILE,
) -> Starlette:
    """The API over ``engine`` (or the engine ``settings`` name, opened at startup).

    ``anonymous_profile`` is the ROR access profile of callers without a token: 0 (open data)
    unless a deployment decides otherwise. Tokens, audit log, CORS origins, rate and body
    limits come from ``settings``.
    """
    settings = settings or Settings.from_env()
    anonymous_profile = check_profile(anonymous_profile)
    tokens = TokenStore(settings.tokens_path)
    audit_log = AuditLog(settings.audit_path, keep_days=settings.audit_days)
    limiter = (
        RateLimiter(settings.rate_per_minute, max(settings.rate_burst, 1))
        if settings.rate_per_minute > 0
        else None
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = engine is None
        app.state.engine = engine if engine is not None else open_engine(settings)
        app.state.search_pool = offload.search_pool(settings.search_threads)
        offload.prefer_the_loop()
        await run_in_threadpool(_warm_up, app.state.engine)
        threading.Thread(target=_warm_shapes, name="ror-warm-shapes", daemon=True).start()
        log.info("ror API ready: engine %s", app.state.engine.version)
        try:
            yield
        finally:
            app.state.search_pool.shutdown(wait=False, cancel_futures=True)
            if owned:
                app.state.engine.close()

    app = Starlette(
        routes=[
            *(Route(ep.path, ep.handler, methods=[ep.method]) for ep in ENDPOINTS),
            *routes_pages.MOUNTS,
        ],
        middleware=[
            *balance(settings.workers),
            Middleware(SecurityHeaders),
            *cors(settings.cors_origins),
            Middleware(InternalErrors),
            Middleware(
                Authentication,
                tokens=tokens,
                audit_log=audit_log,
                anonymous_profile=anonymous_profile,
                limiter=limiter,
            ),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
            Middleware(
                Deadlines,
                seconds=settings.deadline_ms / 1000,
                body_timeout=settings.body_timeout_ms / 1000,
                max_url_bytes=settings.max_url_bytes,
            ),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.anonymous_profile = anonymous_profile
    app.state.tokens = tokens
    app.state.audit_log = audit_log
    app.state.rate_limiter = limiter
    app.state.openapi = with_bearer_auth(openapi_document(ENDPOINTS, version=__version__))
    return app


def balance(workers: int) -> list[Middleware]:
    """With several worker processes, busy workers hand connections over to idle ones."""
    return [Middleware(ShedWhenBusy)] if workers > 1 else []


def with_bearer_auth(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document saying that every operation takes an optional bearer token."""
    components = document.setdefault("components", {})
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A token from `ror token create`. Without one, the caller has ROR access "
                "profile 0 (open data)."
            ),
        }
    }
    document["security"] = [{}, {"bearer": []}]
    return document


def app_factory() -> Starlette:
    """For ``uvicorn --factory ror.api.app:app_factory``: settings from ``ROR_*`` variables."""
    return create_app(Settings.from_env())


def _warm_up(engine: Engine) -> None:
    """Read the engine's index and load the reference tables before the first request rather
    than during it."""
    engine.warm_up()
    gazetteer()
    nomenclature.default()
    nomenclature.suggest("ehpad", 1)
    # What is read now lives as long as the process: out of the collector's full passes, which
    # would otherwise walk it again each time, blocking the worker.
    gc.collect()
    gc.freeze()


def _warm_shapes() -> None:
    """Build the commune shape index (about 0.5 s) once the server takes requests, so that
    neither the start nor the first search from a point waits for it."""
    shape_index()
    gc.freeze()
