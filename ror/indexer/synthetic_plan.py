"""The national plan of a synthetic dataset: which establishments, where, with how many offers.

Drawn up front with numpy (a few columns per establishment, a few MB at several million
offers); offers are then built lazily from it. The mix is set per kind as a share of offers,
calibrated so that 100 000 offers look like the national ROR: ~7 500 EHPAD, ~45 CHU sites,
~550 CH, clinics, SMR and psychiatric hospitals with many units each, ~10 000 home-care
services, ~12 000 medico-social establishments for disabled people, and private practices
for the rest. At other sizes every count scales with ``size``; anchor cities (each région's
largest city and every city over 150 k gets a CHU, each département's main town a CH) are
served first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ror.indexer.synthetic_catalogue import (
    PRACTICE_VARIANTS,
    SERVICE_KINDS,
    SITE_PROFILES,
)
from ror.indexer.synthetic_places import (
    CommuneTable,
    general_hospital_anchors,
    jitter,
    university_hospital_anchors,
)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MAX_JITTER_KM = 0.6


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of establishment and its share of the offers."""

    name: str
    share: float  # of all offers
    min_population: int  # communes smaller than this get none
    exponent: float  # sampling weight = population ** exponent
    units: tuple[int, int, int] = (1, 1, 1)  # hospitals: offers per site (min, mode, max)


PRACTICE = "practice"

# Order matters (it is part of the seed's meaning): do not reorder, append.
KINDS: tuple[Kind, ...] = (
    Kind("chu", 0.047, 100_000, 1.0, (60, 100, 160)),
    Kind("ch", 0.154, 5_000, 1.0, (8, 25, 55)),
    Kind("local_hospital", 0.011, 1_500, 0.7, (2, 4, 7)),
    Kind("surgical_clinic", 0.05, 15_000, 1.0, (4, 9, 18)),
    Kind("medical_clinic", 0.012, 10_000, 1.0, (3, 5, 10)),
    Kind("rehab", 0.022, 2_000, 0.8, (2, 4, 8)),
    Kind("psychiatric", 0.022, 10_000, 1.0, (8, 20, 40)),
    Kind("had", 0.006, 10_000, 1.0),
    Kind("ehpad", 0.205, 300, 0.85),
    Kind("autonomy_residence", 0.02, 2_000, 1.0),
    Kind("home_care", 0.105, 500, 0.9),
    Kind("disability_child", 0.05, 2_000, 1.0),
    Kind("disability_adult", 0.06, 1_000, 0.9),
    Kind(PRACTICE, 0.0, 200, 1.0),  # the rest
    Kind("territory", 0.012, 3_000, 1.0),  # PMI, MSP, CAARUD, LHSS, DAC, CPTS…
)
KIND_INDEX = {kind.name: i for i, kind in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class Plan:
    """One row per establishment, in output order."""

    kind: IntArray  # index into KINDS
    variant: IntArray  # index into the kind's variants (services, practices)
    mask: IntArray  # which of the variant's units open (bit i = unit i), services only
    offers: IntArray  # number of offers of the establishment
    commune: IntArray  # index into the commune table
    lat: FloatArray
    lon: FloatArray

    def __len__(self) -> int:
        return len(self.kind)


def offer_budgets(size: int) -> list[int]:
    """Offers per kind, summing to ``size`` exactly (largest remainder)."""
    shares = [kind.share for kind in KINDS]
    shares[KIND_INDEX[PRACTICE]] = max(0.0, 1.0 - sum(shares))
    exact = [share * size for share in shares]
    budgets = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (budgets[i] - exact[i], i))
    for i in order[: size - sum(budgets)]:
        budgets[i] += 1
    return budgets


def build_plan(size: int, rng: np.random.Generator, table: CommuneTable) -> Plan:
    """Draw every establishment of a ``size``-offer dataset, shuffled into output order."""
    chu_anchors = university_hospital_anchors(table)
    anchors = {
        "chu": chu_anchors,
        "ch": general_hospital_anchors(table, chu_anchors),
    }
    columns: list[tuple[IntArray, ...]] = []
    for index, (kind, budget) in enumerate(zip(KINDS, offer_budgets(size), strict=True)):
        if budget == 0:
            continue
        variant, mask, offers = _draw_offers(rng, kind, budget)
        avoid = chu_anchors if kind.name == "ch" else []  # a CHU city's hospital is the CHU
        commune = _place(rng, kind, table, len(offers), anchors.get(kind.name, []), avoid)
        columns.append((np.full(len(offers), index), variant, mask, offers, commune))
    if not columns:
        empty = np.zeros(0, dtype=np.int64)
        return Plan(empty, empty, empty, empty, empty, empty.astype(float), empty.astype(float))
    kind_col, variant_col, mask_col, offers_col, commune_col = (
        np.concatenate([c[i] for c in columns]).astype(np.int64) for i in range(5)
    )
    order = rng.permutation(len(kind_col))
    commune_col = commune_col[order]
    lat, lon = jitter(rng, table.lat[commune_col], table.lon[commune_col], MAX_JITTER_KM)
    return Plan(
        kind_col[order],
        variant_col[order],
        mask_col[order],
        offers_col[order],
        commune_col,
        lat,
        lon,
    )


