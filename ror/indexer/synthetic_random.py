"""The random source of the synthetic generator: ``random.Random`` with fast, readable draws.

``randint`` and ``choice`` of the standard library cost about 1 µs each (rejection sampling in
Python); the generator makes millions of such draws, so these use one ``random()`` call each.
The bias (below 1e-9 for the small ranges used here) does not matter for synthetic data;
determinism does, and a seeded instance gives the same draws on every platform.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class Draw(random.Random):
    """A seeded random source: ``Draw("ror-synthetic/0")``."""

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high], both included."""
        return low + int(self.random() * (high - low + 1))

    def pick(self, items: Sequence[T]) -> T:
        """One item, uniformly."""
        return items[int(self.random() * len(items))]

    def chance(self, probability: float) -> bool:
        """True with the given probability."""
        return self.random() < probability

    def digits(self, count: int) -> str:
        """``count`` random decimal digits (leading zeros kept)."""
        return f"{int(self.random() * 10**count):0{count}d}"
