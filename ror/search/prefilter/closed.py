"""Closed: ``closed_from ≤ t < reopens_at`` at ``open_at`` or now, a missing ``closed_from``
(with a reopening) meaning closed until then, a missing ``reopens_at`` closed for good
(exact; ``ranking.hours.closed_until`` on epoch seconds).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from ror.mappings import fields as f
from ror.mappings.dsl import Clause, all_of, any_of, exists, none_of
from ror.search.prefilter.columns import Column, Criterion, OfferColumns, Params, Prefilter, Test


def _asked(p: Prefilter) -> bool:
    return p.closed_at is not None


def _moment(p: Prefilter) -> float:
    assert p.closed_at is not None
    return p.closed_at


def is_closed(closed_from: float | None, reopens_at: float | None, moment: float) -> bool:
    """``ranking.hours.closed_until`` on epoch seconds."""
    if closed_from is None and reopens_at is None:
        return False
    if closed_from is not None and moment < closed_from:
        return False
    return reopens_at is None or moment < reopens_at


def _fails(c: OfferColumns, p: Prefilter) -> bool:
    return is_closed(c.closed_from, c.reopens_at, _moment(p))


def _array(p: Prefilter) -> Test:
    t = _moment(p)

    def closed(column: Column) -> NDArray[np.bool_]:
        closed_from, reopens_at = column("closed_from"), column("reopens_at")
        some = ~(np.isnan(closed_from) & np.isnan(reopens_at))
        started = np.isnan(closed_from) | (t >= closed_from)
        going = np.isnan(reopens_at) | (t < reopens_at)
        out: NDArray[np.bool_] = some & started & going
        return out

    return closed


def _sql(p: Prefilter) -> tuple[str, Params]:
    return (
        "((c.closed_from IS NOT NULL OR c.reopens_at IS NOT NULL) "
        "AND (c.closed_from IS NULL OR :t >= c.closed_from) "
        "AND (c.reopens_at IS NULL OR :t < c.reopens_at))"
    ), {"t": _moment(p)}


def not_closed_clause(moment: datetime) -> Clause:
    """Not closed at ``moment`` (the date fields of the document)."""
    t = moment.isoformat()
    closed = all_of(
        any_of(exists(f.CLOSED_FROM), exists(f.REOPENS_AT)),
        none_of({"range": {f.CLOSED_FROM: {"gt": t}}}),
        none_of({"range": {f.REOPENS_AT: {"lte": t}}}),
    )
    return none_of(closed)


def _clause(p: Prefilter) -> Clause:
    return not_closed_clause(datetime.fromtimestamp(_moment(p), UTC))


CLOSED = Criterion("closed", _asked, _fails, _array, _sql, _clause)
