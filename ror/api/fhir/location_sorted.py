"""``Location?_tag=…`` and ``Location?name:contains=…`` sorted by ``_lastUpdated`` or ``name``
(with ``_lastUpdated`` ranges or not), answered through the Location keys, never by a scan.

A Location is shown through its first offer the caller may see and matches when, as that offer
shows it, it has one of the tags of each ``_tag`` condition (``LocationTags``), its name holds
one of the substrings of each ``name:contains`` (``LocationNames``) and its date lies in the
``_lastUpdated`` ranges (``LocationDates``): the rule of ``location_tags`` and
``location_lookup``. The Locations found are counted on the keys; when at most ``FEW``, they
are listed, their sort keys read and sorted whole; else the sort key is walked in order
(``location_lookup.Walk``) and each batch tested on the tags or the names found, which reads
about ``total / FEW`` rows a row of the page at worst.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from ror.api.fhir import paging
from ror.api.fhir.location_lookup import (
    BATCH,
    Walk,
    after_date,
    after_name,
    date_keys,
    joint_span,
    sorted_by_date,
    sorted_by_name,
)
from ror.api.fhir.location_tags import counted, location_conditions
from ror.api.fhir.lookup import hidden_units
from ror.api.fhir.query import SearchRequest
from ror.api.fhir.search import Result, flat
from ror.criteria import Audience
from ror.search.engine import (
    Engine,
    Listings,
    LocationDateRow,
    LocationDates,
    LocationNames,
    LocationTags,
    Lookup,
    NameTest,
)

FEW: Final = 20_000  # Locations found that are listed and sorted whole
ORDERS: Final = ("_lastUpdated", "name")

Span = tuple[int | None, int | None]
Row = tuple[str, int]


def location_sorted(request: SearchRequest, engine: Engine, audience: Audience) -> Result | None:
    """The search answered through the Location keys in date or name order, or None when it
    is not one."""
    if request.resource != "Location" or request.near is not None:
        return None
    capable = (Listings, LocationDates, LocationTags, LocationNames)
    if not all(isinstance(engine, kind) for kind in capable):
        return None
    keys = [(k.key, k.descending) for k in request.sort]
    if len(keys) != 2 or keys[0][0] not in ORDERS or keys[1] != ("_id", False):
        return None
    tags, names, spans, rest = location_conditions(flat(request.condition), engine)
    if rest or not _ready(engine, tags, names):
        return None
    assert isinstance(engine, Listings) and isinstance(engine, LocationDates)
    hidden = hidden_units(engine, audience)
    walk = Walk(engine, audience.capacities, hidden)
    span = joint_span(spans) if spans else (None, None)
    assert span is not None
    by, down = keys[0]
    size = 0 if request.summary == "count" else request.count
    wanted = (request.skip if size else 0) + size + 1
    with engine.snapshot():
        total, found = _found(engine, walk, tags, names, span)
        if not size:
            rows: list[LocationDateRow] = []
        elif found is not None and len(found) <= FEW:
            listed = [(0, loc, ref) for loc, ref in found]
            if by == "name":
                rows = sorted_by_name(walk, listed, after_name(request), down)[:wanted]
            else:
                rows = sorted_by_date(walk, listed, after_date(request, down), down)[:wanted]
        else:
            among = set(found) if found is not None else None
            rows = _walked(request, engine, walk, tags, among, span, wanted)
        page = walk.hits(rows[wanted - size - 1 : wanted - 1])
    cursor = None
    if len(rows) == wanted and page:
        last = page[-1]
        cursor = paging.encode(request.sort, (last.keys.get(by), last.id))
    return Result(total, page, cursor)


def _ready(engine: Engine, tags: Sequence[object], names: Sequence[object]) -> bool:
    if not tags and not names:  # ``location_lookup`` answers the dates alone
        return False
    if not (isinstance(engine, LocationDates) and engine.location_dates_ready()):
        return False
    if not (isinstance(engine, LocationNames) and engine.location_names_ready()):
        return False
    return not tags or (isinstance(engine, LocationTags) and engine.location_tags_ready())


def _found(
    engine: Engine,
    walk: Walk,
    tags: Sequence[Lookup],
    names: Sequence[NameTest],
    span: Span,
) -> tuple[int, list[Row] | None]:
    """How many Locations match, and them (each with the offer it is shown through, in id
    order) unless one ``_tag`` condition alone counts them on its keys and they are many."""
    assert isinstance(engine, LocationTags) and isinstance(engine, LocationNames)
    hidden = walk.hidden
    if names:
        listed = engine.location_names_found(names, hidden)
        if tags:
            held = engine.location_tags_hold(tags, hidden, listed)
            listed = [row for row, ok in zip(listed, held, strict=True) if ok]
    elif len(tags) == 1 and counted(tags[0]):
        dated = (walk.counters, date_keys(span, False)) if span != (None, None) else None
        terms = tags[0].terms
        total, _ = engine.location_tags_search(terms, hidden, "", 0, dated)
        if total > FEW:
            return total, None
        return total, engine.location_tags_search(terms, hidden, "", total + 1, dated)[1]
    else:
        listed = engine.location_tags_found(tags, hidden)
    if span != (None, None):
        listed = [(loc, ref) for _, loc, ref in walk.dated([(0, *row) for row in listed], span)]
    return len(listed), listed


def _walked(
    request: SearchRequest,
    engine: Engine,
    walk: Walk,
    tags: Sequence[Lookup],
    among: set[Row] | None,
    span: Span,
    wanted: int,
) -> list[LocationDateRow]:
    """The first ``wanted`` Locations found in the sort order after the cursor: the sort key
    walked, each batch kept to ``among`` (else tested on the tags)."""
    assert isinstance(engine, LocationTags)
    rows: list[LocationDateRow] = []
    for batch in _in_order(request, walk, span):
        if among is not None:
            rows += [r for r in batch if r[1:] in among]
        else:
            held = engine.location_tags_hold(tags, walk.hidden, [r[1:] for r in batch])
            rows += [r for r, ok in zip(batch, held, strict=True) if ok]
        if len(rows) >= wanted:
            break
    return rows[:wanted]


def _in_order(request: SearchRequest, walk: Walk, span: Span) -> Iterator[list[LocationDateRow]]:
    """Batches of the Locations (each its first visible offer's row) in the request's order
    after its cursor, dated in ``span``."""
    by, down = request.sort[0].key, request.sort[0].descending
    if by == "name":
        yield from walk.by_name(down, after_name(request), span)
        return
    batch: list[LocationDateRow] = []
    for row in walk.by_date(down, after_date(request, down), date_keys(span, down)):
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    yield batch
