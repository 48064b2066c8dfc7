"""Issue 22: hostile input gets a 400 naming the field, never a 500 (nesting, dates past what
``datetime`` holds, huge numbers, deep ``_filter``), and the FHIR search cost is bounded."""

from __future__ import annotations

import httpx
import pytest

from tests.api.api_checks import error_of

DEEP = "[" * 1000 + "]" * 1000
BODIES = [
    ('{"where": ' + DEEP + "}", "body"),
    ('{"where": ' + "[" * 40 + "]" * 40 + "}", "where" + "[0]" * 15),
    ('{"age": 1e400}', "age"),
    ('{"age": 100000000000000000000000000000}', "age"),
]
BODY_IDS = ["1000-deep", "40-deep", "infinite", "huge-int"]


@pytest.mark.parametrize(("body", "field"), BODIES, ids=BODY_IDS)
def test_json_bodies_past_the_limits_are_400_naming_the_field(
    http: httpx.Client, body: str, field: str
) -> None:
    headers = {"Content-Type": "application/json"}
    response = http.post("/v1/referrals/search", content=body, headers=headers)
    error = error_of(response, 400, field)
    assert error["code"] in ("invalid_json", "invalid_value", "too_deep")


@pytest.mark.parametrize(
    "query",
    [
        "open_at=9999-12-31T23:59:59%2B14:00",
        "open_at=0001-01-01T00:00:00-14:00",
    ],
)
def test_open_at_past_the_calendar_is_400(http: httpx.Client, query: str) -> None:
    error_of(http.get(f"/v1/search?{query}"), 400, "open_at")
    body = {"open_at": query.split("=", 1)[1].replace("%2B", "+")}
    error_of(http.post("/v1/referrals/search", json=body), 400, "open_at")


@pytest.mark.parametrize(
    "query",
    [
        "HealthcareService?_lastUpdated=9999-12-31",
        "Location?_lastUpdated=ge9999-12-31T23:59:59%2B14:00",
        "HealthcareService?_lastUpdated=lt0001-01-01",
    ],
)
def test_fhir_dates_past_the_calendar_are_400(http: httpx.Client, query: str) -> None:
    response = http.get(f"/fhir/{query}")
    assert response.status_code == 400, response.text
    (issue,) = response.json()["issue"]
    assert issue["expression"] == ["_lastUpdated"]


@pytest.mark.parametrize(
    ("query", "expression"),
    [
        ("_filter=" + "(" * 350 + "name eq a" + ")" * 350, "_filter"),
        ("_filter=" + " or ".join(f"name eq z{i}" for i in range(21)), "_filter"),
        ("name=" + ",".join(f"zz{i}" for i in range(250)), "name"),
        ("&".join(f"name=a{i}" for i in range(6)), "name"),
        ("&".join(f"_tag=a{i}&name=b{i}&address-postalcode=1{i}" for i in range(14)), None),
    ],
    ids=["deep-filter", "long-filter", "many-values", "repeated", "many-parameters"],
)
def test_fhir_search_cost_is_bounded(
    http: httpx.Client, query: str, expression: str | None
) -> None:
    response = http.get(f"/fhir/HealthcareService?{query}")
    assert response.status_code == 400, response.text
    (issue,) = response.json()["issue"]
    assert issue["code"] in ("too-costly", "invalid")
    assert issue.get("expression") == ([expression] if expression else None)
