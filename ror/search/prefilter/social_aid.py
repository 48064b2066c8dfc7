"""Social aid: the establishment is accredited (R241 02) and does not declare zero accredited
places for the reception asked (unknown counts pass) (exact; ``ranking.eligibility._social_aid``).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from ror.mappings import fields as f
from ror.mappings.dsl import Clause, term
from ror.search.prefilter.columns import Column, Criterion, OfferColumns, Params, Prefilter, Test

# The accredited places of each reception: the offer column, the ``cover`` column, the field.
_PLACES: Final = {
    "permanent": ("aid_places_permanent", "aid_perm", f.EST_SOCIAL_AID_PLACES_PERMANENT),
    "temporary": ("aid_places_temporary", "aid_temp", f.EST_SOCIAL_AID_PLACES_TEMPORARY),
}


def _asked(p: Prefilter) -> bool:
    return p.social_aid


def _places(p: Prefilter) -> tuple[str, str, str] | None:
    return _PLACES.get(p.social_aid_reception or "")


def _fails(c: OfferColumns, p: Prefilter) -> bool:
    places = _places(p)
    return not c.social_aid or (places is not None and getattr(c, places[0]) == 0)


def _array(p: Prefilter) -> Test:
    places = _places(p)

    def no_aid(column: Column) -> NDArray[np.bool_]:
        bad: NDArray[np.bool_] = column("aid") == 0
        return bad | (column(places[1]) == 0) if places is not None else bad

    return no_aid


def _sql(p: Prefilter) -> tuple[str, Params]:
    places = _places(p)
    if places is None:
        return "(c.aid = 0)", {}
    return f"(c.aid = 0 OR IFNULL(c.{places[1]}, -1) = 0)", {}


def _clause(p: Prefilter) -> Clause:
    clause: Clause = {"bool": {"filter": [term(f.SOCIAL_AID, True)]}}
    places = _places(p)
    if places is not None:
        clause["bool"]["must_not"] = [term(places[2], 0)]
    return clause


SOCIAL_AID = Criterion("social_aid", _asked, _fails, _array, _sql, _clause)
