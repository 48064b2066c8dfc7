"""Search bodies for :meth:`Engine.candidates` and :meth:`Engine.facets` (pure builders).

They mirror the embedded planner (``planner.py``) clause for clause: code fields in
``bool.filter`` (any-of within, all-of across), the prefilter criteria (``prefilter_clauses``) as
``should`` clauses of which all but one must hold (units failing two can be neither matches nor
near-misses), the distance stream read ring after ring with growing ``geo_distance`` radii
(``engine.ANNULI_KM``) sorted by ``_geo_distance``, and home-based offers matched by zone in a
query of their own. The engine recounts each hit's failures with ``prefilter.fails`` itself, so
the ``should`` clauses only prune.

Each criterion clause of a referral stream is named (``_name``, :func:`named_criteria`): a
hit's ``matched_queries`` say which ones it meets, so the engine counts its failures without
reading it, and its narrow ``_source`` (:data:`GROUP_SOURCE`) carries what orders it and tells
its groups (``grouping.key_of``). The page's documents are read afterwards, by ``_mget``. A
stream whose units are all checked in Python anyway (a criterion no clause decides exactly:
:func:`narrow_hits`) asks whole documents with its hits instead.

A strict query (``CandidateQuery.strict``, the FHIR facade's) puts every prefilter criterion in
``bool.filter``: the cluster decides them all. When each of their clauses is exact
(:func:`decided_in_cluster`), hits carry only the id, the point and the last update
(:data:`LIGHT_SOURCE`), and the whole documents of the units read are fetched afterwards.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from ror.mappings import fields as f
from ror.mappings.dsl import Clause, all_of, any_of, none_of, term
from ror.search.elasticsearch.filters import (
    audience_filter,
    code_clauses,
    departements_filter,
    geo_distance_filter,
    not_home_based,
    prefilter_clauses,
    zone_filter,
)
from ror.search.engine import ANNULI_KM, ESTABLISHMENT_OFFERS_MAX, CandidateQuery
from ror.search.prefilter import asked

PAGE: Final = 500
FACET_TERMS: Final = 5000  # more than any code system has codes (R210 acts: ~1 300)

Ring = tuple[float, float | None]  # (inner km, outer km or None = no bound)
#: What a hit of a query decided in the cluster carries: enough to order and count it.
LIGHT_SOURCE: Final = [f.ID, f.LAST_UPDATED, f.LOCATION]
#: What a hit of a referral stream carries: the light fields and those of its group keys.
GROUP_SOURCE: Final = [*LIGHT_SOURCE, f.EST_ID, f.LOCATION_KEYS]
#: The name of the stream's clause failed by home-based units when the patient's zones are
#: known (they are matched by zone instead).
BY_DISTANCE: Final = "by_distance"


def decided_in_cluster(query: CandidateQuery) -> bool:
    """A strict query whose clauses all give the verdict of ``prefilter.fails`` (the price
    clause is a necessary condition only): its hits need no recount in Python."""
    return query.strict and query.prefilter.max_monthly_price_eur is None


def query_clauses(query: CandidateQuery) -> list[Clause]:
    """The query's code filters, its territory and, for a narrowed audience, the sensitive
    units left out."""
    optional = (departements_filter(query.departements), audience_filter(query.sensitive_champs))
    return [*code_clauses(query.codes), *(clause for clause in optional if clause is not None)]


def _pruned(filters: list[Clause], criteria: list[Clause], allowed_fails: int) -> Clause:
    """``filters`` all hold and at most ``allowed_fails`` of ``criteria`` fail."""
    if allowed_fails == 0:
        return {"bool": {"filter": [*filters, *criteria]}}
    body: dict[str, Any] = {"filter": filters}
    if criteria:  # sent even when any may fail: their names tell which ones a hit meets
        body["should"] = criteria
        body["minimum_should_match"] = max(len(criteria) - allowed_fails, 0)
    return {"bool": body}


def stream_criteria(query: CandidateQuery) -> list[Clause]:
    """Prefilter criteria of the distance stream: home-based offers fail one when the
    patient's zones are known (they are matched by zone instead)."""
    return [clause for _, clause in named_criteria(query, zone_term=bool(query.zone_keys))]


