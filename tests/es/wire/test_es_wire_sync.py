"""``ror sync`` into the Elasticsearch engine, over the recording server (every request and
answer checked against Elastic's specification).

``ror serve`` A serves the FHIR world of ``tests/sync``; B is ``ror sync`` with ``ROR_ES_URL``
pointing at the recorder (its resource store beside it). After the first sync the index holds
A's twelve offers; then on A a name changes, a Location moves, an EG's address changes, an
offer is withdrawn and counters are pushed: B's next sync writes by ``_bulk`` exactly the
offers that changed on A and deletes exactly the withdrawn one; a third sync writes nothing.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ror.model import Offer
from ror.search.elasticsearch.documents import from_document
from tests.es.wire.es_recorder import Captured, Recorder
from tests.sync.world import (
    ROR,
    SERVICES,
    Served,
    counter,
    env_for,
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
ALIAS = "ror-offers"  # what ``ror sync`` uses
WRITES = ("PUT /_bulk", "POST /_bulk", "POST /{index}/_update/{id}", "PUT /{index}/_doc/{id}")


def _whole(offers: dict[str, Offer]) -> dict[str, tuple[Offer, object]]:
    """Offers with their kept source Bundle (which ``Offer`` equality leaves out)."""
    return {k: (o, o.source) for k, o in offers.items()}


def _indexed(recorder: Recorder) -> dict[str, Offer]:
    """The offers the index behind the alias holds, as the engine wrote them."""
    return {
        doc_id: from_document(doc.source)
        for index in recorder.aliases.get(ALIAS, ())
        for doc_id, doc in recorder.indices[index].items()
    }


def _bulk(sent: list[Captured]) -> tuple[list[str], list[str]]:
    """Ids indexed and ids deleted by the ``_bulk`` requests sent."""
    indexed, deleted = [], []
    for c in sent:
        if c.key in ("PUT /_bulk", "POST /_bulk"):
            for line in c.body:
                (action, meta), *_ = line.items()
                if action == "index" and "_id" in meta:
                    indexed.append(str(meta["_id"]))
                elif action == "delete":
                    deleted.append(str(meta["_id"]))
    return indexed, deleted


@pytest.fixture(scope="module")
def synced(
    recorder: tuple[Recorder, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    rec, url = recorder
    a, b, c = (tmp_path_factory.mktemp(name) for name in "abc")
    ror(a, "index", str(write_ndjson(a / "world.ndjson", world())), "--rejects", str(a / "r.jsonl"))
    env = {**env_for(b), "ROR_ES_URL": url, "ROR_RESOURCES": str(b / "resources.sqlite")}
    out: dict[str, Any] = {}
    with Served(a) as server:
        follower = server.token("instance B", "--profile", "1")
        sync = [*ROR, "sync", server.url + "/fhir", "--name", "A", "--page-size", "5"]
        sync += ["--token", follower]

        def run(step: str) -> None:
            start = len(rec.captured)
            done = subprocess.run(sync, env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
            out[step] = (done.stdout, rec.captured[start:], _indexed(rec))
            subprocess.run(sync, env=env_for(c), capture_output=True, timeout=300, check=True)
            out[f"embedded {step}"] = offers_in(c)

        run("first")
        time.sleep(2.5)  # past the checkpoint (the start of the first sync, minus 2 s)
        now = datetime.now(UTC).replace(microsecond=0)
        stamp = now.isoformat()
        delta = [
            {**stamped(service(1), stamp), "name": "Hébergement renommé"},
            {**stamped(location(2), stamp), "position": {"latitude": 43.70, "longitude": 1.30}},
            move_address(stamped(organization(3), stamp), 43.6377, 1.3906, "31069", "BLAGNAC"),
            {**stamped(service(8), stamp), "active": False},
        ]
        ror(a, "index", str(write_ndjson(a / "delta.ndjson", delta)), "--rejects", str(a / "r2"))
        writer = server.token("lits A", "--profile", "2", "--establishment", "*")
        pushed = httpx.put(
            f"{server.url}/v1/locations/loc-5/capacities",
            headers={"Authorization": f"Bearer {writer}"},
            json={"counters": [counter(7, now)]},
            timeout=30,
        )
        assert pushed.status_code == 200, pushed.text
        run("second")
        run("third")
    yield out


def test_every_request_of_the_syncs_is_valid_and_every_answer_too(
    recorder: tuple[Recorder, str], synced: dict[str, Any]
) -> None:
    rec, _ = recorder
    sent = [c for step in ("first", "second", "third") for c in synced[step][1]]
    assert len(sent) > 20
    assert rec.invalid() == [] and rec.answer_errors == []
    assert {"PUT /_bulk", "POST /{index}/_search", "GET /_alias/{name}"} <= {c.key for c in sent}


def test_the_first_sync_indexes_every_offer_of_a(synced: dict[str, Any]) -> None:
    stdout, sent, indexed = synced["first"]
    assert "offers: 12 built, 0 removed" in stdout, stdout
    written, deleted = _bulk(sent)
    assert sorted(written) == sorted(SERVICES) and deleted == []
    assert _whole(indexed) == _whole(synced["embedded first"])  # an embedded follower's


def test_the_next_sync_writes_exactly_the_offers_that_changed(synced: dict[str, Any]) -> None:
    """What changed is what changed for an embedded follower of the same source (its offers
    before and after, their kept source Bundles included: an EG's new address is in the
    Bundle of each of its offers, even those placed by their Location): the Elasticsearch
    follower writes those (an offer built before its withdrawal arrived on a later page is
    written, then deleted) and nothing else."""
    before, after = _whole(synced["embedded first"]), _whole(synced["embedded second"])
    changed = {k for k in after if after[k] != before[k]}
    removed = before.keys() - after.keys()
    assert removed == {"hs-8"} and {"hs-1"} < changed < set(SERVICES)  # a delta, not everything
    stdout, sent, indexed = synced["second"]
    written, deleted = _bulk(sent)
    assert set(written) - removed == changed, (stdout, sorted(written), sorted(changed))
    assert deleted == ["hs-8"]
    updated = [c.path.rsplit("/", 1)[1] for c in sent if c.key == "POST /{index}/_update/{id}"]
    assert set(updated) <= changed
    assert _whole(indexed) == after
    assert after["hs-1"][0].name == "Hébergement renommé", stdout


def test_a_sync_with_nothing_new_writes_nothing(synced: dict[str, Any]) -> None:
    stdout, sent, indexed = synced["third"]
    assert "offers: 0 built, 0 removed" in stdout, stdout
    assert [c.key for c in sent if c.key in WRITES] == []
    assert _whole(indexed) == _whole(synced["embedded third"]) == _whole(synced["embedded second"])
