"""The benchmark's queries: seeded, distinct, realistic, and the same over HTTP."""

from __future__ import annotations

import random

from bench.scenarios import SCENARIOS, Towns, generate_queries, interleave, near, request_body
from ror.api.search_request import SearchRequest
from ror.criteria import Criteria
from ror.geo import gazetteer, haversine_km


def test_queries_are_seeded_distinct_and_per_scenario() -> None:
    first = generate_queries(25, seed=7)
    again = generate_queries(25, seed=7)
    other = generate_queries(25, seed=8)
    assert first == again
    assert first != other
    assert list(first) == [s.name for s in SCENARIOS]
    for items in first.values():
        assert len(items) == 25
        assert len(set(items)) == 25


def test_every_query_is_accepted_by_the_http_schema_as_the_same_criteria() -> None:
    for items in generate_queries(15, seed=3).values():
        for criteria in items:
            parsed = SearchRequest.model_validate(request_body(criteria)).to_criteria()
            assert parsed == criteria


def test_scenarios_ask_what_the_issue_says() -> None:
    q = generate_queries(20, seed=1)
    for c in q["ehpad_near_city"]:
        assert c.place and c.reception == "permanent" and c.social_aid
        assert c.max_monthly_price_eur is not None and c.max_monthly_price_eur <= 2500
        assert c.offer_type == ("21",) and c.profile == "nursing_home"
    for c in q["child_psychologist"]:
        assert c.place is not None and c.place.isdigit() and len(c.place) == 5  # a postcode
        assert c.professions == ("93",) and c.age is not None and c.age < 16
    for c in q["emergency_icu_bed"]:
        assert c.has_point and c.profile == "emergency"
        assert c.beds is not None and c.beds.min_available >= 1
    for c in q["home_care_zone"]:
        assert c.place is not None and gazetteer().commune(c.place) is not None  # INSEE code
        assert c.care_mode == ("49",)
    for c in q["broad_nearest_20"]:
        assert c.has_point and c.limit == 20 and c.radius_km is None and len(c.activity) == 1


def test_towns_follow_population() -> None:
    towns = Towns.national()
    rng = random.Random(5)
    picks = [towns.pick(rng) for _ in range(4000)]
    big = sum(1 for t in picks if t.population >= 100_000)
    share = sum(t.population for t in towns.communes if t.population >= 100_000) / sum(
        t.population for t in towns.communes
    )
    assert abs(big / len(picks) - share) < 0.04


def test_points_fall_near_their_commune() -> None:
    rng = random.Random(2)
    for insee in ("75056", "31555", "97411"):
        commune = gazetteer().commune(insee)
        assert commune is not None
        for _ in range(200):
            lat, lon = near(rng, commune, km=5.0)
            assert haversine_km(commune.lat, commune.lon, lat, lon) <= 5.01


def test_the_mix_interleaves_every_query_once() -> None:
    q: dict[str, list[Criteria]] = generate_queries(4, seed=9)
    order = interleave(q, seed=9)
    assert sorted(order) == sorted((name, i) for name, items in q.items() for i in range(4))
    assert order != [(name, i) for name, items in q.items() for i in range(4)]
