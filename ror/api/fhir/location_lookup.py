"""``Location?_lastUpdated=…`` (the incremental capacity synchronisation) answered through the
engine's Location date keys (:class:`~ror.search.engine.LocationDates`), never by a scan.

The scan shows a Location through the first offer using it that the caller may see (the
lowest ref; sensitive units the caller may not see are no candidates), with its counters'
dates only for callers entitled to capacities (``indexer.facts.view``). The keys hold the
Location's date as each offer using it shows it, with and without counters: a key row counts
when its offer is the Location's first visible one, and its date is the one the caller is
entitled to see. Searches whose only conditions are ``_lastUpdated`` ranges, in ``_id`` or
``_lastUpdated`` order (either way), and those without a condition in ``_lastUpdated`` order,
paged by cursor, are answered here; the total is counted on
the key rows of each Location's first offer, corrected for the Locations whose first offer the
caller may not see (:func:`_total`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Final

from ror import deadline
from ror.api.fhir import paging
from ror.api.fhir.lookup import date_ranges
from ror.api.fhir.query import Atom, Node, SearchRequest
from ror.api.fhir.search import Hit, Result, flat
from ror.api.fhir.values import DateRange
from ror.criteria import Audience
from ror.indexer.facts import view
from ror.indexer.terms import MISSING, micros
from ror.search.engine import Engine, Listings, LocationDateRow, LocationDates, LocationNames
from ror.text import fold

BATCH: Final = 256  # key rows read at a time
SMALL: Final = 4000  # a range holding at most this many rows is sorted whole in _id order
_LAST: Final = 2**62  # a ref after every ref
FEW: Final = 20_000  # Locations in a date span whose names are read and sorted whole
ORDERS: Final = (
    [("_id", False)],
    [("_lastUpdated", False), ("_id", False)],
    [("_lastUpdated", True), ("_id", False)],
)
BY_NAME: Final = ([("name", False), ("_id", False)], [("name", True), ("_id", False)])


def location_lookup(request: SearchRequest, engine: Engine, audience: Audience) -> Result | None:
    """The search answered through the Location date keys, or None when it is not one."""
    if request.resource != "Location" or not isinstance(engine, LocationDates):
        return None
    if request.near is not None or not isinstance(engine, Listings):
        return None
    keys = [(k.key, k.descending) for k in request.sort]
    by_name = keys in BY_NAME
    if keys not in ORDERS and not by_name:
        return None
    span = _span(request)
    if span is None or not engine.location_dates_ready():
        return None
    if by_name and not (isinstance(engine, LocationNames) and engine.location_names_ready()):
        return None
    hidden = {
        r for r, champ in engine.sensitive_units().items() if not audience.shows_sensitive(champ)
    }
    walk = Walk(engine, audience.capacities, hidden)
    size = 0 if request.summary == "count" else request.count
    skip = request.skip if size else 0
    with engine.snapshot():
        total = _total(walk, date_keys(span, False))
        if keys[0][0] == "_id":
            rows = _page_by_id(walk, span, request, skip + size + 1)
        elif by_name:
            rows = _page_by_name(walk, span, request, total, skip + size + 1)
        else:
            down = keys[0][1]
            after = after_date(request, down)
            rows = []
            for row in walk.by_date(down, after, date_keys(span, down)):
                rows.append(row)
                if len(rows) > skip + size:
                    break
        more = len(rows) > skip + size
        page = walk.hits(rows[skip : skip + size])
    cursor = None
    if more and page:
        last = page[-1]
        values = tuple(last.id if k.key == "_id" else last.keys.get(k.key) for k in request.sort)
        cursor = paging.encode(request.sort, values)
    return Result(total, page, cursor)


def _total(walk: Walk, keys: tuple[int | None, int | None]) -> int:
    """The Locations whose date, as their first visible offer shows it, has its ascending key
    in ``keys``: counted on the first offers' rows, then those of the Locations whose first
    offer is hidden replaced by their first visible offer's row."""
    engine = walk.engine
    total = engine.location_dates_count(walk.counters, keys)
    if not walk.hidden:
        return total
    firsts = engine.location_dates_first(walk.counters, sorted(walk.hidden))
    total -= sum(1 for ts, _, _ in firsts if _inside(ts, keys))
    users = engine.location_users(sorted({loc for _, loc, _ in firsts}))
    for loc, refs in users.items():
        shown = next((u for u in refs if u not in walk.hidden), None)
        if shown is None:
            continue
        row = engine.location_dates_by_id(walk.counters, (loc, shown - 1), keys, 1)
        total += bool(row) and row[0][1:] == (loc, shown)
    return total


