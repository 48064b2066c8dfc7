"""Searches with a position answered through the engine's near candidates and its look-up keys.

The engine's candidates around the point (codes, prefilter and radius decided by the engine,
given as ring arrays with their distances, read from its memory index) are intersected with
the offers the look-ups of the remaining conditions find (:mod:`ror.api.fhir.lookup`; a wide
look-up is asked only of the candidates, ``among``):

- when the look-ups decide every remaining condition exactly, the intersection is the matches:
  counted and ordered by distance without reading an offer, only the page is read
  (``search.answer`` over arrays);
- in an order the keys keep (``_sort`` of ``_id``, ``_lastUpdated``, ``name``, a price:
  :data:`lookup.ORDERS`, not distance first), when they decide every remaining condition, the
  intersection is paged in that order by the engine's keys (``lookup.keyed_page`` among it) and
  only the page read, each entry at its candidate's distance;
- otherwise only the intersection is read and the remaining conditions tested on it.

Engines without ring arrays (Elasticsearch) keep the plain path over their candidates.

A search without a position whose codes or prefilter the engine decides (:func:`coded_lookup`:
``specialty=…&_filter=(age-range-low le 35 and age-range-high ge 35)``, a specialty with counter
parameters…) goes the same way through the engine's candidates (ring arrays without
distances), paged in the order of the keys; on an engine without ring arrays it is left to the
plain look-ups (``lookup``) and ``search.run``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from ror import deadline
from ror.api.fhir.lookup import (
    ORDERS,
    as_lookup,
    counter_group,
    equipment_group,
    keyed_order,
    keyed_page,
    priced_group,
)
from ror.api.fhir.query import Node, SearchRequest
from ror.api.fhir.search import Plan, Result, answer, flat, plan
from ror.criteria import Audience
from ror.geo.distance import dot_to_km
from ror.indexer.terms import PRICE_ORDERS
from ror.search.engine import Candidates, Engine, KeptCandidates, Lookup, Lookups
from ror.search.prefilter import Prefilter
from ror.search.rings import Ring, RingStream


def near_lookup(request: SearchRequest, engine: Engine, audience: Audience) -> Result | None:
    """The positioned search answered through look-ups, or None when it has none to use."""
    if request.near is None or request.resource != "HealthcareService":
        return None
    if not isinstance(engine, Lookups):
        return None
    p = plan(request, audience)
    if p.residual is None or p.query.zone_keys or p.query.point is None:
        return None  # the engine decides it whole, or zones widen it: ``search.run``
    return _through(request, engine, audience, p, plain=True)


def coded_lookup(request: SearchRequest, engine: Engine, audience: Audience) -> Result | None:
    """A search without a position whose codes or prefilter the engine decides, answered the
    same way over the engine's candidates (in no distance order: they are paged in the order
    of the keys, only the page read, when nothing else is left or the keys decide the rest),
    or None when the engine narrows nothing or the search has nothing for the keys."""
    if request.near is not None or request.resource != "HealthcareService":
        return None
    if not isinstance(engine, Lookups):
        return None
    p = plan(request, audience)
    if p.query.point is not None or p.query.zone_keys:
        return None  # a postcode bound (``lookup`` finds it), zones: ``search.run``
    if not p.query.codes and p.query.prefilter == Prefilter():
        return None  # every offer a candidate: ``lookup``
    if p.residual is None and request.summary == "count":
        return None  # the engine's own count: ``search.run``
    return _through(request, engine, audience, p, plain=False)


def _through(
    request: SearchRequest, engine: Lookups, audience: Audience, p: Plan, *, plain: bool
) -> Result | None:
    """The engine's candidates of ``p`` as ring arrays, intersected with the offers the
    look-ups of its residual find, counted and paged (None: no look-up to use). An engine
    without ring arrays (Elasticsearch): its candidates answered as ``search.run`` does when
    ``plain``, else None (the other paths: ``lookup``, ``search.run``)."""
    assert isinstance(engine, Engine)
    residual = flat(p.residual) if p.residual is not None else []
    order = ORDERS.get(tuple((k.key, k.descending) for k in request.sort))
    priced = priced_group(request, engine, order)
    if priced is not None and any(c not in residual for c in priced[1]):
        priced = None  # not every price condition left to the keys
    order = keyed_order(engine, order, priced) if engine.lookup_among() else None
    looked, exact, counters = _lookups(residual, engine, priced)
    if (not looked and p.residual is not None) or not engine.lookup_ready():
        return None
    if p.residual is None and order is None:
        return None  # the engine decides it whole, in an order the keys do not keep: ``run``
    if counters and not audience.capacities:
        return Result(0, [])  # the caller sees no counter: none passes (``facts.view``)
    with engine.snapshot():
        held = _kept(engine, p) if not plain and exact and order is not None else None
        if held is not None and order is not None:
            keyed = priced[0] if priced is not None and order in PRICE_ORDERS else None
            among = held[_found(engine, looked, held)] if looked else held
            return keyed_page(request, engine, keyed, order, set(), among=among)
        found = engine.candidates(p.query)
        stream = found.rings
        if stream is None or stream.by_zone is not None:
            return answer(request, engine, p, found) if plain else None
        rings = [ring.take(ring.fails == 0) for ring in stream.rings()]
        refs = np.concatenate([r.refs for r in rings]) if rings else np.empty(0, np.int64)
        kept = _found(engine, looked, refs)
        if exact and order is not None:
            keyed = priced[0] if priced is not None and order in PRICE_ORDERS else None
            among = np.sort(refs[kept])
            found_page = keyed_page(request, engine, keyed, order, set(), among=among)
            _place(found_page, rings)
            return found_page
        narrowed = RingStream(iter(_keep(rings, kept)))
        narrowed.in_id_order = stream.in_id_order
        mine = Candidates([], narrowed, found.strategy, rings=narrowed, counts_without_reading=True)
        decided = dataclasses.replace(p, residual=None) if exact else p
        return answer(request, engine, decided, mine)


def _kept(engine: Engine, p: Plan) -> NDArray[np.int64] | None:
    """The candidates' refs the engine keeps for ``p`` (``KeptCandidates``), or None."""
    return engine.candidate_refs(p.query) if isinstance(engine, KeptCandidates) else None


