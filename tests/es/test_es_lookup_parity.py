"""FHIR searches the look-up keys answer give the same bundles on the embedded engine and
through the Elasticsearch engine's ``Lookups`` (``search/elasticsearch/lookups.py``).

The Elasticsearch side is the engine's own ``EsLookups`` (paging, counting, refs among the
hidden units) whose search bodies are read on our documents with the documented clause
semantics (``es_semantics``): sorted, cut after ``search_after``, counted as a cluster would.
Every page is followed through its cursor; totals, entries and links must be identical, for a
caller who may see the sensitive units and one who may not.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from ror.access.profiles import audience
from ror.api.fhir.bundle import Links, searchset
from ror.api.fhir.catalog import ResourceType
from ror.api.fhir.location_tags import location_tags
from ror.api.fhir.lookup import lookup
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import run
from ror.indexer.facts import identifier_values, organizations_above, view
from ror.indexer.load import load_paths
from ror.indexer.synthetic import generate
from ror.model import Offer
from ror.search.elasticsearch.documents import to_document
from ror.search.elasticsearch.lookups import EsLookups
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import Engine, LocationDates, LocationTags, Lookup, LookupRow
from tests.api.fhir.fhir_scenario import write
from tests.api.fhir.test_fhir_lookup import Items, synthetic_queries
from tests.es.es_builders import NOW
from tests.es.es_semantics import satisfies, values

#: Counter parameters: Elasticsearch keeps no counter keys (``lookup_counters``), the
#: candidates answer them.
COUNTER_PARAMS = (
    "location.capacity",
    "location.nb-capacity",
    "location.gender-capacity",
    "location.temporality-capacity",
    "location.temporary-assignement",
)


def evaluate(docs: Sequence[dict[str, Any]], body: Mapping[str, Any]) -> dict[str, Any]:
    """A search body read on ``docs``: the hits its query selects, in its sort order (every
    key ascending, a multi-valued field by its least value) after ``search_after``, at most
    ``size``, with the exact total when ``track_total_hits`` is true."""
    sort = [next(iter(s.items())) for s in body.get("sort", ())]
    assert all(order == "asc" for _, order in sort)

    def key(doc: dict[str, Any]) -> list[Any]:
        return [min(values(doc, name)) for name, _ in sort]

    hits = sorted((d for d in docs if satisfies(d, body["query"])), key=key)
    if "search_after" in body:
        hits = [d for d in hits if key(d) > list(body["search_after"])]
    answer: dict[str, Any] = {
        "hits": {
            "hits": [
                {"_id": d["id"], "_source": {k: d[k] for k in body["_source"]}, "sort": key(d)}
                for d in hits[: body["size"]]
            ]
        }
    }
    if body.get("track_total_hits") is True:
        answer["hits"]["total"] = {"value": len(hits), "relation": "eq"}
    return answer


class BuilderLookups:
    """The embedded engine, its ``Lookups`` answered by the Elasticsearch engine's code over
    the documents (every other read is the embedded engine's)."""

    def __init__(self, inner: EmbeddedEngine, offers: Sequence[Offer]) -> None:
        self.inner = inner
        self.refs = inner.offer_refs([o.id for o in offers])
        ids = {ref: oid for oid, ref in self.refs.items()}
        self.docs = [to_document(o, NOW) for o in offers]
        self.bodies: list[dict[str, Any]] = []
        self.lookups = EsLookups(self._search, lambda hit: self.refs[hit["_id"]], ids.__getitem__)

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        self.bodies.append(body)
        return evaluate(self.docs, body)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def lookup_ready(self) -> bool:
        return True

    def lookup_contains(self) -> bool:
        return True

    def lookup_counters(self) -> bool:
        return False

    def lookup_names_order(self) -> bool:
        return False

    def lookup_among(self) -> bool:
        return False

    def lookup_prices(self) -> bool:
        return False

    def lookup_equipment(self) -> bool:
        return False

    def lookup_refs(self, found: Lookup, limit: int, among: Sequence[int] = ()) -> set[int] | None:
        return self.lookups.refs(found, limit, among)

    def lookup_count(self, found: Lookup | None) -> int:
        return self.lookups.count(found)

    def lookup_page(
        self, found: Lookup | None, order: str, after: tuple[int | None, str] | None, limit: int
    ) -> list[LookupRow]:
        return self.lookups.page(found, order, after, limit)


class EsCapabilities(BuilderLookups):
    """:class:`BuilderLookups` without the embedded engine's Location keys (dates, names, tags,
    users), as the Elasticsearch engine has none."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith(("location_dates", "location_names", "location_tags", "location_users")):
            raise AttributeError(name)
        return getattr(self.inner, name)


def pages(engine: Engine, items: Items, profile: int) -> Iterator[dict[str, Any]]:
    """Every bundle of a search, page after page through its cursors (through the keys where
    the engine looks the search up, else through the candidates)."""
    resource: ResourceType = "Location" if ("type", "Location") in items else "HealthcareService"
    query = [(k, v) for k, v in items if k != "type"]
    cursor = None
    while True:
        asked = [*query, *([("_cursor", cursor)] if cursor else [])]
        request = parse_search(resource, asked)
        result = lookup(request, engine, audience(profile)) or run(
            request, engine, audience(profile)
        )
        links = Links("http://ror.test/fhir", resource, tuple(asked))
        bundle = searchset(request, result, links, profile=profile, fetch=engine.get)
        del bundle["id"], bundle["meta"]
        yield bundle
        cursor = result.next_cursor
        if cursor is None:
            return


def _engines(offers: list[Offer], path: Path) -> tuple[EmbeddedEngine, BuilderLookups]:
    embedded = EmbeddedEngine(path)
    embedded.load(offers, replace_all=True)
    return embedded, BuilderLookups(embedded, offers)


@pytest.fixture(scope="module")
def synthetic(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[EmbeddedEngine, BuilderLookups, list[Offer]]]:
    offers = list(generate(1500, seed=5, now=NOW))
    embedded, builders = _engines(offers, tmp_path_factory.mktemp("es-lookups") / "o.sqlite")
    yield embedded, builders, offers
    embedded.close()


def _same(embedded: EmbeddedEngine, builders: BuilderLookups, items: Items) -> int:
    """Both engines give the same bundles (for both profiles); the total for profile 1."""
    asked = len(builders.bodies)
    total = 0
    counted = any(k.startswith(COUNTER_PARAMS) for k, _ in items)
    for profile in (1,) if counted else (0, 1):  # counters: refused to profile 0 over HTTP
        expected = list(pages(embedded, items, profile))
        assert list(pages(cast(Engine, builders), items, profile)) == expected, (items, profile)
        total = expected[0]["total"]
    assert counted or len(builders.bodies) > asked  # the Elasticsearch bodies were read
    return total


def test_the_synthetic_searches_give_the_same_bundles(
    synthetic: tuple[EmbeddedEngine, BuilderLookups, list[Offer]],
) -> None:
    embedded, builders, offers = synthetic
    unkeyed = ("_sort name", "_sort -name")  # no condition, and no name order kept here
    queries = {k: v for k, v in synthetic_queries(offers).items() if k not in unkeyed}
    o = offers[len(offers) // 3]
    word = (o.name or "x").split()[-1][1:5].lower()
    queries |= {
        "name:contains": [("name:contains", word), ("_count", "15")],
        "organization.name:contains": [("organization.name:contains", word[:2])],
        "_lastUpdated ge and le": [
            ("_lastUpdated", "ge2026-03-01"),
            ("_lastUpdated", "le2026-09-30T12:00:00Z"),
        ],
        "_lastUpdated gt sorted up": [
            ("_lastUpdated", "gt2026-06-01"),
            ("_sort", "_lastUpdated"),
            ("_count", "200"),
        ],
    }
    found = {name: _same(embedded, builders, items) for name, items in queries.items()}
    assert sum(1 for n in found.values() if n > 0) >= len(found) - 2, found


def test_real_identifiers_systems_and_organisations_above_give_the_same_bundles(
    tmp_path: Path,
) -> None:
    """Real FHIR shapes: identifiers with their systems, ``partOf`` organisations, tags."""
    result = load_paths([write(tmp_path)])
    offers = list(result.offers)
    embedded, builders = _engines(offers, tmp_path / "scenario.sqlite")
    try:
        queries: list[Items] = []
        for offer in offers:
            v = view(offer)
            for _, system, code in identifier_values(v.service or {}):
                queries.append([("identifier", f"{system or ''}|{code}")])
            for org in (v.establishment, *organizations_above(v)):
                for _, system, code in identifier_values(org or {}):
                    queries.append([("organization.identifier", f"{system or ''}|{code}")])
                    queries.append([("organization.identifier:above", code)])
        queries += [
            [("organization._lastUpdated:above", "ge2020-01-01")],
            [("organization._lastUpdated", "lt2030-01-01")],
            [("_tag", "11,24,76")],
            [("name:exact", offers[0].name or "x")],
        ]
        totals = [_same(embedded, builders, items) for items in queries]
        assert len(queries) > 8 and sum(totals) > 0
    finally:
        embedded.close()


def test_location_tags_give_the_same_bundles_as_elasticsearch_lookups(
    synthetic: tuple[EmbeddedEngine, BuilderLookups, list[Offer]],
) -> None:
    """``Location?_tag=…``: the embedded engine answers from its Location tag keys
    (``location_tags``), Elasticsearch (no such keys) by its look-up keys then the candidates;
    both show a Location through its first offer the caller may see: the same bundles."""
    embedded, _, offers = synthetic
    es = EsCapabilities(embedded, offers)
    assert not isinstance(es, LocationDates) and not isinstance(es, LocationTags)
    counted = collections.Counter(o.region_tag for o in offers if o.region_tag)
    top, second = [code for code, _ in counted.most_common(2)]
    queries: list[Items] = [
        [("_tag", top), ("_revinclude", "HealthcareService:location"), ("_count", "60")],
        [("_tag", f"{top},{second}"), ("_count", "200")],
        [("_tag", second), ("_lastUpdated", "ge2026-03-01"), ("_count", "40")],
        [("_tag", top), ("address-postalcode", "3"), ("_count", "30")],
        [("_tag", second), ("_summary", "count")],
    ]
    for items in queries:
        for profile in (0, 1):
            asked = len(es.bodies)
            keyed = list(location_pages(embedded, items, profile, keys=True))
            assert keyed == list(location_pages(cast(Engine, es), items, profile)), items
            assert len(es.bodies) > asked  # the Elasticsearch bodies were read
    assert keyed[0]["total"] > 0


def location_pages(
    engine: Engine, items: Items, profile: int, keys: bool = False
) -> Iterator[dict[str, Any]]:
    """Every Location bundle through the cursors: by the Location tag keys (``keys``, which
    must answer), else by the look-up keys or the candidates."""
    cursor = None
    while True:
        asked = [*items, *([("_cursor", cursor)] if cursor else [])]
        request = parse_search("Location", asked)
        seen_by = audience(profile)
        if keys:
            found = location_tags(request, engine, seen_by)
            assert found is not None, items
            result = found
        else:
            result = lookup(request, engine, seen_by) or run(request, engine, seen_by)
        links = Links("http://ror.test/fhir", "Location", tuple(asked))
        bundle = searchset(request, result, links, profile=profile, fetch=engine.get)
        del bundle["id"], bundle["meta"]
        yield bundle
        cursor = result.next_cursor
        if cursor is None:
            return


def test_a_location_its_offers_tag_differently_is_decided_by_its_first_offer(
    tmp_path: Path,
) -> None:
    """A Location used by offers of two regions (no source Location: each offer's region
    tags it) is tested on its first offer the caller may see, with the keys, with the look-up
    keys of either engine and by the scan: the same bundles."""
    offers = list(generate(300, seed=11, now=NOW))
    first = next(o for o in offers if o.location_ids and not o.sensitive and o.region_tag)
    other = next(
        o
        for o in reversed(offers)
        if o.location_ids and not o.sensitive and o.region_tag not in (None, first.region_tag)
    )
    shared = first.location_ids[0]
    offers[offers.index(other)] = dataclasses.replace(
        other, location_ids=(shared, *other.location_ids)
    )
    embedded, _ = _engines(offers, tmp_path / "shared.sqlite")
    es = EsCapabilities(embedded, offers)
    try:
        assert (
            embedded.location_users([shared])[shared][0]
            == embedded.offer_refs([first.id])[first.id]
        )
        for code in (first.region_tag, other.region_tag):
            items: Items = [("_tag", str(code)), ("_revinclude", "HealthcareService:location")]
            for profile in (0, 1):
                scan = []
                cursor = None
                while True:
                    asked = [*items, *([("_cursor", cursor)] if cursor else [])]
                    request = parse_search("Location", asked)
                    result = run(request, embedded, audience(profile), shortcut=False)
                    bundle = searchset(
                        request,
                        result,
                        Links("http://ror.test/fhir", "Location", tuple(asked)),
                        profile=profile,
                        fetch=embedded.get,
                    )
                    del bundle["id"], bundle["meta"]
                    scan.append(bundle)
                    cursor = result.next_cursor
                    if cursor is None:
                        break
                assert list(location_pages(embedded, items, profile, keys=True)) == scan
                assert list(location_pages(embedded, items, profile)) == scan, (code, profile)
                assert list(location_pages(cast(Engine, es), items, profile)) == scan
    finally:
        embedded.close()
