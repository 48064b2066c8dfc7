"""Each filter clause we build, read with the semantics the reference documents, gives the
verdict of the Python check it stands for, on a synthetic national sample.

The clauses are read by ``es_semantics.satisfies``, which follows the documented meaning of
the few clauses we emit, with field types from our mapping: a test oracle for our builders, not
a stand-in for a cluster (the same verdicts are asserted on a real one by the parity tests of
``test_es_integration``).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from ror.criteria import BedNeed, Criteria, EquipmentNeed
from ror.geo.distance import great_circle_km
from ror.indexer.synthetic import generate
from ror.model import Offer
from ror.ranking import check
from ror.search.elasticsearch.documents import to_document
from ror.search.elasticsearch.filters import hard_filters, prefilter_clauses
from ror.search.prefilter import OfferColumns, Prefilter, fails
from tests.es.es_builders import NOW
from tests.es.es_semantics import satisfies


@pytest.fixture(scope="module")
def sample() -> list[tuple[Offer, dict[str, Any]]]:
    return [(offer, to_document(offer, NOW)) for offer in generate(500, 3, now=NOW)]


SUNDAY_3AM = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
SATURDAY_EVENING = datetime(2026, 11, 28, 20, 30, tzinfo=UTC)
CRITERIA = [
    Criteria(lat=43.6045, lon=1.444, age=8, radius_km=150.0),
    Criteria(lat=48.85, lon=2.35, age=85, reception="permanent", social_aid=True),
    Criteria(
        lat=48.85, lon=2.35, reception="temporary", social_aid=True, max_monthly_price_eur=2200
    ),
    Criteria(lat=45.76, lon=4.83, beds=BedNeed(), open_at=NOW),
    Criteria(lat=45.76, lon=4.83, beds=BedNeed(gender="02", min_available=2), open_at=SUNDAY_3AM),
    Criteria(
        lat=43.3, lon=5.37, beds=BedNeed(nature="02", min_available=3), open_at=SATURDAY_EVENING
    ),
    Criteria(lat=47.2, lon=-1.55, equipment=(EquipmentNeed("088", "001", 200.0),), radius_km=300.0),
    Criteria(lat=43.6045, lon=1.444, commune="31555", champ=("04",), activity=("293", "126")),
    Criteria(lat=43.6045, lon=1.444, area="D:31", age=85),  # a territory: located in it
    Criteria(lat=43.6045, lon=1.444, area="R:76"),
]
ZONES = frozenset({"C:31555", "D:31", "R:76", "P:FR"})


@pytest.mark.parametrize("criteria", CRITERIA)
def test_each_clause_gives_the_verdict_of_its_check(
    sample: list[tuple[Offer, dict[str, Any]]], criteria: Criteria
) -> None:
    zones = ZONES if criteria.commune else frozenset()
    named = hard_filters(criteria, now=NOW, radius_km=criteria.radius_km, patient_zone_keys=zones)
    assert named
    for offer, doc in sample:
        assert criteria.lat is not None and criteria.lon is not None
        distance = great_circle_km(criteria.lat, criteria.lon, offer.place.lat, offer.place.lon)
        failed = {
            f.criterion
            for f in check(offer, criteria, now=NOW, patient_zone_keys=zones, distance_km=distance)
        }
        for name, clause in named:
            passes = satisfies(doc, clause)
            if name == "max_monthly_price_eur":  # necessary condition only
                assert passes or name in failed, (offer.id, name)
            else:
                assert passes == (name not in failed), (offer.id, name, clause)


def test_the_sample_exercises_every_verdict(sample: list[tuple[Offer, dict[str, Any]]]) -> None:
    verdicts: set[tuple[str, bool]] = set()
    for criteria in CRITERIA:
        zones = ZONES if criteria.commune else frozenset()
        for name, clause in hard_filters(
            criteria, now=NOW, radius_km=criteria.radius_km, patient_zone_keys=zones
        ):
            for _, doc in sample:
                verdicts.add((name, satisfies(doc, clause)))
    names = ("age", "reception", "social_aid", "beds", "open_at", "equipment", "radius_km", "area")
    for name in names:
        assert {(name, True), (name, False)} <= verdicts, name


@pytest.mark.parametrize("criteria", CRITERIA)
def test_prefilter_clauses_count_the_embedded_failures(
    sample: list[tuple[Offer, dict[str, Any]]], criteria: Criteria
) -> None:
    """Clause for clause, the embedded prefilter's verdicts; the price clause (the cheapest
    base price, ``es_filters.price_filter``) is a necessary condition only: it may pass a unit
    whose selected price fails, never the reverse. Hits are recounted with ``prefilter.fails``
    (``elasticsearch.py``), so the clauses only prune."""
    prefilter = Prefilter.from_criteria(criteria, NOW)
    without_price = dataclasses.replace(prefilter, max_monthly_price_eur=None)
    clauses = prefilter_clauses(prefilter)
    priced = [c for c in clauses if c not in prefilter_clauses(without_price)]
    assert len(priced) == (prefilter.max_monthly_price_eur is not None)
    for offer, doc in sample:
        columns = OfferColumns.of(offer, NOW)
        others = sum(not satisfies(doc, c) for c in clauses if c not in priced)
        assert others == fails(columns, without_price), offer.id
        price_fails = fails(columns, prefilter) - fails(columns, without_price)
        assert all(satisfies(doc, c) for c in priced) or price_fails == 1, offer.id
