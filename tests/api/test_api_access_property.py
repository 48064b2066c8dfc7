"""Property: whatever the offers and whoever asks, no answer of any read endpoint holds data the
caller's access profile may not see (ROR-MODEL §8), and hidden units change nothing.

Hypothesis draws offers (sensitive or not, champ, contacts at random confidentiality levels,
capacities or none), loads them into a real embedded engine, draws a caller (anonymous or a
real token of profile 0 to 5) and a search, then calls every read endpoint of the app. The
expectations below are the profile table written out again, independently of the code.
Bounded (60 examples) and deterministic (``derandomize``).
"""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from ror.access.tokens import TokenStore
from ror.api.app import ENDPOINTS, create_app
from ror.config import Settings
from ror.model import Contact, Offer
from ror.search.embedded.engine import EmbeddedEngine
from tests.api.access_checks import fixed_offers

POOL = 12
CALLERS = ("anonymous", "p0", "p1", "p2", "p3", "p4", "p5")
CAPACITY_WORDS = re.compile(r"\bdisponib|\bchiffre ancien\b", re.IGNORECASE)
CAPACITY_PARTS = {"capacity", "size"}
# Pages and documents describing the API (field names, labels), holding no offer data.
DOCUMENTS = {"/openapi.json", "/docs", "/", "/availability", "/fhir/metadata"}
# ROR FHIR extension of Location capacities, for a FHIR facade answer.
FHIR_CAPACITY = "supported-capacity"

# --- the profile table, written out (ROR-MODEL §8) ------------------------------------------


def profile_of(caller: str) -> int:
    return 0 if caller == "anonymous" else int(caller[1])


def medico_social(offer: Offer) -> bool:
    return "04" in offer.champ


def sees_unit(profile: int, offer: Offer) -> bool:
    if not offer.sensitive:
        return True
    return profile in (1, 2, 4, 5) or (profile == 3 and medico_social(offer))


def contact_levels(profile: int, offer: Offer) -> str:
    if profile == 3:
        return "12" if medico_social(offer) else "1"
    return {0: "1", 1: "123", 2: "12", 4: "", 5: "12"}[profile]


def sees_capacities(profile: int, offer: Offer) -> bool:
    return profile in (1, 2, 4) or (profile == 3 and medico_social(offer))


def may_filter_beds(profile: int, champ: list[str]) -> bool:
    return profile in (1, 2, 4) or (profile == 3 and champ == ["04"])


