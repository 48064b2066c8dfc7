"""Shared test data for the availability tests: a synthetic dataset in a real embedded engine,
tokens for readers and writers, counters, and the overview computed directly from offers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ror.access.tokens import TokenStore
from ror.availability.keys import location_key, location_keys
from ror.availability.overview import (
    BUCKETS,
    METRICS,
    STATUS_METRIC,
    OverviewQuery,
    freshness_bucket,
)
from ror.indexer.synthetic import generate
from ror.model import Capacity, Offer
from ror.nomenclature.named_codes import CURRENT

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
SIZE = 1500
SEED = 11


def offers(size: int = SIZE, seed: int = SEED) -> list[Offer]:
    return list(generate(size, seed=seed, now=NOW))


def shared_location(items: Sequence[Offer], min_offers: int = 2) -> tuple[str, list[Offer]]:
    """A Location with counters used by several offers, and those offers."""
    users: dict[str, list[Offer]] = {}
    for o in items:
        for loc in o.location_ids:
            users.setdefault(loc, []).append(o)
    for loc, found in sorted(users.items()):
        if len(found) >= min_offers and any(c.location_id == loc for c in found[0].capacities):
            return loc, found
    raise AssertionError("no shared Location with counters in the dataset")


def counter(
    count: int,
    at: datetime,
    *,
    status: str = "02",
    nature: str = "01",
    gender: str | None = "03",
    temporality: str = "01",
    assignment: str = "01",
    location_id: str = "",
) -> Capacity:
    return Capacity(
        nature=nature,
        status=status,
        temporality=temporality,
        count=count,
        updated_at=at,
        source="02",
        gender=gender if status == "02" else None,
        assignment=assignment,
        location_id=location_id,
    )


def minutes(n: float) -> datetime:
    return NOW + timedelta(minutes=n)


@dataclass(frozen=True)
class Tokens:
    store: TokenStore
    values: dict[str, str]

    def header(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.values[name]}"}


def make_tokens(path: Path, writer_finess: Iterable[str]) -> Tokens:
    """Readers of every profile, a writer scoped to ``writer_finess``, a writer for all."""
    store = TokenStore(path)
    values = {f"p{p}": store.create(f"profil {p}", p)[0] for p in range(6)}
    values["writer"] = store.create("lits CH test", 2, list(writer_finess))[0]
    values["all"] = store.create("GRADeS test", 1, ["*"])[0]
    return Tokens(store, values)


# --- the overview, computed directly -----------------------------------------------------------


def newest_by_location(
    items: Sequence[Offer], pushed: Iterable[tuple[str, Capacity]] = ()
) -> dict[str, dict[tuple[str, ...], Capacity]]:
    """Per Location key, per counter key, the newest counter (loaded, then pushed)."""
    out: dict[str, dict[tuple[str, ...], Capacity]] = {}
    stream = [(location_key(o.id, c.location_id), c) for o in items for c in o.capacities]
    for loc, c in [*stream, *pushed]:
        kept = out.setdefault(loc, {})
        old = kept.get(c.key())
        if old is None or c.updated_at > old.updated_at:
            kept[c.key()] = c
    return out


def reference_overview(
    items: Sequence[Offer],
    query: OverviewQuery,
    now: datetime,
    pushed: Iterable[tuple[str, Capacity]] = (),
) -> dict[str, dict[str, object]]:
    """Area code -> figures, from the offers themselves (no engine involved)."""
    counters = newest_by_location(items, pushed)
    area_of: dict[str, str] = {}
    for o in items:  # load order: a Location belongs to the area of its first offer
        for loc in location_keys(o):
            area_of.setdefault(loc, getattr(o.place, query.group_by))
    wanted: set[str] = set()
    for o in items:
        if all(set(getattr(o, name)) & set(codes) for name, codes in query.codes()):
            wanted.update(location_keys(o))
    out: dict[str, dict[str, object]] = {}
    for loc in sorted(wanted):
        counted = [
            c
            for c in counters.get(loc, {}).values()
            if c.nature == query.bed_nature
            and c.temporality == CURRENT
            and c.status in STATUS_METRIC
        ]
        if not counted:
            continue
        area = out.setdefault(
            area_of[loc], {**dict.fromkeys(METRICS, 0), "units": 0, "freshness": [0] * 6}
        )
        for c in counted:
            name = STATUS_METRIC[c.status]
            area[name] = int(area[name]) + max(c.count, 0)  # type: ignore[call-overload]
        area["units"] = int(area["units"]) + 1  # type: ignore[call-overload]
        latest = max(c.updated_at for c in counted)
        bucket = freshness_bucket((now - latest).total_seconds() / 3600)
        area["freshness"][bucket] += 1  # type: ignore[index]
    for figures in out.values():
        figures["freshness"] = dict(zip(BUCKETS, figures["freshness"], strict=True))  # type: ignore[call-overload]
    return out


def answered_areas(answer: dict[str, object]) -> dict[str, dict[str, object]]:
    """Areas with units of an overview answer, in the reference's shape."""
    out = {}
    for area in answer["areas"]:  # type: ignore[attr-defined]
        if area["units"]:
            out[area["code"]] = {k: area[k] for k in (*METRICS, "units", "freshness")}
    return out