def named_criteria(query: CandidateQuery, *, zone_term: bool) -> list[tuple[str, Clause]]:
    """(name, clause) of each criterion a unit of the stream may fail, holding when it passes:
    the prefilter criteria (named as ``ranking.check`` names them), each co-located
    requirement (``colocated.<i>``: one failure each, as ``check`` counts them) and, with
    ``zone_term``, :data:`BY_DISTANCE`."""
    named = [(c.name, c.clause(query.prefilter)) for c in asked(query.prefilter)]
    named += [
        (f"colocated.{i}", {"terms": {f.EST_ID: sorted(egs)}})
        for i, egs in enumerate(query.colocated_egs)
    ]
    if zone_term:
        named.append((BY_DISTANCE, not_home_based()))
    return named


def named(name: str, clause: Clause) -> Clause:
    """``clause`` under a name its hits report in ``matched_queries``."""
    return {"bool": {"filter": [clause], "_name": name}}


def counted_exactly(query: CandidateQuery) -> bool:
    """The named clauses give the failures ``prefilter.fails`` counts (and one per co-located
    requirement not met): every clause but the price one with a selected price is exact."""
    return query.prefilter.max_monthly_price_eur is None or query.prefilter.price_column is None


def narrow_hits(query: CandidateQuery) -> bool:
    """A referral stream whose units the pipeline may count without reading them (the named
    clauses decide every criterion it checks): its hits carry :data:`GROUP_SOURCE` and are
    counted by their ``matched_queries``. Any other referral stream's units are each checked in
    Python: its hits carry their whole documents (no ``_mget`` per batch afterwards)."""
    return not query.strict and counted_exactly(query) and query.prefilter.exact_but_colocated


def failures(hit: Mapping[str, Any], names: Sequence[str]) -> int:
    """How many of the named criteria ``names`` a hit does not meet (``matched_queries``)."""
    matched = hit.get("matched_queries") or ()
    return sum(name not in matched for name in names)


def _criteria(query: CandidateQuery, *, zone_term: bool) -> list[Clause]:
    """The stream's criteria clauses: named for a referral stream, plain for a strict one
    (decided in ``bool.filter``)."""
    pairs = named_criteria(query, zone_term=zone_term)
    if query.strict:
        return [clause for _, clause in pairs]
    return [named(name, clause) for name, clause in pairs]


def rings(max_radius_km: float | None) -> Iterator[Ring]:
    """(inner, outer) annuli of the growing radius, the last one up to the bound (or none)."""
    inner = 0.0
    for outer in ANNULI_KM:
        if max_radius_km is not None and outer >= max_radius_km:
            yield inner, max_radius_km
            return
        yield inner, outer
        inner = outer
    yield inner, max_radius_km


def ring_filters(point: tuple[float, float], ring: Ring) -> list[Clause]:
    inner, outer = ring
    clauses: list[Clause] = []
    if outer is not None:
        clauses.append(geo_distance_filter(point[0], point[1], outer))
    if inner > 0:
        clauses.append(none_of(geo_distance_filter(point[0], point[1], inner)))
    return clauses


def distance_sort(point: tuple[float, float]) -> list[Clause]:
    return [
        {
            "_geo_distance": {
                f.LOCATION: {"lat": point[0], "lon": point[1]},
                "order": "asc",
                "unit": "km",
                "distance_type": "arc",
            }
        },
        {f.ID: "asc"},
    ]


def stream_body(
    query: CandidateQuery,
    ring: Ring | None,
    search_after: list[Any] | None = None,
    size: int = PAGE,
) -> dict[str, Any]:
    """One page of the distance stream: a ring around the point (or every unit, by id)."""
    filters = query_clauses(query)
    sort: list[Clause] = [{f.ID: "asc"}]
    if query.point is not None and ring is not None:
        filters += ring_filters(query.point, ring)
        sort = distance_sort(query.point)
    body: dict[str, Any] = {
        "size": size,
        "query": _pruned(
            filters, _criteria(query, zone_term=bool(query.zone_keys)), _allowed_fails(query)
        ),
        "sort": sort,
        "track_total_hits": False,
    }
    return _light(body, query, search_after)


def _allowed_fails(query: CandidateQuery) -> int:
    return 0 if query.strict else 1


