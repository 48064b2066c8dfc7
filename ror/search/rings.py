"""Candidates as ring arrays: the engine capability the ranker reads many units at a time.

An engine that can give its distance stream ring by ring as numpy arrays returns a
:class:`RingStream` in ``Candidates.rings``; the ranker then ranks whole rings
(``ranker_rings``), and anyone else reads the same object as the plain ``Candidate`` stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from ror.criteria import BedNeed
from ror.geo.distance import EARTH_RADIUS_KM, dot_to_km
from ror.nomenclature.named_codes import CURRENT, NO_ASSIGNMENT
from ror.ranking.scoring import UnitFacts
from ror.search.engine import Candidate, RingMark, Streamed

# The availability figures a ring carries per unit, rows of ``Ring.figures``.
FIGURES: Final = ("free_01", "free_02", "since_01", "since_02", "installed_01", "installed_02")
FREE: Final = {"01": 0, "02": 1}  # bed nature -> figure of free beds; +2: since; +4: installed

Floats = NDArray[np.float64]


def union(pieces: Sequence[NDArray[np.int64]]) -> NDArray[np.int64]:
    """The values of integer arrays, ascending, each once: a sort and a comparison with the
    neighbour (``np.unique`` hashes integers, 15 times slower on a million refs)."""
    values = np.sort(np.concatenate(pieces), kind="stable") if pieces else _NONE
    if len(values) < 2:
        return values
    out: NDArray[np.int64] = values[np.concatenate(([True], values[1:] != values[:-1]))]
    return out


_NONE: Final = np.empty(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Ring:
    """Candidates of one ring as arrays (every unit passing the code filters and failing at
    most one prefilter criterion), any order within the ring. ``covered``: every unit within
    this distance has been given by this ring or earlier ones (None: every unit)."""

    refs: NDArray[np.int64]
    dots: Floats | None  # None: the query has no point
    fails: NDArray[np.int8]
    sure: NDArray[np.bool_]
    covered: float | None
    social_aid: NDArray[np.bool_]
    price_floor: Floats  # the selected monthly price when known, else the cheapest; nan: none
    figures: Floats  # availability figures, shape (6, n) (:data:`FIGURES`)

    def __len__(self) -> int:
        return len(self.refs)

    def km(self) -> Floats | None:
        """Distances (numpy ``arccos``: may differ from ``dot_to_km`` in the last bit)."""
        if self.dots is None:
            return None
        return np.arccos(np.clip(self.dots, -1.0, 1.0)) * EARTH_RADIUS_KM

    def take(self, index: NDArray[Any]) -> Ring:
        return Ring(
            self.refs[index],
            None if self.dots is None else self.dots[index],
            self.fails[index],
            self.sure[index],
            self.covered,
            self.social_aid[index],
            self.price_floor[index],
            self.figures[:, index],
        )

    def facts(self, need: BedNeed | None) -> UnitFacts:
        """The facts bounding each unit's score for a bed need (``ranking.UnitFacts``)."""
        n = len(self.refs)
        free = np.full(n, np.inf)
        since = np.full(n, np.inf)
        installed = np.full(n, np.inf)
        if need is not None and need.nature in FREE:
            k = FREE[need.nature]
            installed = self.figures[4 + k]
            if need.temporality == CURRENT and need.assignment == NO_ASSIGNMENT:
                free = self.figures[k]  # every gender: at least what one gender has
                if need.gender is None:
                    since = self.figures[2 + k]
                else:  # fewer counters may be summed: their oldest may be younger
                    since = np.where(np.isnan(self.figures[2 + k]), np.nan, np.inf)
        return UnitFacts(self.social_aid.astype(bool), self.price_floor, free, since, installed)

    def candidates(self) -> list[Candidate]:
        """The units as ``Candidate``, nearest first (ties by ref)."""
        if self.dots is None:
            order = np.argsort(self.refs, kind="stable")
        else:
            order = np.lexsort((self.refs, -self.dots))
        refs = self.refs[order].tolist()
        fails = self.fails[order].tolist()
        sure = self.sure[order].tolist()
        if self.dots is None:
            return [Candidate(r, None, f, s) for r, f, s in zip(refs, fails, sure, strict=True)]
        dots = self.dots[order].tolist()
        return [
            Candidate(r, dot_to_km(d), f, s)
            for r, d, f, s in zip(refs, dots, fails, sure, strict=True)
        ]


IdOrder = Callable[[str, str, int], tuple[list[int], str]]
"""``(after, before, limit)``: the rids of the offers whose id lies strictly between, in id
order, at most ``limit`` of them, and the last one's id (``""`` when none): flat, a long run
of ties makes no object per offer for the cyclic collector to walk."""


class RingStream(Iterator[Streamed]):
    """The distance-ordered ``Candidate`` stream of the engine contract, also readable ring by
    ring as arrays (:meth:`rings`). Read one way only. ``by_zone``: the units of
    ``Candidates.by_zone`` as arrays."""

    def __init__(self, rings: Iterator[Ring], by_zone: Ring | None = None) -> None:
        self._rings = rings
        self._pending: Iterator[Streamed] = iter(())
        self.by_zone = by_zone
        self.in_id_order: IdOrder | None = None  # set by the engine: ties are read by id

    def rings(self) -> Iterator[Ring]:
        return self._rings

    def __next__(self) -> Streamed:
        while True:
            for c in self._pending:
                return c
            ring = next(self._rings)  # StopIteration ends the stream
            items: list[Streamed] = [*ring.candidates()]
            if ring.covered is not None and ring.dots is not None:
                items.append(RingMark(ring.covered))
            self._pending = iter(items)

    def close(self) -> None:
        close = getattr(self._rings, "close", None)
        if close is not None:
            close()
