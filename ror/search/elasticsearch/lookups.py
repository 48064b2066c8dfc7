"""The offers' look-up keys in Elasticsearch (``ror.search.engine.Lookups``).

Each document carries the keys of ``ror.indexer.terms`` (:func:`lookup_fields`): every term in
``lookup_terms`` (keyword), every date in ``lookup_dates.<field>`` (long, microseconds since
1970, the two sort keys included: every offer has them) and the folded names in
``lookup_names.<field>`` (``wildcard``). A :class:`~ror.search.engine.Lookup` is one clause
(:func:`lookup_clause`): ``terms`` and ``prefix`` on the terms, ``range`` (``[low, high)``) on
a date field, ``wildcard`` ``*text*`` on a name; each is "some value of the offer has it", as
the embedded engine's key tables say.

:class:`EsLookups` reads only what it returns: a page is one sorted search after a
``search_after`` key, hits carrying the id and last update only (the page's documents come by
``_mget``); a count is ``track_total_hits`` of the same point in time; refs are listed in id
order, at most ``limit + 1``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from ror.indexer import terms
from ror.mappings import fields as f
from ror.mappings.dsl import Clause, all_of, any_of, none_of
from ror.model import Offer
from ror.search.engine import Lookup, LookupRow

#: ``terms`` date fields (``offer_dates``) and the document field holding each.
DATE_FIELDS: Final = {
    "offer.last_updated": f.LOOKUP_OFFER_UPDATED,
    "organization.last_updated": f.LOOKUP_ORG_UPDATED,
    "organization.last_updated:above": f.LOOKUP_ORG_UPDATED_ABOVE,
    terms.SORT_UP: f.LOOKUP_SORT_UP,
    terms.SORT_DOWN: f.LOOKUP_SORT_DOWN,
}
#: ``terms.NAME_FIELDS`` and the document field holding each.
NAME_FIELDS: Final = dict(
    zip(
        terms.NAME_FIELDS,
        (f.LOOKUP_OFFER_NAME, f.LOOKUP_ORG_NAME, f.LOOKUP_LOCATION_NAME),
        strict=True,
    )
)
LOOKUP_SOURCE: Final = [f.ID, f.LAST_UPDATED]  # what a ref needs (``Listings`` light hits)
PAGE: Final = 10_000  # hits per request (``index.max_result_window``), ids per ``terms``
META_KEY: Final = "lookup_keys"  # in the index mapping's ``_meta``: documents carry the keys
NOTHING: Final = none_of({"match_all": {}})


def _leaf(path: str) -> str:
    return path.split(".", 1)[1]


def lookup_fields(offer: Offer) -> dict[str, Any]:
    """The look-up fields of an offer's document."""
    dates: dict[str, list[int]] = {}
    for field, moment in sorted(terms.offer_dates(offer)):
        dates.setdefault(_leaf(DATE_FIELDS[field]), []).append(moment)
    names = zip(terms.NAME_FIELDS, terms.offer_names(offer), strict=True)
    return {
        f.LOOKUP_TERMS: sorted(terms.offer_terms(offer)),
        f.LOOKUP_DATES: dates,
        f.LOOKUP_NAMES: {_leaf(NAME_FIELDS[where]): text for where, text in names if text},
    }


def _wildcard(text: str) -> str:
    """``*text*`` with the wildcard syntax's own characters escaped."""
    escaped = "".join("\\" + c if c in "\\*?" else c for c in text)
    return f"*{escaped}*"


def lookup_clause(lookup: Lookup | None) -> Clause:
    """The query finding the offers ``lookup`` finds (None: every offer)."""
    if lookup is None:
        return {"match_all": {}}
    if lookup.counters:  # ``lookup_counters`` says so: the facade never asks
        raise ValueError("no counter look-up in Elasticsearch")
    if lookup.price is not None:  # ``lookup_prices`` says so: the facade never asks
        raise ValueError("no price look-up in Elasticsearch")
    parts: list[Clause] = [lookup_clause(part) for part in lookup.either]
    if lookup.text is not None:
        field = NAME_FIELDS[lookup.text]
        parts = [{"wildcard": {field: {"value": _wildcard(t)}}} for t in lookup.contains]
    elif lookup.field is not None:
        field = DATE_FIELDS[lookup.field]
        for low, high in lookup.ranges:
            bounds = {k: v for k, v in (("gte", low), ("lt", high)) if v is not None}
            parts.append({"range": {field: bounds}} if bounds else {"exists": {"field": field}})
    else:
        if lookup.terms:
            parts.append({"terms": {f.LOOKUP_TERMS: list(dict.fromkeys(lookup.terms))}})
        parts += [{"prefix": {f.LOOKUP_TERMS: {"value": p}}} for p in lookup.prefixes]
    if not parts:
        return NOTHING
    return parts[0] if len(parts) == 1 else any_of(*parts)


