"""Searches without a position answered through the engine's look-up keys
(:class:`~ror.search.engine.Lookups`, the keys of ``ror.indexer.terms``), never by a scan.

Each top-level condition the keys can find becomes a :class:`~ror.search.engine.Lookup`:

- tokens of ``identifier``, ``_tag``, ``organization.identifier`` (``:above`` too),
  ``organization.type``, ``location.commune-cog``, ``location.identifier``, Location ``_id``…
  (values with a code; the system as the search names it);
- strings (``name``, ``address-postalcode``, ``address-city``…): a prefix (``:exact`` narrows by
  its folded value); names (``terms.NAME_FIELDS``) also by substring (``:contains``, ``co``, an
  ``or`` of them) when the engine keeps their trigrams (exact for Locations' names as below);
- ``_lastUpdated`` of the offer and of its organisation (``:above`` too): date ranges;
- an ``or`` of those (``_filter=(_lastUpdated ge X or organization._lastUpdated:above ge X)``,
  a sync's query): the union of their look-ups.

A look-up is **exact** when the keys decide the condition as the search does: every one of an
offer or its organisation; one of a Location when it is the only condition needing a Location
(``location.x=…&location.y=…`` must hold on one Location) and the search is of
HealthcareServices; ``:exact`` never.

- A HealthcareService search whose conditions are one exact look-up (or none), in ``_id`` or
  ``_lastUpdated`` order, is counted by the engine and reads only its page (:func:`lookup`);
- otherwise the offers the most selective look-ups find (intersected) are the candidates of
  ``search.run``, which tests the whole condition on them: the keys only narrow.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ror.api.fhir import paging
from ror.api.fhir.query import AnyOf, Atom, Node, SearchRequest
from ror.api.fhir.search import Hit, Result, flat, run
from ror.api.fhir.values import DateRange, Number, Quantity, Text, Token
from ror.criteria import Audience
from ror.indexer.facts import view
from ror.indexer.terms import (
    EPOCH,
    MISSING,
    NAME_DOWN,
    NAME_FIELDS,
    NAME_UP,
    PREFIXED,
    PRICE_AMOUNT_DOWN,
    PRICE_AMOUNT_UP,
    PRICE_FIELDS,
    PRICE_ORDERS,
    PRICE_START_DOWN,
    PRICE_START_UP,
    SORT_DOWN,
    SORT_UP,
    TEXT_FIELDS,
    TOKEN_FIELDS,
    folded,
    micros,
    name,
    text_term,
    token_term,
)
from ror.search.engine import (
    Bound,
    CounterTest,
    Engine,
    EquipmentTest,
    Listings,
    LocationDates,
    Lookup,
    LookupRow,
    Lookups,
    PriceTest,
    SortValue,
)

NARROW_MAX: Final = 20_000  # offers a narrowing look-up may find and still be read
WIDE_MAX: Final = 200_000  # offers a look-up may find and still be intersected, then paged
FIRST_LIMIT: Final = 2_000  # the first limit look-ups are asked with (``_rounds``)
READ_AHEAD: Final = 16  # rows asked beyond a page, for hidden ones met (given offers have none)
ORDERS: Final = {
    (("_id", False),): "_id",
    (("_lastUpdated", False), ("_id", False)): SORT_UP,
    (("_lastUpdated", True), ("_id", False)): SORT_DOWN,
    (("name", False), ("_id", False)): NAME_UP,
    (("name", True), ("_id", False)): NAME_DOWN,
    (("organization.price-validity-start-date", False), ("_id", False)): PRICE_START_UP,
    (("organization.price-validity-start-date", True), ("_id", False)): PRICE_START_DOWN,
    (("organization.price-amount-value", False), ("_id", False)): PRICE_AMOUNT_UP,
    (("organization.price-amount-value", True), ("_id", False)): PRICE_AMOUNT_DOWN,
}
PRICE_KEYS: Final = {
    PRICE_START_UP: "organization.price-validity-start-date",
    PRICE_START_DOWN: "organization.price-validity-start-date",
    PRICE_AMOUNT_UP: "organization.price-amount-value",
    PRICE_AMOUNT_DOWN: "organization.price-amount-value",
}


def lookup(request: SearchRequest, engine: Engine, audience: Audience) -> Result | None:
    """The search answered through look-ups, or None when it has none (or the engine cannot)."""
    if not isinstance(engine, Lookups) or not isinstance(engine, Listings):
        return None
    if request.near is not None:
        return None
    if not engine.lookup_ready():
        return None
    conditions = flat(request.condition)
    service = request.resource == "HealthcareService"
    grams = engine.lookup_contains()
    paged_among = engine.lookup_among()
    group = counter_group(conditions) if service and engine.lookup_counters() else None
    if group is not None and not audience.capacities:
        return Result(0, [])  # the caller sees no counter: none passes (``facts.view``)
    equipped = equipment_group(conditions) if service and engine.lookup_equipment() else None
    order = ORDERS.get(tuple((k.key, k.descending) for k in request.sort))
    priced = priced_group(request, engine, order) if service else None
    found = [(c, as_lookup(c, conditions, service, grams)) for c in conditions]
    for kept in (group, priced, equipped):
        if kept is not None:
            found = [(c, f) for c, f in found if c not in kept[1]] + [(kept[1][0], (kept[0], True))]
    order = keyed_order(engine, order, priced)
    exact = all(f is not None and f[1] for _, f in found)
    looked = [f[0] for _, f in found if f is not None]
    hidden = hidden_units(engine, audience)
    paged = service and exact and order is not None and len(looked) <= 1
    if paged and order is not None and (looked or order != "_id"):
        return keyed_page(request, engine, looked[0] if looked else None, order, hidden)
    if not looked:
        return None
    pageable = service and exact and order is not None and paged_among
    if not paged_among:
        refs, wide = _narrowest(engine, looked, (NARROW_MAX,))
    else:  # the narrowest found first, the others asked among its offers
        refs, wide = _narrowest(engine, looked, _rounds(WIDE_MAX if pageable else NARROW_MAX))
        for one in wide:
            if refs is not None:
                refs &= engine.lookup_refs(one, len(refs), among=sorted(refs)) or set()
        wide = []
    if refs is None or (not pageable and len(refs) > NARROW_MAX):
        return None  # nothing selective: the engine's own candidates
    if pageable and order is not None and not wide:
        keyed = priced[0] if priced is not None and order in PRICE_ORDERS else None
        return keyed_page(request, engine, keyed, order, hidden, among=refs - hidden)
    if not service:
        refs = _with_users(engine, refs)
    return run(request, engine, audience, refs=refs - hidden)


def _with_users(engine: Engine, refs: set[int]) -> set[int]:
    """``refs`` and every other offer using one of their Locations: a Location search tests
    each Location on its first offer the caller may see and lists every one, as the scan
    does, whichever of them the keys found."""
    locations = sorted({loc for o in engine.offers(sorted(refs)) for loc in o.location_ids})
    if isinstance(engine, LocationDates):
        users = engine.location_users(locations)
        return refs | {r for found in users.values() for r in found}
    if not isinstance(engine, Listings):
        return refs
    ids = {o for info in engine.locations_info(locations).values() for o in info.offers}
    return refs | set(engine.offer_refs(sorted(ids)).values())


def priced_group(
    request: SearchRequest, engine: Lookups, order: str | None
) -> tuple[Lookup, list[Node]] | None:
    """:func:`price_group` where the engine keeps the price keys and it is needed: with an
    amount or a start, or for a price order (price types alone: their code keys count and
    page them)."""
    priced = price_group(request) if engine.lookup_prices() else None
    test = priced[0].price if priced is not None else None
    if test is not None and order not in PRICE_ORDERS and not (test.amounts or test.starts):
        return None
    return priced


def keyed_order(
    engine: Lookups, order: str | None, priced: tuple[Lookup, list[Node]] | None
) -> str | None:
    """The search's order (:data:`ORDERS`) when the engine pages its keys in it: a name order
    when it keeps the names in key order, a price order with the price look-up."""
    if order in (NAME_UP, NAME_DOWN) and not engine.lookup_names_order():
        return None
    if order in PRICE_ORDERS and priced is None:
        return None
    return order


def _rounds(widest: int) -> tuple[int, ...]:
    """The limits look-ups are asked with, growing: the narrowest answers first."""
    out, limit = [], FIRST_LIMIT
    while limit < widest:
        out.append(limit)
        limit *= 4
    return (*out, widest)


def _narrowest(
    engine: Lookups, looked: Sequence[Lookup], rounds: Sequence[int]
) -> tuple[set[int] | None, list[Lookup]]:
    """The offers of the look-ups finding at most a round's limit (intersected; the first
    round where one does), and the look-ups left unasked or finding more."""
    pending = sorted(looked, key=lambda x: (x.text is not None, x.field is not None))
    refs: set[int] | None = None
    for limit in rounds:
        wide = []
        for one in pending:
            got = engine.lookup_refs(one, limit)
            if got is None:
                wide.append(one)
            else:
                refs = got if refs is None else refs & got
        if refs is not None:
            return refs, wide
    return None, list(pending)


def hidden_units(engine: Listings, audience: Audience) -> set[int]:
    """Refs of the sensitive units the audience may not see."""
    if audience.sensitive_champs is None:
        return set()
    units = engine.sensitive_units().items()
    return {ref for ref, champ in units if not audience.shows_sensitive(champ)}


def as_lookup(
    node: Node, conditions: Sequence[Node], service: bool, grams: bool = False
) -> tuple[Lookup, bool] | None:
    """The look-up finding the offers ``node`` may match, and whether it finds exactly those."""
    one_location = service and sum(1 for c in conditions if c.needs & {"location"}) == 1
    if isinstance(node, AnyOf):
        contains = _contains(node.children, one_location) if grams else None
        return contains or _either(node, conditions, service, grams)
    if not isinstance(node, Atom):
        return None
    if grams and any(isinstance(v, Text) and v.mode == "contains" for v in node.values):
        return _contains([node], one_location)
    param = node.param
    if param.scope == "price":
        return _price(node, conditions)
    above = node.modifier == "above" and param.scope == "organization"
    if node.modifier is not None and not above and node.modifier != "exact":
        return None
    alone = param.scope != "location" or one_location
    where = name(param.scope, param.field, above)
    if param.type == "token" and param.field in TOKEN_FIELDS.get(param.scope, ()):
        tokens = [v for v in node.values if isinstance(v, Token)]
        if len(tokens) != len(node.values) or any(t.code is None for t in tokens):
            return None
        terms = tuple(token_term(where, t.key, t.system, str(t.code)) for t in tokens)
        return Lookup(terms=terms), alone
    if param.type == "string" and param.field in TEXT_FIELDS.get(param.scope, ()) and not above:
        texts = [v for v in node.values if isinstance(v, Text)]
        if len(texts) != len(node.values) or any(t.mode == "contains" for t in texts):
            return None
        if any(t.mode == "exact" for t in texts):
            return Lookup(terms=tuple(text_term(where, folded(t.raw)) for t in texts)), False
        if where in PREFIXED:
            return Lookup(terms=tuple(text_term(where, t.folded, True) for t in texts)), alone
        return Lookup(prefixes=tuple(text_term(where, t.folded) for t in texts)), alone
    if param.type == "date" and param.field == "last_updated" and param.scope != "location":
        dates = [v for v in node.values if isinstance(v, DateRange)]
        if len(dates) != len(node.values):
            return None
        ranges = tuple(r for d in dates for r in date_ranges(d))
        return Lookup(field=where, ranges=ranges), alone
    return None


def _either(
    node: AnyOf, conditions: Sequence[Node], service: bool, grams: bool
) -> tuple[Lookup, bool] | None:
    """An ``or`` of conditions the keys can find: the union of their look-ups, exact when each
    one is (a condition on a Location is then the only one: some Location holds one of them)."""
    parts = [as_lookup(child, conditions, service, grams) for child in node.children]
    if not parts or any(p is None for p in parts):
        return None
    found = [p for p in parts if p is not None]
    return Lookup(either=tuple(p[0] for p in found)), all(p[1] for p in found)


def _price(node: Atom, conditions: Sequence[Node]) -> tuple[Lookup, bool] | None:
    """A price code parameter: the prices' code keys; exact when no other condition needs a
    price (parameters of one price hold on the same price)."""
    param = node.param
    if node.modifier is not None or param.type != "token" or param.field not in PRICE_FIELDS:
        return None
    tokens = [v for v in node.values if isinstance(v, Token)]
    if len(tokens) != len(node.values) or param.system is None:
        return None
    # ``evaluate.token_matches`` over a price's one value ``(param.system, None, code)``
    named = [t for t in tokens if (t.key == param.system if t.key is not None else not t.system)]
    where = name("price", param.field)
    terms = tuple(
        dict.fromkeys(
            token_term(where, None, None, str(t.code)) for t in named if t.code is not None
        )
    )
    prefixes = (token_term(where, None, None, ""),) if any(t.code is None for t in named) else ()
    alone = sum(1 for c in conditions if "price" in c.needs) == 1
    return Lookup(terms=terms, prefixes=prefixes), alone


def price_group(request: SearchRequest) -> tuple[Lookup, list[Node]] | None:
    """The price look-up deciding the conditions that need a price, when they are all plain
    ``price-type`` (with codes), ``price-amount-value`` and ``price-validity-start-date``
    parameters at the top of the search (held by one price, as ``evaluate`` binds them, and
    selecting the prices of the price sort keys as ``search._selected_prices`` does), at least
    one a type; None otherwise."""
    children = list(request.condition.children)
    group = [c for c in flat(request.condition) if "price" in c.needs]
    if not group or any(c not in children or not isinstance(c, Atom) for c in group):
        return None
    types: set[str] | None = None
    amounts: list[tuple[Bound, Bound]] | None = None
    starts: list[tuple[int | None, int | None]] | None = None
    for node in group:
        assert isinstance(node, Atom)
        param = node.param
        if node.modifier is not None:
            return None
        if param.field == "type" and param.type == "token" and param.system is not None:
            tokens = [v for v in node.values if isinstance(v, Token)]
            if len(tokens) != len(node.values) or any(t.code is None for t in tokens):
                return None
            # ``evaluate.token_matches`` over a price's one value ``(param.system, None, code)``
            codes = {
                str(t.code)
                for t in tokens
                if (t.key == param.system if t.key is not None else not t.system)
            }
            types = codes if types is None else types & codes
        elif param.field == "amount_eur" and param.type == "number":
            numbers = [v for v in node.values if isinstance(v, Number)]
            if len(numbers) != len(node.values):
                return None
            spans = [s for n in numbers for s in number_spans(n)]
            amounts = spans if amounts is None else _both(amounts, spans)
            if amounts is None:
                return None
        elif param.field == "start_date" and param.type == "date":
            dates = [v for v in node.values if isinstance(v, DateRange)]
            if len(dates) != len(node.values):
                return None
            ranges = [r for d in dates for r in date_ranges(d)]
            starts = ranges if starts is None else _both_dates(starts, ranges)
            if starts is None:
                return None
        else:
            return None
    if types is None:
        return None
    test = PriceTest(tuple(sorted(types)), tuple(amounts or ()), tuple(starts or ()))
    return Lookup(price=test), group


def _both(
    a: list[tuple[Bound, Bound]], b: list[tuple[Bound, Bound]]
) -> list[tuple[Bound, Bound]] | None:
    """Numbers in one span of ``a`` and one of ``b`` (None: not a single span each)."""
    if len(a) != 1 or len(b) != 1:
        return None
    (la, ha), (lb, hb) = a[0], b[0]
    low = la if lb is None or (la is not None and (la[0], not la[1]) > (lb[0], not lb[1])) else lb
    high = ha if hb is None or (ha is not None and (ha[0], ha[1]) < (hb[0], hb[1])) else hb
    return [(low, high)]


def _both_dates(
    a: list[tuple[int | None, int | None]], b: list[tuple[int | None, int | None]]
) -> list[tuple[int | None, int | None]] | None:
    """Instants in one range of ``a`` and one of ``b`` (None: not a single range each)."""
    if len(a) != 1 or len(b) != 1:
        return None
    (la, ha), (lb, hb) = a[0], b[0]
    low = la if lb is None else lb if la is None else max(la, lb)
    high = ha if hb is None else hb if ha is None else min(ha, hb)
    return [(low, high)]


def counter_group(conditions: Sequence[Node]) -> tuple[Lookup, list[Node]] | None:
    """The counter look-up deciding the conditions that need a Location (all of them plain
    counter parameters: ``capacity-status``, ``nb-capacity``…, held by one counter of one
    Location, as ``evaluate`` binds them), and those conditions; None when there are none or
    another one needs a Location."""
    group = [c for c in conditions if c.needs & {"location", "counter", "equipment"}]
    tests = [_counter_test(c) for c in group]
    if not group or any(t is None for t in tests):
        return None
    return Lookup(counters=tuple(t for t in tests if t is not None)), group


def equipment_group(conditions: Sequence[Node]) -> tuple[Lookup, list[Node]] | None:
    """The equipment look-up deciding the conditions that need a Location (all of them plain
    ``equipment-type`` with one code, at most one ``equipment-feature`` with one code and at
    most one ``limit-value`` with one value, held by one equipment of one Location, as
    ``evaluate`` binds them), and those conditions; None otherwise."""
    group = [c for c in conditions if c.needs & {"location", "counter", "equipment"}]
    if not group or any(
        not isinstance(c, Atom) or c.modifier is not None or c.param.scope != "equipment"
        for c in group
    ):
        return None
    by_field: dict[str, list[Atom]] = {}
    for node in group:
        assert isinstance(node, Atom)
        by_field.setdefault(node.param.field, []).append(node)
    if len(by_field.get("code", ())) != 1 or any(len(v) != 1 for v in by_field.values()):
        return None
    code = _one_code(by_field["code"][0])
    feature = _one_code(by_field["feature"][0]) if "feature" in by_field else None
    if code is None or ("feature" in by_field and feature is None):
        return None
    spans: tuple[tuple[Bound, Bound], ...] | None = None
    unit = None
    if "limit" in by_field:
        values = by_field["limit"][0].values
        if len(values) != 1 or not isinstance(values[0], Quantity):
            return None
        spans, unit = tuple(number_spans(values[0].number)), values[0].unit
    if set(by_field) - {"code", "feature", "limit"}:
        return None
    return Lookup(equipment=EquipmentTest(code, feature, spans, unit)), group


def _one_code(node: Atom) -> str | None:
    """The one code of a token atom in its parameter's system (``evaluate.token_matches``
    over an element's one value ``(param.system, None, code)``)."""
    tokens = [v for v in node.values if isinstance(v, Token)]
    if len(tokens) != 1 or len(node.values) != 1 or tokens[0].code is None:
        return None
    t = tokens[0]
    named = t.key == node.param.system if t.key is not None else not t.system
    return str(t.code) if named else None


