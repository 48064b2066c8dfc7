"""Authentication: every request gets its caller before any route runs (DESIGN §7).

No ``Authorization`` header: an anonymous caller with the application's anonymous profile
(0, open data). ``Authorization: Bearer <token>``: the token's owner, or a 401 (with
``WWW-Authenticate: Bearer``) when the token is malformed, unknown or revoked, even on open
endpoints, so a client never believes it sends a token that does not count. Then the rate
limit (per token, per client address for anonymous callers and bad tokens): a 429 with
``Retry-After``. Writes refused here are audited like those refused by routes.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from ror.access.audit_log import AuditLog
from ror.access.caller import Caller, anonymous
from ror.access.tokens import TOKEN_PATTERN, InvalidToken, TokenStore
from ror.api.audit import audit, is_write
from ror.api.error_handlers import error_response
from ror.api.middleware.limits import RateLimiter, retry_after

log = logging.getLogger("ror.api")

CHALLENGE = 'Bearer realm="ror"'


def bearer_token(header: str) -> str:
    """The token of an ``Authorization`` header; ``InvalidToken`` for another scheme."""
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise InvalidToken("en-tête Authorization attendu : « Bearer <jeton> »")
    return value.strip()


class Authentication:
    """ASGI middleware: ``scope["state"]["caller"]`` for every HTTP request, or a 401/429."""

    def __init__(
        self,
        app: ASGIApp,
        tokens: TokenStore,
        audit_log: AuditLog,
        anonymous_profile: int = 0,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.audit_log = audit_log
        self.anonymous_profile = anonymous_profile
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("authorization")
        caller = anonymous(self.anonymous_profile)
        failure: InvalidToken | None = None
        if header is not None:
            try:
                caller = self.tokens.authenticate(bearer_token(header))
            except InvalidToken as exc:
                failure = exc
        method, path = scope["method"], scope["path"]
        if self.limiter is not None:
            client = scope.get("client")
            key = (
                f"token:{caller.token_id}" if caller.authenticated else f"ip:{client and client[0]}"
            )
            wait = self.limiter.take(key)
            if wait > 0:
                message = f"trop de requêtes : réessayer dans {retry_after(wait)} s"
                if is_write(method, path):
                    await self._refused(caller, method, path, 429, "rate_limited", message, header)
                headers = {"Retry-After": retry_after(wait)}
                response = error_response(429, "rate_limited", message, headers=headers, path=path)
                await response(scope, receive, send)
                return
        if failure is not None:
            if is_write(method, path):
                await self._refused(
                    caller, method, path, 401, failure.code, failure.message, header
                )
            challenge = f'{CHALLENGE}, error="invalid_token"'
            response = error_response(
                401,
                failure.code,
                failure.message,
                failure.field,
                {"WWW-Authenticate": challenge},
                path=path,
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)

    async def _refused(
        self,
        caller: Caller,
        method: str,
        path: str,
        status: int,
        code: str,
        reason: str,
        header: str | None,
    ) -> None:
        detail: dict[str, object] = {"status": status, "code": code, "reason": reason}
        claimed = TOKEN_PATTERN.search(header or "")
        if claimed is not None and not caller.authenticated:
            detail["claimed_token_id"] = claimed.group(1)  # unverified: what the request said
        await run_in_threadpool(
            audit, caller, f"{method} {path}", path, "refused", detail, log_to=self.audit_log
        )