def _inside(key: int, keys: tuple[int | None, int | None]) -> bool:
    return (keys[0] is None or key >= keys[0]) and (keys[1] is None or key < keys[1])


def _span(request: SearchRequest) -> tuple[int | None, int | None] | None:
    """The ``[low, high)`` instants every condition allows (each a ``_lastUpdated`` range of
    the Location; every instant when there is none, in date or name order: ``listing`` pages
    the rest), or None when a condition is anything else."""
    conditions = flat(request.condition)
    if not conditions and request.sort and request.sort[0].key in ("_lastUpdated", "name"):
        return None, None
    return joint_span(conditions)


def joint_span(conditions: Sequence[Node]) -> tuple[int | None, int | None] | None:
    """The ``[low, high)`` instants all of ``conditions`` allow (each a ``_lastUpdated`` range
    of the Location), or None when one is anything else or there is none."""
    low: int | None = None
    high: int | None = None
    if not conditions:
        return None
    for node in conditions:
        found = date_span(node)
        if found is None:
            return None
        lo, hi = found
        if lo is not None:
            low = lo if low is None else max(low, lo)
        if hi is not None:
            high = hi if high is None else min(high, hi)
    return low, high


def date_span(node: Node) -> tuple[int | None, int | None] | None:
    """The ``[low, high)`` instants of a ``_lastUpdated`` range of the Location, or None when
    ``node`` is anything else."""
    if not isinstance(node, Atom) or node.modifier is not None:
        return None
    if node.param.scope != "location" or node.param.field != "last_updated":
        return None
    if len(node.values) != 1 or not isinstance(node.values[0], DateRange):
        return None
    ranges = date_ranges(node.values[0])
    return ranges[0] if len(ranges) == 1 else None


def inside_span(key: int, span: tuple[int | None, int | None]) -> bool:
    """An ascending date key (``MISSING``: no date) inside ``[low, high)`` instants."""
    return _inside(key, location_keys(span))


def location_keys(span: tuple[int | None, int | None]) -> tuple[int | None, int | None]:
    """``[low, high)`` instants as a span of ascending date keys."""
    return date_keys(span, False)


def date_keys(span: tuple[int | None, int | None], down: bool) -> tuple[int | None, int | None]:
    """A range of instants as a range of keys (a missing date, ``MISSING``, out of it; every
    key, missing dates too, when the range is open at both ends: no condition)."""
    if span == (None, None):
        return span
    low, high = span
    if not down:
        return low, MISSING if high is None else high
    return (-high + 1 if high is not None else None), MISSING if low is None else -low + 1


def after_date(request: SearchRequest, down: bool) -> LocationDateRow | None:
    cursor = request.cursor
    if cursor is None:
        return None
    moment, last_id = cursor[0], str(cursor[1])
    if not isinstance(moment, datetime):
        return MISSING, last_id, _LAST
    return (-micros(moment) if down else micros(moment)), last_id, _LAST


def _page_by_id(
    walk: Walk, span: tuple[int | None, int | None], request: SearchRequest, wanted: int
) -> list[LocationDateRow]:
    after = str(request.cursor[0]) if request.cursor else ""
    few = walk.engine.location_dates_by_date(
        walk.counters, False, None, date_keys(span, False), SMALL
    )
    if len(few) < SMALL:
        kept = sorted((r for r in walk.first_visible(few) if r[1] > after), key=lambda r: r[1])
        return kept[:wanted]
    rows: list[LocationDateRow] = []
    for row in walk.by_id(after, span):
        rows.append(row)
        if len(rows) == wanted:
            break
    return rows