def _counter_test(node: Node) -> CounterTest | None:
    if not isinstance(node, Atom) or node.modifier is not None or node.param.scope != "counter":
        return None
    param = node.param
    if param.type == "number" and param.field == "count":
        numbers = [v for v in node.values if isinstance(v, Number)]
        if len(numbers) != len(node.values):
            return None
        return CounterTest("count", spans=tuple(s for n in numbers for s in number_spans(n)))
    if param.type != "token" or param.system is None:
        return None
    tokens = [v for v in node.values if isinstance(v, Token)]
    if len(tokens) != len(node.values):
        return None
    # ``evaluate.token_matches`` over a counter's one value ``(param.system, None, code)``
    named = [t for t in tokens if (t.key == param.system if t.key is not None else not t.system)]
    codes = tuple(dict.fromkeys(str(t.code) for t in named if t.code is not None))
    return CounterTest(param.field, codes, any(t.code is None for t in named))


def number_spans(n: Number) -> list[tuple[Bound, Bound]]:
    """The numbers ``n`` matches (``Number.test``) as spans of (value, inclusive) bounds."""
    p, v = n.prefix, n.value
    if p == "eq":
        return [((n.low, True), (n.high, False))]
    if p == "ne":
        return [(None, (n.low, False)), ((n.high, True), None)]
    if p in ("gt", "sa"):
        return [((v, False), None)]
    if p in ("lt", "eb"):
        return [(None, (v, False))]
    if p == "ge":
        return [((v, True), None)]
    if p == "le":
        return [(None, (v, True))]
    margin = abs(v) * 0.1  # ap
    return [((v - margin, True), (v + margin, True))]


