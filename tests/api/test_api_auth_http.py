"""Tokens, rate limit, body limit, CORS, security headers and the audit log over real HTTP."""

from __future__ import annotations

import dataclasses
import io
import secrets
from collections.abc import Iterator

import httpx
import pytest

from ror.api.app import create_app
from ror.api.routes.audit import AuditResponse
from ror.commands.tokens import token_revoke_command
from tests.api.access_checks import Live, World, build_world
from tests.api.api_checks import error_of


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(
        tmp_path_factory.mktemp("auth"), ROR_CORS_ORIGINS="https://orientation.example.org"
    )


def unauthorized(answer: httpx.Response) -> dict[str, str]:
    error = error_of(answer, 401, "Authorization")
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    return error


@pytest.mark.parametrize(
    "header",
    [
        "Bearer abc",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "ror_0123456789ab_" + "x" * 43,  # no scheme
        "Bearer ror_0123456789ab_" + "x" * 42,  # one character short
        "Bearer ror_0123456789AB_" + "x" * 43,  # id in upper case
    ],
)
def test_malformed_tokens_are_401(client: httpx.Client, header: str) -> None:
    for path in ("/health", "/v1/search?place=31000", "/v1/geocode?q=Toulouse"):
        error = unauthorized(client.get(path, headers={"Authorization": header}))
        assert error["code"] == "invalid_token"


def test_unknown_and_forged_tokens_are_401(world: World, client: httpx.Client) -> None:
    unknown = f"ror_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"
    assert (
        "inconnu"
        in unauthorized(client.get("/health", headers={"Authorization": f"Bearer {unknown}"}))[
            "message"
        ]
    )
    real = world.tokens["p1"]
    forged = real[:17] + secrets.token_urlsafe(32)  # a real id, another secret
    assert (
        "inconnu"
        in unauthorized(client.get("/health", headers={"Authorization": f"Bearer {forged}"}))[
            "message"
        ]
    )


def test_revoked_tokens_are_401_at_once(world: World, client: httpx.Client) -> None:
    assert (
        "révoqué" in unauthorized(client.get("/health", headers=world.token("revoked")))["message"]
    )
    token, record = world.store.create("éphémère", 2)
    auth = {"Authorization": f"Bearer {token}"}
    offer = world.specials["sens_san"]
    assert client.get(f"/v1/offers/{offer.id}", headers=auth).status_code == 200
    out = io.StringIO()
    assert token_revoke_command(world.settings.tokens_path, record.id, out=out) == 0
    assert record.id in out.getvalue()
    assert "révoqué" in unauthorized(client.get(f"/v1/offers/{offer.id}", headers=auth))["message"]


