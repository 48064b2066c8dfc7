"""Prefilter: the cheap hard criteria an engine evaluates on flat columns before Python.

Every offer is reduced to a few columns (:class:`OfferColumns`); a request is reduced to a
:class:`Prefilter`. An engine counts, per unit, how many prefilter criteria it fails, so that
only units failing at most one reach ``ranking.check`` (matches and near-misses).

Each criterion is one module holding all its forms side by side (a :class:`Criterion`): the
Python test of one offer's columns, the numpy test of many units, the SQLite fragment of the
embedded engine and the Elasticsearch clause. The engines read them from :data:`CRITERIA`.

The prefilter must never be stricter than ``ranking.check``: each test is either *exact* (the
same verdict as ``check``) or a *necessary condition* (lenient). When the request uses a lenient
or Python-only criterion, :attr:`Prefilter.exact` is False and the pipeline checks every
candidate in Python before counting it.

==============  ==============  ==========================================================
criterion       module          verdict
==============  ==============  ==========================================================
beds            ``beds``        exact; lenient when a gender is asked (every gender summed)
reception       ``reception``   exact
social aid      ``social_aid``  exact
age             ``age``         exact
price ceiling   ``price``       exact for an age unknown or ≥ 60 while the selected prices
                                hold, else lenient (the cheapest base price)
closed          ``closed``      exact
equipment       ``equipment``   exact; lenient when a minimum limit is asked (type and
                                feature only)
open at,        (none)          Python only (``ranking.eligibility``)
colocated
==============  ==============  ==========================================================
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from ror.search.prefilter.age import AGE
from ror.search.prefilter.beds import BEDS
from ror.search.prefilter.closed import CLOSED, is_closed
from ror.search.prefilter.columns import (
    PRICE_COLUMNS,
    RECEPTION_BITS,
    Column,
    Criterion,
    OfferColumns,
    Params,
    Prefilter,
    Test,
    available_counts,
    available_now,
    equipment_key,
    equipment_keys,
)
from ror.search.prefilter.equipment import EQUIPMENT, EQUIPMENT_FIELD, column_name, needs_clause
from ror.search.prefilter.price import (
    PRICE,
    price_column_for,
    price_holds,
    price_holds_array,
    sure_array,
    sure_sql,
)
from ror.search.prefilter.reception import RECEPTION
from ror.search.prefilter.social_aid import SOCIAL_AID

# Every criterion, the most selective usually first (equipment, free beds), so that a caller
# keeping only the units failing none tests fewer and fewer units.
CRITERIA: Final[tuple[Criterion, ...]] = (
    EQUIPMENT,
    BEDS,
    RECEPTION,
    SOCIAL_AID,
    AGE,
    PRICE,
    CLOSED,
)


def asked(prefilter: Prefilter) -> list[Criterion]:
    """The criteria the request asks, in :data:`CRITERIA` order."""
    return [c for c in CRITERIA if c.asked(prefilter)]


def fails(columns: OfferColumns, prefilter: Prefilter) -> int:
    """How many prefilter criteria the offer fails (zones and codes aside)."""
    return sum(c.fails(columns, prefilter) for c in asked(prefilter))


def failure_tests(prefilter: Prefilter, *, zone_term: bool) -> list[Test]:
    """One numpy test per criterion the request asks; ``zone_term`` adds a failure to
    home-based units (matched by zone instead)."""
    tests = [c.array(prefilter) for c in asked(prefilter)]
    if zone_term:
        tests.append(_home_based)
    return tests


def _home_based(column: Column) -> NDArray[np.bool_]:
    out: NDArray[np.bool_] = column("home") != 0
    return out


def fails_array(column: Column, prefilter: Prefilter, *, zone_term: bool) -> NDArray[np.int8]:
    """:func:`fails` of many units at once.

    ``column(name)`` gives a ``cover`` column of the units (``embedded.schema.COVER_COLUMNS``,
    NULL as nan), or ``"beds"``/``"places"`` (available now).
    """
    out = np.zeros(len(column("home")), dtype=np.int8)
    for test in failure_tests(prefilter, zone_term=zone_term):
        out += test(column)
    return out


__all__ = [
    "AGE",
    "BEDS",
    "CLOSED",
    "CRITERIA",
    "EQUIPMENT",
    "EQUIPMENT_FIELD",
    "PRICE",
    "PRICE_COLUMNS",
    "RECEPTION",
    "RECEPTION_BITS",
    "SOCIAL_AID",
    "Column",
    "Criterion",
    "OfferColumns",
    "Params",
    "Prefilter",
    "Test",
    "asked",
    "available_counts",
    "available_now",
    "column_name",
    "equipment_key",
    "equipment_keys",
    "fails",
    "fails_array",
    "failure_tests",
    "is_closed",
    "needs_clause",
    "price_column_for",
    "price_holds",
    "price_holds_array",
    "sure_array",
    "sure_sql",
]