def _light(body: dict[str, Any], query: CandidateQuery, after: list[Any] | None) -> dict[str, Any]:
    if decided_in_cluster(query):
        body["_source"] = LIGHT_SOURCE
    elif narrow_hits(query):
        body["_source"] = GROUP_SOURCE
    if after is not None:
        body["search_after"] = after
    return body


def count_body(query: CandidateQuery) -> dict[str, Any]:
    """The ``_count`` of a strict query without zone keys: its stream within the radius."""
    filters = query_clauses(query)
    if query.point is not None and query.max_radius_km is not None:
        filters.append(geo_distance_filter(query.point[0], query.point[1], query.max_radius_km))
    return {"query": _pruned(filters, stream_criteria(query), 0)}


def zone_body(
    query: CandidateQuery, search_after: list[Any] | None = None, size: int = PAGE
) -> dict[str, Any]:
    """Home-based offers whose zones hold a patient zone key, at any distance."""
    filters = [*query_clauses(query), zone_filter(query.zone_keys)]
    body: dict[str, Any] = {
        "size": size,
        "query": _pruned(filters, _criteria(query, zone_term=False), _allowed_fails(query)),
        "sort": [{f.ID: "asc"}],
        "track_total_hits": False,
    }
    return _light(body, query, search_after)


def id_order_body(after: str, size: int) -> dict[str, Any]:
    """A page of every unit in id order after ``after`` (light hits: ``Listings``)."""
    body: dict[str, Any] = {
        "size": size,
        "sort": [{f.ID: "asc"}],
        "_source": LIGHT_SOURCE,
        "track_total_hits": False,
    }
    if after:
        body["search_after"] = [after]
    return body


LOCATIONS_AGG: Final = "locations"


def locations_body(after: str, size: int, *, offers: bool = True) -> dict[str, Any]:
    """A page of Location ids in order after ``after`` (a composite aggregation), each with
    the ids of the offers using it."""
    composite: dict[str, Any] = {
        "size": size,
        "sources": [{"loc": {"terms": {"field": f.LOCATION_IDS}}}],
    }
    if after:
        composite["after"] = {"loc": after}
    agg: dict[str, Any] = {"composite": composite}
    if offers:
        agg["aggs"] = {"offers": {"terms": {"field": f.ID, "size": ESTABLISHMENT_OFFERS_MAX}}}
    return {"size": 0, "track_total_hits": False, "aggs": {LOCATIONS_AGG: agg}}


def sensitive_body(size: int = PAGE) -> dict[str, Any]:
    """The sensitive units, with their champ codes, in id order."""
    return {
        "size": size,
        "query": {"bool": {"filter": [term(f.SENSITIVE, True)]}},
        "sort": [{f.ID: "asc"}],
        "_source": [*LIGHT_SOURCE, f.CHAMP],
        "track_total_hits": False,
    }


def population_filter(query: CandidateQuery, radius_km: float | None) -> Clause:
    """Units counted by facets: passing the query's codes and every prefilter criterion,
    within the radius (when there is a point and a radius), or matched by zone."""
    codes = query_clauses(query)
    prefilter = prefilter_clauses(query.prefilter)
    near: list[Clause] = []
    if query.point is not None and radius_km is not None:
        near.append(geo_distance_filter(query.point[0], query.point[1], radius_km))
    if not query.zone_keys:
        return all_of(*codes, *prefilter, *near)
    by_distance = all_of(*near, not_home_based())
    return all_of(*codes, *prefilter, any_of(by_distance, zone_filter(query.zone_keys)))


def facets_body(
    query: CandidateQuery, radius_km: float | None, fields: Sequence[str]
) -> dict[str, Any]:
    """One aggregation per facet field, over the population its own selection does not
    narrow ("disjunctive" facets: the other fields' codes still apply)."""
    aggs: dict[str, Any] = {}
    for name in fields:
        others = tuple((k, v) for k, v in query.codes if k != name)
        sub = dataclasses.replace(query, codes=others)
        aggs[name] = {
            "filter": population_filter(sub, radius_km),
            "aggs": {"codes": {"terms": {"field": f.CODE_FIELDS[name], "size": FACET_TERMS}}},
        }
    return {"size": 0, "track_total_hits": False, "aggs": aggs}
