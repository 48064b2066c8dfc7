"""End to end over real HTTP: ``ror serve`` A serves a FHIR world; B follows A with ``ror sync``.

After the first sync B has every offer A has. Then, on A, a name changes, a Location moves, an
EG's address changes, an offer is withdrawn and counters are pushed; B's next sync reflects
exactly those changes, and a count pushed on B newer than A's is kept.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ror.model import Offer
from ror.search.embedded import EmbeddedEngine
from tests.sync.world import (
    Served,
    counter,
    location,
    move_address,
    offers_in,
    organization,
    ror,
    service,
    stamped,
    world,
    write_ndjson,
)

pytestmark = pytest.mark.slow


def _push(server: Served, token: str, loc: str, count: int, when: datetime) -> None:
    answer = httpx.put(
        f"{server.url}/v1/locations/{loc}/capacities",
        headers={"Authorization": f"Bearer {token}"},
        json={"counters": [counter(count, when)]},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["applied"] == 1


def _places(offer: Offer, nature: str = "02", status: str = "02") -> int | None:
    return next(
        (c.count for c in offer.capacities if (c.nature, c.status) == (nature, status)), None
    )


def test_b_follows_a_exactly(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    ror(a, "index", str(write_ndjson(a / "world.ndjson", world())), "--rejects", str(a / "r.jsonl"))
    EmbeddedEngine(b / "ror.sqlite").close()  # B is served empty (serving no index is an error)
    with Served(a) as server_a, Served(b) as server_b:
        source = server_a.url + "/fhir"
        follower = server_a.token("instance B", "--profile", "1")
        sync = ("sync", source, "--name", "A", "--page-size", "5", "--token", follower)
        first = ror(b, *sync)
        assert "offers: 12 built, 0 removed" in first.stdout, first.stdout
        assert ", 0 changed," in first.stdout  # the Organizations searched and included agree
        before = offers_in(b)
        assert before.keys() == offers_in(a).keys() and len(before) == 12
        assert all(before[k].place == o.place for k, o in offers_in(a).items())

        time.sleep(2.5)  # past the checkpoint (the start of the first sync, minus 2 s)
        now = datetime.now(UTC).replace(microsecond=0)
        stamp = now.isoformat()
        renamed = {**stamped(service(1), stamp), "name": "Hébergement renommé"}
        moved = {**stamped(location(2), stamp), "position": {"latitude": 43.70, "longitude": 1.30}}
        readdressed = move_address(
            stamped(organization(3), stamp), 43.6377, 1.3906, "31069", "BLAGNAC"
        )
        withdrawn = {**stamped(service(8), stamp), "active": False}
        delta = write_ndjson(a / "delta.ndjson", [renamed, moved, readdressed, withdrawn])
        ror(a, "index", str(delta), "--rejects", str(a / "r2.jsonl"))
        writer_a = server_a.token("lits A", "--profile", "2", "--establishment", "*")
        _push(server_a, writer_a, "loc-5", 7, now)
        _push(server_a, writer_a, "loc-6", 1, now)
        writer_b = server_b.token("lits B", "--profile", "2", "--establishment", "*")
        _push(server_b, writer_b, "loc-6", 4, now + timedelta(seconds=1))  # newer than A's

        second = ror(b, *sync)
        after = offers_in(b)
        assert "hs-8" not in after
        assert after["hs-1"].name == "Hébergement renommé"
        at_loc2 = [k for k in before if before[k].location_ids == ("loc-2",)]
        assert at_loc2 and all(
            (after[k].place.lat, after[k].place.lon) == (43.70, 1.30) for k in at_loc2
        )
        of_eg3 = [
            k for k in after if after[k].establishment.id == "eg-3" and not after[k].location_ids
        ]
        assert of_eg3 and all(after[k].place.commune == "31069" for k in of_eg3)
        at_loc5 = [k for k in after if after[k].location_ids == ("loc-5",)]
        assert at_loc5 and all(_places(after[k]) == 7 for k in at_loc5)
        at_loc6 = [k for k in after if after[k].location_ids == ("loc-6",)]
        assert at_loc6 and all(_places(after[k]) == 4 for k in at_loc6)
        touched = {"hs-1", "hs-8", *at_loc2, *of_eg3, *at_loc5, *at_loc6}
        assert all(after[k] == before[k] for k in after.keys() - touched)
        assert "rejected" in second.stdout and ", 0 rejected" in second.stdout, second.stdout

        gone = httpx.get(f"{server_b.url}/v1/offers/hs-8", timeout=30)
        assert gone.status_code == 404
        found = httpx.get(
            f"{server_b.url}/v1/search",
            params={"place": "Toulouse", "text": "ehpad", "limit": 50, "group": "offer"},
            timeout=30,
        ).json()
        ids = {m["offer"]["id"] for m in found["matches"]}
        assert "hs-8" not in ids and "hs-1" in ids

        third = ror(b, *sync)
        assert "offers: 0 built, 0 removed" in third.stdout, third.stdout
        listed = ror(b, "sources")
        assert "A  " + source in listed.stdout and "last error" not in listed.stdout
