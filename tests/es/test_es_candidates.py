"""Candidate and facet search bodies, against JSON written from the Elasticsearch reference.

Shapes: ``bool`` with ``filter``, ``should`` and ``minimum_should_match``; ``terms``; ``range``;
``geo_distance``; sort on ``_geo_distance`` with ``order``, ``unit`` and ``distance_type``;
``search_after``; ``filter`` aggregations with a ``terms`` sub-aggregation.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ror.criteria import BedNeed, Criteria
from ror.search.elasticsearch.candidates import (
    facets_body,
    population_filter,
    rings,
    stream_body,
    zone_body,
)
from ror.search.elasticsearch.filters import code_clauses, prefilter_clauses
from ror.search.engine import ANNULI_KM, CandidateQuery
from ror.search.prefilter import Prefilter
from tests.es.es_builders import NOT_CLOSED

NOW = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)
POINT = (43.6045, 1.444)


def prefilter(**criteria: object) -> Prefilter:
    return Prefilter.from_criteria(Criteria(**criteria), NOW)  # type: ignore[arg-type]


def test_only_closure_is_judged_by_default() -> None:
    assert prefilter_clauses(prefilter()) == [NOT_CLOSED]


def test_every_prefilter_criterion_in_the_order_of_the_criteria() -> None:
    p = prefilter(
        age=8,
        reception="permanent",
        social_aid=True,
        max_monthly_price_eur=2500.0,
        beds=BedNeed(nature="02", min_available=2),
    )
    assert prefilter_clauses(p) == [
        {"range": {"free.02_01_01_all": {"gte": 2}}},
        {"term": {"reception": "02"}},
        {
            "bool": {
                "filter": [{"term": {"social_aid": True}}],
                "must_not": [{"term": {"establishment.social_aid_places_permanent": 0}}],
            }
        },
        {
            "bool": {
                "should": [
                    {"term": {"age_range": 8}},
                    {"bool": {"must_not": [{"exists": {"field": "age_range"}}]}},
                ],
                "minimum_should_match": 1,
            }
        },
        {"range": {"min_monthly_price_eur": {"lte": 2500.0}}},
        NOT_CLOSED,
    ]


def test_no_bed_clause_when_none_is_needed_or_the_need_is_not_prefiltered() -> None:
    assert len(prefilter_clauses(prefilter(beds=BedNeed(min_available=0)))) == 1
    assert len(prefilter_clauses(prefilter(beds=BedNeed(temporality="03")))) == 1


def test_code_clauses_all_of_across_fields() -> None:
    codes = (("activity", ("126", "127")), ("offer_type", ("121",)))
    assert code_clauses(codes) == [
        {"terms": {"activity": ["126", "127"]}},
        {"terms": {"offer_type": ["121"]}},
    ]


def test_rings_follow_the_embedded_annuli() -> None:
    unbounded = list(rings(None))
    assert unbounded[0] == (0.0, ANNULI_KM[0])
    assert unbounded[-1] == (ANNULI_KM[-1], None)
    assert len(unbounded) == len(ANNULI_KM) + 1
    assert list(rings(7.0)) == [(0.0, 2.0), (2.0, 5.0), (5.0, 7.0)]
    assert list(rings(5.0)) == [(0.0, 2.0), (2.0, 5.0)]
    assert list(rings(5000.0))[-1] == (1000.0, 5000.0)


def test_stream_page_of_a_ring() -> None:
    query = CandidateQuery(
        point=POINT,
        codes=(("activity", ("126",)),),
        prefilter=prefilter(age=8),
    )
    body = stream_body(query, (2.0, 5.0), search_after=[2.5, "hs-9"], size=100)
    assert body == {
        "size": 100,
        "query": {
            "bool": {
                "filter": [
                    {"terms": {"activity": ["126"]}},
                    {
                        "geo_distance": {
                            "distance": "5km",
                            "location": {"lat": 43.6045, "lon": 1.444},
                        }
                    },
                    {
                        "bool": {
                            "must_not": [
                                {
                                    "geo_distance": {
                                        "distance": "2km",
                                        "location": {"lat": 43.6045, "lon": 1.444},
                                    }
                                }
                            ]
                        }
                    },
                ],
                "should": [
                    {
                        "bool": {
                            "filter": [
                                {
                                    "bool": {
                                        "should": [
                                            {"term": {"age_range": 8}},
                                            {
                                                "bool": {
                                                    "must_not": [{"exists": {"field": "age_range"}}]
                                                }
                                            },
                                        ],
                                        "minimum_should_match": 1,
                                    }
                                }
                            ],
                            "_name": "age",
                        }
                    },
                    {"bool": {"filter": [NOT_CLOSED], "_name": "closed"}},
                ],
                "minimum_should_match": 1,
            }
        },
        "_source": ["id", "last_updated", "location", "establishment.id", "location_keys"],
        "sort": [
            {
                "_geo_distance": {
                    "location": {"lat": 43.6045, "lon": 1.444},
                    "order": "asc",
                    "unit": "km",
                    "distance_type": "arc",
                }
            },
            {"id": "asc"},
        ],
        "track_total_hits": False,
        "search_after": [2.5, "hs-9"],
    }


def test_first_ring_has_no_inner_bound_and_one_criterion_may_fail_freely() -> None:
    body = stream_body(CandidateQuery(point=POINT), (0.0, 2.0))
    assert body["query"] == {
        "bool": {
            "filter": [
                {"geo_distance": {"distance": "2km", "location": {"lat": 43.6045, "lon": 1.444}}}
            ]
        }
    }
    assert "search_after" not in body


def test_without_a_point_the_stream_is_every_unit_by_id() -> None:
    body = stream_body(CandidateQuery(point=None, codes=(("champ", ("04",)),)), None)
    assert body["sort"] == [{"id": "asc"}]
    assert body["query"] == {"bool": {"filter": [{"terms": {"champ": ["04"]}}]}}


def test_known_patient_zones_make_home_based_offers_fail_one_criterion_in_the_stream() -> None:
    query = CandidateQuery(
        point=POINT, prefilter=prefilter(age=80), zone_keys=frozenset({"C:31555"})
    )
    should = stream_body(query, (0.0, 2.0))["query"]["bool"]["should"]
    assert should[-1] == {
        "bool": {
            "filter": [{"bool": {"must_not": [{"exists": {"field": "zone_keys"}}]}}],
            "_name": "by_distance",
        }
    }
    assert stream_body(query, (0.0, 2.0))["query"]["bool"]["minimum_should_match"] == 2


def test_zone_matches_at_any_distance() -> None:
    query = CandidateQuery(
        point=POINT,
        codes=(("offer_type", ("28",)),),
        zone_keys=frozenset({"D:31", "C:31555", "R:76"}),
    )
    assert zone_body(query) == {
        "size": 500,
        "query": {
            "bool": {
                "filter": [
                    {"terms": {"offer_type": ["28"]}},
                    {"terms": {"zone_keys": ["C:31555", "D:31", "R:76"]}},
                ]
            }
        },
        "sort": [{"id": "asc"}],
        "track_total_hits": False,
        "_source": ["id", "last_updated", "location", "establishment.id", "location_keys"],
    }


def test_population_within_the_radius_or_matched_by_zone() -> None:
    query = CandidateQuery(point=POINT, prefilter=prefilter(), zone_keys=frozenset({"C:31555"}))
    assert population_filter(query, 10.0) == {
        "bool": {
            "filter": [
                NOT_CLOSED,
                {
                    "bool": {
                        "should": [
                            {
                                "bool": {
                                    "filter": [
                                        {
                                            "geo_distance": {
                                                "distance": "10km",
                                                "location": {"lat": 43.6045, "lon": 1.444},
                                            }
                                        },
                                        {
                                            "bool": {
                                                "must_not": [{"exists": {"field": "zone_keys"}}]
                                            }
                                        },
                                    ]
                                }
                            },
                            {"terms": {"zone_keys": ["C:31555"]}},
                        ],
                        "minimum_should_match": 1,
                    }
                },
            ]
        }
    }


def test_population_without_radius_or_zones() -> None:
    query = CandidateQuery(point=POINT, prefilter=prefilter())
    assert population_filter(query, None) == {"bool": {"filter": [NOT_CLOSED]}}
    assert population_filter(CandidateQuery(point=None), None) == {"bool": {"filter": []}}


def test_each_facet_ignores_its_own_selection_only() -> None:
    query = CandidateQuery(
        point=POINT, codes=(("activity", ("126",)), ("champ", ("01",))), prefilter=prefilter()
    )
    body = facets_body(query, 20.0, ("activity", "champ", "public"))
    assert body["size"] == 0
    aggs = body["aggs"]
    assert aggs["activity"]["aggs"] == {"codes": {"terms": {"field": "activity", "size": 5000}}}
    activity = aggs["activity"]["filter"]["bool"]["filter"]
    champ = aggs["champ"]["filter"]["bool"]["filter"]
    public = aggs["public"]["filter"]["bool"]["filter"]
    assert {"terms": {"champ": ["01"]}} in activity and {
        "terms": {"activity": ["126"]}
    } not in activity
    assert {"terms": {"activity": ["126"]}} in champ and {"terms": {"champ": ["01"]}} not in champ
    assert {"terms": {"activity": ["126"]}} in public and {"terms": {"champ": ["01"]}} in public


@pytest.mark.parametrize("name", ["activity", "offer_type", "champ", "care_mode", "public"])
def test_facet_fields_aggregate_their_keyword_field(name: str) -> None:
    body = facets_body(CandidateQuery(point=None), None, (name,))
    assert body["aggs"][name]["aggs"]["codes"]["terms"]["field"] == name
