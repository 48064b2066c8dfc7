"""Filter clause builders against JSON written from the Elasticsearch query DSL reference.

Expected bodies follow the documented shapes: ``terms``/``term`` (term-level queries), a
``term`` on an ``integer_range`` field (matches ranges containing the value), ``nested`` with
``path`` and ``query``, ``bool`` with ``filter``/``should``/``must_not`` and
``minimum_should_match``, ``exists``, ``range`` with ``gt``/``gte``/``lt``/``lte``,
``geo_distance`` with ``distance`` and the point field. Each builder also returns None when its
input is unset.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ror.criteria import BedNeed, Criteria, EquipmentNeed
from ror.mappings.dsl import Clause, km
from ror.search.elasticsearch.filters import (
    beds_filter,
    code_filters,
    codes_filter,
    gender_clause,
    geo_distance_filter,
    hard_filters,
    open_at_filter,
    open_on_wall_clock,
    where_filter,
)
from ror.search.prefilter import (
    AGE,
    CLOSED,
    CRITERIA,
    EQUIPMENT,
    PRICE,
    RECEPTION,
    SOCIAL_AID,
    Criterion,
    Prefilter,
    needs_clause,
)
from tests.es.es_builders import NOT_CLOSED

NOW = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)


def clause(criterion: Criterion, criteria: Criteria, now: datetime = NOW) -> Clause:
    """The Elasticsearch form of a prefilter criterion for a request."""
    p = Prefilter.from_criteria(criteria, now)
    assert criterion.asked(p)
    return criterion.clause(p)


def test_unset_inputs_give_no_clause() -> None:
    assert codes_filter("activity", ()) is None
    unset = Prefilter.from_criteria(Criteria(reception="permanent"), NOW)
    assert [c.name for c in CRITERIA if c.asked(unset)] == ["reception", "closed"]
    assert needs_clause(()) is None
    assert gender_clause(None) is None
    assert beds_filter(None) is None
    assert beds_filter(BedNeed(min_available=0)) is None
    assert open_at_filter(None) is None
    assert where_filter(Criteria(), None) is None
    assert where_filter(Criteria(lat=43.6, lon=1.44), None) is None


def test_codes_any_of_within_a_field() -> None:
    assert codes_filter("activity", ("126", "127")) == {"terms": {"activity": ["126", "127"]}}


def test_one_clause_per_requested_code_field() -> None:
    criteria = Criteria(activity=("126",), offer_type=("21",), professions=("93",))
    assert code_filters(criteria) == [
        ("activity", {"terms": {"activity": ["126"]}}),
        ("offer_type", {"terms": {"offer_type": ["21"]}}),
        ("professions", {"terms": {"professions": ["93"]}}),
    ]


def test_age_within_the_range_or_no_range_at_all() -> None:
    assert clause(AGE, Criteria(age=8)) == {
        "bool": {
            "should": [
                {"term": {"age_range": 8}},
                {"bool": {"must_not": [{"exists": {"field": "age_range"}}]}},
            ],
            "minimum_should_match": 1,
        }
    }


def test_reception_codes() -> None:
    assert clause(RECEPTION, Criteria(reception="permanent")) == {"term": {"reception": "02"}}
    assert clause(RECEPTION, Criteria(reception="temporary")) == {"term": {"reception": "01"}}


def test_social_aid_with_and_without_a_reception() -> None:
    assert clause(SOCIAL_AID, Criteria(social_aid=True)) == {
        "bool": {"filter": [{"term": {"social_aid": True}}]}
    }
    assert clause(SOCIAL_AID, Criteria(social_aid=True, reception="permanent")) == {
        "bool": {
            "filter": [{"term": {"social_aid": True}}],
            "must_not": [{"term": {"establishment.social_aid_places_permanent": 0}}],
        }
    }


def test_price_ceiling_on_the_cheapest_monthly_base_price() -> None:
    assert clause(PRICE, Criteria(max_monthly_price_eur=2500.0)) == {
        "range": {"min_monthly_price_eur": {"lte": 2500.0}}
    }


def test_equipment_type_feature_and_limit_on_one_item() -> None:
    needs = (EquipmentNeed(code="088", feature="001", min_value=200),)
    assert needs_clause(needs) == {
        "nested": {
            "path": "equipment",
            "query": {
                "bool": {
                    "filter": [
                        {"term": {"equipment.code": "088"}},
                        {"term": {"equipment.feature": "001"}},
                        {"range": {"equipment.limit_value": {"gte": 200}}},
                    ]
                }
            },
        }
    }


def test_the_equipment_prefilter_tests_type_and_feature_and_leaves_the_limit_to_the_check() -> None:
    needs = (EquipmentNeed(code="088", feature="001", min_value=200), EquipmentNeed("161"))
    assert clause(EQUIPMENT, Criteria(equipment=needs)) == needs_clause(needs, limit=False)
    assert "limit_value" not in str(needs_clause(needs, limit=False))
    assert "limit_value" in str(needs_clause(needs))


def test_several_equipment_needs_all_hold() -> None:
    clause = needs_clause((EquipmentNeed("088"), EquipmentNeed("161")))
    assert clause == {
        "bool": {
            "filter": [
                {
                    "nested": {
                        "path": "equipment",
                        "query": {"bool": {"filter": [{"term": {"equipment.code": "088"}}]}},
                    }
                },
                {
                    "nested": {
                        "path": "equipment",
                        "query": {"bool": {"filter": [{"term": {"equipment.code": "161"}}]}},
                    }
                },
            ]
        }
    }


def test_one_free_bed_is_one_matching_counter_nested() -> None:
    assert beds_filter(BedNeed()) == {
        "nested": {
            "path": "capacities",
            "query": {
                "bool": {
                    "filter": [
                        {"term": {"capacities.status": "02"}},
                        {"term": {"capacities.nature": "01"}},
                        {"term": {"capacities.temporality": "01"}},
                        {"term": {"capacities.assignment": "01"}},
                        {"range": {"capacities.count": {"gte": 1}}},
                    ]
                }
            },
        }
    }


def test_beds_for_women_count_undifferentiated_and_ungendered_counters() -> None:
    clause = beds_filter(BedNeed(nature="01", min_available=1, gender="01"))
    assert clause is not None
    gender = clause["nested"]["query"]["bool"]["filter"][-1]
    assert gender == {
        "bool": {
            "should": [
                {"terms": {"capacities.gender": ["01", "03"]}},
                {"bool": {"must_not": [{"exists": {"field": "capacities.gender"}}]}},
            ],
            "minimum_should_match": 1,
        }
    }


def test_several_beds_also_need_the_sum_over_counters() -> None:
    clause = beds_filter(BedNeed(nature="02", min_available=3))
    assert clause is not None
    assert clause["bool"]["filter"][1] == {"range": {"free.02_01_01_all": {"gte": 3}}}
    assert clause["bool"]["filter"][0]["nested"]["path"] == "capacities"


def test_open_on_a_wall_clock() -> None:
    # Thursday 26 Nov 2026 14:30 local; the day before is a Wednesday (3)
    at = datetime(2026, 11, 26, 14, 30)
    assert open_on_wall_clock(at) == {
        "nested": {
            "path": "opening",
            "query": {
                "bool": {
                    "should": [
                        {
                            "bool": {
                                "filter": [
                                    {"term": {"opening.days": 4}},
                                    {
                                        "bool": {
                                            "must_not": [
                                                {
                                                    "range": {
                                                        "opening.valid_from": {"gt": "2026-11-26"}
                                                    }
                                                },
                                                {
                                                    "range": {
                                                        "opening.valid_to": {"lt": "2026-11-26"}
                                                    }
                                                },
                                            ]
                                        }
                                    },
                                    {"range": {"opening.from": {"lte": "14:30:00"}}},
                                    {
                                        "bool": {
                                            "should": [
                                                {"term": {"opening.overnight": True}},
                                                {"range": {"opening.to": {"gt": "14:30:00"}}},
                                            ],
                                            "minimum_should_match": 1,
                                        }
                                    },
                                ]
                            }
                        },
                        {
                            "bool": {
                                "filter": [
                                    {"term": {"opening.overnight": True}},
                                    {"term": {"opening.days": 3}},
                                    {
                                        "bool": {
                                            "must_not": [
                                                {
                                                    "range": {
                                                        "opening.valid_from": {"gt": "2026-11-25"}
                                                    }
                                                },
                                                {
                                                    "range": {
                                                        "opening.valid_to": {"lt": "2026-11-25"}
                                                    }
                                                },
                                            ]
                                        }
                                    },
                                    {"range": {"opening.to": {"gt": "14:30:00"}}},
                                ]
                            }
                        },
                    ],
                    "minimum_should_match": 1,
                }
            },
        }
    }


def test_open_at_reads_each_offer_in_its_own_time_zone() -> None:
    moment = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)  # 14:00 Paris, 09:00 Guadeloupe
    clause = open_at_filter(moment)
    assert clause is not None
    no_hours, paris, *overseas = clause["bool"]["should"]
    assert no_hours == {
        "bool": {"must_not": [{"nested": {"path": "opening", "query": {"match_all": {}}}}]}
    }
    paris_clock = paris["bool"]["filter"][1]["nested"]["query"]["bool"]["should"][0]
    assert {"range": {"opening.from": {"lte": "14:00:00"}}} in paris_clock["bool"]["filter"]
    excluded = paris["bool"]["filter"][0]["bool"]["must_not"][0]["terms"]["place.departement"]
    assert {"971", "972", "973", "974", "976", "987", "988"} <= set(excluded)
    by_dept = {
        code: group["bool"]["filter"][1]
        for group in overseas
        for code in group["bool"]["filter"][0]["terms"]["place.departement"]
    }
    guadeloupe = by_dept["971"]["nested"]["query"]["bool"]["should"][0]["bool"]["filter"]
    assert {"range": {"opening.from": {"lte": "09:00:00"}}} in guadeloupe
    noumea = by_dept["988"]["nested"]["query"]["bool"]["should"][0]["bool"]["filter"]
    assert {"term": {"opening.days": 5}} in noumea  # already Friday 00:00 in Nouméa
    assert set(by_dept) == set(excluded)


def test_not_closed_at_a_moment() -> None:
    assert clause(CLOSED, Criteria()) == NOT_CLOSED


def test_geo_distance() -> None:
    assert geo_distance_filter(43.6045, 1.444, 12.5) == {
        "geo_distance": {"distance": "12.5km", "location": {"lat": 43.6045, "lon": 1.444}}
    }


@pytest.mark.parametrize(
    ("value", "text"), [(12.5, "12.5km"), (2.0, "2km"), (0.0, "0km"), (1e-7, "0km"), (3.3, "3.3km")]
)
def test_km_is_never_scientific(value: float, text: str) -> None:
    assert km(value) == text


def test_where_radius_only() -> None:
    criteria = Criteria(lat=43.6, lon=1.44)
    assert where_filter(criteria, 30.0) == (
        "radius_km",
        {"geo_distance": {"distance": "30km", "location": {"lat": 43.6, "lon": 1.44}}},
    )


def test_where_zone_or_radius_for_offers_that_are_not_home_based() -> None:
    criteria = Criteria(lat=43.6, lon=1.44, commune="31555")
    keys = {"C:31555", "D:31", "R:76"}
    assert where_filter(criteria, 30.0, keys) == (
        "zone",
        {
            "bool": {
                "should": [
                    {"terms": {"zone_keys": ["C:31555", "D:31", "R:76"]}},
                    {
                        "bool": {
                            "must_not": [{"exists": {"field": "zone_keys"}}],
                            "filter": [
                                {
                                    "geo_distance": {
                                        "distance": "30km",
                                        "location": {"lat": 43.6, "lon": 1.44},
                                    }
                                }
                            ],
                        }
                    },
                ],
                "minimum_should_match": 1,
            }
        },
    )
    name, clause = where_filter(criteria, None, keys) or ("", {})
    assert name == "zone"
    assert clause["bool"]["should"][1] == {
        "bool": {"must_not": [{"exists": {"field": "zone_keys"}}]}
    }


def test_hard_filters_are_named_like_the_check_failures() -> None:
    criteria = Criteria(
        lat=43.6,
        lon=1.44,
        activity=("126",),
        age=8,
        reception="permanent",
        social_aid=True,
        max_monthly_price_eur=2500,
        equipment=(EquipmentNeed("088"),),
        beds=BedNeed(),
        open_at=NOW,
    )
    names = [name for name, _ in hard_filters(criteria, now=NOW, radius_km=10.0)]
    assert names == [
        "activity",
        "age",
        "reception",
        "social_aid",
        "max_monthly_price_eur",
        "equipment",
        "beds",
        "open_at",
        "closed",
        "radius_km",
    ]


def test_closed_is_always_judged() -> None:
    assert [name for name, _ in hard_filters(Criteria(), now=NOW, radius_km=None)] == ["closed"]


def test_colocated_requirements_filter_on_the_establishments_having_them() -> None:
    from ror.search.elasticsearch.filters import colocated_filter

    assert colocated_filter(None) is None and colocated_filter(()) is None
    clause = colocated_filter((frozenset({"eg-b", "eg-a"}), frozenset({"eg-c"})))
    assert clause == {
        "bool": {
            "filter": [
                {"terms": {"establishment.id": ["eg-a", "eg-b"]}},
                {"terms": {"establishment.id": ["eg-c"]}},
            ]
        }
    }


def test_establishments_having_codes_are_listed_page_by_page() -> None:
    from ror.search.elasticsearch.filters import establishments_query

    first = establishments_query("activity", ["159", "160"], None)
    assert first["size"] == 0
    assert first["query"] == {"bool": {"filter": [{"terms": {"activity": ["159", "160"]}}]}}
    composite = first["aggs"]["egs"]["composite"]
    assert composite["sources"] == [{"eg": {"terms": {"field": "establishment.id"}}}]
    assert "after" not in composite
    narrowed = establishments_query("activity", ["160"], ("04",), after={"eg": "eg-9"})
    assert narrowed["aggs"]["egs"]["composite"]["after"] == {"eg": "eg-9"}
    assert {"bool": {"must_not": [{"term": {"sensitive": True}}]}} in narrowed["query"]["bool"][
        "filter"
    ]