def _lookups(
    conditions: list[Node], engine: Lookups, priced: tuple[Lookup, list[Node]] | None
) -> tuple[list[Lookup], bool, bool]:
    """The look-ups of the conditions the engine left, whether they decide them all, and
    whether the counter conditions are among them (``lookup.counter_group``; the price
    conditions are ``priced``'s look-up when given: ``lookup.priced_group``)."""
    group = counter_group(conditions) if engine.lookup_counters() else None
    equipped = equipment_group(conditions) if engine.lookup_equipment() else None
    grams = engine.lookup_contains()
    found = [(c, as_lookup(c, conditions, True, grams)) for c in conditions]
    for kept in (group, priced, equipped):
        if kept is not None:
            found = [(c, f) for c, f in found if c not in kept[1]] + [(kept[1][0], (kept[0], True))]
    exact = all(f is not None and f[1] for _, f in found)
    return [f[0] for _, f in found if f is not None], exact, group is not None


def _found(engine: Lookups, looked: list[Lookup], refs: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Which of ``refs`` every look-up finds, each asked only of the refs still in (the
    engine reads a look-up's keys whole or by ref, whichever costs less), in ref order: probes
    by ref then read the keys' pages in order (at 1 M offers, 25 k refs probed in the prices'
    ref key 56 ms instead of 410, cold)."""
    kept = np.ones(len(refs), dtype=bool)
    for one in sorted(looked, key=lambda x: (x.text is not None, x.field is not None)):
        if not kept.any():
            break
        deadline.check()
        got = engine.lookup_refs(one, len(refs), among=np.sort(refs[kept]).tolist()) or set()
        kept &= np.isin(refs, np.fromiter(got, np.int64, len(got)), kind="table")
    return kept


def _place(found: Result, rings: list[Ring]) -> None:
    """The page's entries at their candidates' distances (``dot_to_km`` of the ring's dot, as
    the candidate stream gives it)."""
    wanted = np.fromiter((h.ref for h in found.page), np.int64, len(found.page))
    for ring in rings:
        if ring.dots is None:
            continue
        at = np.flatnonzero(np.isin(ring.refs, wanted))
        dots = dict(zip(ring.refs[at].tolist(), ring.dots[at].tolist(), strict=True))
        for hit in found.page:
            if hit.ref in dots:
                hit.distance = dot_to_km(dots[hit.ref])


def _keep(rings: list[Ring], kept: NDArray[np.bool_]) -> list[Ring]:
    """Each ring's units kept (``kept``: over the rings' refs one after the other)."""
    bounds = np.cumsum([0, *(len(ring) for ring in rings)])
    return [
        ring.take(kept[lo:hi]) for ring, lo, hi in zip(rings, bounds[:-1], bounds[1:], strict=True)
    ]
