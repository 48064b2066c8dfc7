"""``Location?_tag=…`` (the region capacity synchronisation, ``_revinclude=HealthcareService:
location``), ``commune-cog``, ``address-postalcode`` and ``address-city`` answered through the
engine's Location tag keys (:class:`~ror.search.engine.LocationTags`), never by a scan.

As the scan does, a Location is shown through its first offer the caller may see (the lowest
ref; sensitive units the caller may not see are no candidates) and matches when the whole
condition holds on it as that offer shows it. The ``_tag`` and commune conditions (tokens with
a code, an ``or`` of them) and the postal code and city ones (folded prefixes; a city's
substrings, ``:contains``, read on the range of the city keys) are decided by the keys (an
``:exact`` one narrows by its folded value and is tested as the other conditions below);
``name:contains`` conditions by the Location name keys
(:class:`~ror.search.engine.LocationNames`, the same rule; ``name`` prefixes too); then:

- one ``_tag`` condition and nothing else: the Locations are counted on the keys and only the
  page is read (other conditions on the keys: the Locations found are listed);
- ``_lastUpdated`` ranges: by the Location date keys (``location_lookup``, the same rule);
- other conditions: the Locations found are tested on their offer, read: only those whose
  offer the look-up keys find for the other conditions when one finds at most
  ``lookup.NARROW_MAX`` offers (an offer shows a Location's value only if its keys hold it);
  more than ``NARROW_MAX`` to read: the search is left to the look-ups and the scan.

In ``_id`` order, paged by ``_offset`` or cursor; the page's Locations are read with their users
as ``location_lookup`` reads them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Final

from ror import deadline
from ror.api.fhir import paging
from ror.api.fhir.evaluate import matches
from ror.api.fhir.location_lookup import Walk, date_span, inside_span, joint_span, location_keys
from ror.api.fhir.location_names import name_test
from ror.api.fhir.lookup import NARROW_MAX, as_lookup, hidden_units
from ror.api.fhir.query import AnyOf, Atom, Node, SearchRequest
from ror.api.fhir.search import BATCH, Result, flat
from ror.api.fhir.values import Text
from ror.criteria import Audience
from ror.indexer.facts import view
from ror.indexer.terms import SEP, name
from ror.search.engine import (
    Engine,
    Listings,
    LocationDates,
    LocationNames,
    LocationTags,
    Lookup,
    Lookups,
    NameTest,
)

TAGS = name("location", "region_tag") + SEP  # how the Location tag terms begin
CITY: Final = name("location", "city")
#: how the terms the Location keys hold begin: tags, communes, postal codes (exact or prefix),
#: cities (a prefix is a range of them)
KEPT: Final = (
    TAGS,
    *(name("location", field) + SEP for field in ("commune", "postal_code", "city")),
)
FEW: Final = 20_000  # Locations whose first offers' date rows are read by offer


def location_tags(request: SearchRequest, engine: Engine, audience: Audience) -> Result | None:
    """The search answered through the Location tag keys, or None when it is not one."""
    if request.resource != "Location" or request.near is not None:
        return None
    if not isinstance(engine, LocationTags) or not isinstance(engine, Listings):
        return None
    if not isinstance(engine, LocationDates):  # the page's users are read through its keys
        return None
    if [(k.key, k.descending) for k in request.sort] not in ([("_id", False)], []):
        return None
    conditions = flat(request.condition)
    tags, names, dates, rest = location_conditions(conditions, engine)
    if not tags or not engine.location_tags_ready():
        return None
    if names and not (isinstance(engine, LocationNames) and engine.location_names_ready()):
        return None
    hidden = hidden_units(engine, audience)
    size = 0 if request.summary == "count" else request.count
    with engine.snapshot():
        if len(tags) == 1 and counted(tags[0]) and not names and not rest:
            terms = tags[0].terms
            return _keyed(request, engine, audience, terms, hidden, joint_span(dates), size)
        found = engine.location_tags_found(tags, hidden)
        if names:
            assert isinstance(engine, LocationNames)
            named = set(engine.location_names_found(names, hidden))
            found = [row for row in found if row in named]
        span = joint_span(dates)
        if span is not None:
            found = _dated(Walk(engine, audience.capacities, hidden), found, span)
        if rest:
            tested = _tested(request, engine, audience, found, rest, conditions)
            if tested is None:
                return None
            found = tested
        start = 0
        if request.cursor is not None:
            start = bisect.bisect_right(found, (str(request.cursor[0]), 2**62))
        start += request.skip if size else 0
        rows = found[start : start + size]
        page = Walk(engine, audience.capacities, hidden).hits([(0, loc, r) for loc, r in rows])
    cursor = None
    if start + size < len(found) and page:
        cursor = paging.encode(request.sort, (page[-1].id,))
    return Result(len(found), page, cursor)


#: a Location search's conditions by what decides them: the terms of each condition on the tag
#: keys, the substrings or prefixes of each ``name:contains`` or ``name``, the ``_lastUpdated``
#: ranges, the rest (an ``:exact`` string condition is in the first, which narrows by its
#: folded value, and the last)
Parts = tuple[list[Lookup], list[NameTest], list[Node], list[Node]]


def location_conditions(conditions: Sequence[Node], engine: Engine) -> Parts:
    """``conditions`` (a Location search's, :func:`~ror.api.fhir.search.flat`) by what decides
    them."""
    parts: Parts = ([], [], [], [])
    tags, names, dates, rest = parts
    for node in conditions:
        keys = tag_keys(node, conditions)
        contains = name_tested(node, conditions, engine)
        if keys is not None:
            tags.append(keys)
            if _exact(node):
                rest.append(node)
        elif contains is not None:
            names.append(contains)
        elif date_span(node) is not None:
            dates.append(node)
        else:
            rest.append(node)
    return parts


def _keyed(
    request: SearchRequest,
    engine: LocationTags,
    audience: Audience,
    terms: tuple[str, ...],
    hidden: set[int],
    span: tuple[int | None, int | None] | None,
    size: int,
) -> Result:
    """One ``_tag`` condition, with ``_lastUpdated`` ranges or not: counted and paged on the
    keys, only the page listed."""
    assert isinstance(engine, LocationDates)
    dated = (audience.capacities, location_keys(span)) if span is not None else None
    after = str(request.cursor[0]) if request.cursor is not None else ""
    skip = request.skip if size else 0
    wanted = skip + size + 1 if size else 0
    total, rows = engine.location_tags_search(terms, hidden, after, wanted, dated)
    found = [(0, loc, ref) for loc, ref in rows[skip : skip + size]]
    page = Walk(engine, audience.capacities, hidden).hits(found)
    more = len(rows) > skip + size
    cursor = paging.encode(request.sort, (page[-1].id,)) if more and page else None
    return Result(total, page, cursor)


def tag_keys(node: Node, conditions: Sequence[Node]) -> Lookup | None:
    """The terms, prefixes and city substrings of a ``_tag``, commune, postal code or city
    condition of the Location (one of them holds), or None when ``node`` is anything else."""
    if isinstance(node, AnyOf):
        parts = [tag_keys(child, conditions) for child in node.children]
        found = [p for p in parts if p is not None]
        if not found or len(found) != len(parts):
            return None
        contains = _merged(p.contains for p in found)
        return Lookup(
            terms=_merged(p.terms for p in found),
            prefixes=_merged(p.prefixes for p in found),
            text=CITY if contains else None,
            contains=contains,
        )
    substrings = _city_contains(node)
    if substrings is not None:
        return substrings
    looked = as_lookup(node, conditions, False)
    if looked is None:
        return None
    keys = Lookup(terms=looked[0].terms, prefixes=looked[0].prefixes)
    if looked[0] != keys or not all(t.startswith(KEPT) for t in (*keys.terms, *keys.prefixes)):
        return None
    return keys if keys.terms or keys.prefixes else None


def _merged(parts: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for p in parts for t in p))


def _city_contains(node: Node) -> Lookup | None:
    """The substrings of an ``address-city:contains`` condition (``co`` in a ``_filter``)."""
    if not isinstance(node, Atom) or name(node.param.scope, node.param.field) != CITY:
        return None
    texts = [v for v in node.values if isinstance(v, Text) and v.mode == "contains"]
    if not texts or len(texts) != len(node.values):
        return None
    return Lookup(text=CITY, contains=tuple(dict.fromkeys(t.folded for t in texts)))


def counted(keys: Lookup) -> bool:
    """Whether the Locations having one of ``keys``' terms are counted and paged on the keys
    (region tags: each Location holds one code of a kind); else they are listed."""
    return keys == Lookup(terms=keys.terms) and all(t.startswith(TAGS) for t in keys.terms)


def _exact(node: Node) -> bool:
    """Whether ``node`` holds an ``:exact`` string condition (decided on the value as written,
    which the keys hold folded)."""
    if isinstance(node, AnyOf):
        return any(_exact(child) for child in node.children)
    return isinstance(node, Atom) and any(
        isinstance(v, Text) and v.mode == "exact" for v in node.values
    )


def name_tested(node: Node, conditions: Sequence[Node], engine: Engine) -> NameTest | None:
    """The test of a ``name:contains`` or ``name`` condition of the Location on the Location
    name keys, or None."""
    return name_test(node, conditions) if isinstance(engine, LocationNames) else None


def _dated(
    walk: Walk, found: list[tuple[str, int]], span: tuple[int | None, int | None]
) -> list[tuple[str, int]]:
    """The Locations of ``found`` whose date (``_lastUpdated``, with the counters' dates when
    the caller may see them), as their offer shows it, lies in ``span``: the key rows of the
    Locations' first offers (those of ``found``'s offers when they are few; else the key's rows
    in the span, or out of it when most Locations are in it, each read in one pass), then of
    the later offer of those whose first is hidden."""
    engine = walk.engine
    keys = location_keys(span)
    later = {loc for _, loc, _ in engine.location_dates_first(walk.counters, sorted(walk.hidden))}
    if len(found) <= FEW:
        rows = engine.location_dates_first(walk.counters, sorted({r for _, r in found}))
        chosen = {(loc, ref) for ts, loc, ref in rows if inside_span(ts, span)}
        inside = True
    else:
        everywhere = engine.location_dates_count(walk.counters, (None, None))
        inside = 2 * engine.location_dates_count(walk.counters, keys) <= everywhere
        spans = [keys] if inside else _outside(keys)
        chosen = {
            (loc, ref)
            for part in spans
            for _, loc, ref in engine.location_dates_first_in(walk.counters, part)
        }
    kept = []
    for loc, ref in found:
        if loc in later:  # shown through a later offer: its own row
            row = engine.location_dates_by_id(walk.counters, (loc, ref - 1), keys, 1)
            if row and row[0][1:] == (loc, ref):
                kept.append((loc, ref))
        elif ((loc, ref) in chosen) == inside:
            kept.append((loc, ref))
    return kept


def _outside(keys: tuple[int | None, int | None]) -> list[tuple[int | None, int | None]]:
    """The spans of keys out of ``keys``."""
    low, high = keys
    return [
        *([(None, low)] if low is not None else []),
        *([(high, None)] if high is not None else []),
    ]


def _tested(
    request: SearchRequest,
    engine: Engine,
    audience: Audience,
    found: list[tuple[str, int]],
    rest: Sequence[Node],
    conditions: Sequence[Node],
) -> list[tuple[str, int]] | None:
    """The Locations of ``found`` on which the whole condition holds through their offer, read
    (only those whose offer the look-up keys of ``rest`` find when one finds at most
    ``NARROW_MAX``), or None when there are more than ``NARROW_MAX`` to read."""
    if isinstance(engine, Lookups) and engine.lookup_ready():
        refs: set[int] | None = None
        for node in rest:
            looked = as_lookup(node, conditions, False)
            got = engine.lookup_refs(looked[0], NARROW_MAX) if looked is not None else None
            if got is not None:
                refs = got if refs is None else refs & got
        if refs is not None:
            found = [row for row in found if row[1] in refs]
    if len(found) > NARROW_MAX:
        return None
    kept = []
    for i in range(0, len(found), BATCH):
        deadline.check()
        part = found[i : i + BATCH]
        for (loc, ref), offer in zip(part, engine.offers([r for _, r in part]), strict=True):
            v = view(offer, counters=audience.capacities)
            place = v.location(loc)
            if place is not None and matches(request.condition, v, place):
                kept.append((loc, ref))
    return kept
