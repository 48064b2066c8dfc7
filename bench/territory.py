"""Searches over a territory (a département or région as the place), timed on an index.

    .venv/bin/python -m bench.territory --db var/demo.sqlite [--repeat 3] [--check]

Every région and every département, each alone, for a common activity (R211 293, with facets,
as the search page asks) and for nursing homes (R244 21, with an age): the units located in the
territory are ranked and all counted, so the cost grows with the territory, not with a radius.
``--check`` compares each answer with the brute-force reference (reads every offer: slow).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from ror.criteria import Criteria
from ror.geo import gazetteer
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.pipeline import search

NOW = datetime(2026, 11, 26, 14, tzinfo=UTC)


def cases() -> Iterator[tuple[str, Criteria]]:
    gaz = gazetteer()
    places = [*(f"R:{c}" for c in gaz.regions()), *(f"D:{c}" for c in gaz.departements())]
    for key in places:
        place = gaz.region_name(key[2:]) if key[0] == "R" else key[2:]
        yield key, Criteria(place=place, activity=("293",), facets=True, now=NOW)
        yield key, Criteria(place=place, offer_type=("21",), age=85, facets=False, now=NOW)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    engine = EmbeddedEngine(args.db)
    engine.warm_up()
    reference = None
    if args.check:
        from bench.reference import Reference

        with engine.snapshot():
            refs = [ref for ref, _ in engine.offers_in_id_order("", engine.count() + 1)]
            reference = Reference(engine.offers(refs))
    timings: dict[str, list[float]] = {"région": [], "département": []}
    worst: tuple[float, str] = (0.0, "")
    for key, criteria in cases():
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = search(criteria, engine, now=NOW)
            best = min(best, (time.perf_counter() - started) * 1000)
        timings["région" if key[0] == "R" else "département"].append(best)
        worst = max(worst, (best, f"{key} {criteria.activity or criteria.offer_type}"))
        if reference is not None:
            want = reference.search(criteria, NOW)
            assert ([m.offer.id for m in result.matches], result.total) == (
                list(want.ids),
                want.total,
            ), (key, criteria)
    for kind, values in timings.items():
        values.sort()
        print(
            f"{kind:12} {len(values):4} searches  p50 {statistics.median(values):7.1f} ms  "
            f"p95 {values[int(0.95 * (len(values) - 1))]:7.1f} ms  max {values[-1]:7.1f} ms"
        )
    print(f"slowest: {worst[1]} {worst[0]:.1f} ms" + ("; all equal the reference" * args.check))
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
