"""HTTP to a ROR-style FHIR R4 server: Bundles by URL, with retries and clear errors.

Timeouts, connection failures, 429 and 5xx answers are retried with exponential backoff (a
``Retry-After`` in seconds or as an HTTP date is honoured, capped at :data:`MAX_WAIT_S`); 401
and 403 stop at once with what to check; an answer that is not FHIR JSON (an HTML page, a
JSON document without ``resourceType``) is a :class:`SyncError` naming the URL. A bearer token,
the headers the national API asks for, and a client certificate (mutual TLS) are options.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx
import orjson

from ror.errors import RorError

Json = dict[str, Any]
RETRIED_STATUS: Final = frozenset({429, 500, 502, 503, 504})
MAX_WAIT_S: Final = 120.0
FHIR_TYPES: Final = ("application/fhir+json", "application/json", "application/json+fhir")


class SyncError(RorError):
    """A source that cannot be followed: the message says what to do."""

    status = 502
    code = "sync_failed"


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """How to reach a source."""

    token: str | None = None  # bearer token
    cert: Path | None = None  # client certificate (PEM), with ``key`` when apart
    key: Path | None = None
    ca: Path | None = None  # CA bundle to verify the server (default: the system's)
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. Ror-Profil-Utilisateur-Code
    timeout_s: float = 60.0
    attempts: int = 6  # tries per request before giving up
    backoff_s: float = 0.5  # first wait; doubles at each retry


@dataclass(frozen=True, slots=True)
class Page:
    """One answer: the Bundle, and the server's clock (``Date`` header) when it gave one."""

    bundle: Json
    server_time: datetime | None


class FhirClient:
    """GETs Bundles from ``base`` (``https://…/fhir``)."""

    def __init__(
        self,
        base: str,
        options: ClientOptions | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base = base.rstrip("/")
        self.options = options or ClientOptions()
        self.sleep = sleep
        self.retries = 0  # retried requests, for the report
        headers = {"Accept": "application/fhir+json", **self.options.headers}
        if self.options.token:
            headers["Authorization"] = f"Bearer {self.options.token}"
        cert: Any = None
        if self.options.cert is not None:
            cert = (
                (str(self.options.cert), str(self.options.key))
                if self.options.key
                else str(self.options.cert)
            )
        self._http = httpx.Client(
            headers=headers,
            timeout=self.options.timeout_s,
            cert=cert,
            verify=str(self.options.ca) if self.options.ca else True,
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        self._http.close()

    def url(self, path: str, params: Sequence[tuple[str, str]] = ()) -> str:
        """An absolute URL of the source (``path`` relative to the base, or absolute)."""
        url = path if path.startswith(("http://", "https://")) else f"{self.base}/{path}"
        return str(httpx.URL(url, params=list(params))) if params else url

    def get(self, url: str, *, expect: str = "Bundle") -> Page:
        """The resource at ``url`` (of type ``expect``), retried as the module docstring says."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.get(url)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt >= self.options.attempts:
                    raise SyncError(f"{url}: no answer after {attempt} tries ({exc})") from exc
                self._wait(attempt, None)
                continue
            if response.status_code in RETRIED_STATUS and attempt < self.options.attempts:
                self._wait(attempt, response.headers.get("retry-after"))
                continue
            return Page(_fhir(url, response, expect), _server_time(response))

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        self.retries += 1
        wait = self.options.backoff_s * 2 ** (attempt - 1)
        asked = _retry_after_s(retry_after)
        self.sleep(min(max(wait, asked or 0.0), MAX_WAIT_S))


def _fhir(url: str, response: httpx.Response, expect: str) -> Json:
    status = response.status_code
    if status == 401:
        raise SyncError(f"{url}: 401 Unauthorized: the source wants a valid token (--token)")
    if status == 403:
        raise SyncError(
            f"{url}: 403 Forbidden: the token or certificate is not allowed to read this "
            "(check the profile, the Ror-* headers and --cert)"
        )
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("resourceType"), str):
        shown = kind or "no content type"
        raise SyncError(
            f"{url}: answered {status} with {shown}, not FHIR JSON: is it a FHIR R4 server base?"
        )
    if status >= 400:
        raise SyncError(f"{url}: {status}: {_outcome_text(body)}")
    if body["resourceType"] != expect:
        raise SyncError(f"{url}: expected a {expect}, got a {body['resourceType']}")
    if kind and kind not in FHIR_TYPES:
        raise SyncError(f"{url}: content type {kind}, not FHIR JSON")
    return body


def _outcome_text(body: Json) -> str:
    issues = body.get("issue") if body.get("resourceType") == "OperationOutcome" else None
    if isinstance(issues, list) and issues:
        texts = [
            str(i.get("diagnostics") or (i.get("details") or {}).get("text") or i.get("code"))
            for i in issues
            if isinstance(i, dict)
        ]
        return "; ".join(texts)
    return str(body.get("resourceType"))


def _retry_after_s(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _server_time(response: httpx.Response) -> datetime | None:
    raw = response.headers.get("date")
    if not raw:
        return None
    try:
        return email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
