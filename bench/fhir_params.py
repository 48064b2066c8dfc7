"""Time each FHIR search parameter alone, in process, over an embedded index (issue 18, item 2).

    ror demo --db /tmp/offers-1m.sqlite --size 1000000
    python -m bench.fhir_params --db /tmp/offers-1m.sqlite --repeat 21 --out fhir_params.json

Every parameter without a position (``identifier``, ``organization.identifier``, ``_lastUpdated``,
``name``, ``_tag``, postcode, commune, capacity and price parameters, Location ``_id`` and its
conditions…) is asked for a page of ``--count`` (20) as ``GET /fhir/…`` answers it: parse, the
listing or the search, the Bundle (includes of the national tail). Values come from the index
itself (an offer in the middle of the id order, its establishment, its Location…), so the same
command runs at any size. Each query is asked once untimed, then ``--repeat`` times; the report
gives p50, p95 and max in ms, the total and the number of offers read (``Engine.offers``).
``--search-only`` times the search without building the Bundle (issue 15's figures).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ror.access.profiles import audience
from ror.api.fhir.answer import answer as answer_of
from ror.api.fhir.answer import resolved
from ror.api.fhir.bundle import Links, searchset
from ror.api.fhir.params import parse_search
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine

Query = tuple[str, list[tuple[str, str]]]
TAIL = [
    ("_include", "HealthcareService:organization"),
    ("_include:iterate", "Organization:partof"),
    ("_include", "HealthcareService:location"),
    ("_revinclude", "PractitionerRole:service"),
]
AGE = "(age-range-low le 35 and age-range-high ge 35)"
NEAR = "43.6045|1.4440|20|km"  # Toulouse


def queries(engine: EmbeddedEngine) -> list[tuple[str, Query]]:
    """The queries, with values read from the index (an offer in the middle of the id order)."""
    total = engine.count()
    rows = engine.offers_in_id_order("", max(1, total // 2) + 1)
    offer = _with_finess(engine, [ref for ref, _ in rows[-200:]])
    loc = offer.location_ids[0] if offer.location_ids else ""
    recent, middle = _days(engine)
    name = (offer.name or "a").split()[0][:6]
    hs, lo = "HealthcareService", "Location"
    return [
        ("_count only", (hs, [])),
        ("_id", (hs, [("_id", offer.id)])),
        ("identifier", (hs, [("identifier", offer.ror_id or offer.id)])),
        ("organization.identifier (FINESS)", (hs, [("organization.identifier", _finess(offer))])),
        (
            "organization.identifier:above (FINESS)",
            (hs, [("organization.identifier:above", _finess(offer))]),
        ),
        ("_lastUpdated=ge (last day)", (hs, [("_lastUpdated", f"ge{recent}")])),
        ("_lastUpdated=lt (older half)", (hs, [("_lastUpdated", f"lt{middle}")])),
        ("_sort=-_lastUpdated", (hs, [("_sort", "-_lastUpdated")])),
        (
            "_lastUpdated=ge + _sort=-_lastUpdated",
            (hs, [("_lastUpdated", f"ge{recent}"), ("_sort", "-_lastUpdated")]),
        ),
        ("name", (hs, [("name", name)])),
        ("_tag", (hs, [("_tag", offer.region_tag or "11")])),
        ("location.address-postalcode", (hs, [("location.address-postalcode", _postcode(offer))])),
        ("location.commune-cog", (hs, [("location.commune-cog", offer.place.commune)])),
        ("location.identifier", (hs, [("location.identifier", _loc_identifier(offer, loc))])),
        ("capacity alone", (hs, [("location.capacity-status", "02"), ("_tag", "11")])),
        ("price alone", (hs, [("organization.price-type", "02"), ("_tag", "11")])),
        (
            "price type + _lastUpdated=lt (two wide keys)",
            (hs, [("organization.price-type", "02"), ("_lastUpdated", f"lt{middle}")]),
        ),
        ("_filter age range + specialty", (hs, [("specialty", "025"), ("_filter", AGE)])),
        (
            "_filter age range + specialty + near",
            (hs, [("specialty", "025"), ("_filter", AGE), ("location.near", NEAR)]),
        ),
        (
            "§9 capacity group (free bed)",
            (
                hs,
                [
                    ("location.capacity-type", "01"),
                    ("location.capacity-status", "02"),
                    ("location.temporality-capacity", "01"),
                    ("location.temporary-assignement", "01"),
                    ("location.nb-capacity", "gt0"),
                ],
            ),
        ),
        (
            "§9 closed re-openable beds",
            (
                hs,
                [
                    ("location.capacity-type", "01"),
                    ("location.capacity-closing-type", "01"),
                    ("location.capacity-status", "05"),
                    ("location.nb-capacity", "gt0"),
                ],
            ),
        ),
        ("§9 price type", (hs, [("organization.price-type", "02")])),
        (
            "§9 EHPAD price",
            (
                hs,
                [
                    ("organization.price-type", "02"),
                    ("organization.price-amount-value", "lt75"),
                    ("_sort", "-organization.price-validity-start-date"),
                ],
            ),
        ),
        ("Location _id", (lo, [("_id", loc)])),
        ("Location identifier", (lo, [("identifier", _loc_identifier(offer, loc))])),
        ("Location commune-cog", (lo, [("commune-cog", offer.place.commune)])),
        ("Location address-postalcode", (lo, [("address-postalcode", _postcode(offer))])),
        ("Location _tag", (lo, [("_tag", offer.region_tag or "11")])),
        ("Location _lastUpdated=ge", (lo, [("_lastUpdated", f"ge{recent}")])),
        ("Location _lastUpdated=ge1970 (every one)", (lo, [("_lastUpdated", "ge1970-01-01")])),
    ]


def _with_finess(engine: EmbeddedEngine, refs: Sequence[int]) -> Offer:
    offers = engine.offers(list(refs))
    return next((o for o in reversed(offers) if o.establishment.finess), offers[-1])


def _finess(offer: Offer) -> str:
    return offer.establishment.finess or offer.establishment.id


def _postcode(offer: Offer) -> str:
    return offer.place.postal_code or "75"


def _loc_identifier(offer: Offer, loc: str) -> str:
    return f"{offer.establishment.finess}/{loc}" if offer.establishment.finess else loc


def _days(engine: EmbeddedEngine) -> tuple[str, str]:
    """The day of the newest offer date (``ge`` matches a few offers) and the median day."""
    rows = engine.offers_in_id_order("", 2000)
    dates = sorted(d for _, d in engine.order_keys([ref for ref, _ in rows]) if d is not None)
    if not dates:
        return "2025-01-01", "2024-01-01"
    return dates[-1].date().isoformat(), dates[len(dates) // 2].date().isoformat()


class Counting:
    """Counts the offers a search reads (``Engine.offers``)."""

    def __init__(self, engine: EmbeddedEngine) -> None:
        self.read = 0
        self._offers: Callable[[Sequence[int]], list[Offer]] = engine.offers

        def offers(refs: Sequence[int]) -> list[Offer]:
            self.read += len(refs)
            return self._offers(refs)

        engine.offers = offers  # type: ignore[method-assign]


def answer(
    engine: EmbeddedEngine, query: Query, count: int, tail: bool, bundle: bool = True
) -> dict[str, Any]:
    """The Bundle (``bundle`` False: the search only, its total)."""
    resource, params = query
    items = [*params, ("_count", str(count)), *(TAIL if tail and resource != "Location" else [])]
    if resource == "Location":
        items.append(("_revinclude", "HealthcareService:location"))
    request = parse_search(resource, items)  # type: ignore[arg-type]
    seen_by = audience(1)
    result = answer_of(resolved(request, engine, seen_by), engine, seen_by)
    if not bundle:
        return {"total": result.total}
    links = Links("http://bench/fhir", resource, tuple(items))
    return searchset(request, result, links, profile=1, fetch=engine.get)


def measure(
    engine: EmbeddedEngine, counting: Counting, query: Query, args: argparse.Namespace
) -> dict[str, Any]:
    bundle = answer(engine, query, args.count, args.tail)
    counting.read = 0
    times = []
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    for _ in range(args.repeat):
        started = clock()
        answer(engine, query, args.count, args.tail, args.bundle)
        times.append((clock() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return {
        "total": bundle.get("total"),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(times[-1], 2),
        "offers_read": counting.read // args.repeat,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="an embedded index (ror demo)")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--no-tail", dest="tail", action="store_false", help="without includes")
    parser.add_argument(
        "--search-only", dest="bundle", action="store_false", help="time the search, no Bundle"
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="cpu: this process's CPU time (a shared, loaded machine; SQLite runs in it)",
    )
    parser.add_argument("--only", default=None, help="the queries whose name holds this")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    engine = EmbeddedEngine(args.db)
    engine.warm_up()
    counting = Counting(engine)
    results: dict[str, Any] = {"offers": engine.count(), "count": args.count, "queries": {}}
    for name, query in queries(engine):
        if args.only and args.only not in name:
            continue
        figures = measure(engine, counting, query, args)
        results["queries"][name] = {"query": query[1], "resource": query[0], **figures}
        print(f"{name:42} {figures}", flush=True)
    engine.close()
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