# --- the world ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool() -> list[Offer]:
    """Units close to one another (all within a few km), with unique names."""
    offers, specials = fixed_offers()
    anchor = specials["open_san"].place
    chosen = [o for o in offers if o.capacities and not o.home_based and o.closed_from is None]
    out = []
    for k, offer in enumerate(chosen[:POOL]):
        place = dataclasses.replace(
            anchor, lat=anchor.lat + 0.003 * (k % 5), lon=anchor.lon + 0.004 * (k // 5)
        )
        out.append(dataclasses.replace(offer, place=place, name=f"Unité {k:02d} {offer.name}"))
    return out


@dataclasses.dataclass
class Apps:
    """Two apps over the same token file: one for every unit, one for the visible ones only.
    Each example loads its offers into fresh engines and hands them to the apps."""

    client: TestClient
    reference: TestClient
    tokens: dict[str, str]
    root: Path

    def serve(self, everything: EmbeddedEngine, seen: EmbeddedEngine) -> None:
        self.client.app.state.engine = everything  # type: ignore[attr-defined]
        self.reference.app.state.engine = seen  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def apps() -> Iterator[Apps]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = TokenStore(root / "tokens.json")
        tokens = {f"p{p}": store.create(f"profil {p}", p)[0] for p in range(6)}
        env = {
            "ROR_TOKENS": str(root / "tokens.json"),
            "ROR_AUDIT_LOG": str(root / "audit.jsonl"),
            "ROR_RATE_LIMIT": "0",
            "ROR_DB": str(root / "placeholder.sqlite"),
        }
        placeholder = EmbeddedEngine(root / "placeholder.sqlite")
        settings_ = Settings.from_env(env)
        with (
            TestClient(create_app(settings_, engine=placeholder)) as client,
            TestClient(create_app(settings_, engine=placeholder)) as reference,
        ):
            yield Apps(client, reference, tokens, root)
        placeholder.close()


@st.composite
def variants(draw: st.DrawFn, pool: list[Offer]) -> list[Offer]:
    out = []
    for k, offer in enumerate(pool):
        levels = draw(st.lists(st.sampled_from("123"), max_size=3))
        contacts = tuple(
            Contact(f"u{k:02d}c{i}-niveau{level}@example.org", "3", "06", level, f"U{k} {i}")
            for i, level in enumerate(levels)
        )
        out.append(
            dataclasses.replace(
                offer,
                sensitive=draw(st.booleans()),
                champ=(draw(st.sampled_from(("01", "03", "04", "05"))),),
                contacts=contacts,
                capacities=offer.capacities if draw(st.booleans()) else (),
            )
        )
    return out


SEARCHES: tuple[dict[str, Any], ...] = (
    {"radius_km": 5},
    {"profile": "emergency"},
    {"profile": "nursing_home", "champ": ["04"], "beds": {"nature": "01", "min_available": 1}},
    {"beds": {"nature": "01", "min_available": 1}},
    {"champ": ["01"], "profile": "emergency", "limit": 3},
    {"champ": ["04"], "limit": 4},
)


def as_query(search: dict[str, Any], lat: float, lon: float) -> dict[str, Any]:
    params: dict[str, Any] = {
        "lat": lat,
        "lon": lon,
        "limit": search.get("limit", 50),
        "facets": "true",  # counted facets must not reveal hidden units either
    }
    for name in ("radius_km", "profile"):
        if name in search:
            params[name] = search[name]
    if "champ" in search:
        params["champ"] = ",".join(search["champ"])
    if "beds" in search:
        params["beds_nature"] = search["beds"]["nature"]
        params["beds_min"] = search["beds"]["min_available"]
    return params


def as_body(search: dict[str, Any], lat: float, lon: float) -> dict[str, Any]:
    return {"where": {"lat": lat, "lon": lon}, "limit": 50, "facets": True, **search}


# --- what may not leak -------------------------------------------------------------------------


def check_answer(text: str, data: Any, path: str, profile: int, offers: list[Offer]) -> None:
    by_id = {o.id: o for o in offers}
    error = isinstance(data, dict) and (
        "error" in data or data.get("resourceType") == "OperationOutcome"
    )
    for offer in offers:
        if not sees_unit(profile, offer):
            if not error:  # "offre inconnue : <id>" only echoes the id asked for
                assert offer.id not in text, (path, offer.id)
            assert offer.name not in text, (path, offer.name)
        allowed = contact_levels(profile, offer) if sees_unit(profile, offer) else ""
        for contact in offer.contacts:
            if contact.confidentiality not in allowed:
                assert contact.value not in text, (path, contact.value, profile)
    if path in DOCUMENTS or error:
        return  # error messages may say "disponibilités" to explain a 403
    if profile in (0, 5):  # no capacity-derived datum anywhere
        assert not CAPACITY_WORDS.search(text), path
        assert FHIR_CAPACITY not in text, path
    for node in walk(data):
        offer_id = node.get("offer_id") or (node.get("offer") or {}).get("id") or node.get("id")
        named = by_id.get(offer_id) if isinstance(offer_id, str) else None
        if named is None or sees_capacities(profile, named):
            continue
        assert "capacities" not in node and "stale" not in node, (path, offer_id)
        assert not CAPACITY_PARTS & set(node.get("parts") or {}), (path, offer_id)
        assert not any(CAPACITY_WORDS.search(s) for s in node.get("explain") or []), path
        inner = node.get("offer")
        if isinstance(inner, dict):
            assert "capacities" not in inner, (path, offer_id)


def walk(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from walk(value)
    elif isinstance(data, list):
        for value in data:
            yield from walk(value)


def essentials(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "ids": [m["offer"]["id"] for m in answer["matches"]],
        "scores": [m["score"] for m in answer["matches"]],
        "total": answer["total"],
        "radius_km": answer["radius_km"],
        "near": [(n["offer"]["id"], n["criterion"]) for n in answer["near_misses"]],
        "facets": answer["facets"],
    }


# --- the property ------------------------------------------------------------------------------


# Read endpoints with path parameters, called by hand below; the others are called with their
# documented example (or bare), so a new read endpoint is in the property from the start.
BY_HAND = {
    ("GET", "/v1/search"),
    ("GET", "/v1/referrals/{id}"),
    ("GET", "/v1/offers/{id}"),
    ("GET", "/v1/establishments/{id}"),
    ("GET", "/offres/{id}"),  # static pages: their data comes from the two above
    ("GET", "/etablissements/{id}"),
    ("GET", "/availability/{level}/{code}"),  # a static page: its data comes from the API
    ("GET", "/v1/nomenclatures/{name}"),
    ("GET", "/fhir/{resource}"),
    ("GET", "/fhir/{resource}/{id}"),
}


def test_every_read_endpoint_is_in_the_property() -> None:
    reads = [ep for ep in ENDPOINTS if ep.method == "GET"]
    missing = [ep.path for ep in reads if "{" in ep.path and ("GET", ep.path) not in BY_HAND]
    assert not missing, f"read endpoints with path parameters to call by hand: {missing}"
    assert ("POST", "/v1/referrals/search") in {(ep.method, ep.path) for ep in ENDPOINTS}
    called = {p.split("?")[0] for p in other_read_paths()} | DATA_PATHS | {p for _, p in BY_HAND}
    assert {ep.path for ep in reads} <= called


@settings(
    max_examples=60,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # a failure reports its example as drawn
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_no_answer_holds_what_the_profile_may_not_see(
    data: st.DataObject, pool: list[Offer], apps: Apps
) -> None:
    offers = data.draw(variants(pool), label="offers")
    caller = data.draw(st.sampled_from(CALLERS), label="caller")
    search = data.draw(st.sampled_from(SEARCHES), label="search")
    profile = profile_of(caller)
    tokens = apps.tokens
    headers = {} if caller == "anonymous" else {"Authorization": f"Bearer {tokens[caller]}"}
    wide = {"Authorization": f"Bearer {tokens['p1']}"}
    point = pool[0].place
    client, reference = apps.client, apps.reference
    with tempfile.TemporaryDirectory(dir=apps.root) as tmp:
        everything = EmbeddedEngine(Path(tmp) / "all.sqlite")
        everything.load(offers, replace_all=False)
        seen = EmbeddedEngine(Path(tmp) / "seen.sqlite")
        seen.load([o for o in offers if sees_unit(profile, o)], replace_all=False)
        apps.serve(everything, seen)
        try:
            answers = call_data_endpoints(client, headers, wide, search, point, offers)
            for path, response in answers:
                text = response.text
                data_ = response.json() if "json" in response.headers["content-type"] else None
                check_answer(text, data_, path, profile, offers)
            query = as_query(search, point.lat, point.lon)
            got = answers[0][1]
            if "beds" in search and not may_filter_beds(profile, search.get("champ", [])):
                assert got.status_code == 403 and got.json()["error"]["field"] == "beds"
            else:
                assert got.status_code == 200, got.text
                # the same caller on an engine that never held the hidden units
                without = reference.get("/v1/search", params=query, headers=headers)
                assert essentials(got.json()) == essentials(without.json())
            fhir = {path: answer for path, answer in answers if path.startswith("/fhir/")}
            for path in fhir_searches(point):
                bundle = fhir.get(path.split("?")[0])
                if bundle is not None and bundle.status_code == 200:
                    alone_bundle = reference.get(path, headers=headers).json()
                    assert fhir_essentials(bundle.json()) == fhir_essentials(alone_bundle)
        finally:
            everything.close()
            seen.close()


def call_data_endpoints(
    client: TestClient,
    headers: dict[str, str],
    wide: dict[str, str],
    search: dict[str, Any],
    point: Any,
    offers: list[Offer],
) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    query = as_query(search, point.lat, point.lon)
    got = client.get("/v1/search", params=query, headers=headers)
    out.append(("/v1/search", got))
    posted = client.post(
        "/v1/referrals/search", json=as_body(search, point.lat, point.lon), headers=headers
    )
    out.append(("/v1/referrals/search", posted))
    assert got.status_code == posted.status_code
    if got.status_code == 200:
        own = client.get(f"/v1/referrals/{got.json()['id']}", headers=headers)
        assert own.status_code == 200, own.text
        out.append(("/v1/referrals/{id}", own))
    full = client.get(
        "/v1/search", params=as_query({"radius_km": 5}, point.lat, point.lon), headers=wide
    )
    replay = client.get(f"/v1/referrals/{full.json()['id']}", headers=headers)
    assert replay.status_code in (200, 403)
    out.append(("/v1/referrals/{id}", replay))
    for offer in offers:
        answer = client.get(f"/v1/offers/{offer.id}", headers=headers)
        assert answer.status_code in (200, 404)
        out.append(("/v1/offers/{id}", answer))
        reads = [f"/fhir/HealthcareService/{offer.id}"]
        reads += [f"/fhir/Location/{lid}" for lid in offer.location_ids]
        for path in reads:
            answer = client.get(path, headers=headers)
            assert answer.status_code in (200, 404), answer.text
            out.append(("/fhir/{resource}/{id}", answer))
        for key in (offer.establishment.finess, offer.establishment.id):
            if key:
                answer = client.get(f"/v1/establishments/{key}", headers=headers)
                assert answer.status_code in (200, 404)
                out.append(("/v1/establishments/{id}", answer))
    return out + call(client, headers, ["/health", "/v1/audit", *fhir_searches(point)])


def call(
    client: TestClient, headers: dict[str, str], paths: list[str], *, bare: bool = False
) -> list[tuple[str, Any]]:
    """GET each path; ``bare`` calls (no documented example) may miss required parameters."""
    out = []
    for path in paths:
        answer = client.get(path, headers=headers)
        if path.startswith("/fhir/") and answer.status_code == 404:
            continue  # no FHIR facade yet
        allowed = (200, 304, 400, 401, 403) if bare else (200, 401, 403)
        assert answer.status_code in allowed, (path, answer.text)
        out.append((path.split("?")[0], answer))
    return out


# Read endpoints answering from the offers: called in every example above.
DATA_PATHS = {
    "/v1/search",
    "/v1/referrals/{id}",
    "/v1/offers/{id}",
    "/v1/establishments/{id}",
    "/health",
    "/v1/audit",
    "/fhir/{resource}",
    "/fhir/{resource}/{id}",
}


def other_read_paths() -> list[str]:
    """Every other read endpoint, with its documented example (reference data, pages)."""
    paths = ["/v1/geocode?q=Sainte-Maxime", "/v1/nomenclatures/R227", "/fhir/metadata"]
    paths += [
        ep.example or ep.path
        for ep in ENDPOINTS
        if ep.method == "GET" and "{" not in ep.path and ep.path not in DATA_PATHS
    ]
    return paths


@pytest.mark.parametrize("caller", CALLERS)
def test_other_read_endpoints_hold_nothing_hidden(
    caller: str, pool: list[Offer], apps: Apps
) -> None:
    """Reference data and pages do not depend on the offers: once per caller, over offers
    that are all sensitive, with contacts of every level and capacities."""
    offers = [
        dataclasses.replace(
            o,
            sensitive=True,
            contacts=tuple(
                Contact(f"u{k:02d}c{i}-niveau{level}@example.org", "3", "06", level)
                for i, level in enumerate("123")
            ),
        )
        for k, o in enumerate(pool)
    ]
    headers = {} if caller == "anonymous" else {"Authorization": f"Bearer {apps.tokens[caller]}"}
    with tempfile.TemporaryDirectory(dir=apps.root) as tmp:
        engine = EmbeddedEngine(Path(tmp) / "all.sqlite")
        engine.load(offers, replace_all=False)
        apps.serve(engine, engine)
        try:
            paths = other_read_paths() + drill_down_paths(offers[0].place.departement)
            for path, response in call(apps.client, headers, paths, bare=True):
                data_ = response.json() if "json" in response.headers["content-type"] else None
                if path.startswith("/v1/availability/units?") and profile_of(caller) == 1:
                    # the units are named there
                    assert data_ is not None and data_["establishments"], path
                check_answer(response.text, data_, path, profile_of(caller), offers)
        finally:
            engine.close()


def drill_down_paths(departement: str) -> list[str]:
    """A territory's units and trend (restricted data: the units are named there)."""
    return [
        f"/v1/availability/{what}?area={departement}{champ}"
        for what in ("units", "trend")
        for champ in ("", "&champ=04")
    ]


def fhir_searches(point: Any) -> list[str]:
    near = f"location.near={point.lat}|{point.lon}|5|km"
    return [
        f"/fhir/HealthcareService?{near}&_include=HealthcareService:location",
        f"/fhir/Location?near={point.lat}|{point.lon}|5|km&_revinclude=HealthcareService:location",
    ]


def fhir_essentials(bundle: dict[str, Any]) -> dict[str, Any]:
    return {
        "total": bundle.get("total"),
        "entries": [e.get("fullUrl") for e in bundle.get("entry", [])],
    }


def test_the_checks_catch_leaks(pool: list[Offer]) -> None:
    """The checker itself fails on answers that leak (so the property can fail)."""
    sensitive = dataclasses.replace(pool[0], sensitive=True, champ=("01",))
    secret = Contact("secret-niveau3@example.org", "3", confidentiality="3")
    open_ = dataclasses.replace(pool[1], contacts=(secret,), champ=("01",))
    leaks = [
        ({"matches": [{"offer": {"id": sensitive.id}}]}, 0),
        ({"contacts": [{"value": secret.value}]}, 2),
        ({"offer": {"id": open_.id, "capacities": []}}, 3),
        ({"offer_id": open_.id, "parts": {"capacity": 0.5}}, 1 + 4),
        ({"explain": ["2 lits disponibles"]}, 0),
    ]
    for answer, profile in leaks:
        with pytest.raises(AssertionError):
            check_answer(json.dumps(answer), answer, "/v1/search", profile, [sensitive, open_])