def _contains(atoms: Sequence[Node], one_location: bool) -> tuple[Lookup, bool] | None:
    """The substring look-up of an any-of of ``:contains`` atoms on one name: exact for an
    offer's or organisation's name (an FTS5 ``trigram`` phrase is a substring of the folded
    name), and for Locations' names when it is the only condition on a Location of a
    HealthcareService search (some Location's name holds one: their names are kept joined by a
    character no folded text holds); narrowing only otherwise."""
    wheres, terms = set(), []
    for atom in atoms:
        if not isinstance(atom, Atom) or atom.modifier not in ("contains", None):
            return None
        texts = [v for v in atom.values if isinstance(v, Text) and v.mode == "contains"]
        if len(texts) != len(atom.values) or any(not t.folded for t in texts):
            return None
        wheres.add(name(atom.param.scope, atom.param.field))
        terms += [t.folded for t in texts]
    if len(wheres) != 1 or not wheres <= set(NAME_FIELDS):
        return None
    where = wheres.pop()
    exact = where != "location.name" or one_location
    return Lookup(text=where, contains=tuple(dict.fromkeys(terms))), exact


def date_ranges(d: DateRange) -> list[tuple[int | None, int | None]]:
    """The instants ``d`` matches as ``[low, high)`` microsecond ranges (``DateRange.test``)."""
    start, end = micros(d.start), micros(d.end)
    p = d.prefix
    if p == "eq":
        return [(start, end)]
    if p == "ne":
        return [(None, start), (end, None)]
    if p in ("gt", "sa"):
        return [(end, None)]
    if p in ("lt", "eb"):
        return [(None, start)]
    if p == "ge":
        return [(start, None)]
    if p == "le":
        return [(None, end)]
    span = max(d.end - d.start, timedelta(days=1))  # ap
    return [(micros(d.start - span), micros(d.end + span))]


