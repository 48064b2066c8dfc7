"""The one place where exceptions become HTTP answers: ``{"error": {"code", "message", "field"}}``,
or, under ``/fhir``, a FHIR ``OperationOutcome`` with the same status (FHIR clients read nothing
else: 401, 404, 405, 413, 429 and 500 included).

- ``RorError`` (and its subclasses) -> its own ``status`` and ``code`` (a 401 with the
  ``WWW-Authenticate: Bearer`` challenge);
- Starlette's ``HTTPException`` (unknown route 404, wrong method 405) -> the same shape;
- anything else -> 500 ``internal_error``, logged with its traceback; the caller gets no detail.
  :class:`InternalErrors` answers it and keeps the connection usable (an exception reaching
  uvicorn would make it drop the connection); the ``Exception`` handler is the last resort.
"""

from __future__ import annotations

import http
import logging
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ror.api.fhir.outcome import FhirError, fhir_error_response
from ror.api.json_response import JSONResponse
from ror.errors import RorError

log = logging.getLogger("ror.api")

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
    *,
    path: str = "",
) -> Response:
    """The error answer; ``path`` is the request's (an OperationOutcome under ``/fhir``)."""
    if is_fhir(path):
        return fhir_error_response(FhirError.of(status, None, message, field), headers)
    body = {"error": {"code": code, "message": message, "field": field, **(extra or {})}}
    return JSONResponse(body, status_code=status, headers=headers)


def is_fhir(path: str) -> bool:
    return path == "/fhir" or path.startswith("/fhir/")


async def ror_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RorError)
    data = exc.to_dict()
    extra = {k: v for k, v in data.items() if k not in {"code", "message", "field"}}
    headers = {"WWW-Authenticate": 'Bearer realm="ror"'} if exc.status == 401 else None
    if exc.status == 503:
        headers = {"Retry-After": "1"}
    return error_response(
        exc.status, exc.code, exc.message, exc.field, headers, extra, path=request.url.path
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    code = _HTTP_CODES.get(status, http.HTTPStatus(status).phrase.lower().replace(" ", "_"))
    if status == 404:
        message = f"ressource inconnue : {request.url.path} (les points d'accès sont sur /docs)"
    elif status == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = f"{request.method} non permis sur {request.url.path} ; utiliser {allowed}"
    else:
        message = str(exc.detail)
    return error_response(status, code, message, headers=exc.headers, path=request.url.path)


async def internal_error(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return _internal_error_response(request.url.path)


def _internal_error_response(path: str) -> Response:
    return error_response(
        500,
        "internal_error",
        "erreur interne : elle est journalisée, merci de la signaler",
        path=path,
    )


class InternalErrors:
    """ASGI middleware: an unexpected exception becomes the JSON 500 answer, logged once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:  # too late for a clean answer: let the server drop the connection
                raise
            request = Request(scope)
            log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
            await _internal_error_response(request.url.path)(scope, receive, send)


EXCEPTION_HANDLERS = {
    RorError: ror_error,
    HTTPException: http_error,
    Exception: internal_error,
}
