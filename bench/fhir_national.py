"""Time the national FHIR queries (ROR-MODEL §9 and §10) against a running ``ror serve``.

    ror serve --port 8718 --workers 1 &                         # over a demo index
    python -m bench.fhir_national --url http://127.0.0.1:8718 --token "$ROR_TOKEN" --sync

Each consumer query is asked as written in ROR-MODEL §9, with the national include tail
(``_include:iterate=Organization:partof&_revinclude=PractitionerRole:service&
_include=PractitionerRole:practitioner`` and the organisation and location includes), for a page
of ``--count`` (20), without and with a position (``location.near-insee-code`` around Toulouse);
``--repeat`` times each (stopping early past ``--budget`` seconds for one query), reporting p50,
p95 and max in ms. ``--sync`` then follows every page of the national capacity synchronisation
``Location?_revinclude=HealthcareService:location`` (``--sync-count`` 200 per page) and reports
the total time and the per-page p95. A refused request (a 503 past the deadline…) is reported
in place of the query's figures. Codes are those the synthetic demo data carries.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

import httpx

NOS = "https://mos.esante.gouv.fr/NOS/"
R211 = NOS + "TRE_R211-ActiviteOperationnelle/FHIR/TRE-R211-ActiviteOperationnelle"
UCUM = "http://unitsofmeasure.org"
TAIL = [
    ("_include", "HealthcareService:organization"),
    ("_include:iterate", "Organization:partof"),
    ("_include", "HealthcareService:location"),
    ("_revinclude", "PractitionerRole:service"),
    ("_include", "PractitionerRole:practitioner"),
]
NEAR = ("location.near-insee-code", "31555|50|km")
AGE = (
    "(age-range-low le 35|https://unitsofmeasure.org|a and "
    "age-range-high ge 35|https://unitsofmeasure.org|a)"
)
CONSUMER: dict[str, list[tuple[str, str]]] = {
    "everything since": [
        (
            "_filter",
            "(_lastUpdated ge 2022-11-06T15:00 or "
            "organization._lastUpdated:above ge 2022-11-06T15:00)",
        )
    ],
    "ICU bed free for a woman": [
        ("specialty", f"{R211}|356"),
        ("location.capacity-type", "01"),
        ("location.gender-capacity-available", "01"),
        ("location.temporality-capacity", "01"),
        ("location.capacity-status", "02"),
        ("location.nb-capacity", "gt0"),
    ],
    "closed re-openable beds": [
        ("location.capacity-type", "01"),
        ("location.capacity-closing-type", "01"),
        ("location.capacity-status", "05"),
        ("location.nb-capacity", "gt0"),
    ],
    "bariatric table 200 kg": [
        ("specialty", f"{R211}|025"),
        ("location.equipment-type", "088"),
        ("location.equipment-feature", "001"),
        ("location.limit-value", f"ge200|{UCUM}|kg"),
    ],
    "EHPAD price": [
        ("organization.price-type", "02"),
        ("organization.price-amount-value", "lt75"),
        ("_sort", "-organization.price-validity-start-date"),
    ],
    "SAAD by zone": [
        ("intervention-zone", "31555"),
        ("specialty", f"{R211}|293"),
        ("service-category", "30"),
    ],
    "age 35 (_filter)": [("specialty", "025"), ("_filter", AGE)],
    "communes (COG)": [("location.commune-cog", "31555,13055")],
    "postcode prefix": [("location.address-postalcode", "31")],
    "region tag": [("_tag", "76")],
}
SYNC: dict[str, list[tuple[str, str]]] = {
    "capacity sync (national)": [],
    "capacity sync (_tag)": [("_tag", "76")],
    "capacity sync (_lastUpdated)": [("_lastUpdated", "ge2023-08-02")],
}


class Refused(Exception):
    """The server answered something else than 200."""


def timed(client: httpx.Client, path: str, params: list[tuple[str, str]]) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.get(path, params=tuple(params) if params else None)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise Refused(f"{response.status_code} after {elapsed:.0f} ms: {response.text[:200]}")
    return elapsed, response.json()


def measure(
    client: httpx.Client, path: str, params: list[tuple[str, str]], repeat: int, budget: float
) -> dict[str, Any]:
    times: list[float] = []
    started = time.monotonic()
    total = None
    while len(times) < repeat and (time.monotonic() - started < budget or len(times) < 2):
        try:
            ms, body = timed(client, path, params)
        except Refused as refused:
            return {"n": len(times), "refused": str(refused)}
        times.append(ms)
        total = body.get("total")
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return {
        "n": len(times),
        "total": total,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(times[-1], 1),
    }


def follow(client: httpx.Client, params: list[tuple[str, str]]) -> dict[str, Any]:
    pages: list[float] = []
    locations = services = 0
    url: str | None = "/fhir/Location"
    query: list[tuple[str, str]] | None = params
    started = time.perf_counter()
    while url is not None:
        ms, body = timed(client, url, query or [])
        pages.append(ms)
        for entry in body.get("entry", []):
            if entry["search"]["mode"] == "match":
                locations += 1
            else:
                services += 1
        url = next((x["url"] for x in body["link"] if x["relation"] == "next"), None)
        query = None
    pages.sort()
    return {
        "pages": len(pages),
        "locations": locations,
        "offers_included": services,
        "total_s": round(time.perf_counter() - started, 1),
        "page_p50_ms": round(statistics.median(pages), 1),
        "page_p95_ms": round(pages[min(len(pages) - 1, round(0.95 * len(pages)) - 1)], 1),
        "page_max_ms": round(pages[-1], 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", default=None, help="a bearer token of profile 1")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per query at most")
    parser.add_argument("--sync", action="store_true", help="follow every capacity sync page")
    parser.add_argument("--sync-count", type=int, default=200)
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    parser.add_argument("--only", nargs="*", default=None, help="query names (substrings)")
    args = parser.parse_args(argv)
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    results: dict[str, Any] = {"consumer": {}, "sync": {}}
    with httpx.Client(base_url=args.url, headers=headers, timeout=600) as client:
        page = [("_count", str(args.count))]
        chosen = {
            name: params
            for name, params in CONSUMER.items()
            if args.only is None or any(part in name for part in args.only)
        }
        for name, params in chosen.items():
            for where, extra in (("no position", []), ("position", [NEAR])):
                figures = measure(
                    client,
                    "/fhir/HealthcareService",
                    [*params, *extra, *TAIL, *page],
                    args.repeat,
                    args.budget,
                )
                results["consumer"][f"{name} / {where}"] = figures
                print(f"{name:28} {where:12} {figures}", flush=True)
        first = timed(client, "/fhir/Location", [("_count", "100")])[1]
        identifier = next(  # private practices' Locations carry none (no FINESS)
            e["resource"]["identifier"][0]["value"]
            for e in first["entry"]
            if e["resource"].get("identifier")
        )
        sync_queries = {**SYNC, "capacity sync (identifier)": [("identifier", identifier)]}
        for name, params in sync_queries.items():
            if args.only is not None and not any(part in name for part in args.only):
                continue
            query = [("_revinclude", "HealthcareService:location"), *params, *page]
            figures = measure(client, "/fhir/Location", query, args.repeat, args.budget)
            results["sync"][f"{name} / page of {args.count}"] = figures
            print(f"{name:40} {figures}", flush=True)
        if args.sync:
            query = [
                ("_revinclude", "HealthcareService:location"),
                ("_count", str(args.sync_count)),
            ]
            try:
                figures = follow(client, query)
            except Refused as refused:
                figures = {"refused": str(refused)}
            results["sync"]["national, every page"] = figures
            print(f"national capacity sync, every page: {figures}", flush=True)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