# --- one exact look-up, read a page at a time ------------------------------------------------


def keyed_page(
    request: SearchRequest,
    engine: Engine,
    looked: Lookup | None,
    order: str,
    hidden: set[int],
    among: set[int] | NDArray[np.int64] | None = None,
) -> Result:
    """A page of the offers ``looked`` finds (``among`` given: of those offers, none hidden;
    ``looked`` then gives the key of a price order only)."""
    assert isinstance(engine, Lookups)
    size = 0 if request.summary == "count" else request.count
    skip = request.skip if size else 0
    members: Sequence[int] | NDArray[np.int64] = (
        () if among is None else among if isinstance(among, np.ndarray) else sorted(among)
    )
    with engine.snapshot():
        total = engine.lookup_count(looked) if among is None else len(among)
        if hidden and among is None:
            if looked is None:
                total -= len(hidden)
            else:
                total -= len(engine.lookup_refs(looked, len(hidden), among=sorted(hidden)) or ())
        rows: list[LookupRow] = []
        after = _after(request, order)
        while size and len(rows) <= skip + size and (among is None or len(members)):
            want = skip + size + 1 - len(rows) + (READ_AHEAD if hidden and among is None else 0)
            if among is None:
                batch = engine.lookup_page(looked, order, after, want)
            else:
                keyed = looked if order in PRICE_ORDERS else None
                batch = engine.lookup_page(keyed, order, after, want, members)
            rows += [r for r in batch if r[0] not in hidden]
            if len(batch) < want:
                break
            after = (batch[-1][2], batch[-1][1])
        more = len(rows) > skip + size
        rows = rows[skip : skip + size]
        offers = engine.offers([r[0] for r in rows])
    page = []
    for (ref, _, key), offer in zip(rows, offers, strict=True):
        hit = Hit(ref, None, offer.id, view=view(offer))
        hit.keys = {
            "_lastUpdated": offer.last_updated,
            "name": folded(offer.name) if offer.name else None,
        }
        if order in PRICE_KEYS:
            hit.keys[PRICE_KEYS[order]] = _price_key(order, key)
        page.append(hit)
    cursor = None
    if more and page:
        last = page[-1]
        values = tuple(last.id if k.key == "_id" else last.keys.get(k.key) for k in request.sort)
        cursor = paging.encode(request.sort, values)
    return Result(total, page, cursor)


