"""A small FHIR world for the sync tests, built from the linked fixture's EHPAD: three EG,
six Locations around Toulouse, twelve HealthcareServices (the last two of each EG without a
Location: they are placed by their EG's address), and helpers to start ``ror serve``."""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from ror.model import Offer
from ror.search.embedded import EmbeddedEngine

LINKED = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "linked"
ROR = [sys.executable, "-m", "ror.cli"]
OLD = "2025-03-01T09:00:00+01:00"
Json = dict[str, Any]


def _linked(name: str, rid: str) -> Json:
    path = LINKED / name
    if path.suffix == ".ndjson":
        for line in path.read_text().splitlines():
            if line.strip() and json.loads(line)["id"] == rid:
                return dict(json.loads(line))
        raise KeyError(rid)
    data = json.loads(path.read_text())
    if data["resourceType"] == "Bundle":
        return next(dict(e["resource"]) for e in data["entry"] if e["resource"]["id"] == rid)
    return dict(data)


def stamped(resource: Json, when: str) -> Json:
    out = copy.deepcopy(resource)
    out["meta"] = {**out.get("meta", {}), "lastUpdated": when}
    return out


def organization(n: int) -> Json:
    eg = stamped(_linked("organizations.ndjson", "ehpad-eg"), OLD)
    eg["id"] = f"eg-{n}"
    eg["name"] = f"EHPAD du réseau n°{n}"
    return eg


def move_address(eg: Json, lat: float, lon: float, insee: str, city: str) -> Json:
    out = copy.deepcopy(eg)
    address = out["address"][0]
    for ext in address["extension"]:
        if ext["url"].endswith("fr-core-address-insee-code"):
            ext["valueCoding"]["code"] = insee
        if ext["url"].endswith("geolocation"):
            for sub in ext["extension"]:
                if sub["url"] == "latitude":
                    sub["valueDecimal"] = lat
                if sub["url"] == "longitude":
                    sub["valueDecimal"] = lon
    address["city"] = city
    return out


def location(n: int) -> Json:
    loc = stamped(_linked("locations.bundle.json", "ehpad-hebergement"), OLD)
    loc["id"] = f"loc-{n}"
    loc["position"] = {"latitude": 43.55 + n / 100, "longitude": 1.40 + n / 100}
    return loc


def service(n: int) -> Json:
    hs = stamped(_linked("HealthcareService-ehpad-hebergement-permanent.json", ""), OLD)
    hs["id"] = f"hs-{n}"
    hs["name"] = f"Hébergement permanent n°{n}"
    hs["providedBy"] = {"reference": f"Organization/eg-{n % 3 + 1}"}
    if n <= 9:
        hs["location"] = [{"reference": f"Location/loc-{n % 6 + 1}"}]
    else:
        hs.pop("location", None)
    hs.pop("identifier", None)
    return hs


def world() -> list[Json]:
    return (
        [organization(n) for n in (1, 2, 3)]
        + [location(n) for n in range(1, 7)]
        + [service(n) for n in range(1, 13)]
    )


SERVICES = [f"hs-{n}" for n in range(1, 13)]  # the offers of ``world``


def offers_in(home: Path) -> dict[str, Offer]:
    """The offers of the world that the embedded index of ``home`` holds, by id."""
    engine = EmbeddedEngine(home / "ror.sqlite")
    try:
        return {oid: o for oid in SERVICES if (o := engine.get(oid))}
    finally:
        engine.close()


def counter(count: int, when: datetime) -> Json:
    """One counter of available installed beds (all genders, permanent), as pushed."""
    return {
        "nature": "02",
        "status": "02",
        "temporality": "01",
        "gender": "03",
        "assignment": "01",
        "count": count,
        "source": "02",
        "updated_at": when.isoformat(),
    }


def write_ndjson(path: Path, resources: list[Json]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in resources))
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_for(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ROR_DB": str(home / "ror.sqlite"),
        "ROR_TOKENS": str(home / "tokens.json"),
        "ROR_AUDIT_LOG": str(home / "audit.jsonl"),
        "ROR_RATE_LIMIT": "0",
    }


def ror(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*ROR, *args], env=env_for(home), capture_output=True, text=True, timeout=300
    )
    if check and done.returncode != 0:
        raise AssertionError(f"ror {' '.join(args)}: {done.returncode}\n{done.stdout}{done.stderr}")
    return done


class Served:
    """``ror serve`` of ``home`` in a child process."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.follower = ""  # a token of this server for the instances following it

    def __enter__(self) -> Served:
        self.process = subprocess.Popen(
            [*ROR, "serve", "--port", str(self.port)],
            env=env_for(self.home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("ror serve did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def token(self, name: str, *args: str) -> str:
        return ror(self.home, "token", "create", name, *args).stdout.strip()
