"""Run a FHIR search on an engine: candidates, match, order, page (no result cap).

    plan (what the engine can narrow) -> candidates -> match each (``evaluate``) -> order
    -> page -> read the page's offers

- **Engine part**: the top-level code parameters the engine indexes (``specialty``,
  ``service-category``, ``service-type``, ``patient-type``, ``characteristic`` in one of the
  indexed systems), the first ``near`` (point and radius; distances from the offer's place)
  or else a postcode prefix (``bounds.postcode_circle``), and ``intervention-zone`` become a
  :class:`~ror.search.engine.CandidateQuery` (as the referral search builds one, with the
  caller's audience: sensitive units the caller may not see never come out). Everything is
  then checked in Python on the live offer, so the engine only narrows; when the engine
  decided every condition exactly (codes, point, zone, nothing else) and the order is by
  distance, the units are counted without being read; a ``_summary=count`` of such a search
  is the engine's own count where it has one (:class:`~ror.search.engine.Counts`).
- **Order**: ``_sort`` keys, then ``_id``: pages never overlap. With a ``near``, distance
  first (a HealthcareService's distance is its place's, the first of its Locations with a
  position; a Location's is its own position).
- **HealthcareService** matches are offers; **Location** matches are the distinct Locations of
  the offers the engine returns, each tested on its own counters and equipment.

Known limit: the engine places an offer at its first Location; a ``near`` radius therefore
misses an offer whose *other* Location is inside the circle while the first is not.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final, TypeVar

import numpy as np
from numpy.typing import NDArray

from ror import deadline
from ror.api.fhir import paging
from ror.api.fhir.bounds import postcode_circle
from ror.api.fhir.evaluate import Binding, distance_km, holds, matches
from ror.api.fhir.pushdown import consume_prefilter
from ror.api.fhir.query import AllOf, Atom, Node, SearchRequest, SortKey, levels
from ror.api.fhir.values import Near, Text, Token, ZoneKeys
from ror.criteria import CODE_FIELDS, Audience
from ror.geo.distance import dot_to_km
from ror.indexer.facts import LocationView, OfferView, view
from ror.model import Offer, Price
from ror.search.engine import Candidate, CandidateQuery, Candidates, Counts, Engine
from ror.search.prefilter import Prefilter
from ror.text import fold

BATCH: Final = 256
#: Sort keys known from ``Engine.order_keys`` and the candidates alone.
ORDER_KEYS: Final = frozenset({"near", "_id", "_lastUpdated"})
T = TypeVar("T")
#: Catalog field -> engine code field (``ror.criteria.CODE_FIELDS``), with its system.
ENGINE_FIELDS: Final = {
    name: (name, CODE_FIELDS[name]) for name in ("activity", "offer_type", "champ", "public")
}
CHARACTERISTIC_ENGINE_FIELDS: Final = {
    "R213": "care_mode",
    "R338": "modalities",
    "R245": "specialisations",
}


@dataclass(frozen=True, slots=True)
class Plan:
    query: CandidateQuery
    residual: AllOf | None  # what the engine does not decide exactly, tested in Python
    zone_only: bool  # only zone matches can match (intervention-zone pushed)
    counters: bool = True  # the caller may see counters, hence their dates (``_lastUpdated``)

    @property
    def exact(self) -> bool:
        """The engine decides every condition: its candidates are the matches."""
        return self.residual is None


@dataclass(slots=True)
class Hit:
    """A match: its order keys, and what is needed to show it."""

    ref: int
    distance: float | None
    id: str | None = None  # offer id (HealthcareService) or Location id
    keys: dict[str, object] = field(default_factory=dict)
    view: OfferView | None = None  # the offer (for a Location: the first offer seen with it)
    location: LocationView | None = None  # Location searches
    via: list[str] = field(default_factory=list)  # Location searches: offers using it
    users: list[Offer] = field(default_factory=list)  # the offers of ``via``, when read


@dataclass(frozen=True, slots=True)
class Result:
    total: int
    page: list[Hit]
    next_cursor: str | None = None  # where the next page starts (``paging``); None: last page


def plan(request: SearchRequest, audience: Audience, *, pushdown: bool = True) -> Plan:
    """Compile what the engine decides exactly into its query, consuming those conditions
    (HAPI's consume-and-residual); the rest is the residual. ``pushdown`` False: the engine
    only narrows (codes, point, zones) and the whole condition is tested in Python."""
    service = request.resource == "HealthcareService"
    codes: dict[str, tuple[str, ...]] = {}
    point: Near | None = None
    zones: frozenset[str] = frozenset()
    rest: list[Node] = []
    for child in flat(request.condition):
        if isinstance(child, Atom) and point is None and child.param.field == "near":
            value = child.values[0]
            assert isinstance(value, Near)
            point = value
        elif isinstance(child, Atom) and not zones and child.param.field == "zones":
            zones = frozenset(k for v in child.values if isinstance(v, ZoneKeys) for k in v.keys)
        else:
            pushed = _engine_codes(child) if service else None
            if pushed is None or pushed[0] in codes:
                rest.append(child)
            else:
                codes[pushed[0]] = pushed[1]
    prefilter = Prefilter()
    if service and pushdown:
        prefilter, rest = consume_prefilter(rest, audience.capacities)
    if point is None:  # no near: a postcode prefix still bounds the candidates
        point = _postcode_bound(request.condition)
    query = CandidateQuery(
        point=(point.lat, point.lon) if point else None,
        codes=tuple(codes.items()),
        prefilter=prefilter,
        zone_keys=zones,
        max_radius_km=point.radius_km if point else None,
        sensitive_champs=audience.sensitive_champs,
        strict=True,
    )
    if not pushdown or not service:
        residual: AllOf | None = request.condition
    else:
        residual = AllOf(tuple(rest)) if rest else None
    return Plan(query, residual, bool(zones), audience.capacities)


def flat(condition: AllOf) -> list[Node]:
    """The top-level conditions, nested all-ofs (``_filter``'s ``and``) spread out: the same
    condition, since an all-of binds its Locations, counters… together at any depth."""
    out: list[Node] = []
    for child in condition.children:
        out.extend(flat(child) if isinstance(child, AllOf) else [child])
    return out


def _postcode_bound(condition: AllOf) -> Near | None:
    for child in condition.children:
        if isinstance(child, Atom) and child.param.field == "postal_code":
            texts = [v for v in child.values if isinstance(v, Text) and v.mode != "contains"]
            if len(texts) == len(child.values):
                return postcode_circle(tuple(t.folded for t in texts))
    return None


def _engine_codes(node: Node) -> tuple[str, tuple[str, ...]] | None:
    """(engine field, codes) when the engine's code filter decides ``node`` exactly."""
    if not isinstance(node, Atom) or node.param.scope != "offer" or node.modifier:
        return None
    tokens = [v for v in node.values if isinstance(v, Token)]
    if len(tokens) != len(node.values) or any(t.code is None for t in tokens):
        return None
    if node.param.field == "characteristic":
        names = {CHARACTERISTIC_ENGINE_FIELDS.get(t.key or "") for t in tokens}
        if len(names) != 1 or None in names:
            return None
        name = next(iter(names))
        assert name is not None
        return name, tuple(str(t.code) for t in tokens)
    target = ENGINE_FIELDS.get(node.param.field)
    if target is None or any(t.key != target[1] for t in tokens):
        return None
    return target[0], tuple(str(t.code) for t in tokens)


# --- running ----------------------------------------------------------------------------------


def run(
    request: SearchRequest,
    engine: Engine,
    audience: Audience,
    *,
    shortcut: bool = True,
    refs: Collection[int] | None = None,
) -> Result:
    """Every match counted, one page read (``shortcut`` False: nothing pushed down, every
    unit the engine narrows to is tested in Python). ``refs``: the candidates are these units
    (found by look-ups, ``lookup.py``; the caller left out those the audience may not see), the
    whole condition tested on each."""
    p = plan(request, audience, pushdown=shortcut and refs is None)
    counted = _engine_count(request, engine, p) if shortcut else None
    if counted is not None:
        return Result(counted, [])
    with engine.snapshot():
        if refs is None:
            found = engine.candidates(p.query)
        else:
            units = [Candidate(ref, None, 0) for ref in sorted(refs)]
            found = Candidates([], iter(units), "lookup")
        return answer(request, engine, p, found, shortcut=shortcut)


def answer(
    request: SearchRequest, engine: Engine, p: Plan, found: Candidates, *, shortcut: bool = True
) -> Result:
    """The matches of ``p`` among ``found`` (its candidates) counted, one page read (inside
    the engine's snapshot)."""
    hits: list[Hit] | _Counted
    if request.resource == "Location":
        hits = _location_hits(request, engine, p, found)
    elif shortcut and p.exact and found.counts_without_reading and _by_distance(request):
        hits = _counted_hits(found, p)
    else:
        hits = _service_hits(request, engine, p, found)
    total = len(hits)
    page, more = _order_and_cut(hits, request, engine)
    if request.resource == "HealthcareService":
        _read_page(page, engine)
    cursor = paging.encode(request.sort, _values(page[-1], request.sort)) if more else None
    return Result(total, page, cursor)


def _engine_count(request: SearchRequest, engine: Engine, p: Plan) -> int | None:
    """``_summary=count`` of a search the engine decides whole, counted by the engine."""
    if request.summary != "count" or request.resource != "HealthcareService" or not p.exact:
        return None
    if p.zone_only or not isinstance(engine, Counts):
        return None
    return engine.count_candidates(p.query)


def _candidates(found: Candidates, p: Plan) -> Iterator[Candidate]:
    """The units passing every condition the engine decides (``fails == 0``): those failing
    a prefilter criterion are no matches, nor are the stream's ring marks."""
    yield from (c for c in found.by_zone if c.fails == 0)
    if not p.zone_only:
        yield from (c for c in found.stream if isinstance(c, Candidate) and c.fails == 0)


def _batches(engine: Engine, p: Plan, found: Candidates) -> Iterator[tuple[Candidate, Offer]]:
    batch: list[Candidate] = []
    for c in _candidates(found, p):
        batch.append(c)
        if len(batch) >= BATCH:
            deadline.check()
            yield from zip(batch, engine.offers([b.ref for b in batch]), strict=True)
            batch = []
    if batch:
        yield from zip(batch, engine.offers([b.ref for b in batch]), strict=True)


def _service_hits(request: SearchRequest, engine: Engine, p: Plan, found: Candidates) -> list[Hit]:
    """The candidates that pass the residual, with their sort keys (offers read, and seen
    through their FHIR source only when the residual or a price key needs it)."""
    hits = []
    if p.residual is None and {k.key for k in request.sort} <= ORDER_KEYS:
        for batch in _chunks(list(_candidates(found, p)), BATCH):
            for c, (oid, updated) in zip(
                batch, engine.order_keys([c.ref for c in batch]), strict=True
            ):
                hits.append(Hit(c.ref, c.distance_km, oid, keys={"_lastUpdated": updated}))
        return hits
    for c, offer in _batches(engine, p, found):
        v = view(offer, counters=p.counters)
        if p.residual is None or matches(p.residual, v):
            hit = Hit(c.ref, c.distance_km, offer.id)
            hit.keys = _service_keys(request, v)
            hits.append(hit)
    return hits


def _counted_hits(found: Candidates, p: Plan) -> list[Hit] | _Counted:
    """The engine decided everything: matches are its candidates, inside the radius (kept as
    arrays when the engine gives them with distances: see :class:`_Counted`)."""
    counted = _Counted.of(found, p)
    if counted is not None:
        return counted
    radius = p.query.max_radius_km
    return [
        Hit(c.ref, c.distance_km)
        for c in _candidates(found, p)
        if c.fails == 0
        and (radius is None or (c.distance_km is not None and c.distance_km <= radius))
    ]


class _Counted:
    """The matches of a search the engine decides whole, by distance, as arrays: nearest first
    (by dot product, ``dot_to_km`` being monotonic), cut at the radius. A page makes ``Hit``
    objects for its window only, so a million matches cost a sort, not a million objects; the
    distances are ``dot_to_km`` of the same doubles, as the candidates carry them."""

    def __init__(self, refs: NDArray[np.int64], dots: NDArray[np.float64]) -> None:
        self.refs, self.dots = refs, dots

    @classmethod
    def of(cls, found: Candidates, p: Plan) -> _Counted | None:
        stream = found.rings
        if stream is None or p.query.point is None:
            return None
        parts = [stream.by_zone] if stream.by_zone is not None else []
        if not p.zone_only:
            parts.extend(stream.rings())
        refs, dots = [], []
        for ring in parts:
            deadline.check()
            if ring.dots is None:
                return None
            keep = ring.fails == 0
            refs.append(ring.refs[keep])
            dots.append(ring.dots[keep])
        all_refs = np.concatenate(refs) if refs else np.empty(0, dtype=np.int64)
        all_dots = np.concatenate(dots) if dots else np.empty(0, dtype=np.float64)
        order = np.lexsort((all_refs, -all_dots))
        counted = cls(all_refs[order], all_dots[order])
        radius = p.query.max_radius_km
        if radius is not None:
            inside = bisect_right(counted.km, radius)
            counted.refs, counted.dots = counted.refs[:inside], counted.dots[:inside]
        return counted

    def __len__(self) -> int:
        return len(self.refs)

    @property
    def km(self) -> _Distances:
        return _Distances(self.dots)

    def page(self, request: SearchRequest, engine: Engine, size: int) -> tuple[list[Hit], bool]:
        """``_order_and_cut`` of these matches."""
        km, n = self.km, len(self)
        ties: list[Hit] = []
        start = request.offset
        if request.cursor is not None:  # ``_after_distance``
            distance, last_id = request.cursor[0], request.cursor[1]
            assert isinstance(distance, float | int) and isinstance(last_id, str)
            lo, start = bisect_left(km, distance), bisect_right(km, distance)
            at = self._hits(lo, start)
            _read_ids(at, engine)
            ties = sorted((h for h in at if (h.id or "") > last_id), key=lambda h: h.id or "")
            if len(ties) >= size:
                return ties[:size], len(ties) > size or start < n
            size -= len(ties)
        stop = min(start + size, n)
        if start >= stop:
            return ties, False
        lo = bisect_left(km, km[start])
        hi = bisect_right(km, km[stop - 1])
        window = self._hits(lo, hi)
        _read_ids(window, engine)
        window.sort(key=lambda h: (h.distance or 0.0, h.id or ""))
        return ties + window[start - lo : stop - lo], stop < n

    def _hits(self, lo: int, hi: int) -> list[Hit]:
        return [
            Hit(int(ref), dot_to_km(dot))
            for ref, dot in zip(self.refs[lo:hi].tolist(), self.dots[lo:hi].tolist(), strict=True)
        ]


class _Distances(Sequence[float]):
    """``dot_to_km`` of sorted dot products, computed only where a bisection looks."""

    def __init__(self, dots: NDArray[np.float64]) -> None:
        self.dots = dots

    def __len__(self) -> int:
        return len(self.dots)

    def __getitem__(self, i: int) -> float:  # type: ignore[override]
        return dot_to_km(float(self.dots[i]))


def _location_hits(request: SearchRequest, engine: Engine, p: Plan, found: Candidates) -> list[Hit]:
    by_id: dict[str, Hit] = {}
    rejected: set[str] = set()
    for c, offer in _batches(engine, p, found):
        v = view(offer, counters=p.counters)
        for loc in v.locations:
            if loc.id is None or loc.id in rejected:
                continue
            hit = by_id.get(loc.id)
            if hit is None:
                if not matches(request.condition, v, loc):
                    rejected.add(loc.id)
                    continue
                near = request.near
                distance = distance_km(near, loc) if near else None
                hit = Hit(c.ref, distance, loc.id, view=v, location=loc)
                hit.keys = {"_lastUpdated": loc.last_updated, "name": _name_key(loc.name) or None}
                by_id[loc.id] = hit
            hit.via.append(offer.id)
            hit.users.append(offer)
    return list(by_id.values())


def _by_distance(request: SearchRequest) -> bool:
    keys = [(k.key, k.descending) for k in request.sort]
    return keys in ([("near", False), ("_id", False)], [("_id", False)]) and (
        keys[0][0] == "near" or request.near is None
    )


# --- order and page ---------------------------------------------------------------------------


def _order_and_cut(
    hits: list[Hit] | _Counted, request: SearchRequest, engine: Engine
) -> tuple[list[Hit], bool]:
    """The page (after ``request.cursor``, else at ``request.offset``) and whether more
    matches follow it."""
    size = 0 if request.summary == "count" else request.count
    if isinstance(hits, _Counted):
        return hits.page(request, engine, size)
    unread = [h for h in hits if h.id is None]
    if unread and request.near is not None:
        hits.sort(key=lambda h: h.distance or 0.0)
        start = request.offset
        if request.cursor is not None:
            hits, start = _after_distance(hits, request.cursor, engine), 0
        stop = min(start + size, len(hits))
        if start >= stop:
            return [], False
        lo, hi = _tie_window(hits, start, stop)
        _read_ids(hits[lo:hi], engine)
        window = sorted(hits[lo:hi], key=lambda h: (h.distance or 0.0, h.id or ""))
        return window[start - lo : stop - lo], stop < len(hits)
    if unread:
        _read_ids(hits, engine)
    for key in reversed(request.sort):
        _stable_sort(hits, key)
    start = request.offset
    if request.cursor is not None:
        cursor, sort = request.cursor, request.sort
        start = next(
            (i for i, h in enumerate(hits) if paging.compare(_values(h, sort), cursor, sort) > 0),
            len(hits),
        )
    if size == 0:
        return [], False
    return hits[start : start + size], start + size < len(hits)


def _after_distance(hits: list[Hit], cursor: paging.Values, engine: Engine) -> list[Hit]:
    """Hits in (distance, id) order after the cursor's; ``hits`` sorted by distance, ids read
    only for the ties at the cursor's distance."""
    distance, last_id = cursor[0], cursor[1]
    assert isinstance(distance, float | int) and isinstance(last_id, str)
    lo = bisect_left(hits, distance, key=lambda h: h.distance or 0.0)
    hi = bisect_right(hits, distance, key=lambda h: h.distance or 0.0)
    _read_ids(hits[lo:hi], engine)
    ties = sorted((h for h in hits[lo:hi] if (h.id or "") > last_id), key=lambda h: h.id or "")
    return ties + hits[hi:]


def _values(hit: Hit, sort: Sequence[SortKey]) -> paging.Values:
    return tuple(_sort_value(hit, key.key) for key in sort)


def _sort_value(hit: Hit, key: str) -> object:
    if key == "near":
        return hit.distance
    if key == "_id":
        return hit.id
    return hit.keys.get(key)


def _tie_window(hits: list[Hit], start: int, stop: int) -> tuple[int, int]:
    """The slice around [start, stop) that holds every hit tied in distance with its ends."""
    lo, hi = start, stop
    while lo > 0 and hits[lo - 1].distance == hits[start].distance:
        lo -= 1
    while hi < len(hits) and hits[hi].distance == hits[stop - 1].distance:
        hi += 1
    return lo, hi


def _read_ids(hits: Sequence[Hit], engine: Engine) -> None:
    for batch in _chunks(hits, BATCH):
        for hit, (oid, _) in zip(batch, engine.order_keys([h.ref for h in batch]), strict=True):
            hit.id = oid


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _stable_sort(hits: list[Hit], key: SortKey) -> None:
    """One sort key; missing values last whatever the direction."""

    def value(h: Hit) -> object:
        return _sort_value(h, key.key)

    present = [h for h in hits if value(h) is not None]
    missing = [h for h in hits if value(h) is None]
    present.sort(key=value, reverse=key.descending)  # type: ignore[arg-type]
    hits[:] = present + missing


def _read_page(page: list[Hit], engine: Engine) -> None:
    """The page's offers, read again (live counters) once the order is known."""
    missing = [h for h in page if h.view is None]
    for i in range(0, len(missing), BATCH):
        batch = missing[i : i + BATCH]
        for hit, offer in zip(batch, engine.offers([h.ref for h in batch]), strict=True):
            hit.view = view(offer)
            hit.id = offer.id


# --- sort keys ---------------------------------------------------------------------------------


def _service_keys(request: SearchRequest, v: OfferView) -> dict[str, object]:
    wanted = {k.key for k in request.sort}
    keys: dict[str, object] = {
        "_lastUpdated": v.offer.last_updated,
        "name": _name_key(v.offer.name),
    }
    if wanted & {"organization.price-validity-start-date", "organization.price-amount-value"}:
        prices = _selected_prices(request.condition, v)
        starts = [p.start_date for p in prices if p.start_date is not None]
        amounts = [p.amount_eur for p in prices]
        keys["organization.price-validity-start-date"] = max(starts) if starts else None
        keys["organization.price-amount-value"] = min(amounts) if amounts else None
    return keys


def _name_key(name: str | None) -> str | None:
    """Names in French reading order: accents and case do not split them."""
    return fold(name) if name else None


def _selected_prices(condition: AllOf, v: OfferView) -> list[Price]:
    """The prices the price parameters select (every price when none is given)."""
    about_price = [c for c in condition.children if "price" in levels(c)]
    prices = list(v.offer.establishment.prices)
    if not about_price:
        return prices
    rule = AllOf(tuple(about_price))
    return [p for p in prices if holds(rule, Binding(v, price=p))]
