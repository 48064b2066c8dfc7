"""Searches with a position answered through the engine's near candidates and its look-up keys.

The engine's candidates around the point (codes, prefilter and radius decided by the engine,
given as ring arrays with their distances, read from its memory index) are intersected with
the offers the look-ups of the remaining conditions find (:mod:`ror.api.fhir.lookup`; a wide
look-up is asked only of the candidates, ``among``):

- when the look-ups decide every remaining condition exactly, the intersection is the matches:
  counted and ordered by distance without reading an offer, only the page is read
  (``search.answer`` over arrays);
- otherwise only the intersection is read and the remaining conditions tested on it.

Engines without ring arrays (Elasticsearch) keep the plain path over their candidates.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from ror import deadline
from ror.api.fhir.lookup import as_lookup, counter_group
from ror.api.fhir.query import Node, SearchRequest
from ror.api.fhir.search import Result, answer, flat, plan
from ror.criteria import Audience
from ror.search.engine import Candidates, Engine, Lookup, Lookups
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
    looked, exact, counters = _lookups(flat(p.residual), engine)
    if not looked or not engine.lookup_ready():
        return None
    if counters and not audience.capacities:
        return Result(0, [])  # the caller sees no counter: none passes (``facts.view``)
    with engine.snapshot():
        found = engine.candidates(p.query)
        stream = found.rings
        if stream is None or stream.by_zone is not None:
            return answer(request, engine, p, found)
        rings = [ring.take(ring.fails == 0) for ring in stream.rings()]
        refs = np.concatenate([r.refs for r in rings]) if rings else np.empty(0, np.int64)
        kept = _found(engine, looked, refs)
        narrowed = RingStream(iter([_keep(ring, kept) for ring in rings]))
        narrowed.in_id_order = stream.in_id_order
        mine = Candidates([], narrowed, found.strategy, rings=narrowed, counts_without_reading=True)
        decided = dataclasses.replace(p, residual=None) if exact else p
        return answer(request, engine, decided, mine)


def _lookups(conditions: list[Node], engine: Lookups) -> tuple[list[Lookup], bool, bool]:
    """The look-ups of the conditions the engine left, whether they decide them all, and
    whether the counter conditions are among them (``lookup.counter_group``)."""
    group = counter_group(conditions) if engine.lookup_counters() else None
    grams = engine.lookup_contains()
    found = [(c, as_lookup(c, conditions, True, grams)) for c in conditions]
    if group is not None:
        found = [(c, f) for c, f in found if c not in group[1]] + [(group[1][0], (group[0], True))]
    exact = all(f is not None and f[1] for _, f in found)
    return [f[0] for _, f in found if f is not None], exact, group is not None


def _found(engine: Lookups, looked: list[Lookup], refs: NDArray[np.int64]) -> NDArray[np.int64]:
    """The refs of ``refs`` every look-up finds: a look-up finding few offers is asked whole,
    a wide one only of the refs still in."""
    for one in sorted(looked, key=lambda x: (x.text is not None, x.field is not None)):
        if not len(refs):
            break
        deadline.check()
        got = engine.lookup_refs(one, len(refs))
        if got is None:
            got = engine.lookup_refs(one, len(refs), among=refs.tolist()) or set()
        refs = refs[np.isin(refs, np.fromiter(got, np.int64, len(got)))]
    return refs


def _keep(ring: Ring, refs: NDArray[np.int64]) -> Ring:
    return ring.take(np.isin(ring.refs, refs))
