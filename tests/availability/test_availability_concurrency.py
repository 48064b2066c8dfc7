"""Availability under concurrency and crashes, against a real ``uvicorn`` server.

- **Concurrency.** Several writer processes push the same versions of the same counters, each
  in its own shuffled order (so every version arrives several times, out of order), through the
  three push paths (``PUT`` per Location, ``PUT`` batch, FHIR ``PATCH``), while reader processes
  read offers and search around them on a 2-worker server. At the end every counter equals its
  newest version on every offer using its Location, the history holds exactly the versions
  reported applied (each once), and no reader ever saw a count go back in time.
- **Crash.** The server is killed (SIGKILL, whole process group) in the middle of a stream of
  pushes; after a restart every acknowledged update is there.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ror.model import CAPACITY_KEY_FIELDS, Offer
from ror.search.embedded.engine import EmbeddedEngine
from tests.availability.availability_load import Server, Version, reader, writer
from tests.availability.availability_world import make_tokens, offers
from tests.service import build_db

SIZE = 600
KEYS = (
    {"nature": "01", "status": "02", "temporality": "01", "gender": "03", "assignment": "01"},
    {"nature": "01", "status": "01", "temporality": "01", "assignment": "01"},
    {"nature": "01", "status": "03", "temporality": "01", "assignment": "01"},
)


def env(root: Path, db: Path) -> dict[str, str]:
    return {
        "ROR_DB": str(db),
        "ROR_TOKENS": str(root / "tokens.json"),
        "ROR_AUDIT_LOG": str(root / "audit.jsonl"),
        "ROR_RATE_LIMIT": "0",
    }


def chosen_locations(items: list[Offer], n: int) -> dict[str, list[Offer]]:
    """``n`` Locations with counters and a FINESS, shared ones first."""
    users: dict[str, list[Offer]] = {}
    for o in items:
        for loc in o.location_ids:
            users.setdefault(loc, []).append(o)
    ranked = sorted(
        (
            (loc, found)
            for loc, found in users.items()
            if all(o.establishment.finess for o in found)
            and any(c.location_id == loc for c in found[0].capacities)
        ),
        key=lambda item: (-len(item[1]), item[0]),
    )
    return dict(ranked[:n])


def versions_of(
    locs: dict[str, list[Offer]], per_key: int, start: datetime, seed: int
) -> list[Version]:
    """Versions of every key of each Location; available counts stay plausible whichever
    versions land (never more than the beds installed at load, nor than those pushed)."""
    rng = random.Random(seed)
    out = []
    for loc in sorted(locs):
        loaded = {
            (c.location_id, c.status, c.nature, c.temporality): c.count
            for o in locs[loc]
            for c in o.capacities
        }
        ceiling = loaded.get((loc, "01", "01", "01"), 40)
        for key in KEYS:
            for i in range(per_key):
                at = start + timedelta(seconds=i * 7 + rng.random())
                if key["status"] == "01":
                    count = rng.randint(40, 80)
                else:
                    count = rng.randint(0, min(ceiling, 40))
                out.append(
                    Version(
                        loc,
                        {**key, "count": count, "updated_at": at.isoformat()},
                    )
                )
    return out


@pytest.mark.slow
def test_concurrent_writers_and_readers(tmp_path: Path) -> None:
    items = offers(SIZE, seed=22)  # a seed whose dataset shares Locations between 4 offers
    db = build_db(tmp_path / "ror.sqlite", items)
    tokens = make_tokens(tmp_path / "tokens.json", [])
    locs = chosen_locations(items, 8)
    assert max(len(found) for found in locs.values()) >= 3  # shared Locations are exercised
    finess = {loc: str(found[0].establishment.finess) for loc, found in locs.items()}
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    versions = versions_of(locs, 12, start, seed=5)
    server = Server(env(tmp_path, db), workers=2, log=tmp_path / "server.log").start()
    ctx = multiprocessing.get_context("spawn")
    stop = tmp_path / "stop"
    try:
        readers = [
            ctx.Process(
                target=reader,
                args=(
                    server.url,
                    tokens.values["p1"],
                    sorted({o.id for found in locs.values() for o in found}),
                    stop,
                    seed,
                    tmp_path / f"reader-{seed}.txt",
                ),
            )
            for seed in range(2)
        ]
        modes = ("put", "batch", "fhir", "put")
        writers = [
            ctx.Process(
                target=writer,
                args=(
                    server.url,
                    tokens.values["all"],
                    mode,
                    versions,
                    finess,
                    100 + i,
                    tmp_path / f"writer-{i}.txt",
                ),
            )
            for i, mode in enumerate(modes)
        ]
        for p in (*readers, *writers):
            p.start()
        for p in writers:
            p.join(timeout=120)
            assert p.exitcode == 0, (tmp_path / "server.log").read_text()[-3000:]
        stop.touch()
        for p in readers:
            p.join(timeout=60)
            assert p.exitcode == 0
        with httpx.Client(base_url=server.url, headers=tokens.header("p1"), timeout=30) as client:
            final = {
                offer.id: client.get(f"/v1/offers/{offer.id}").json()["capacities"]
                for found in locs.values()
                for offer in found
            }
            history = {
                loc: client.get(
                    "/v1/availability/history", params={"location": loc, "limit": 5000}
                ).json()["entries"]
                for loc in locs
            }
    finally:
        server.stop()

    # every version sent by every writer was acknowledged, and applied exactly once overall
    applied: Counter[tuple[str, str]] = Counter()
    for i in range(len(modes)):
        lines = (tmp_path / f"writer-{i}.txt").read_text().splitlines()
        assert len(lines) == len(versions)
        for line in lines:
            key, at, done = line.split("\t")
            applied[(key, at)] += int(done)
    assert max(applied.values()) == 1

    newest: dict[tuple[str, ...], Version] = {}
    for v in versions:
        if v.key not in newest or v.updated_at > newest[v.key].updated_at:
            newest[v.key] = v
    for loc, found in locs.items():
        for offer in found:
            shown = {
                (
                    c["location_id"],
                    *((c[f] or {}).get("code") or "" for f in CAPACITY_KEY_FIELDS),
                ): c
                for c in final[offer.id]
                if c["location_id"] == loc
            }
            for counter_key, v in newest.items():
                if counter_key[0] != loc:
                    continue
                got = shown[counter_key]
                assert (got["count"], got["updated_at"]) == (
                    v.counter["count"],
                    v.updated_at.isoformat(),
                )

    logged = Counter(
        (loc, e["status"], e["updated_at"]) for loc, entries in history.items() for e in entries
    )
    assert max(logged.values()) == 1  # nothing logged twice
    reported = {
        (key.split("|")[0], key.split("|")[2], datetime.fromisoformat(at).isoformat())
        for (key, at), n in applied.items()
        if n
    }
    assert set(logged) == reported  # the history holds exactly the accepted versions
    for entries in history.values():  # per counter, accepted versions only move forward
        by_key: dict[str, list[str]] = {}
        for e in entries:
            by_key.setdefault(e["status"], []).append(e["updated_at"])
        for dates in by_key.values():
            assert dates == sorted(dates) and len(set(dates)) == len(dates)

    reads = 0
    for seed in range(2):
        text = (tmp_path / f"reader-{seed}.txt").read_text().splitlines()
        reads += int(text[0])
        assert text[1:] == [], text[1:6]  # no count ever went back in time
    assert reads > 20


@pytest.mark.slow
def test_acknowledged_updates_survive_a_kill(tmp_path: Path) -> None:
    items = offers(SIZE, seed=29)
    db = build_db(tmp_path / "ror.sqlite", items)
    tokens = make_tokens(tmp_path / "tokens.json", [])
    locs = sorted(chosen_locations(items, 12))
    server = Server(env(tmp_path, db), workers=2, log=tmp_path / "server.log").start()
    acked: list[tuple[str, str, int]] = []  # (Location, updated_at, count) answered 200
    lock = threading.Lock()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    running = threading.Event()
    running.set()

    def stream(worker: int) -> None:
        with httpx.Client(base_url=server.url, headers=tokens.header("all"), timeout=10) as client:
            i = 0
            while running.is_set():
                loc = locs[(worker + 3 * i) % len(locs)]
                at = (start + timedelta(milliseconds=10 * i, microseconds=worker)).isoformat()
                body = {
                    "counters": [
                        {
                            "nature": "01",
                            "status": "02",
                            "gender": "03",
                            "count": i % 50,
                            "updated_at": at,
                        }
                    ]
                }
                try:
                    answer = client.put(f"/v1/locations/{loc}/capacities", json=body)
                except httpx.HTTPError:
                    return  # the server is gone: this one was not acknowledged
                if answer.status_code == 200 and answer.json()["applied"] == 1:
                    with lock:
                        acked.append((loc, at, i % 50))
                i += 1

    threads = [threading.Thread(target=stream, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    due = time.monotonic() + 60
    while len(acked) < 40 and time.monotonic() < due:  # a loaded machine acknowledges slowly
        time.sleep(0.05)
    server.kill()  # mid-stream, no clean shutdown
    running.clear()
    for t in threads:
        t.join(timeout=30)
    assert len(acked) > 20

    restarted = Server(env(tmp_path, db), workers=1, log=tmp_path / "server2.log").start()
    try:
        with httpx.Client(
            base_url=restarted.url, headers=tokens.header("p1"), timeout=30
        ) as client:
            history = {
                loc: {
                    (e["updated_at"], e["count"])
                    for e in client.get(
                        "/v1/availability/history", params={"location": loc, "limit": 5000}
                    ).json()["entries"]
                }
                for loc in locs
            }
    finally:
        restarted.stop()
    missing = [a for a in acked if (a[1], a[2]) not in history[a[0]]]
    assert missing == []
    engine = EmbeddedEngine(db)
    for loc in locs:
        mine = [a for a in acked if a[0] == loc]
        if not mine:
            continue
        newest_acked = max(mine, key=lambda a: a[1])
        stored = engine.capacity_history(loc, limit=5000).entries
        latest = max(
            (e for e in stored if e.counter.status == "02"), key=lambda e: e.counter.updated_at
        )
        assert latest.counter.updated_at >= datetime.fromisoformat(newest_acked[1])
    engine.close()
