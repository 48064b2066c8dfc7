"""``/openapi.json`` is generated from the routes and the models that validate requests;
``/docs`` renders it without any outside resource."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from ror.api.app import ENDPOINTS, create_app
from ror.api.search_request import SearchRequest
from ror.config import Settings


@pytest.fixture(scope="module")
def document(server: Any) -> dict[str, Any]:
    with httpx.Client(base_url=server.url) as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_every_route_is_documented(document: dict[str, Any], settings: Settings) -> None:
    app = create_app(settings)
    routes = {
        (r.path, m)
        for r in app.routes
        if isinstance(r, Route)
        for m in (r.methods or ())
        if m != "HEAD"
    }
    documented = {(p, m.upper()) for p, ops in document["paths"].items() for m in ops}
    assert routes == documented
    assert {
        ("/v1/referrals/search", "POST"),
        ("/v1/search", "GET"),
        ("/v1/referrals/{id}", "GET"),
        ("/v1/offers/{id}", "GET"),
        ("/v1/geocode", "GET"),
        ("/v1/nomenclatures/{name}", "GET"),
        ("/v1/suggest", "GET"),
        ("/health", "GET"),
    } <= documented
    assert document["openapi"].startswith("3.1")


def test_the_request_schema_is_the_validating_model(document: dict[str, Any]) -> None:
    post = document["paths"]["/v1/referrals/search"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = ref.rsplit("/", 1)[-1]
    assert name == "SearchRequest"
    published = document["components"]["schemas"][name]
    generated = SearchRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    assert published["properties"] == generated["properties"]
    assert published["properties"]["limit"]["maximum"] == 200
    assert published["additionalProperties"] is False
    for nested in ("Where", "BedsRequest", "EquipmentRequest"):
        assert nested in document["components"]["schemas"]


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    text = str(document)
    refs = set(re.findall(r"#/components/schemas/([A-Za-z0-9_-]+)", text))
    assert refs and refs <= set(document["components"]["schemas"])


def test_errors_are_documented_everywhere(document: dict[str, Any]) -> None:
    for path, ops in document["paths"].items():
        for op in ops.values():
            assert {"401", "414", "429", "500", "503"} <= set(op["responses"])
            content = op["responses"]["500"]["content"]
            if path.startswith("/fhir"):  # FHIR clients read OperationOutcomes only
                schema = content["application/fhir+json"]["schema"]
                assert schema["properties"]["resourceType"] == {"const": "OperationOutcome"}
            else:
                assert content["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")


def test_get_search_documents_its_flattened_parameters(document: dict[str, Any]) -> None:
    names = {p["name"] for p in document["paths"]["/v1/search"]["get"]["parameters"]}
    assert {"lat", "lon", "place", "beds_nature", "beds_min", "beds_gender"} <= names
    assert {"activity", "limit", "radius_km", "open_at", "equipment", "explain"} <= names
    assert "where" not in names and "beds" not in names
    limit = next(
        p for p in document["paths"]["/v1/search"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == 200


def test_operation_ids_are_unique() -> None:
    names = [ep.handler.__name__ for ep in ENDPOINTS]
    assert len(names) == len(set(names))


def test_docs_page_is_self_contained(server: Any, document: dict[str, Any]) -> None:
    with httpx.Client(base_url=server.url) as client:
        response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<script" not in html and "http://" not in html and "https://" not in html
    for path in document["paths"]:
        assert path in html
    assert "beds_min" in html and "/v1/geocode?q=st%20etienne" in html
    assert "&quot;offer_type&quot;" in html  # the POST body example


def test_docs_examples_work(server: Any, document: dict[str, Any]) -> None:
    with httpx.Client(base_url=server.url) as client:
        for ops in document["paths"].values():
            for method, op in ops.items():
                if method == "get" and "x-example" in op:
                    assert client.get(op["x-example"]).status_code == 200, op["x-example"]
        body = document["paths"]["/v1/referrals/search"]["post"]["requestBody"]
        example = body["content"]["application/json"]["example"]
        assert client.post("/v1/referrals/search", json=example).status_code == 200
