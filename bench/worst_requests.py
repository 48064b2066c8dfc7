"""The costliest requests within the documented limits, each timed over HTTP (issue 22).

``python -m bench.worst_requests --db var/demo.sqlite [--repeat 3] [--only NAME …]`` starts
``ror serve`` (one worker, a profile-1 token: the answers carry capacities, the largest
rendering) over ``--db``, warms it with one search, then sends each request of
:data:`REQUESTS` ``--repeat`` times, one at a time, and prints a line per request (status,
best and worst wall time, the server's best CPU time, total found, answer size) and a JSON
summary naming the worst. On a shared machine read the CPU time: the wall time counts the
other processes' turns too.
Every request stays within the limits README "Protection settings" documents (``limit`` 200,
``offset`` 10,000, 50 codes a field, 10 equipment items, 200 characters of text; FHIR: 20 values
a parameter, 5 repeats, 20 ``_filter`` terms, ``_count`` 1000, ``_offset`` 10,000); the target
is about a second at 1 M offers. The searches keep replay records beside ``--db``, as any served
search does. A substring name probe turns its values at each repeat (``Probe.rotate``): its
first repeat also reads the folded names into the server's memory (once per process and full
load), the best one shows a search alone.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.server import running_server
from ror.nomenclature.registry import codes

DEEP = {"limit": 200, "offset": 10_000, "facets": True}
PARIS = {"lat": 48.8566, "lon": 2.3522}
CENTRE = {"lat": 46.6, "lon": 2.4}  # near the middle of France: every unit within 1,000 km
TEXT = (
    "ehpad psychologue enfant réanimation pédopsychiatrie soins palliatifs kinésithérapeute "
    "dialyse maternité urgences cardiologie addictologie gériatrie orthophoniste infirmier"
)
ACTIVITIES = list(codes("R211"))[:50]  # 50 codes: the per-field limit
EQUIPMENT = list(codes("R212"))[:10]  # 10 items: the limit
NO_BEDS = {"nature": "01", "min_available": 1000}  # every unit fails it: near-misses only


@dataclass(frozen=True, slots=True)
class Probe:
    name: str
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    pages_before: int = 0  # FHIR: follow this many ``next`` links first (untimed)
    rotate: str | None = None  # a parameter whose values turn by one at each repeat

    def turned(self, times: int) -> dict[str, str]:
        """``params`` with the values of ``rotate`` turned ``times`` times: each repeat is
        another look-up (the engine keeps what a substring look-up found for the next pages of
        the same search: a repeat must not read it)."""
        if self.rotate is None:
            return self.params
        sep = " or " if self.rotate == "_filter" else ","
        values = self.params[self.rotate].split(sep)
        times %= len(values)
        return {**self.params, self.rotate: sep.join(values[times:] + values[:times])}


def _location(name: str, params: dict[str, str]) -> Probe:
    """A ``GET /fhir/Location`` probe."""
    return Probe(name, "GET", "/fhir/Location", params=params)


def _fhir_names(n: int) -> str:
    return ",".join(f"zz{i}" for i in range(n))


def _filter(terms: int) -> str:
    return " or ".join(f'name co "zz{i}"' for i in range(terms))


#: 20 substrings of real offer names (``name co``: the trigram look-up, then the exact test).
WORDS = (
    "réanimation",
    "pédopsy",
    "dialyse",
    "maternité",
    "urgences",
    "addicto",
    "palliatif",
    "orthophon",
    "kinésithé",
    "cardiolog",
    "gériatr",
    "caarud",
    "foyer de vie",
    "pôle d'act",
    "accueil de jour",
    "hébergement temp",
    "aide à domicile",
    "psychiatr",
    "sage femme",
    "centre de santé",
)


REQUESTS: tuple[Probe, ...] = (
    Probe("rest deep page, no place, facets", "POST", "/v1/referrals/search", body=DEEP),
    Probe(
        "rest deep page, GET, no place, facets",
        "GET",
        "/v1/search",
        params={"limit": "200", "offset": "10000", "facets": "true"},
    ),
    Probe(
        "rest deep page near Paris, facets",
        "POST",
        "/v1/referrals/search",
        body={**DEEP, "where": PARIS},
    ),
    Probe(
        "rest 2,000 km radius from the centre, deep page, facets",
        "POST",
        "/v1/referrals/search",
        body={**DEEP, "where": CENTRE, "radius_km": 2000},
    ),
    Probe(
        "rest 50 activity codes, deep page, facets",
        "POST",
        "/v1/referrals/search",
        body={**DEEP, "where": PARIS, "activity": ACTIVITIES},
    ),
    Probe(
        "rest 200-character text, deep page, facets",
        "POST",
        "/v1/referrals/search",
        body={**DEEP, "where": PARIS, "text": TEXT[:200]},
    ),
    Probe(
        "rest every criterion, deep page, facets",
        "POST",
        "/v1/referrals/search",
        body={
            **DEEP,
            "where": PARIS,
            "age": 80,
            "reception": "permanent",
            "social_aid": True,
            "max_monthly_price_eur": 100000,
            "beds": {"nature": "01", "min_available": 1},
            "open_at": "2026-11-26T14:00:00+01:00",
            "equipment": [{"code": c} for c in EQUIPMENT],
        },
    ),
    Probe(
        "rest beds wanted, no place, deep page",
        "POST",
        "/v1/referrals/search",
        body={**DEEP, "profile": "emergency", "beds": {"nature": "01", "min_available": 1}},
    ),
    Probe(
        "rest near-misses, colocated with a rare code, no unit fits",
        "POST",
        "/v1/referrals/search",
        body={"where": PARIS, "limit": 20, "colocated": [{"activity": ["453"]}], "beds": NO_BEDS},
    ),
    Probe(
        "rest near-misses, open at night, no unit fits",
        "POST",
        "/v1/referrals/search",
        body={"where": PARIS, "limit": 20, "open_at": "2026-11-29T03:00:00+01:00", "beds": NO_BEDS},
    ),
    Probe(
        "rest facets within 200 km of Paris",
        "POST",
        "/v1/referrals/search",
        body={"where": PARIS, "radius_km": 200, "limit": 200, "facets": True},
    ),
    Probe(
        "fhir _count 1000, no position", "GET", "/fhir/HealthcareService", params={"_count": "1000"}
    ),
    Probe(
        "fhir _count 1000 near the centre, 1,000 km",
        "GET",
        "/fhir/HealthcareService",
        params={"_count": "1000", "location.near": "46.6|2.4|1000|km"},
    ),
    Probe(
        "fhir 11th page of 1000 by _cursor, near",
        "GET",
        "/fhir/HealthcareService",
        params={"_count": "1000", "location.near": "48.8566|2.3522|1000|km"},
        pages_before=10,
    ),
    Probe(
        "fhir 11th page of 1000 by _cursor, by _id",
        "GET",
        "/fhir/HealthcareService",
        params={"_count": "1000"},
        pages_before=10,
    ),
    Probe(
        "fhir _offset 10000, _count 1000, near",
        "GET",
        "/fhir/HealthcareService",
        params={"_count": "1000", "_offset": "10000", "location.near": "48.8566|2.3522|1000|km"},
    ),
    Probe(
        "fhir _offset 10000, _count 1000, no position",
        "GET",
        "/fhir/HealthcareService",
        params={"_count": "1000", "_offset": "10000"},
    ),
    Probe(
        "fhir name:contains with 20 two-letter values, _offset 10000, _count 1000",
        "GET",
        "/fhir/HealthcareService",
        params={
            "_count": "1000",
            "_offset": "10000",
            "name:contains": ",".join(f"e{chr(97 + i)}" for i in range(20)),
        },
        rotate="name:contains",
    ),
    Probe(
        "fhir name with 20 values, _count 1000",
        "GET",
        "/fhir/HealthcareService",
        params={"_count": "1000", "name": _fhir_names(20)},
    ),
    Probe(
        "fhir _filter with 20 terms",
        "GET",
        "/fhir/HealthcareService",
        params={"_count": "1000", "_filter": _filter(20)},
        rotate="_filter",
    ),
    Probe(
        "fhir name:contains with 20 values, _count 1000",
        "GET",
        "/fhir/HealthcareService",
        params={"_count": "1000", "name:contains": _fhir_names(20)},
        rotate="name:contains",
    ),
    Probe(
        "fhir name:contains with 20 two-letter values, _count 1000",
        "GET",
        "/fhir/HealthcareService",
        params={"_count": "1000", "name:contains": ",".join(f"e{chr(97 + i)}" for i in range(20))},
        rotate="name:contains",
    ),
    Probe(
        "fhir _filter with 20 name co terms of real names",
        "GET",
        "/fhir/HealthcareService",
        params={"_count": "1000", "_filter": " or ".join(f'name co "{w}"' for w in WORDS)},
        rotate="_filter",
    ),
    Probe(
        "fhir location.name:contains with 20 two-letter values, _count 1000",
        "GET",
        "/fhir/HealthcareService",
        params={
            "_count": "1000",
            "location.name:contains": ",".join(f"e{chr(97 + i)}" for i in range(20)),
        },
        rotate="location.name:contains",
    ),
    Probe(
        "fhir Location name:contains with 20 two-letter values, _count 1000",
        "GET",
        "/fhir/Location",
        params={"_count": "1000", "name:contains": ",".join(f"e{chr(97 + i)}" for i in range(20))},
        rotate="name:contains",
    ),
    Probe(
        "fhir _sort name, _count 1000, no position",
        "GET",
        "/fhir/HealthcareService",
        params={"_count": "1000", "_sort": "name"},
    ),
    Probe(
        "fhir Location _tag of 13 regions, _lastUpdated, _count 1000 with _revinclude",
        "GET",
        "/fhir/Location",
        params={
            "_tag": "11,24,27,28,32,44,52,53,75,76,84,93,94",
            "_lastUpdated": "ge2023-08-02",
            "_count": "1000",
            "_revinclude": "HealthcareService:location",
        },
    ),
    _location(
        "fhir Location _count 1000 with _revinclude",
        {"_count": "1000", "_revinclude": "HealthcareService:location"},
    ),
    Probe(
        "fhir Location _sort -_lastUpdated, _count 1000 with _revinclude",
        "GET",
        "/fhir/Location",
        params={
            "_sort": "-_lastUpdated",
            "_count": "1000",
            "_revinclude": "HealthcareService:location",
        },
    ),
    _location("fhir Location _sort name, _count 1000", {"_sort": "name", "_count": "1000"}),
    Probe(
        "fhir Location _tag of 13 regions, _sort -_lastUpdated, _count 1000",
        "GET",
        "/fhir/Location",
        params={
            "_tag": "11,24,27,28,32,44,52,53,75,76,84,93,94",
            "_sort": "-_lastUpdated",
            "_count": "1000",
        },
    ),
    _location(
        "fhir Location name:contains of two letters, _sort -_lastUpdated, _count 1000",
        {"name:contains": "ea", "_sort": "-_lastUpdated", "_count": "1000"},
    ),
    _location(
        "fhir Location postcode prefix 3, _sort -_lastUpdated, _count 1000",
        {"address-postalcode": "3", "_sort": "-_lastUpdated", "_count": "1000"},
    ),
    _location(
        "fhir Location address-city a, _sort name, _count 1000",
        {"address-city": "a", "_sort": "name", "_count": "1000"},
    ),
    _location("fhir Location address-city a, _count 20", {"address-city": "a", "_count": "20"}),
    _location(
        "fhir Location address-city toul, _count 20", {"address-city": "toul", "_count": "20"}
    ),
    _location(
        "fhir Location address-city a, _sort -_lastUpdated, _count 1000",
        {"address-city": "a", "_sort": "-_lastUpdated", "_count": "1000"},
    ),
    _location(
        "fhir Location address-city:contains toul, _count 20",
        {"address-city:contains": "toul", "_count": "20"},
    ),
    _location(
        "fhir Location address-city:contains e, _sort name, _count 1000",
        {"address-city:contains": "e", "_sort": "name", "_count": "1000"},
    ),
    _location(
        "fhir Location address-city of 20 letters, _count 20",
        {"address-city": ",".join("abcdefghijklmnopqrst"), "_count": "20"},
    ),
    _location(
        "fhir Location name prefix c, _sort name, _count 1000",
        {"name": "c", "_sort": "name", "_count": "1000"},
    ),
    _location(
        "fhir Location address-city a, name prefix c, _count 20",
        {"address-city": "a", "name": "c", "_count": "20"},
    ),
    _location(
        "fhir Location address-city a, _summary count", {"address-city": "a", "_summary": "count"}
    ),
)


@dataclass(slots=True)
class Timing:
    probe: Probe
    seconds: list[float]
    cpu_seconds: list[float]  # the server process's user + system time per request
    status: int
    found: int | None
    answer_kb: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.probe.name,
            "status": self.status,
            "best_s": round(min(self.seconds), 3),
            "worst_s": round(max(self.seconds), 3),
            "cpu_s": round(min(self.cpu_seconds), 3),
            "found": self.found,
            "answer_kb": round(self.answer_kb, 1),
        }


def _found(answer: Any) -> int | None:
    if isinstance(answer, dict):
        total = answer.get("total")
        return int(total) if isinstance(total, int) else None
    return None


def _next_url(answer: Any) -> str | None:
    for link in answer.get("link", []) if isinstance(answer, dict) else []:
        if link.get("relation") == "next":
            return str(link["url"])
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(client: httpx.Client, probe: Probe, repeat: int, pid: int) -> Timing:
    send: Callable[[], httpx.Response]
    if probe.pages_before:
        url: str | None = None
        answer: Any = client.get(probe.path, params=probe.params).json()
        for _ in range(probe.pages_before):
            url = _next_url(answer)
            if url is None:
                break
            answer = client.get(url).json()
        target = url or probe.path

        def send() -> httpx.Response:
            return client.get(target) if url else client.get(probe.path, params=probe.params)
    elif probe.method == "POST":

        def send() -> httpx.Response:
            return client.post(probe.path, json=probe.body, params=probe.params)
    else:

        def send() -> httpx.Response:
            return client.get(probe.path, params=probe.turned(len(seconds)))

    seconds: list[float] = []
    cpu: list[float] = []
    response = None
    for _ in range(repeat):
        started, used = time.perf_counter(), cpu_seconds(pid)
        response = send()
        seconds.append(time.perf_counter() - started)
        cpu.append(cpu_seconds(pid) - used)
    assert response is not None
    try:
        found = _found(response.json())
    except ValueError:
        found = None
    return Timing(probe, seconds, cpu, response.status_code, found, len(response.content) / 1024)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--only", nargs="*", default=None, help="names (substrings) to run")
    a = p.parse_args(argv)
    probes = [r for r in REQUESTS if not a.only or any(o in r.name for o in a.only)]
    timings = []
    with (
        tempfile.TemporaryDirectory(prefix="ror-worst-") as tmp,
        running_server(a.db, 1, Path(tmp)) as server,
        httpx.Client(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {server.token}"},
            timeout=120,
        ) as client,
    ):
        client.post("/v1/referrals/search", json={"limit": 1})  # loads the index
        for probe in probes:
            timing = measure(client, probe, a.repeat, server.process.pid)
            timings.append(timing)
            row = timing.to_dict()
            print(
                f"{row['best_s']:7.3f} s {row['worst_s']:7.3f} s  cpu {row['cpu_s']:6.3f} s  "
                f"{row['status']}  "
                f"found={row['found']}  {row['answer_kb']:8.1f} kB  {probe.name}",
                flush=True,
            )
    worst = max(timings, key=lambda t: min(t.seconds))
    report = {
        "db": str(a.db),
        "repeat": a.repeat,
        "requests": [t.to_dict() for t in timings],
        "worst": worst.to_dict(),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(report, ensure_ascii=False))
    return report


if __name__ == "__main__":
    main()
