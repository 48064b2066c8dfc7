"""Age: ``age_min ≤ age_to`` and ``age ≤ age_max``, a missing bound open (exact).

``age_to`` is the highest age of a range (``Criteria.ages``), else ``age`` itself; the truth is
``ranking.eligibility._age``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ror.mappings import fields as f
from ror.mappings.dsl import Clause, any_of, missing, term
from ror.search.prefilter.columns import Column, Criterion, OfferColumns, Params, Prefilter, Test


def _asked(p: Prefilter) -> bool:
    return p.age is not None


def _ages(p: Prefilter) -> tuple[int, int]:
    assert p.age is not None
    return p.age, p.age_to or p.age


def _fails(c: OfferColumns, p: Prefilter) -> bool:
    age, age_to = _ages(p)
    return (c.age_min is not None and age_to < c.age_min) or (
        c.age_max is not None and age > c.age_max
    )


def _array(p: Prefilter) -> Test:
    age, age_to = _ages(p)

    def outside(column: Column) -> NDArray[np.bool_]:  # comparisons with nan are false: open
        out: NDArray[np.bool_] = (age_to < column("age_min")) | (age > column("age_max"))
        return out

    return outside


def _sql(p: Prefilter) -> tuple[str, Params]:
    age, age_to = _ages(p)
    return (
        "((c.age_min IS NOT NULL AND :age_to < c.age_min) "
        "OR (c.age_max IS NOT NULL AND :age > c.age_max))"
    ), {"age": age, "age_to": age_to}


def _clause(p: Prefilter) -> Clause:
    """A ``term`` on the ``integer_range`` matches ranges holding the age; a range of ages, a
    ``range`` query with ``relation: intersects``; an offer with no bound has no range."""
    age, age_to = _ages(p)
    if age_to <= age:
        return any_of(term(f.AGE_RANGE, age), missing(f.AGE_RANGE))
    span = {"range": {f.AGE_RANGE: {"gte": age, "lte": age_to, "relation": "intersects"}}}
    return any_of(span, missing(f.AGE_RANGE))


AGE = Criterion("age", _asked, _fails, _array, _sql, _clause)