def test_a_valid_token_is_answered_and_never_cached(world: World, client: httpx.Client) -> None:
    answer = client.get("/health", headers=world.token("p0"))
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in client.get("/health").headers
    assert (
        client.get("/health", headers={"authorization": f"bearer {world.tokens['p1']}"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "path", ["/health", "/docs", "/openapi.json", "/v1/nowhere", "/v1/offers/nope"]
)
def test_security_headers_on_every_answer(client: httpx.Client, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer bad"}):
        answer = client.get(path, headers=headers)
        csp = answer.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert (
            "script-src 'self'" in csp
            and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        )
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["X-Frame-Options"] == "DENY"


def test_cors_for_the_configured_origins_only(world: World, client: httpx.Client) -> None:
    origin = "https://orientation.example.org"
    preflight = client.options(
        "/v1/referrals/search",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    simple = client.get("/health", headers={"Origin": origin})
    assert simple.headers["Access-Control-Allow-Origin"] == origin
    refused = client.get("/health", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    bad = client.options(
        "/v1/search",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert bad.status_code == 400
    errors = client.get("/health", headers={"Origin": origin, "Authorization": "Bearer x"})
    assert errors.status_code == 401
    assert errors.headers["Access-Control-Allow-Origin"] == origin  # the page can read why


def test_no_cors_without_configured_origins(world: World) -> None:
    settings = dataclasses.replace(world.settings, cors_origins=())
    with Live(create_app(settings)) as server, httpx.Client(base_url=server.url) as http:
        answer = http.get("/health", headers={"Origin": "https://orientation.example.org"})
        assert answer.status_code == 200
        assert "Access-Control-Allow-Origin" not in answer.headers


def test_request_bodies_are_limited(world: World) -> None:
    settings = dataclasses.replace(world.settings, max_body_bytes=2048)
    with Live(create_app(settings)) as server, httpx.Client(base_url=server.url) as http:
        big = b'{"where": {"place": "Toulouse"}, "text": "' + b"a" * 4000 + b'"}'
        answer = http.post("/v1/referrals/search", content=big)
        error_of(answer, 413, None)

        def chunks() -> Iterator[bytes]:  # no Content-Length: the body is counted as it comes
            yield b'{"where": {"place": "Toulouse"}, "text": "'
            for _ in range(10):
                yield b"a" * 500
            yield b'"}'

        answer = http.post(
            "/v1/referrals/search", content=chunks(), headers={"Content-Type": "application/json"}
        )
        error_of(answer, 413, None)
        small = http.post("/v1/referrals/search", json={"where": {"place": "Toulouse"}})
        assert small.status_code == 200, small.text


def test_rate_limit_per_token_with_retry_after(world: World) -> None:
    settings = dataclasses.replace(world.settings, rate_per_minute=6, rate_burst=3)
    with Live(create_app(settings)) as server, httpx.Client(base_url=server.url) as http:
        p1, p2 = world.token("p1"), world.token("p2")
        assert [http.get("/health", headers=p1).status_code for _ in range(3)] == [200] * 3
        limited = http.get("/health", headers=p1)
        error = error_of(limited, 429, None)
        assert error["code"] == "rate_limited"
        assert 1 <= int(limited.headers["Retry-After"]) <= 10
        assert http.get("/health", headers=p2).status_code == 200  # its own bucket
        # anonymous callers and bad tokens share their address's bucket
        statuses = [http.get("/health").status_code for _ in range(3)]
        statuses += [http.get("/health", headers={"Authorization": "Bearer bad"}).status_code]
        assert statuses == [200, 200, 200, 429]
        put = http.put("/v1/locations/L1/capacities", json={"counters": []})
        error_of(put, 429, None)


def test_audit_log_is_for_profile_1(world: World, client: httpx.Client) -> None:
    unauthorized(client.get("/v1/audit"))
    for caller in ("p0", "p2", "p3", "p4", "p5"):
        error = error_of(client.get("/v1/audit", headers=world.token(caller)), 403, "Authorization")
        assert "profil d'accès 1" in error["message"]
    answer = client.get("/v1/audit", headers=world.token("p1"))
    assert answer.status_code == 200
    AuditResponse.model_validate(answer.json())
    error_of(client.get("/v1/audit?limit=0", headers=world.token("p1")), 400, "limit")
    error_of(client.get("/v1/audit?outcome=maybe", headers=world.token("p1")), 400, "outcome")


def test_refused_writes_are_audited(world: World, client: httpx.Client) -> None:
    revoked = world.tokens["revoked"]
    path = "/v1/locations/syn-loc-0000001-001/capacities"
    unauthorized(client.put(path, json={"counters": []}, headers=world.token("revoked")))
    unauthorized(client.put(path, json={"counters": []}, headers={"Authorization": "Bearer x"}))
    client.get("/health", headers=world.token("revoked"))  # a refused read is not a write
    body = client.get(
        "/v1/audit", params={"action": f"PUT {path}"}, headers=world.token("p1")
    ).json()
    AuditResponse.model_validate(body)
    newest, older = body["entries"][:2]
    assert newest["outcome"] == older["outcome"] == "refused"
    assert newest["caller"] == "anonyme" and newest["detail"]["status"] == 401
    assert older["detail"]["claimed_token_id"] == revoked.split("_")[1]
    assert "révoqué" in older["detail"]["reason"]
    assert newest["target"] == path and newest["at"] >= older["at"]
    everything = client.get("/v1/audit", headers=world.token("p1")).json()
    assert all(e["action"] != "GET /health" for e in everything["entries"])
    assert revoked not in str(everything)  # the token itself is never written
