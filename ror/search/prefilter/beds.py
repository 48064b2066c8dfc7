"""Beds: free beds (R329 01) or places (02) now, every gender summed (R330 02 available,
temporality 01, assignment 01), at least the number asked.

Exact when no gender is asked, an upper bound (lenient) otherwise (``Prefilter.exact``); the
truth is ``ranking.beds.available_beds``. The sums are ``columns.available_counts``: the
``offer_meta`` columns of the embedded engine, ``free.<nature>_01_01_all`` of a document.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ror.mappings import fields as f
from ror.mappings.dsl import Clause
from ror.search.prefilter.columns import Column, Criterion, OfferColumns, Params, Prefilter, Test


def _asked(p: Prefilter) -> bool:
    return p.bed_nature is not None and p.bed_min > 0


def _column(p: Prefilter) -> str:
    return "beds" if p.bed_nature == "01" else "places"


def _fails(c: OfferColumns, p: Prefilter) -> bool:
    have = c.beds_available if p.bed_nature == "01" else c.places_available
    return have < p.bed_min


def _array(p: Prefilter) -> Test:
    name, wanted = _column(p), p.bed_min

    def short(column: Column) -> NDArray[np.bool_]:
        out: NDArray[np.bool_] = column(name) < wanted
        return out

    return short


def _sql(p: Prefilter) -> tuple[str, Params]:
    column = _column(p)
    return (
        f"((SELECT m.{column} FROM offer_meta m WHERE m.rid = c.rid) < :bed_min)",
        {"bed_min": p.bed_min},
    )


def _clause(p: Prefilter) -> Clause:
    return {"range": {f"{f.FREE}.{p.bed_nature}_01_01_all": {"gte": p.bed_min}}}


BEDS = Criterion("beds", _asked, _fails, _array, _sql, _clause)
