"""A referral stream's hit is counted and grouped without its document: its failures are the
named criteria missing from its ``matched_queries``, its groups come from its narrow
``_source``. Read with the semantics the reference documents (``es_semantics``) on a
synthetic national sample, both give what the whole offer gives: ``prefilter.fails`` plus one
failure per co-located requirement not met (and so ``ranking.check``'s failures of those
criteria), and ``grouping.group_key``.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from ror.criteria import BedNeed, Criteria, EquipmentNeed
from ror.indexer.synthetic import generate
from ror.model import Offer
from ror.ranking import check
from ror.search.elasticsearch.candidates import (
    BY_DISTANCE,
    GROUP_SOURCE,
    counted_exactly,
    failures,
    named_criteria,
)
from ror.search.elasticsearch.documents import to_document
from ror.search.elasticsearch.engine import group_facts
from ror.search.engine import CandidateQuery
from ror.search.grouping import group_key, key_of
from ror.search.prefilter import OfferColumns, Prefilter, fails
from tests.es.es_builders import NOW
from tests.es.es_semantics import satisfies
from tests.es.wire.es_recorder import filtered

SAMPLE = 500


@pytest.fixture(scope="module")
def sample() -> list[tuple[Offer, dict[str, Any]]]:
    return [(offer, to_document(offer, NOW)) for offer in generate(SAMPLE, 5, now=NOW)]


def colocated(sample: list[tuple[Offer, dict[str, Any]]]) -> tuple[frozenset[str], ...]:
    """Two requirements met by different thirds of the sample's establishments."""
    egs = sorted({offer.establishment.id for offer, _ in sample})
    return frozenset(egs[::3]), frozenset(egs[1::3] + egs[::6])


REQUESTS = [
    Criteria(age=8),
    Criteria(age=85, reception="permanent", social_aid=True),
    Criteria(age=85, max_monthly_price_eur=2400.0),  # a selected price: lenient clause
    Criteria(age=40, max_monthly_price_eur=2400.0),  # the cheapest base price: exact
    Criteria(beds=BedNeed(min_available=2)),
    Criteria(beds=BedNeed(nature="02")),
    Criteria(equipment=(EquipmentNeed("088", "001"),)),
    Criteria(),
]


def _hit(doc: dict[str, Any], named: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    matched = [name for name, clause in named if satisfies(doc, clause)]
    return {"_source": filtered(doc, GROUP_SOURCE, []), "matched_queries": matched}


@pytest.mark.parametrize("zone_term", [False, True])
@pytest.mark.parametrize("with_colocated", [False, True])
@pytest.mark.parametrize("criteria", REQUESTS)
def test_a_hit_counts_the_failures_of_its_offer(
    sample: list[tuple[Offer, dict[str, Any]]],
    criteria: Criteria,
    with_colocated: bool,
    zone_term: bool,
) -> None:
    egs = colocated(sample) if with_colocated else ()
    codes = (("activity", ("126",)), ("offer_type", ("21",)))[: len(egs)]
    criteria = dataclasses.replace(criteria, colocated=codes, colocated_egs=egs)
    moment = NOW + timedelta(days=1)
    p = Prefilter.from_criteria(criteria, moment)
    query = CandidateQuery(point=None, prefilter=p, colocated_egs=egs)
    named = named_criteria(query, zone_term=zone_term)
    names = [name for name, _ in named]
    assert len(names) == len(set(names))
    assert (BY_DISTANCE in names) == zone_term
    checked = {name for name in names if name != BY_DISTANCE and "." not in name} | {"colocated"}
    counts: set[int] = set()
    for offer, doc in sample:
        n = failures(_hit(doc, named), names)
        misses = sum(offer.establishment.id not in ids for ids in egs)
        truth = fails(OfferColumns.of(offer, moment), p) + misses + (zone_term and offer.home_based)
        counts.add(n)
        if not counted_exactly(query):
            assert n <= truth, offer.id  # never stricter
            continue
        assert n == truth, offer.id
        if p.exact_but_colocated:  # and so the failures ``check`` finds of these criteria
            found = check(offer, criteria, now=moment)
            assert n - (zone_term and offer.home_based) == sum(
                f.criterion in checked for f in found
            ), offer.id
    assert len(counts) > 1  # the sample meets and fails them


@pytest.mark.parametrize("by", ["establishment", "location", "offer"])
def test_a_hit_tells_the_groups_of_its_offer(
    sample: list[tuple[Offer, dict[str, Any]]], by: str
) -> None:
    keys = set()
    for offer, doc in sample:
        source = filtered(doc, GROUP_SOURCE, [])
        assert set(source) <= {"id", "last_updated", "location", "establishment", "location_keys"}
        key = key_of(by, offer.id, *group_facts(source))
        assert key == group_key(offer, by), offer.id
        keys.add(key)
    assert len(keys) < len(sample) or by == "offer"  # groups of several units met
