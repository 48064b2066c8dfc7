"""``PATCH /fhir/Location?identifier=<EG>/<code>``: the national bed-management push, with the
national answers (replace, 404 then add, 412, 400 business-rule, OperationOutcome errors)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ror.search.embedded.engine import EmbeddedEngine
from tests.availability.conftest import World

CAPACITY = (
    "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity"
)
NOS = "https://mos.esante.gouv.fr/NOS"


def _system(table: str) -> str:
    """``TRE_R329-NatureCapacite`` -> its canonical NOS URL."""
    return f"{NOS}/{table}/FHIR/{table.replace('_', '-')}"


SYSTEMS = {
    "capacityType": _system("TRE_R329-NatureCapacite"),
    "capacityStatus": _system("TRE_R330-TypeStatutCapacite"),
    "temporalityCapacity": _system("TRE_R331-TemporaliteCapacite"),
    "genderCapacityAvailable": _system("TRE_R332-GenreCapacite"),
    "additionalBedType": _system("TRE_R334-TypeLitSupplementaire"),
    "crisisType": _system("TRE_R336-TypeCrise"),
    "temporaryAssignement": _system("TRE_R337-AffectationTemporaire"),
    "capacitySourceType": _system("TRE_R335-TypeSourceCapacite"),
}
FHIR = {"Content-Type": "application/fhir+json"}
NOW = datetime.now(UTC).replace(microsecond=0)


def coded(name: str, code: str) -> dict[str, Any]:
    return {
        "url": name,
        "valueCodeableConcept": {"coding": [{"system": SYSTEMS[name], "code": code}]},
    }


def indicator(count: int, at: datetime, **codes: str) -> dict[str, Any]:
    """A full ror-location-supported-capacity extension (the IG's RORLocationExemple1 shape)."""
    parts = [coded(name, code) for name, code in codes.items()]
    parts += [
        {"url": "nbCapacity", "valueInteger": count},
        {"url": "capacityUpdateDate", "valueDateTime": at.isoformat()},
        coded("capacitySourceType", "02"),
    ]
    if "temporaryAssignement" not in codes:
        parts.append(coded("temporaryAssignement", "01"))
    return {"url": CAPACITY, "extension": parts}


def add(*extensions: dict[str, Any]) -> dict[str, Any]:
    """An ``add`` as the national documentation writes it (value part nesting the extension)."""
    return {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "operation",
                "part": [
                    {"name": "type", "valueString": "add"},
                    {"name": "path", "valueString": "Location"},
                    {"name": "value", "part": [{"extension": list(extensions)}]},
                ],
            }
        ],
    }


def where(**codes: str) -> str:
    clauses = " and ".join(
        f"extension.where(url='{name}' and valueCodeableConcept.coding[0].code='{code}')"
        for name, code in codes.items()
    )
    return f"Location.extension.where(url='{CAPACITY}' and {clauses})"


def replace_count(count: int, at: datetime | None, **codes: str) -> dict[str, Any]:
    operations = [
        {
            "name": "operation",
            "part": [
                {"name": "type", "valueCode": "replace"},
                {
                    "name": "path",
                    "valueString": where(**codes) + ".extension.where(url='nbCapacity')",
                },
                {"name": "value", "valueInteger": count},
            ],
        }
    ]
    if at is not None:
        operations.append(
            {
                "name": "operation",
                "part": [
                    {"name": "type", "valueCode": "replace"},
                    {
                        "name": "path",
                        "valueString": where(**codes)
                        + ".extension.where(url='capacityUpdateDate')",
                    },
                    {"name": "value", "valueDateTime": at.isoformat()},
                ],
            }
        )
    return {"resourceType": "Parameters", "parameter": operations}


FREE_WOMEN = {
    "capacityType": "01",
    "capacityStatus": "02",
    "temporalityCapacity": "01",
    "genderCapacityAvailable": "01",
}


def patch(
    world: World, identifier: str, body: dict[str, Any], token: str = "writer"
) -> httpx.Response:
    return world.client.patch(
        "/fhir/Location",
        params={"identifier": identifier},
        json=body,
        headers={**FHIR, **world.header(token)},
    )


def issue(answer: httpx.Response) -> dict[str, Any]:
    assert answer.headers["content-type"].startswith("application/fhir+json")
    data = answer.json()
    assert data["resourceType"] == "OperationOutcome"
    return data["issue"][0]  # type: ignore[no-any-return]


def stored_count(world: World, loc: str, offer_id: str, **key: str) -> list[int]:
    shown = world.client.get(f"/v1/offers/{offer_id}", headers=world.header("p1")).json()
    return [
        c["count"]
        for c in shown["capacities"]
        if c["location_id"] == loc
        and (c["nature"]["code"], c["status"]["code"], c["temporality"]["code"])
        == (key["nature"], key["status"], "01")
        and (c.get("gender") or {}).get("code") == key.get("gender")
    ]


