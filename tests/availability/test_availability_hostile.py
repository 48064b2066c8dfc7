"""Issue 22: the write endpoints answer hostile JSON bodies with a 400 naming the field."""

from __future__ import annotations

import pytest

from tests.availability.conftest import World

DEEP = "[" * 1000 + "]" * 1000


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/v1/locations/{loc}/capacities"),
        ("PUT", "/v1/capacities"),
        ("PATCH", "/fhir/Location?identifier=EG/{loc}"),
    ],
)
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"counters": ' + DEEP + "}", "body"),
        ('{"counters": [{"count": 1e400}]}', "counters[0].count"),
        ('{"counters": [{"count": 100000000000000000000000000000}]}', "counters[0].count"),
    ],
    ids=["1000-deep", "infinite", "huge-int"],
)
def test_write_bodies_past_the_limits_are_400(
    world: World, method: str, path: str, body: str, field: str
) -> None:
    loc = world.locations(writable=True)[0][0]
    headers = {"Content-Type": "application/json", **world.header("all")}
    response = world.client.request(method, path.format(loc=loc), content=body, headers=headers)
    assert response.status_code == 400, response.text
    answer = response.json()
    if "error" in answer:
        assert answer["error"]["field"] == field
    else:  # the FHIR push answers an OperationOutcome
        assert answer["resourceType"] == "OperationOutcome"
