"""FHIR searches give the same bundles on the embedded engine and through the Elasticsearch
query builders.

Each search's candidates are chosen twice: by the embedded engine, and by the bodies the
Elasticsearch engine sends for the facade's strict query (``stream_body`` ring after ring,
``zone_body``, ``count_body``), read on our documents with the documented clause semantics
(``es_semantics``) and taken as the Elasticsearch engine takes hits decided in the cluster
(no recount, distances measured alike). The facade then builds both bundles: they must be
identical, page, total and links.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from ror.api.fhir.bundle import Links, searchset
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import plan, run
from ror.criteria import Audience
from ror.indexer.synthetic import generate
from ror.model import Offer
from ror.search.elasticsearch.candidates import (
    count_body,
    decided_in_cluster,
    rings,
    stream_body,
    zone_body,
)
from ror.search.elasticsearch.documents import to_document
from ror.search.elasticsearch.engine import distance_km
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import Candidate, CandidateQuery, Candidates, Engine
from tests.es.es_builders import NOW
from tests.es.es_semantics import satisfies

Unit = tuple[int, Offer, dict[str, Any]]
R240 = "https://mos.esante.gouv.fr/NOS/TRE_R240-TypeAccueil/FHIR/TRE-R240-TypeAccueil|02"
R213 = "https://mos.esante.gouv.fr/NOS/TRE_R213-ModePriseEnCharge/FHIR/TRE-R213-ModePriseEnCharge"
BED_GROUP = [
    ("location.capacity-type", "02"),
    ("location.capacity-status", "02"),
    ("location.temporality-capacity", "01"),
    ("location.temporary-assignement", "01"),
    ("location.nb-capacity", "gt0"),
]
AGE_80 = [("age-range-low", "le80"), ("age-range-high", "ge80")]
LYON_50 = ("location.near-insee-code", "69123|50|km")
TOULOUSE_80 = ("location.near", "43.6045|1.444|80|km")
SEARCHES: list[tuple[str, list[tuple[str, str]]]] = [
    ("HealthcareService", [("service-type", "04"), ("_count", "30")]),
    ("HealthcareService", [("location.near", "43.6045|1.444|40|km"), ("_count", "15")]),
    ("HealthcareService", [("location.near", "48.85|2.35|60|km"), *AGE_80, ("_offset", "3")]),
    ("HealthcareService", [("location.near", "45.76|4.83|150|km"), *BED_GROUP]),
    ("HealthcareService", [("service-type", "04"), ("characteristic", R240), ("_count", "50")]),
    ("HealthcareService", [("_filter", "age-range-low le 8 and age-range-high ge 8")]),
    ("HealthcareService", [("service-type", "04"), *AGE_80, ("_sort", "-_lastUpdated")]),
    ("HealthcareService", [("intervention-zone:above", "31555"), ("service-type", "04")]),
    ("HealthcareService", [LYON_50, ("characteristic", f"{R213}|46")]),
    ("HealthcareService", [("location.address-postalcode", "31"), *AGE_80]),
    ("HealthcareService", [("_summary", "count"), TOULOUSE_80, *AGE_80]),
    ("HealthcareService", [("_summary", "count"), ("service-type", "04"), *BED_GROUP]),
    ("HealthcareService", [("service-category", "21"), ("_sort", "name")]),
    ("Location", [("address-postalcode", "31"), ("_count", "20")]),
    ("Location", [("near", "43.6045|1.444|30|km"), ("capacity-status", "02")]),
]  # fmt: skip
AUDIENCES = {"everyone": Audience(), "no sensitive unit": Audience(sensitive_champs=())}


class BuilderCandidates:
    """The embedded engine, its candidates chosen by the Elasticsearch bodies (every other
    read is the embedded engine's)."""

    def __init__(self, inner: EmbeddedEngine, offers: Sequence[Offer]) -> None:
        self.inner = inner
        refs = inner.offer_refs([o.id for o in offers])
        self.units: list[Unit] = [(refs[o.id], o, to_document(o, NOW)) for o in offers]
        self.asked: list[CandidateQuery] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _hits(self, body: dict[str, Any]) -> list[Unit]:
        return [u for u in self.units if satisfies(u[2], body["query"])]

    def _candidate(self, unit: Unit, query: CandidateQuery) -> Candidate:
        assert decided_in_cluster(query)  # the facade's queries: no recount
        offer = unit[1]
        distance = None
        if query.point is not None:
            distance = distance_km(query.point, offer.place.lat, offer.place.lon)
        return Candidate(unit[0], distance, 0)

    def candidates(self, query: CandidateQuery) -> Candidates:
        self.asked.append(query)
        if any(not values for _, values in query.codes):
            return Candidates([], iter(()), "empty")
        by_zone = [self._candidate(u, query) for u in self._hits(zone_body(query))]
        by_zone = by_zone if query.zone_keys else []
        by_zone.sort(key=lambda c: (c.distance_km or 0.0, c.ref))
        return Candidates(
            by_zone,
            self._stream(query, {c.ref for c in by_zone}),
            "es-builders",
            counts_without_reading=True,
        )

    def _stream(self, query: CandidateQuery, seen: set[int]) -> Iterator[Candidate]:
        if query.point is None:
            bodies = [stream_body(query, None)]
        else:
            bodies = [stream_body(query, ring) for ring in rings(query.max_radius_km)]
        for body in bodies:
            ring = [self._candidate(u, query) for u in self._hits(body) if u[0] not in seen]
            seen |= {c.ref for c in ring}
            ids = dict(self.inner.order_keys([c.ref for c in ring]))
            order = {c.ref: oid for c, oid in zip(ring, ids, strict=True)}
            yield from sorted(ring, key=lambda c: (c.distance_km or 0.0, order[c.ref]))

    def count_candidates(self, query: CandidateQuery) -> int | None:
        if not decided_in_cluster(query) or query.zone_keys:
            return None
        return len(self._hits(count_body(query)))


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, BuilderCandidates]]:
    offers = list(generate(1500, seed=5, now=NOW))
    embedded = EmbeddedEngine(Path(tmp_path_factory.mktemp("fhir-parity")) / "offers.sqlite")
    embedded.load(offers, replace_all=True)
    yield embedded, BuilderCandidates(embedded, offers)
    embedded.close()


