"""Offers, geocoding, nomenclatures, suggestions and health over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from ror.api.response_models import (
    GeocodeResponse,
    HealthResponse,
    NomenclatureResponse,
    OfferOut,
    SuggestResponse,
)
from ror.model import Offer
from tests.api.api_checks import error_of, valid


def test_health(http: httpx.Client) -> None:
    body = http.get("/health").json()
    valid(HealthResponse, body)
    assert body["status"] == "ok" and body["offers"] == 2000 and body["engine"] == "embedded"


def test_offer_with_labels_and_without_restricted_data(
    http: httpx.Client, offers: list[Offer]
) -> None:
    offer = next(o for o in offers if o.capacities and o.contacts and not o.sensitive)
    response = http.get(f"/v1/offers/{offer.id}")
    assert response.status_code == 200
    body = response.json()
    valid(OfferOut, body)
    assert body["id"] == offer.id and body["ror_id"] == offer.ror_id
    assert [a["code"] for a in body["activity"]] == list(offer.activity)
    assert all(a["label"] for a in body["activity"])
    assert body["establishment"]["finess"] == offer.establishment.finess
    assert body["establishment"]["category"]["label"]
    assert body["place"]["commune"] == offer.place.commune
    assert "capacities" not in body  # anonymous: profile 0
    assert {c["confidentiality"]["code"] for c in body["contacts"]} <= {"1"}


def test_offer_for_a_trusted_caller(trusted_http: httpx.Client, offers: list[Offer]) -> None:
    offer = next(o for o in offers if o.capacities and not o.sensitive)
    body = trusted_http.get(f"/v1/offers/{offer.id}").json()
    valid(OfferOut, body)
    assert len(body["capacities"]) == len(offer.capacities)
    assert body["capacities"][0]["nature"]["label"] in {"Lit", "Place"}
    assert len(body["contacts"]) == len(offer.contacts)


def test_unknown_offer(http: httpx.Client) -> None:
    error = error_of(http.get("/v1/offers/no-such-offer"), 404, "id")
    assert error["code"] == "not_found" and "no-such-offer" in error["message"]


@pytest.mark.parametrize(
    ("q", "insee"),
    [("Toulouse", "31555"), ("st etienne", "42218"), ("31000", "31555"), ("2A004", "2A004")],
)
def test_geocode(http: httpx.Client, q: str, insee: str) -> None:
    response = http.get("/v1/geocode", params={"q": q})
    assert response.status_code == 200
    body = response.json()
    valid(GeocodeResponse, body)
    assert body["candidates"][0]["insee"] == insee
    assert body["candidates"][0]["departement_name"]


def test_geocode_unknown_place_is_an_empty_list(http: httpx.Client) -> None:
    body = http.get("/v1/geocode", params={"q": "Xyzzyville-sur-Mer"}).json()
    assert body["candidates"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({}, "q"),
        ({"q": "Lyon", "limit": "0"}, "limit"),
        ({"q": "Lyon", "limit": "beaucoup"}, "limit"),
        ({"q": "Lyon", "lmit": "3"}, "lmit"),
    ],
)
def test_geocode_bad_input(http: httpx.Client, params: dict[str, str], field: str) -> None:
    error_of(http.get("/v1/geocode", params=params), 400, field)


def test_geocode_repeated_parameter(http: httpx.Client) -> None:
    error_of(http.get("/v1/geocode?q=Lyon&q=Paris"), 400, "q")


@pytest.mark.parametrize("name", ["R211", "activity", "J17", "TRE_R211"])
def test_nomenclature_by_any_name(http: httpx.Client, name: str) -> None:
    body = http.get(f"/v1/nomenclatures/{name}").json()
    valid(NomenclatureResponse, body)
    assert body["key"] == "R211" and "activity" in body["fields"]
    labels = {c["code"]: c["label"] for c in body["codes"]}
    assert labels["126"] == "Réanimation médicale"


def test_unknown_nomenclature_lists_the_known_names(http: httpx.Client) -> None:
    error = error_of(http.get("/v1/nomenclatures/R99999"), 404, "name")
    assert "activity" in error["message"] and "R211" in error["message"]


def test_suggest(http: httpx.Client) -> None:
    body = http.get("/v1/suggest", params={"q": "pédopsy", "limit": 3}).json()
    valid(SuggestResponse, body)
    assert body["suggestions"][0]["field"] == "activity"
    assert "227" in body["suggestions"][0]["codes"]
    assert len(body["suggestions"]) <= 3
    error_of(http.get("/v1/suggest", params={"q": ""}), 400, "q")
    error_of(http.get("/v1/suggest", params={"q": "x", "limit": "51"}), 400, "limit")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_wrong_methods(http: httpx.Client, method: str) -> None:
    error = error_of(http.request(method, "/v1/geocode?q=Lyon"), 405, None)
    assert error["code"] == "method_not_allowed"


def test_unknown_route(http: httpx.Client) -> None:
    error = error_of(http.get("/v2/search"), 404, None)
    assert "/docs" in error["message"]
