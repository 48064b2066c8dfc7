"""The national synchronisation's query (ROR-MODEL §9): services changed since the checkpoint
*or whose organisation changed*, ``_filter=(_lastUpdated ge … or organization._lastUpdated:above
ge …)``. Over real HTTP: A serves the world behind a proxy whose CapabilityStatement lists no
Organization or Location search, as a source may; B learns an EG's new address (no service of
it changed) and a withdrawn service through the HealthcareService search alone."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ror.sync.queries import plan
from tests.sync.proxy import Fault, FaultProxy
from tests.sync.world import (
    Served,
    move_address,
    offers_in,
    organization,
    ror,
    service,
    stamped,
    world,
    write_ndjson,
)


def _services_only(upstream: str, token: str, paths: list[str]) -> Fault:
    def fault(number: int, path: str) -> tuple[int, dict[str, str], bytes] | None:
        paths.append(path)
        if not path.startswith("/fhir/metadata"):
            return None
        statement = httpx.get(
            upstream + path, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ).json()
        for rest in statement["rest"]:
            rest["resource"] = [
                r for r in rest["resource"] if r["type"] not in ("Organization", "Location")
            ]
        return 200, {"Content-Type": "application/fhir+json"}, json.dumps(statement).encode()

    return fault


def test_the_plan_asks_for_services_whose_organisation_changed() -> None:
    statement: dict[str, Any] = {
        "fhirVersion": "4.0.1",
        "rest": [
            {
                "resource": [
                    {
                        "type": "HealthcareService",
                        "searchParam": [
                            {"name": n}
                            for n in ("_lastUpdated", "_filter", "organization._lastUpdated")
                        ],
                        "searchInclude": ["HealthcareService:organization"],
                    },
                    {"type": "Location", "searchParam": [{"name": "_lastUpdated"}]},
                ]
            }
        ],
    }
    since = "2026-12-01T10:00:00+00:00"
    location, services = plan(statement)
    assert location.url_params(since, 50) == [("_lastUpdated", f"ge{since}"), ("_count", "50")]
    assert services.url_params(since, 50) == [
        ("_include", "HealthcareService:organization"),
        ("_filter", f"(_lastUpdated ge {since} or organization._lastUpdated:above ge {since})"),
        ("_count", "50"),
    ]
    assert services.url_params(None, 50)[-1:] == [("_count", "50")]  # a first or full run
    statement["rest"][0]["resource"][0]["searchParam"] = [{"name": "_lastUpdated"}]
    assert plan(statement)[1].url_params(since, 50)[1] == ("_lastUpdated", f"ge{since}")


@pytest.mark.slow
def test_an_organisation_change_reaches_the_follower_through_the_service_search(
    tmp_path: Path,
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    ror(a, "index", str(write_ndjson(a / "world.ndjson", world())), "--rejects", str(a / "r"))
    paths: list[str] = []
    with Served(a) as server_a:
        token = server_a.token("instance B", "--profile", "1")
        with FaultProxy(server_a.url, _services_only(server_a.url, token, paths)) as proxy:
            sync = ("sync", proxy.url + "/fhir", "--name", "A", "--page-size", "4")
            first = ror(b, *sync, "--token", token)
            assert "offers: 12 built, 0 removed" in first.stdout, first.stdout
            assert not any(p.startswith(("/fhir/Organization", "/fhir/Location")) for p in paths)

            time.sleep(2.5)  # past the checkpoint (the start of the first sync, minus 2 s)
            stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
            eg3 = move_address(stamped(organization(3), stamp), 43.6377, 1.3906, "31069", "BLAGNAC")
            withdrawn = {**stamped(service(8), stamp), "active": False}
            ror(a, "index", str(write_ndjson(a / "delta.ndjson", [eg3, withdrawn])))
            paths.clear()
            second = ror(b, *sync, "--token", token)

    asked = [parse_qs(urlsplit(p).query) for p in paths if p.startswith("/fhir/HealthcareService")]
    assert asked and all("organization._lastUpdated:above ge" in q["_filter"][0] for q in asked)
    assert "_lastUpdated" not in asked[0]
    offers = offers_in(b)
    assert "hs-8" not in offers
    placed_by_eg3 = [
        o for o in offers.values() if o.establishment.id == "eg-3" and not o.location_ids
    ]
    assert placed_by_eg3 and all(o.place.commune == "31069" for o in placed_by_eg3), second.stdout
    assert all(o.place.commune != "31069" for o in offers.values() if o not in placed_by_eg3)