def test_replace_then_add_after_a_404_as_the_national_api(world: World) -> None:
    loc, users = world.locations(writable=True)[6]
    finess = users[0].establishment.finess
    ident = f"1{finess}/{loc}"  # IdNatStruct of the EG / the Location's code
    missing = patch(world, ident, replace_count(2, NOW - timedelta(minutes=5), **FREE_WOMEN))
    assert missing.status_code == 404
    found = issue(missing)
    assert found["code"] == "not-found"
    assert found["expression"] == [f"Location.extension.where(url='{CAPACITY}')"]
    added = patch(
        world,
        ident,
        add(
            indicator(
                15,
                NOW - timedelta(minutes=6),
                capacityType="01",
                capacityStatus="01",
                temporalityCapacity="01",
            ),
            indicator(0, NOW - timedelta(minutes=6), **FREE_WOMEN),
            indicator(
                0,
                NOW - timedelta(minutes=6),
                capacityType="01",
                capacityStatus="06",
                temporalityCapacity="01",
                additionalBedType="03",
                crisisType="02",
            ),
        ),
    )
    assert added.status_code == 200, added.text
    assert [i["severity"] for i in added.json()["issue"]] == ["information"] * 3
    replaced = patch(world, ident, replace_count(2, NOW - timedelta(minutes=5), **FREE_WOMEN))
    assert replaced.status_code == 200, replaced.text
    assert "mis à jour" in issue(replaced)["diagnostics"]
    for offer in users:
        assert stored_count(world, loc, offer.id, nature="01", status="02", gender="01") == [2]
    stale = patch(world, ident, replace_count(7, NOW - timedelta(hours=2), **FREE_WOMEN))
    assert stale.status_code == 200 and "ignoré" in issue(stale)["diagnostics"]
    assert stored_count(world, loc, users[0].id, nature="01", status="02", gender="01") == [2]
    dated_now = patch(world, f"{finess}/{loc}", replace_count(4, None, **FREE_WOMEN))
    assert dated_now.status_code == 200  # no capacityUpdateDate: dated when received
    assert stored_count(world, loc, users[0].id, nature="01", status="02", gender="01") == [4]
    history = world.client.get(
        "/v1/availability/history", params={"location": loc}, headers=world.header("p1")
    ).json()["entries"]
    assert [e["count"] for e in history if e["status"] == "02"] == [0, 2, 4]
    assert all(e["source"] == "02" for e in history)


def test_errors_answer_operation_outcomes(world: World) -> None:
    loc, users = world.locations(writable=True)[7]
    finess = users[0].establishment.finess
    ident = f"{finess}/{loc}"
    unknown = patch(world, f"{finess}/PAS-DE-LIEU", add(indicator(1, NOW, **FREE_WOMEN)))
    assert unknown.status_code == 404 and issue(unknown)["expression"] == ["Location"]
    assert "PAS-DE-LIEU" in issue(unknown)["diagnostics"]
    bad = patch(
        world,
        ident,
        add(
            indicator(
                1,
                NOW,
                capacityType="01",
                capacityStatus="03",
                temporalityCapacity="01",
                genderCapacityAvailable="03",
            )
        ),
    )
    assert bad.status_code == 400 and issue(bad)["code"] == "business-rule"
    assert issue(bad)["diagnostics"].startswith(
        "Les valeurs du nouvel objet ne correspondent pas à un indicateur valide : "
        "capacityType: 01 / capacityStatus: 03 / temporalityCapacity: 01 / "
        "genderCapacityAvailable: 03 / capacityClosingType: null"
    )
    vague = patch(world, ident, replace_count(1, NOW, capacityType="01", temporalityCapacity="01"))
    assert vague.status_code == 400
    assert issue(vague)["diagnostics"].startswith(
        "Les critères du FhirPath ne correspondent pas à un indicateur valide"
    )
    anonymous = world.client.patch(
        "/fhir/Location", params={"identifier": ident}, json=add(indicator(1, NOW, **FREE_WOMEN))
    )
    assert anonymous.status_code == 401 and issue(anonymous)["code"] == "login"
    theirs, others = world.locations(writable=False)[3]
    forbidden = patch(
        world, f"{others[0].establishment.finess}/{theirs}", add(indicator(1, NOW, **FREE_WOMEN))
    )
    assert forbidden.status_code == 403 and issue(forbidden)["code"] == "forbidden"
    no_date = add(indicator(1, NOW, **FREE_WOMEN))
    no_date["parameter"][0]["part"][2]["part"][0]["extension"][0]["extension"] = [
        e
        for e in no_date["parameter"][0]["part"][2]["part"][0]["extension"][0]["extension"]
        if e["url"] != "capacityUpdateDate"
    ]
    undated = patch(world, ident, no_date)
    assert undated.status_code == 400 and "capacityUpdateDate" in issue(undated)["expression"][0]
    assert patch(world, "", add(indicator(1, NOW, **FREE_WOMEN))).status_code == 400
    not_parameters = patch(world, ident, {"resourceType": "Location"})
    assert not_parameters.status_code == 400
    audited = world.client.get(
        "/v1/audit",
        params={"action": "capacities.patch_fhir", "limit": 1000},
        headers=world.header("p1"),
    ).json()["entries"]
    assert {e["outcome"] for e in audited} == {"accepted", "refused"}


def test_an_identifier_naming_several_locations_is_a_412(world: World) -> None:
    (a, users_a), (b, users_b) = [
        (loc, found)
        for loc, found in world.locations(writable=True)
        if len(found) == 1 and found[0].establishment.finess
    ][10:12]
    finess = users_a[0].establishment.finess
    engine = EmbeddedEngine(world.settings.db_path)
    twins = []
    for loc, offer in ((a, users_a[0]), (b, users_b[0])):
        source = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Location",
                        "id": loc,
                        "identifier": [{"value": "DOUBLON-1"}],
                    }
                }
            ],
        }
        est = dataclasses.replace(offer.establishment, finess=finess)
        twins.append(dataclasses.replace(offer, source=source, establishment=est))
    engine.upsert(twins)
    engine.close()
    answer = patch(world, f"{finess}/DOUBLON-1", add(indicator(1, NOW, **FREE_WOMEN)))
    assert answer.status_code == 412
    assert issue(answer)["code"] == "multiple-matches" and "'2'" in issue(answer)["diagnostics"]