def _page_by_name(
    walk: Walk,
    span: tuple[int | None, int | None],
    request: SearchRequest,
    total: int,
    wanted: int,
) -> list[LocationDateRow]:
    """The Locations in (name, id) order, missing names last: the names' key walked, keeping
    each Location's first visible offer's row (dated in ``span``); a span holding at most
    ``FEW`` Locations is read whole and sorted by name."""
    down = request.sort[0].descending
    after = after_name(request)
    if span != (None, None) and total <= FEW:
        return sorted_by_name(walk, list(walk.by_id("", span)), after, down)[:wanted]
    rows: list[LocationDateRow] = []
    for batch in walk.by_name(down, after, span):
        rows += batch
        if len(rows) >= wanted:
            break
    return rows[:wanted]


def sorted_by_name(
    walk: Walk, rows: list[LocationDateRow], after: tuple[str, str, int] | None, down: bool
) -> list[LocationDateRow]:
    """``rows`` (each a Location's first visible offer) in (name, id) order, names missing
    last, after the Location ``after``."""
    engine = walk.engine
    assert isinstance(engine, LocationNames)
    names = engine.location_names_of([(loc, ref) for _, loc, ref in rows])
    named = [(n, row) for n, row in zip(names, rows, strict=True) if n]
    named.sort(key=lambda x: x[1][1])
    named.sort(key=lambda x: x[0], reverse=down)
    unnamed = sorted((row for n, row in zip(names, rows, strict=True) if not n), key=_by_id)
    ordered = [*named, *(("", row) for row in unnamed)]
    start = 0 if after is None else sum(1 for n, row in ordered if _before(n, row[1], after, down))
    return [row for _, row in ordered[start:]]


def sorted_by_date(
    walk: Walk, rows: list[LocationDateRow], after: LocationDateRow | None, down: bool
) -> list[LocationDateRow]:
    """``rows`` (each a Location's first visible offer) in (date, id) order, dates missing
    last, after the row ``after`` (a key in that direction, an id)."""
    keyed = [(date_key(ts, down), loc, ref) for ts, loc, ref in walk.keyed(rows)]
    keyed.sort()
    start = 0 if after is None else sum(1 for k, loc, _ in keyed if (k, loc) <= after[:2])
    return keyed[start:]


def date_key(ts: int, down: bool) -> int:
    """An ascending date key as the key of that direction (a missing date last either way)."""
    return ts if ts == MISSING or not down else -ts


def _by_id(row: LocationDateRow) -> str:
    return row[1]


def _before(name: str, loc: str, after: tuple[str, str, int], down: bool) -> bool:
    """A Location named ``name`` comes no later than ``after`` in the order."""
    if not after[0]:
        return bool(name) or loc <= after[1]
    if not name:
        return False
    if name == after[0]:
        return loc <= after[1]
    return name > after[0] if down else name < after[0]


def after_name(request: SearchRequest) -> tuple[str, str, int] | None:
    """The row after which a page in name order resumes: the cursor's Location, whole."""
    cursor = request.cursor
    if cursor is None:
        return None
    return str(cursor[0] or ""), str(cursor[1]), _LAST


