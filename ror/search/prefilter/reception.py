"""Reception: the offer lists the R240 code asked (02 permanent, 01 temporary) (exact).

The offer's codes are a bit mask (``columns.RECEPTION_BITS``); the truth is
``ranking.eligibility._reception``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ror.mappings import fields as f
from ror.mappings.dsl import Clause, term
from ror.search.prefilter.columns import (
    RECEPTION_BITS,
    Column,
    Criterion,
    OfferColumns,
    Params,
    Prefilter,
    Test,
)


def _asked(p: Prefilter) -> bool:
    return p.reception_bit is not None


def _bit(p: Prefilter) -> int:
    assert p.reception_bit is not None
    return p.reception_bit


def _fails(c: OfferColumns, p: Prefilter) -> bool:
    return not c.reception_mask & _bit(p)


def _array(p: Prefilter) -> Test:
    bit = _bit(p)

    def unlisted(column: Column) -> NDArray[np.bool_]:
        out: NDArray[np.bool_] = (column("recep").astype(np.int64) & bit) == 0
        return out

    return unlisted


def _sql(p: Prefilter) -> tuple[str, Params]:
    return "((c.recep & :rbit) = 0)", {"rbit": _bit(p)}


def _clause(p: Prefilter) -> Clause:
    code = next(code for code, bit in RECEPTION_BITS.items() if bit == _bit(p))
    return term(f.RECEPTION, code)


RECEPTION = Criterion("reception", _asked, _fails, _array, _sql, _clause)
