"""Equipment: an item of each R212 type asked, of the R340 feature when one is given (exact;
lenient when a minimum limit is asked: the limit is left to ``ranking.check``).

An offer's equipment column is the set of its keys (``columns.equipment_keys``): each item's
type, and its type with its feature (``088-001``). The embedded engine posts each key like a
code (postings of the ``equipment`` field in ``cover``): the numpy form reads one column per
key asked (:func:`column_name`, true where the unit has the key), the SQL form looks the
posting up by its key, and Elasticsearch tests the nested items. The truth is
``ranking.eligibility._equipment``; :func:`needs_clause` is also the exact Elasticsearch filter
of the needs, limits included (``elasticsearch.filters.hard_filters``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ror.criteria import EquipmentNeed
from ror.mappings import fields as f
from ror.mappings.dsl import Clause, all_of, nested, term
from ror.search.prefilter.columns import (
    Column,
    Criterion,
    OfferColumns,
    Params,
    Prefilter,
    Test,
    equipment_key,
)

EQUIPMENT_FIELD: Final = "equipment"  # the engine's posting field of the equipment keys


def column_name(code: str, feature: str | None) -> str:
    """The ``prefilter.Column`` name of one key: true where the unit has it."""
    return f"{EQUIPMENT_FIELD}:{equipment_key(code, feature)}"


def _asked(p: Prefilter) -> bool:
    return bool(p.equipment)


def _fails(c: OfferColumns, p: Prefilter) -> bool:
    return any(equipment_key(code, feature) not in c.equipment for code, feature in p.equipment)


def _array(p: Prefilter) -> Test:
    names = [column_name(code, feature) for code, feature in p.equipment]

    def lacking(column: Column) -> NDArray[np.bool_]:
        out: NDArray[np.bool_] = np.zeros(len(column("home")), dtype=bool)
        for name in names:
            out |= ~(column(name) > 0)
        return out

    return lacking


def _sql(p: Prefilter) -> tuple[str, Params]:
    params: Params = {"eq_field": EQUIPMENT_FIELD}
    terms = []
    for i, (code, feature) in enumerate(p.equipment):
        params[f"eq{i}"] = equipment_key(code, feature)
        terms.append(
            "NOT EXISTS (SELECT 1 FROM codes k JOIN cover e ON e.code_id = k.code_id "
            f"AND e.cell = c.cell AND e.rid = c.rid WHERE k.field = :eq_field AND k.code = :eq{i})"
        )
    return f"({' OR '.join(terms)})", params


def need_clause(need: EquipmentNeed, *, limit: bool = True) -> Clause:
    """One item of the type (and feature), whose limit reaches ``min_value`` when asked (and
    ``limit``)."""
    clauses = [term(f.EQ_CODE, need.code)]
    if need.feature is not None:
        clauses.append(term(f.EQ_FEATURE, need.feature))
    if limit and need.min_value is not None:
        clauses.append({"range": {f.EQ_LIMIT_VALUE: {"gte": need.min_value}}})
    return nested(f.EQUIPMENT, all_of(*clauses))


def needs_clause(needs: Iterable[EquipmentNeed], *, limit: bool = True) -> Clause | None:
    """Every need holds (None: none asked)."""
    clauses = [need_clause(need, limit=limit) for need in needs]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else all_of(*clauses)


def _clause(p: Prefilter) -> Clause:
    clause = needs_clause((EquipmentNeed(code, feature) for code, feature in p.equipment))
    assert clause is not None
    return clause


EQUIPMENT = Criterion("equipment", _asked, _fails, _array, _sql, _clause)