class Walk:
    """Key rows in order, keeping those of each Location's first offer the caller may see."""

    def __init__(self, engine: LocationDates, counters: bool, hidden: set[int]) -> None:
        self.engine, self.counters, self.hidden = engine, counters, hidden

    def first_visible(self, rows: list[LocationDateRow]) -> Iterator[LocationDateRow]:
        candidates = [r for r in rows if r[2] not in self.hidden]
        users = self.engine.location_users(sorted({r[1] for r in candidates}))
        for row in candidates:
            first = next((u for u in users[row[1]] if u not in self.hidden), None)
            if first == row[2]:
                yield row

    def by_date(
        self, down: bool, after: LocationDateRow | None, keys: tuple[int | None, int | None]
    ) -> Iterator[LocationDateRow]:
        while True:
            rows = self.engine.location_dates_by_date(self.counters, down, after, keys, BATCH)
            yield from self.first_visible(rows)
            if len(rows) < BATCH:
                return
            after = rows[-1]

    def by_id(self, after: str, span: tuple[int | None, int | None]) -> Iterator[LocationDateRow]:
        at = (after, _LAST)
        keys = date_keys(span, False)
        while True:
            rows = self.engine.location_dates_by_id(self.counters, at, keys, BATCH)
            yield from self.first_visible(rows)
            if len(rows) < BATCH:
                return
            at = (rows[-1][1], rows[-1][2])

    def by_name(
        self, down: bool, after: tuple[str, str, int] | None, span: tuple[int | None, int | None]
    ) -> Iterator[list[LocationDateRow]]:
        """Batches of the Locations in (name, id) order after the row ``after``, missing names
        last, each a Location's first visible offer's row, dated in ``span``."""
        engine = self.engine
        assert isinstance(engine, LocationNames)
        while True:
            deadline.check()
            batch = engine.location_names_in_order(down, after, BATCH)
            shown = list(self.first_visible([(0, loc, rid) for _, loc, rid in batch]))
            yield shown if span == (None, None) else self.dated(shown, span)
            if len(batch) < BATCH:
                return
            after = batch[-1]

    def keyed(self, rows: list[LocationDateRow]) -> list[LocationDateRow]:
        """``rows`` (each a Location's first visible offer) with the ascending date key of the
        Location as that offer shows it."""
        return self.dated(rows, (None, None))

    def dated(
        self, rows: list[LocationDateRow], span: tuple[int | None, int | None]
    ) -> list[LocationDateRow]:
        """The rows (each a Location's first visible offer) whose Location's date, as that
        offer shows it, lies in ``span``."""
        keys = date_keys(span, False)
        firsts = {
            (loc, ref): ts
            for ts, loc, ref in self.engine.location_dates_first(
                self.counters, sorted({r[2] for r in rows})
            )
        }
        kept = []
        for row in rows:
            ts = firsts.get(row[1:])
            if ts is not None:  # shown through its first offer: that row's key
                inside = _inside(ts, keys)
            else:  # its first offer hidden: the shown offer's own row
                found = self.engine.location_dates_by_id(
                    self.counters, (row[1], row[2] - 1), keys, 1
                )
                inside = bool(found) and found[0][1:] == row[1:]
                ts = found[0][0] if inside else None
            if inside:
                assert ts is not None
                kept.append((ts, row[1], row[2]))
        return kept

    def hits(self, rows: list[LocationDateRow]) -> list[Hit]:
        """The page: each Location seen through its first visible offer, with every visible
        offer using it."""
        assert isinstance(self.engine, Engine)
        users = self.engine.location_users([r[1] for r in rows])
        visible = {loc: [u for u in refs if u not in self.hidden] for loc, refs in users.items()}
        wanted = sorted({u for refs in visible.values() for u in refs})
        offers = dict(zip(wanted, self.engine.offers(wanted), strict=True))
        page = []
        for _, loc, ref in rows:
            first = view(offers[ref], counters=self.counters)
            place = first.location(loc)
            assert place is not None
            read = [offers[u] for u in visible[loc]]
            hit = Hit(ref, None, loc, view=first, location=place, via=[o.id for o in read])
            hit.users = read
            hit.keys = {"_lastUpdated": place.last_updated, "name": _name(place.name)}
            page.append(hit)
        return page


def _name(name: str | None) -> str | None:
    """A Location's name as a sort key: folded, None without one (or with nothing to fold)."""
    return (fold(name) if name else "") or None