def _bundle(engine: Engine, resource: str, items: list[tuple[str, str]], audience: Audience) -> Any:
    request = parse_search(resource, items)  # type: ignore[arg-type]
    result = run(request, engine, audience)
    links = Links("http://ror.test/fhir", resource, tuple(items))
    bundle = searchset(request, result, links, profile=1, fetch=engine.get)
    del bundle["id"], bundle["meta"]
    return bundle


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize(("resource", "items"), SEARCHES)
def test_a_fhir_search_gives_the_same_bundle_through_the_elasticsearch_builders(
    engines: tuple[Engine, BuilderCandidates],
    resource: str,
    items: list[tuple[str, str]],
    audience: str,
) -> None:
    embedded, builders = engines
    seen_by = AUDIENCES[audience]
    asked = len(builders.asked)
    expected = _bundle(embedded, resource, items, seen_by)
    got = _bundle(cast(Engine, builders), resource, items, seen_by)
    assert got == expected
    assert expected["total"] > 0
    counted = ("_summary", "count") in items
    assert len(builders.asked) == asked + (not counted)  # a count is the engine's own


def test_the_searches_push_their_conditions_down() -> None:
    """The parity above covers the pushed prefilter criteria, zones and radius."""
    pushed = set()
    for resource, items in SEARCHES:
        query = plan(parse_search(resource, items), Audience()).query  # type: ignore[arg-type]
        p = query.prefilter
        pushed |= {
            name
            for name, on in (
                ("age", p.age is not None),
                ("reception", p.reception_bit is not None),
                ("beds", p.bed_nature is not None),
                ("zones", bool(query.zone_keys)),
                ("radius", query.max_radius_km is not None),
            )
            if on
        }
    assert pushed == {"age", "reception", "beds", "zones", "radius"}