def _price_key(order: str, key: SortValue) -> date | float | None:
    """A price order's row key as the search's sort value (a start day, an amount)."""
    if key is None:
        return None
    if order in (PRICE_START_UP, PRICE_START_DOWN):
        return (EPOCH + timedelta(microseconds=int(key))).date()
    return float(key)


def _after(request: SearchRequest, order: str) -> tuple[SortValue, str] | None:
    """The cursor's sort values as a look-up key: (date key, folded name or None, id)."""
    cursor = request.cursor
    if cursor is None:
        return None
    if order == "_id":
        return None, str(cursor[0])
    if order in (PRICE_START_UP, PRICE_START_DOWN):
        day = cursor[0]
        if not isinstance(day, date):
            return None, str(cursor[1])
        return micros(datetime.combine(day, time.min, UTC)), str(cursor[1])
    if order in (PRICE_AMOUNT_UP, PRICE_AMOUNT_DOWN):
        amount = cursor[0]
        return (float(amount) if isinstance(amount, int | float) else None), str(cursor[1])
    if order in (NAME_UP, NAME_DOWN):
        return (None if cursor[0] is None else str(cursor[0])), str(cursor[1])
    moment, last_id = cursor[0], str(cursor[1])
    if not isinstance(moment, datetime):
        return MISSING, last_id
    return (micros(moment) if order == SORT_UP else -micros(moment)), last_id