def _sort(order: str) -> list[dict[str, str]]:
    if order == "_id":
        return [{f.ID: "asc"}]
    if order not in (terms.SORT_UP, terms.SORT_DOWN):
        raise ValueError(f"unknown look-up order {order!r}")
    return [{DATE_FIELDS[order]: "asc"}, {f.ID: "asc"}]


def page_body(
    lookup: Lookup | None, order: str, after: tuple[int | None, str] | None, size: int
) -> dict[str, Any]:
    """A page in ``order`` strictly after ``after`` (light hits)."""
    body: dict[str, Any] = {
        "size": size,
        "query": lookup_clause(lookup),
        "sort": _sort(order),
        "_source": LOOKUP_SOURCE,
        "track_total_hits": False,
    }
    if after is not None:
        body["search_after"] = [after[1]] if order == "_id" else [after[0], after[1]]
    return body


def refs_body(
    lookup: Lookup, size: int, after: str | None, ids: Sequence[str] = ()
) -> dict[str, Any]:
    """The offers ``lookup`` finds (among ``ids`` when given) in id order after ``after``."""
    query = lookup_clause(lookup)
    if ids:
        query = all_of(query, {"terms": {f.ID: list(ids)}})
    return page_body(None, "_id", None if after is None else (None, after), size) | {"query": query}


def count_body(lookup: Lookup | None) -> dict[str, Any]:
    """How many offers ``lookup`` finds: the exact total of a search reading no hit."""
    return {"size": 0, "query": lookup_clause(lookup), "track_total_hits": True}


Search = Callable[[dict[str, Any]], Mapping[str, Any]]


class EsLookups:
    """The ``Lookups`` reads over a search function (the engine's, inside its point in time):
    ``light_ref`` gives a hit's ref, ``offer_id`` a ref's offer id."""

    def __init__(
        self,
        search: Search,
        light_ref: Callable[[Mapping[str, Any]], int],
        offer_id: Callable[[int], str],
    ) -> None:
        self.search = search
        self.light_ref = light_ref
        self.offer_id = offer_id

    def _hits(self, body: dict[str, Any]) -> list[Mapping[str, Any]]:
        return list(self.search(body)["hits"]["hits"])

    def refs(self, lookup: Lookup, limit: int, among: Sequence[int] = ()) -> set[int] | None:
        if among:
            ids = sorted({self.offer_id(ref) for ref in among})
            found: set[int] = set()
            for i in range(0, len(ids), PAGE):
                part = ids[i : i + PAGE]
                hits = self._hits(refs_body(lookup, len(part), None, part))
                found.update(map(self.light_ref, hits))
            return found
        found = set()
        after: str | None = None
        while True:
            size = min(limit + 1 - len(found), PAGE)
            hits = self._hits(refs_body(lookup, size, after))
            found.update(map(self.light_ref, hits))
            if len(found) > limit:
                return None
            if len(hits) < size:
                return found
            after = str(hits[-1]["_id"])

    def count(self, lookup: Lookup | None) -> int:
        return int(self.search(count_body(lookup))["hits"]["total"]["value"])

    def page(
        self,
        lookup: Lookup | None,
        order: str,
        after: tuple[int | None, str] | None,
        limit: int,
    ) -> list[LookupRow]:
        rows: list[LookupRow] = []
        for hits in self._pages(page_body(lookup, order, after, min(limit, PAGE)), limit):
            for hit in hits:
                key = None if order == "_id" else int(hit["sort"][0])
                rows.append((self.light_ref(hit), str(hit["_id"]), key))
        return rows[:limit]

    def _pages(self, body: dict[str, Any], limit: int) -> Iterator[list[Mapping[str, Any]]]:
        got = 0
        while got < limit:
            hits = self._hits(body)
            yield hits
            got += len(hits)
            if len(hits) < body["size"]:
                return
            body = {**body, "search_after": hits[-1]["sort"]}


def mapping_ready(mappings: Mapping[str, Any]) -> bool:
    """Every index of a ``GET _mapping`` answer maps the look-up fields (from its ``_meta``)."""
    found = [(m.get("mappings") or {}).get("_meta") or {} for m in mappings.values()]
    return bool(found) and all(meta.get(META_KEY) for meta in found)
