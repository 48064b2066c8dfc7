"""Listings and lookups by id read in key order, one page at a time: what an incremental
synchronisation asks most (``Location?_revinclude=HealthcareService:location`` page after page,
``HealthcareService?_count=…``, ``HealthcareService?_id=…``).

When the engine can list in key order (:class:`~ror.search.engine.Listings`), a search with no
condition, or only an ``_id``, in ``_id`` order and paged by cursor, reads the offers of its page
and nothing else: the total comes from the engine's counts, sensitive units the caller may not
see left out of both. Any other search (or an engine without the capability) goes through
``search.run``; the two answer the same (a parity test holds them to it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from ror.api.fhir import paging
from ror.api.fhir.query import Atom, SearchRequest
from ror.api.fhir.search import Hit, Result
from ror.api.fhir.values import Token
from ror.criteria import Audience
from ror.indexer.facts import view
from ror.search.engine import Engine, Listings

READ_AHEAD: Final = 64  # keys asked for beyond a page, for the hidden ones met on the way


def listing(request: SearchRequest, engine: Engine, audience: Audience) -> Result | None:
    """The page read in key order, or None when the search is not a listing."""
    if not isinstance(engine, Listings) or not _in_id_order(request):
        return None
    ids = _ids(request)
    if ids is None:
        return None
    hidden = {
        ref
        for ref, champ in engine.sensitive_units().items()
        if not audience.shows_sensitive(champ)
    }
    with engine.snapshot():
        if request.resource == "Location":
            return None if ids else _locations(request, engine, hidden)
        if ids:
            return _lookup(request, engine, ids, hidden)
        return _services(request, engine, hidden)


def _in_id_order(request: SearchRequest) -> bool:
    keys = [(k.key, k.descending) for k in request.sort]
    return keys == [("_id", False)] and request.near is None


def _ids(request: SearchRequest) -> tuple[str, ...] | None:
    """() for no condition, the ids of a lone ``_id``, None for anything else."""
    children = request.condition.children
    if not children:
        return ()
    if len(children) != 1 or request.resource != "HealthcareService":
        return None
    atom = children[0]
    if not isinstance(atom, Atom) or atom.param.name != "_id" or atom.modifier:
        return None
    tokens = [v for v in atom.values if isinstance(v, Token)]
    if len(tokens) != len(atom.values) or any(t.code is None or t.system for t in tokens):
        return None
    return tuple(str(t.code) for t in tokens)


def _size(request: SearchRequest) -> int:
    return 0 if request.summary == "count" else request.count


def _skip(request: SearchRequest) -> int:
    return request.skip if _size(request) else 0


def _after(request: SearchRequest) -> str:
    return str(request.cursor[0]) if request.cursor else ""


def _result(request: SearchRequest, total: int, page: list[Hit], more: bool) -> Result:
    cursor = paging.encode(request.sort, (page[-1].id,)) if more and page else None
    return Result(total, page, cursor)


def _services(request: SearchRequest, engine: Listings, hidden: set[int]) -> Result:
    assert isinstance(engine, Engine)
    size, skip = _size(request), _skip(request)
    refs = list(_visible_in_order(engine, _after(request), skip + size + 1, hidden))
    page = _read(engine, [ref for ref, _ in refs[skip : skip + size]])
    return _result(request, engine.count() - len(hidden), page, len(refs) > skip + size)


def _visible_in_order(
    engine: Listings, after: str, wanted: int, hidden: set[int]
) -> Iterator[tuple[int, str]]:
    found = 0
    while found < wanted:
        rows = engine.offers_in_id_order(after, wanted - found + READ_AHEAD)
        for ref, offer_id in rows:
            if ref not in hidden:
                found += 1
                yield ref, offer_id
                if found == wanted:
                    return
        if len(rows) < wanted - found + READ_AHEAD:
            return
        after = rows[-1][1]


def _lookup(
    request: SearchRequest, engine: Listings, ids: tuple[str, ...], hidden: set[int]
) -> Result:
    assert isinstance(engine, Engine)
    found = sorted(
        (offer_id, ref) for offer_id, ref in engine.offer_refs(ids).items() if ref not in hidden
    )
    after = _after(request)
    rest = [ref for offer_id, ref in found if offer_id > after]
    size, skip = _size(request), _skip(request)
    page = _read(engine, rest[skip : skip + size])
    return _result(request, len(found), page, len(rest) > skip + size)


def _read(engine: Engine, refs: list[int]) -> list[Hit]:
    return [
        Hit(ref, None, o.id, view=view(o)) for ref, o in zip(refs, engine.offers(refs), strict=True)
    ]


def _locations(request: SearchRequest, engine: Listings, hidden: set[int]) -> Result:
    assert isinstance(engine, Engine)
    size, skip = _size(request), _skip(request)
    after = _after(request)
    rows: list[tuple[str, list[int]]] = []
    while len(rows) <= skip + size:
        want = skip + size + 1 - len(rows) + READ_AHEAD
        batch = engine.locations_in_id_order(after, want)
        for loc, refs in batch:
            kept = [r for r in refs if r not in hidden]
            if kept:
                rows.append((loc, kept))
        if len(batch) < want:
            break
        after = batch[-1][0]
    more = len(rows) > skip + size
    rows = rows[skip : skip + size]
    wanted = [r for _, users in rows for r in users]
    offers = dict(zip(wanted, engine.offers(wanted), strict=True))
    page = []
    for loc, users in rows:
        first = view(offers[users[0]])
        place = first.location(loc)
        if place is not None:
            read = [offers[r] for r in users]
            via = [o.id for o in read]
            page.append(Hit(users[0], None, loc, view=first, location=place, via=via, users=read))
    return _result(request, _location_total(engine, hidden), page, more)


def _location_total(engine: Listings, hidden: set[int]) -> int:
    """Locations used by at least one offer the caller may see."""
    assert isinstance(engine, Engine)
    total = engine.location_count()
    if not hidden:
        return total
    hidden_ids = {o.id for o in engine.offers(sorted(hidden))}
    locations = {loc for o in engine.offers(sorted(hidden)) for loc in o.location_ids}
    for info in engine.locations_info(sorted(locations)).values():
        if set(info.offers) <= hidden_ids:
            total -= 1
    return total