def _draw_offers(
    rng: np.random.Generator, kind: Kind, budget: int
) -> tuple[IntArray, IntArray, IntArray]:
    """Variants, unit masks and offer counts of just enough establishments for ``budget``."""
    count = 16
    while True:
        count = max(count, int(budget / _mean_offers(kind) * 1.25) + 16)
        variant, mask, offers = _draw(rng, kind, count)
        total = np.cumsum(offers)
        if total[-1] >= budget:
            break
        count *= 2
    keep = int(np.searchsorted(total, budget)) + 1
    variant, mask, offers = variant[:keep].copy(), mask[:keep].copy(), offers[:keep].copy()
    excess = int(total[keep - 1]) - budget
    if excess:
        offers[-1] -= excess
        if kind.name in SERVICE_KINDS:
            mask[-1] = _drop_high_bits(int(mask[-1]), int(offers[-1]))
    return variant, mask, offers


def _draw(rng: np.random.Generator, kind: Kind, count: int) -> tuple[IntArray, IntArray, IntArray]:
    zeros = np.zeros(count, dtype=np.int64)
    if kind.name in SITE_PROFILES:
        low, mode, high = kind.units
        offers = np.floor(rng.triangular(low, mode, high + 1, count)).astype(np.int64)
        return zeros, zeros.copy(), np.minimum(offers, high)
    if kind.name in SERVICE_KINDS:
        variants = SERVICE_KINDS[kind.name]
        weights = np.array([v.weight for v in variants])
        variant = rng.choice(len(variants), size=count, p=weights / weights.sum())
        width = max(len(v.units) for v in variants)
        draws = rng.random((count, width))
        probs = np.zeros((len(variants), width))
        for i, v in enumerate(variants):
            probs[i, : len(v.units)] = [p for _, p in v.units]
        opened = draws < probs[variant]
        opened[:, 0] = True
        mask = (opened * (1 << np.arange(width))).sum(axis=1).astype(np.int64)
        return variant.astype(np.int64), mask, opened.sum(axis=1).astype(np.int64)
    weights = np.array([v.weight for v in PRACTICE_VARIANTS])
    variant = rng.choice(len(PRACTICE_VARIANTS), size=count, p=weights / weights.sum())
    lows = np.array([v.offers[0] for v in PRACTICE_VARIANTS])[variant]
    highs = np.array([v.offers[1] for v in PRACTICE_VARIANTS])[variant]
    offers = lows + np.floor(rng.random(count) * (highs - lows + 1)).astype(np.int64)
    return variant.astype(np.int64), zeros, offers


def _mean_offers(kind: Kind) -> float:
    if kind.name in SITE_PROFILES:
        return sum(kind.units) / 3
    if kind.name in SERVICE_KINDS:
        variants = SERVICE_KINDS[kind.name]
        total = sum(v.weight for v in variants)
        return sum(v.weight * sum(p for _, p in v.units) for v in variants) / total
    total = sum(v.weight for v in PRACTICE_VARIANTS)
    return sum(v.weight * (v.offers[0] + v.offers[1]) / 2 for v in PRACTICE_VARIANTS) / total


def _drop_high_bits(mask: int, keep: int) -> int:
    """Keep the ``keep`` lowest set bits of ``mask`` (unit 0, always set, stays)."""
    out, kept, bit = 0, 0, 0
    while kept < keep and mask >> bit:
        if mask >> bit & 1:
            out |= 1 << bit
            kept += 1
        bit += 1
    return out


def _place(
    rng: np.random.Generator,
    kind: Kind,
    table: CommuneTable,
    count: int,
    anchors: list[int],
    avoid: list[int],
) -> IntArray:
    """Communes of ``count`` establishments: anchors first, then weighted by population.

    Hospital sites go to distinct communes while there are plenty to choose from (a town has
    one hospital; at benchmark sizes big towns get several).
    """
    fixed = np.array(anchors[:count], dtype=np.int64)
    rest = count - len(fixed)
    if rest <= 0:
        return fixed
    probabilities = table.probabilities(kind.min_population, kind.exponent)
    taken = [*avoid, *fixed.tolist()] if kind.name in SITE_PROFILES else list(avoid)
    if taken:
        probabilities = probabilities.copy()
        probabilities[taken] = 0.0
        probabilities /= probabilities.sum()
    unique = kind.name in SITE_PROFILES and rest <= np.count_nonzero(probabilities) // 2
    drawn = rng.choice(len(table), size=rest, p=probabilities, replace=not unique)
    return np.concatenate([fixed, drawn.astype(np.int64)])
