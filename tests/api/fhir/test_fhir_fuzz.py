"""Issue 22: a FHIR parameter fuzzer. Searches built from every supported parameter (chains
included), with modifiers, comparison prefixes, value lists, hostile values (dates past the
calendar, huge and non-finite numbers, deep ``_filter``, odd characters), as an anonymous
caller and as profile 1: never a 5xx, always a Bundle (200) or an OperationOutcome (4xx) in
``application/fhir+json``. Seeded and bounded (``derandomize``), so CI runs the same share."""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ror.api.fhir import catalog
from ror.api.fhir.catalog import ResourceType

RESOURCES: tuple[ResourceType, ...] = ("HealthcareService", "Location")
MODIFIERS = ("", ":exact", ":contains", ":missing", ":not", ":above", ":below", ":text", ":x")
PREFIXES = ("", "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
HOSTILE = (
    "9999-12-31",
    "0001-01-01T00:00:00-14:00",
    "9999-12-31T23:59:59+14:00",
    "2026-02-30",
    "1e400",
    "-1e400",
    "nan",
    "1" * 400,
    "99999999999999999999999999",
    "43|1|99999999999999999999|km",
    "91|181|5|km",
    "a|b|c|d|e",
    "|",
    "\\,",
    "%00",
    "é" * 50,
    "(" * 50 + "name eq a" + ")" * 50,
    "",
)
EXAMPLES = int(os.environ.get("ROR_FUZZ_EXAMPLES", "150"))  # searches per caller
RESULT = ("_count", "_offset", "_sort", "_summary", "_total", "_elements", "_format")


def _names(resource: ResourceType) -> list[str]:
    return [*catalog.supported_names(resource), *RESULT, "_filter", "_include", "_revinclude"]


def _pair(resource: ResourceType) -> st.SearchStrategy[tuple[str, str]]:
    atom = st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=12),
        st.integers(-(10**20), 10**20).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.dates().map(str),
    )
    value = st.tuples(st.sampled_from(PREFIXES), st.lists(atom, min_size=1, max_size=4)).map(
        lambda t: t[0] + ",".join(t[1])
    )
    name = st.tuples(st.sampled_from(_names(resource)), st.sampled_from(MODIFIERS)).map(
        lambda t: t[0] + t[1]
    )
    return st.tuples(name, value)


def _query() -> st.SearchStrategy[tuple[str, list[tuple[str, str]]]]:
    return st.sampled_from(RESOURCES).flatmap(
        lambda r: st.tuples(st.just(r), st.lists(_pair(r), min_size=1, max_size=6))
    )


def _check(client: httpx.Client, resource: str, pairs: list[tuple[str, str]]) -> None:
    response = client.get(f"/{resource}?{urlencode(pairs)}")
    assert response.status_code < 500, (resource, pairs, response.text[:500])
    assert response.headers["content-type"].startswith("application/fhir+json"), pairs
    body = response.json()
    expected = "Bundle" if response.status_code == 200 else "OperationOutcome"
    assert body["resourceType"] == expected, (resource, pairs, body)


@pytest.mark.parametrize("profile", [0, 1])
def test_fuzzed_fhir_searches_never_fail_on_the_server(
    fhir_as: Callable[[int], httpx.Client], profile: int
) -> None:
    client = fhir_as(profile)

    @given(_query())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(query: tuple[str, list[tuple[str, str]]]) -> None:
        _check(client, *query)

    run()
