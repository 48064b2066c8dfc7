"""A deterministic synthetic national ROR dataset, for demos and benchmarks (DESIGN §9).

``generate(size, seed, now=...)`` yields ``size`` realistic :class:`~ror.model.Offer` documents,
lazily: hospital sites with many units (emergency, ICU, USC/USIC/USINV, maternity with its
level, surgery, medicine, psychiatry, SMR) sharing their establishment, buildings and some
Locations; EHPAD with their prices and social-aid accreditation; home-care services with
intervention zones; medico-social services for disabled children and adults; private
practices. Placement follows commune population (``synthetic_places``), the national mix is in
``synthetic_plan``, offers are built by ``synthetic_offers`` from the kinds of units and
establishments in ``synthetic_units`` and ``synthetic_catalogue``, counters in
``synthetic_capacity``, names, contacts and prices in ``synthetic_org``.

The same ``size``, ``seed`` and ``now`` always give the same offers in the same order, ids
included (``syn-hs-0000001``…); ``now`` defaults to the current time (UTC, whole seconds) and
anchors every date (capacity updates within the last 48 h, closures, lastUpdated).

Pipeline: plan (numpy, up front) -> for each establishment: its units -> its Locations and
counters -> its offers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np

from ror.errors import InvalidInput
from ror.indexer.synthetic_offers import BLOCK, OfferBuilder
from ror.indexer.synthetic_places import commune_table
from ror.indexer.synthetic_plan import build_plan
from ror.model import Offer

DEFAULT_DEMO_SIZE = 100_000
BENCH_SIZE = 1_000_000


def demo_dataset_size() -> int:
    """Offers in the demo dataset (``ror demo`` without ``--size``)."""
    return DEFAULT_DEMO_SIZE


def generate(size: int, seed: int = 0, *, now: datetime | None = None) -> Iterator[Offer]:
    """Yield ``size`` synthetic offers, deterministically for a given size, seed and now."""
    return itertools.chain.from_iterable(generate_blocks(size, seed, now=now))


def generate_blocks(
    size: int, seed: int = 0, *, now: datetime | None = None, part: int = 0, parts: int = 1
) -> Iterator[Iterator[Offer]]:
    """The offers of ``generate(size, seed, now=now)`` in blocks (``synthetic_offers.BLOCK``
    establishments each), every ``parts``-th block from block ``part``: ``parts`` processes
    can build a dataset together, and interleaving their blocks gives ``generate``'s offers."""
    check_count(size, "size")
    check_count(seed, "seed")
    check_count(parts, "parts", minimum=1)
    if isinstance(part, bool) or not isinstance(part, int) or not 0 <= part < parts:
        raise InvalidInput(f"part must be in 0..{parts - 1}, got {part!r}", field="part")
    if now is None:
        moment = datetime.now(UTC).replace(microsecond=0)
    elif not isinstance(now, datetime):
        raise InvalidInput(f"now must be a datetime, got {now!r}", field="now")
    else:
        moment = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    table = commune_table()
    plan = build_plan(size, np.random.default_rng([seed, 0x524F52]), table)
    builder = OfferBuilder(table, f"ror-synthetic/{seed}", moment)
    blocks = range(part, -(-len(plan) // BLOCK), parts)
    return (builder.block(plan, number) for number in blocks)


def check_count(value: object, name: str, *, minimum: int = 0) -> None:
    """Refuse anything but an integer of at least ``minimum``, naming the field."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        what = "a non-negative integer" if minimum == 0 else f"an integer >= {minimum}"
        raise InvalidInput(f"{name} must be {what}, got {value!r}", field=name)
