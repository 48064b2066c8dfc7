"""Query planning for the embedded engine: which posting list to walk, and the SQL to walk it.

All strategies read the covering table ``cover`` keyed ``(code_id, cell, rid)``, whose rows
carry the unit vector and the prefilter columns, so almost no row needs a join:

- **anchor**: of the requested code fields, the one with the fewest postings (any-of its codes);
  the other requested fields are tested with ``EXISTS`` on the same table (one key seek each).
  Without codes, the anchor is the ``*`` posting (every offer).
- **facet-first** (the anchor holds at most :data:`FACET_FIRST_MAX` postings): read the whole
  anchor posting, test distance and prefilter on each row, sort by distance. Best when the
  rarest requested code is rare, however far the nearest unit is.
- **spatial** (otherwise): growing radius. Annulus after annulus (:data:`ANNULI_KM`), read only
  the grid cells of the cap (``cells.cap_ranges``) inside the anchor posting, keep rows in the
  annulus, sort; past the last annulus, the rest of the posting. Best for common codes, whose
  nearest units are near.
- **zone**: home-based offers whose intervention zones hold one of the patient's zone keys,
  from the ``zones`` table, joined to the anchor posting (any distance).
- **scan**: no point to measure from: the anchor posting in offer order.

Every strategy returns the same rows (all units passing the code filters and failing at most
one prefilter criterion, within the radius), so results do not depend on the plan. Grid
ranges, the ``*`` posting and this module are the "R*Tree" of the design in a form SQLite can
walk per code: a per-code spatial index. Sensitive units the query's audience may not see
(``CandidateQuery.sensitive_champs``) are left out of every statement (:func:`audience_sql`,
over the small ``sensitive`` table).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from ror.geo.distance import min_dot, unit_point
from ror.search.embedded import cells
from ror.search.embedded.schema import STAR_CODE_ID
from ror.search.engine import ANNULI_KM, CandidateQuery
from ror.search.prefilter import (
    EQUIPMENT_FIELD,
    Prefilter,
    asked,
    column_name,
    equipment_key,
    sure_sql,
)

FACET_FIRST_MAX: Final = 12_000

Strategy = Literal["facet-first", "spatial", "scan", "empty"]
Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Plan:
    """How the candidates of one query are read."""

    strategy: Strategy
    anchor_field: str | None  # None: the "*" posting
    anchor_ids: tuple[int, ...]
    anchor_postings: int
    others: tuple[tuple[int, ...], ...]  # code-id groups every candidate must also hit
    # the prefilter columns read from postings (equipment keys): name -> code id (-1: none)
    posted: tuple[tuple[str, int], ...] = ()


def choose_plan(
    query: CandidateQuery,
    code_id: Callable[[str, str], int | None],
    postings: Callable[[int], int],
    total: int,
) -> Plan:
    """Pick the anchor (rarest requested field) and the strategy."""
    groups: list[tuple[str, tuple[int, ...], int]] = []
    for name, codes in query.codes:
        ids = tuple(sorted({i for i in (code_id(name, c) for c in codes) if i is not None}))
        if not ids:  # no offer carries any of the requested codes
            return Plan("empty", name, (), 0, ())
        groups.append((name, ids, sum(postings(i) for i in ids)))
    groups.sort(key=lambda g: g[2])
    posted = tuple(
        (column_name(code, feature), code_id(EQUIPMENT_FIELD, equipment_key(code, feature)) or -1)
        for code, feature in query.prefilter.equipment
    )
    if groups:
        anchor_field, anchor_ids, count = groups[0]
        others = tuple(g[1] for g in groups[1:])
    else:
        anchor_field, anchor_ids, count, others = None, (STAR_CODE_ID,), total, ()
    if query.point is None:
        strategy: Strategy = "scan"
    elif count <= FACET_FIRST_MAX:
        strategy = "facet-first"
    else:
        strategy = "spatial"
    return Plan(strategy, anchor_field, anchor_ids, count, others, posted)


# --- SQL fragments -------------------------------------------------------------------------


def fails_sql(prefilter: Prefilter, zone_term: bool) -> tuple[str, Params]:
    """SQL summing the prefilter criteria a ``cover c`` row fails (``prefilter.fails``)."""
    terms: list[str] = []
    params: Params = {}
    for criterion in asked(prefilter):
        term, values = criterion.sql(prefilter)
        terms.append(term)
        params.update(values)
    if zone_term:
        terms.append("c.home")
    return (" + ".join(terms) if terms else "0"), params


def _ids(ids: Sequence[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)


def exists_sql(others: Sequence[Sequence[int]]) -> str:
    return "".join(
        f" AND EXISTS (SELECT 1 FROM cover o WHERE o.code_id IN ({_ids(g)}) "
        "AND o.cell = c.cell AND o.rid = c.rid)"
        for g in others
    )


def audience_sql(query: CandidateQuery) -> tuple[str, Params]:
    """``AND`` clause leaving out the sensitive units the audience may not see (none: "")."""
    champs = query.sensitive_champs
    if champs is None:
        return "", {}
    kept = "".join(f" AND instr(s.champs, :sens{i}) = 0" for i in range(len(champs)))
    params = {f"sens{i}": f" {code} " for i, code in enumerate(champs)}
    return f" AND c.rid NOT IN (SELECT s.rid FROM sensitive s WHERE 1{kept})", params


def _point_params(point: tuple[float, float]) -> Params:
    qx, qy, qz = unit_point(*point)
    return {"qx": qx, "qy": qy, "qz": qz}


DOT: Final = "(c.x * :qx + c.y * :qy + c.z * :qz)"


def _ranges_cte(ranges: Sequence[tuple[int, int]]) -> str:
    values = ", ".join(f"({lo}, {hi})" for lo, hi in ranges)
    return f"WITH r(lo, hi) AS (VALUES {values}) "


# --- statements ----------------------------------------------------------------------------


Statement = tuple[str, Params]


def stream_statements(
    query: CandidateQuery, plan: Plan
) -> Iterator[tuple[str, Params, float | None]]:
    """SQL statements whose rows ``(rid, dot, fails, sure)``, concatenated, are in distance
    order, each with the radius every unit within which has been produced once it is read
    (None: not known, or the end).

    ``dot`` is NULL without a point; rows of one offer may repeat (several anchor codes).
    """
    if plan.strategy == "empty":
        return
    fails, params = fails_sql(query.prefilter, zone_term=bool(query.zone_keys))
    fails = f"{fails} AS f, {sure_sql(query.prefilter)}"
    hidden, hidden_params = audience_sql(query)
    others = exists_sql(plan.others) + hidden
    params = {**params, **hidden_params}
    anchor = f"c.code_id IN ({_ids(plan.anchor_ids)})"
    if query.point is None:
        yield (
            f"SELECT c.rid, NULL, {fails} FROM cover c WHERE {anchor} AND f <= 1{others} "
            "ORDER BY c.rid",
            params,
            None,
        )
        return
    params = {**params, **_point_params(query.point)}
    limit = query.max_radius_km
    if plan.strategy == "facet-first":
        bound = ""
        if limit is not None:
            bound = " AND dot >= :lo_dot"
            params["lo_dot"] = min_dot(limit)
        yield (
            f"SELECT c.rid, {DOT} AS dot, {fails} FROM cover c WHERE {anchor}{bound} "
            f"AND f <= 1{others} ORDER BY dot DESC, c.rid",
            params,
            None,
        )
        return
    inner = 0.0
    for outer in (*ANNULI_KM, None):
        if limit is not None and (outer is None or outer >= limit):
            outer = limit
        ring = dict(params)
        conditions = ""
        if inner > 0:
            conditions += " AND dot < :hi_dot"
            ring["hi_dot"] = min_dot(inner)
        if outer is None:
            yield (
                f"SELECT c.rid, {DOT} AS dot, {fails} FROM cover c WHERE {anchor}"
                f"{conditions} AND f <= 1{others} ORDER BY dot DESC, c.rid",
                ring,
                None,
            )
            return
        conditions += " AND dot >= :lo_dot"
        ring["lo_dot"] = min_dot(outer)
        cte = _ranges_cte(cells.cap_ranges(query.point[0], query.point[1], outer))
        yield (
            f"{cte}SELECT c.rid, {DOT} AS dot, {fails} FROM r JOIN cover c "
            f"ON {anchor} AND c.cell BETWEEN r.lo AND r.hi WHERE 1{conditions} "
            f"AND f <= 1{others} ORDER BY dot DESC, c.rid",
            ring,
            outer,
        )
        if limit is not None and outer >= limit:
            return
        inner = outer


def zone_statement(query: CandidateQuery, plan: Plan) -> Statement | None:
    """Home-based offers whose zones hold a patient zone key (any distance)."""
    if not query.zone_keys or plan.strategy == "empty":
        return None
    fails, params = fails_sql(query.prefilter, zone_term=False)
    hidden, hidden_params = audience_sql(query)
    keys = sorted(query.zone_keys)
    params = {**params, **hidden_params, **{f"k{i}": k for i, k in enumerate(keys)}}
    dot = "NULL"
    if query.point is not None:
        params.update(_point_params(query.point))
        dot = DOT
    key_list = ", ".join(f":k{i}" for i in range(len(keys)))
    return (
        f"SELECT DISTINCT c.rid, {dot} AS dot, {fails} AS f, {sure_sql(query.prefilter)} "
        "FROM zones z CROSS JOIN cover c "
        f"ON c.code_id IN ({_ids(plan.anchor_ids)}) AND c.cell = z.cell AND c.rid = z.rid "
        f"WHERE z.key IN ({key_list}) AND f <= 1{exists_sql(plan.others)}{hidden}",
        params,
    )


def population_statement(
    query: CandidateQuery,
    plan: Plan,
    radius_km: float | None,
    limit: int,
) -> Statement | None:
    """Distinct rids of the units passing ``plan`` with no prefilter failure within the radius,
    plus zone matches (any distance); at most ``limit`` rows."""
    if plan.strategy == "empty":
        return None
    zones_known = bool(query.zone_keys)
    fails, params = fails_sql(query.prefilter, zone_term=zones_known)
    anchor = f"c.code_id IN ({_ids(plan.anchor_ids)})"
    hidden, hidden_params = audience_sql(query)
    others = exists_sql(plan.others) + hidden
    params.update(hidden_params)
    cte = ""
    source = "cover c"
    where = anchor
    if query.point is not None and radius_km is not None:
        params.update(_point_params(query.point))
        params["lo_dot"] = min_dot(radius_km)
        cte = _ranges_cte(cells.cap_ranges(query.point[0], query.point[1], radius_km))
        source = f"r JOIN cover c ON {anchor} AND c.cell BETWEEN r.lo AND r.hi"
        where = f"{DOT} >= :lo_dot"
    selects = [f"SELECT c.rid FROM {source} WHERE {where} AND ({fails}) = 0{others}"]
    if zones_known:
        zfails, zparams = fails_sql(query.prefilter, zone_term=False)
        keys = sorted(query.zone_keys)
        params.update(zparams)
        params.update({f"k{i}": k for i, k in enumerate(keys)})
        key_list = ", ".join(f":k{i}" for i in range(len(keys)))
        selects.append(
            f"SELECT c.rid FROM zones z CROSS JOIN cover c ON {anchor} AND c.cell = z.cell "
            f"AND c.rid = z.rid WHERE z.key IN ({key_list}) AND ({zfails}) = 0{others}"
        )
    union = " UNION ".join(selects)
    return f"{cte}SELECT rid FROM ({union}) LIMIT {int(limit)}", params
