"""Availability updates: bed-management pushes (``Engine.update_capacities``) per second.

A push is one Location's "available" counters (R330 02) with new counts and a fresh
``updated_at`` (strictly increasing, so every push applies). Locations are drawn, seeded, among
those of the dataset that report availability. Measured alone, and while the HTTP server
answers searches on the same file from its worker processes: at a steady rate (how searches
fare under a realistic push flow) and as fast as they go (the update throughput with
concurrent searches).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.stats import ms, percentile, rounded
from ror.model import Capacity, Offer
from ror.search.engine import Engine

AVAILABLE = "02"  # R330 Disponible
INSTALLED = "01"  # R330 Installé


class Pushes:
    """An endless, seeded stream of (location id, counters) pushes."""

    def __init__(self, offers: Iterable[Offer], seed: int) -> None:
        counters: dict[str, dict[tuple[str, ...], Capacity]] = {}
        for offer in offers:
            for c in offer.capacities:
                if c.location_id:
                    counters.setdefault(c.location_id, {})[c.key()] = c
        self.locations = {
            loc: list(by_key.values())
            for loc, by_key in sorted(counters.items())
            if any(c.status == AVAILABLE for c in by_key.values())
        }
        self.ids = list(self.locations)
        self.rng = random.Random(f"{seed}:updates")
        self.clock = datetime.now(UTC)

    def __len__(self) -> int:
        return len(self.ids)

    def next(self) -> tuple[str, list[Capacity]]:
        loc = self.rng.choice(self.ids)
        counters = self.locations[loc]
        installed = sum(c.count for c in counters if c.status == INSTALLED) or 10
        self.clock = max(self.clock + timedelta(microseconds=1), datetime.now(UTC))
        return loc, [
            replace(c, count=self.rng.randint(0, installed), updated_at=self.clock, source="02")
            for c in counters
            if c.status == AVAILABLE
        ]


@dataclass(slots=True)
class UpdateFigures:
    label: str
    latencies_s: list[float] = field(default_factory=list)
    seconds: float = 0.0
    counters: int = 0
    applied: int = 0
    stale: int = 0

    def to_dict(self) -> dict[str, Any]:
        n = len(self.latencies_s)
        return {
            "label": self.label,
            "pushes": n,
            "counters": self.counters,
            "applied": self.applied,
            "ignored_stale": self.stale,
            "seconds": rounded(self.seconds, 2),
            "pushes_per_second": rounded(n / self.seconds if self.seconds else None, 1),
            "p50_ms": rounded(percentile(ms(self.latencies_s), 50)),
            "p95_ms": rounded(percentile(ms(self.latencies_s), 95)),
        }


def push(
    engine: Engine,
    pushes: Pushes,
    label: str,
    *,
    count: int | None = None,
    seconds: float | None = None,
    rate: float | None = None,
) -> UpdateFigures:
    """Push ``count`` updates, or as many as fit in ``seconds``, one transaction each; at most
    ``rate`` per second when given (else as fast as they go)."""
    figures = UpdateFigures(label)
    started = time.perf_counter()
    deadline = started + seconds if seconds is not None else float("inf")
    while (count is None or len(figures.latencies_s) < count) and time.perf_counter() < deadline:
        if rate:
            wait = started + len(figures.latencies_s) / rate - time.perf_counter()
            if wait > 0:
                time.sleep(min(wait, max(deadline - time.perf_counter(), 0.0)))
                if time.perf_counter() >= deadline:
                    break
        loc, counters = pushes.next()
        t = time.perf_counter()
        result = engine.update_capacities(loc, counters)
        figures.latencies_s.append(time.perf_counter() - t)
        figures.counters += len(counters)
        figures.applied += result.applied
        figures.stale += result.ignored_stale
    figures.seconds = time.perf_counter() - started
    return figures
