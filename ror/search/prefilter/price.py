"""Price ceiling: the monthly price the family would pay within the budget; no price fails.

- Exact for an age unknown or ≥ 60: the selected price ``ranking.prices.family_price`` (base
  price plus GIR 5-6 per reception × social aid, ``columns.PRICE_COLUMNS``) is computed at load
  time and holds until the next base or dependency price start date; past it, and for an age
  under 60, the cheapest base price (R246 02) as a monthly estimate stands in (lenient: never
  dearer than the price paid). Day care (priced per day) has no monthly price and fails.
- The Elasticsearch clause tests the cheapest base price only (lenient): the engine recounts
  each hit with the Python form.

The truth is ``ranking.eligibility._price``. :func:`sure_sql` / :func:`sure_array` say whether
a unit's count is exact (its selected prices hold).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from ror.mappings import fields as f
from ror.mappings.dsl import Clause
from ror.search.prefilter.columns import (
    PRICE_COLUMNS,
    Column,
    Criterion,
    OfferColumns,
    Params,
    Prefilter,
    Test,
    reception_of,
    selected_price_column,
)


def _asked(p: Prefilter) -> bool:
    return p.max_monthly_price_eur is not None


def _budget(p: Prefilter) -> float:
    assert p.max_monthly_price_eur is not None
    return p.max_monthly_price_eur


def price_holds(c: OfferColumns, moment: float | None) -> bool:
    """Whether the selected-price columns are valid at ``moment``."""
    if moment is None:
        return False
    return (c.price_from is None or moment >= c.price_from) and (
        c.price_until is None or moment < c.price_until
    )


def _fails(c: OfferColumns, p: Prefilter) -> bool:
    price = c.min_monthly_price_eur
    if p.price_column is not None and price_holds(c, p.now):
        price = c.selected_prices[list(PRICE_COLUMNS.values()).index(p.price_column)]
    return price is None or price > _budget(p)


def price_holds_array(column: Column, moment: float | None) -> NDArray[np.bool_]:
    """:func:`price_holds` of many units."""
    start, until = column("price_from"), column("price_until")
    if moment is None:
        return np.zeros(len(start), dtype=bool)
    return (np.isnan(start) | (moment >= start)) & (np.isnan(until) | (moment < until))


def _array(p: Prefilter) -> Test:
    budget, selected = _budget(p), p.price_column

    def too_dear(column: Column) -> NDArray[np.bool_]:
        price = column("price")
        if selected is not None:
            price = np.where(price_holds_array(column, p.now), column(selected), price)
        out: NDArray[np.bool_] = np.isnan(price) | (price > budget)
        return out

    return too_dear


PRICE_HOLDS: Final = (
    "((c.price_from IS NULL OR :now >= c.price_from) "
    "AND (c.price_until IS NULL OR :now < c.price_until))"
)


def _sql(p: Prefilter) -> tuple[str, Params]:
    params: Params = {"price": _budget(p)}
    col = p.price_column
    if col is None:
        return "(c.price IS NULL OR c.price > :price)", params
    params["now"] = p.now
    return (
        f"(CASE WHEN {PRICE_HOLDS} THEN (c.{col} IS NULL OR c.{col} > :price) "
        "ELSE (c.price IS NULL OR c.price > :price) END)"
    ), params


def _clause(p: Prefilter) -> Clause:
    return {"range": {f.MIN_MONTHLY_PRICE_EUR: {"lte": _budget(p)}}}


PRICE = Criterion("max_monthly_price_eur", _asked, _fails, _array, _sql, _clause)


def _selects(p: Prefilter) -> bool:
    return p.max_monthly_price_eur is not None and p.price_column is not None


def sure_sql(p: Prefilter) -> str:
    """1 when a row's failure count is exact (its selected prices hold), else 0."""
    return PRICE_HOLDS if _selects(p) else "1"


def sure_array(column: Column, p: Prefilter) -> NDArray[np.bool_]:
    """Whether each unit's failure count is exact (:func:`sure_sql`)."""
    if _selects(p):
        return price_holds_array(column, p.now)
    return np.ones(len(column("home")), dtype=bool)


def price_column_for(p: Prefilter) -> str | None:
    """:func:`columns.selected_price_column` of this request."""
    return selected_price_column(p.age, reception_of(p.reception_bit), p.social_aid)
