"""Processes for the concurrency and crash tests: a real ``uvicorn`` server (its own process
group), writers sending shuffled, duplicated versions of counters through every push path, and
readers checking that no count they see ever goes back in time."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from ror.model import CAPACITY_KEY_FIELDS

Key = tuple[str, ...]  # (location, nature, status, temporality, gender, …, assignment)
FHIR_NAMES = {
    "nature": "capacityType",
    "status": "capacityStatus",
    "temporality": "temporalityCapacity",
    "gender": "genderCapacityAvailable",
    "closing_type": "capacityClosingType",
    "extra_bed_type": "additionalBedType",
    "crisis": "crisisType",
    "assignment": "temporaryAssignement",
}
CAPACITY_URL = (
    "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity"
)


@dataclass(frozen=True, slots=True)
class Version:
    """One pushed version of a counter."""

    loc: str
    counter: dict[str, Any]  # the JSON counter (codes, count, updated_at)

    @property
    def key(self) -> Key:
        return (self.loc, *(self.counter.get(f) or "" for f in CAPACITY_KEY_FIELDS))

    @property
    def updated_at(self) -> datetime:
        return datetime.fromisoformat(self.counter["updated_at"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``uvicorn --factory ror.api.app:app_factory`` in its own process group."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.workers = workers
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "ror.api.app:app_factory",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                    "--log-level",
                    "warning",
                ],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)
        raise RuntimeError("server did not answer /health within 60 s")

    def kill(self) -> None:
        """SIGKILL the whole process group (uvicorn and its workers): no clean shutdown."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


# --- writers -------------------------------------------------------------------------------------


def requests_of(versions: Sequence[Version], rng: random.Random) -> Iterator[list[Version]]:
    """Versions in groups of 1 to 6 for one Location (the order kept)."""
    pending = list(versions)
    while pending:
        loc = pending[0].loc
        group = [v for v in pending if v.loc == loc][: rng.randint(1, 6)]
        for v in group:
            pending.remove(v)
        yield group


def fhir_add(group: Sequence[Version]) -> dict[str, Any]:
    extensions = []
    for v in group:
        parts = [
            {"url": FHIR_NAMES[f], "valueCodeableConcept": {"coding": [{"code": v.counter[f]}]}}
            for f in CAPACITY_KEY_FIELDS
            if v.counter.get(f)
        ]
        parts += [
            {"url": "nbCapacity", "valueInteger": v.counter["count"]},
            {"url": "capacityUpdateDate", "valueDateTime": v.counter["updated_at"]},
            {"url": "capacitySourceType", "valueCodeableConcept": {"coding": [{"code": "02"}]}},
        ]
        extensions.append({"url": CAPACITY_URL, "extension": parts})
    return {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "operation",
                "part": [
                    {"name": "type", "valueString": "add"},
                    {"name": "path", "valueString": "Location"},
                    {"name": "value", "part": [{"extension": extensions}]},
                ],
            }
        ],
    }


def send(
    client: httpx.Client, mode: str, group: Sequence[Version], finess: dict[str, str]
) -> list[bool]:
    """Push a group through one path; returns applied (True) or stale (False) per version."""
    loc = group[0].loc
    if mode == "put":
        answer = client.put(
            f"/v1/locations/{loc}/capacities", json={"counters": [v.counter for v in group]}
        )
        answer.raise_for_status()
        return [r["applied"] for r in answer.json()["results"]]
    if mode == "batch":
        body = {"locations": [{"location_id": v.loc, "counters": [v.counter]} for v in group]}
        answer = client.put("/v1/capacities", json=body)
        answer.raise_for_status()
        return [r["results"][0]["applied"] for r in answer.json()["locations"]]
    answer = client.patch(
        "/fhir/Location",
        params={"identifier": f"{finess[loc]}/{loc}"},
        json=fhir_add(group),
        headers={"Content-Type": "application/fhir+json"},
    )
    answer.raise_for_status()
    return ["mis à jour" in i["diagnostics"] for i in answer.json()["issue"]]


def writer(
    url: str,
    token: str,
    mode: str,
    versions: list[Version],
    finess: dict[str, str],
    seed: int,
    out: Path,
) -> None:
    """Send every version (shuffled) once; write the acknowledged outcomes to ``out``."""
    rng = random.Random(seed)
    order = versions[:]
    rng.shuffle(order)
    lines = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        for group in requests_of(order, rng):
            for v, applied in zip(group, send(c, mode, group, finess), strict=True):
                lines.append(f"{'|'.join(v.key)}\t{v.counter['updated_at']}\t{int(applied)}\n")
    out.write_text("".join(lines))


# --- readers -------------------------------------------------------------------------------------


def reader(url: str, token: str, offers: list[str], stop_file: Path, seed: int, out: Path) -> None:
    """Read offers (and searches around them) until ``stop_file`` exists; write every
    backward step seen (a counter older than one seen before) and how many reads were made."""
    rng = random.Random(seed)
    seen: dict[Key, datetime] = {}
    backwards: list[str] = []
    reads = 0
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        while not stop_file.exists():
            offer_id = rng.choice(offers)
            shown = c.get(f"/v1/offers/{offer_id}")
            shown.raise_for_status()
            body = shown.json()
            caps = body["capacities"]
            if rng.random() < 0.3:
                place = body["place"]
                found = c.get(
                    "/v1/search",
                    params={"lat": place["lat"], "lon": place["lon"], "radius_km": 2, "limit": 20},
                )
                found.raise_for_status()
                caps += [
                    cap
                    for m in found.json()["matches"]
                    if m["offer"]["id"] in offers
                    for cap in m["offer"].get("capacities") or ()
                ]
            reads += 1
            for cap in caps:
                key = (
                    cap["location_id"],
                    *((cap[f] or {}).get("code") or "" for f in CAPACITY_KEY_FIELDS),
                )
                at = datetime.fromisoformat(cap["updated_at"])
                if key in seen and at < seen[key]:
                    backwards.append(f"{key}: {seen[key].isoformat()} then {at.isoformat()}")
                seen[key] = max(at, seen.get(key, at))
    out.write_text(f"{reads}\n" + "\n".join(backwards))
