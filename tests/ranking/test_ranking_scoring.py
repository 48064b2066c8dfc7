"""Scoring: rankings as tables (offers, criteria, expected id order), formula checks, the bound."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ror.criteria import BedNeed, Criteria
from ror.model import Capacity, Offer
from ror.ranking import score, score_upper_bound, weights_for
from ror.ranking.scoring import distance_factor
from ror.ranking.weights import PROFILE_WEIGHTS
from tests.ranking.ranking_builders import (
    NOW,
    TOULOUSE_ZONE_KEYS,
    base_price,
    counter,
    free_beds,
    home_care,
    make_ehpad,
    make_establishment,
    make_offer,
    rank,
    toulouse_criteria,
)

ICU = ("126",)

RANKINGS = [
    (
        "emergency: a closer but full unit ranks below a slightly farther one with free beds",
        [
            make_offer("near-full", km=4, activity=ICU, capacities=free_beds(0)),
            make_offer("farther-free", km=7, activity=ICU, capacities=free_beds(2)),
        ],
        toulouse_criteria(profile="emergency", activity=ICU),
        ["farther-free", "near-full"],
    ),
    (
        "emergency: a stale count ranks below a fresh one (same distance, same count)",
        [
            make_offer("stale", km=5, capacities=free_beds(3, minutes_ago=9 * 60)),
            make_offer("fresh", km=5, capacities=free_beds(3, minutes_ago=25)),
        ],
        toulouse_criteria(profile="emergency"),
        ["fresh", "stale"],
    ),
    (
        "emergency: a 6 h old count is worth less than a 5 min old one, even a bit closer",
        [
            make_offer("old-closer", km=4, capacities=free_beds(2, minutes_ago=6 * 60)),
            make_offer("fresh-farther", km=6, capacities=free_beds(2, minutes_ago=5)),
        ],
        toulouse_criteria(profile="emergency"),
        ["fresh-farther", "old-closer"],
    ),
    (
        "emergency: distance still dominates between two units with free beds",
        [
            make_offer("far", km=60, capacities=free_beds(10)),
            make_offer("near", km=8, capacities=free_beds(1)),
        ],
        toulouse_criteria(profile="emergency"),
        ["near", "far"],
    ),
    (
        "emergency with beds asked: the full unit is not eligible at all",
        [
            make_offer("near-full", km=2, capacities=free_beds(0)),
            make_offer("far-free", km=30, capacities=free_beds(1)),
        ],
        toulouse_criteria(profile="emergency", beds=BedNeed()),
        ["far-free"],
    ),
    (
        "default: beds asked, more free beds win at equal distance",
        [
            make_offer("one", km=5, capacities=free_beds(1)),
            make_offer("five", km=5, capacities=free_beds(5)),
        ],
        toulouse_criteria(beds=BedNeed()),
        ["five", "one"],
    ),
    (
        "default: no beds asked, nearest first whatever the capacity",
        [
            make_offer("far-free", km=12, capacities=free_beds(9)),
            make_offer("near-full", km=3, capacities=free_beds(0)),
        ],
        toulouse_criteria(),
        ["near-full", "far-free"],
    ),
    (
        "default: size breaks a tie",
        [
            make_offer("small", km=5, capacities=free_beds(2, installed=5)),
            make_offer("large", km=5, capacities=free_beds(2, installed=60)),
        ],
        toulouse_criteria(beds=BedNeed()),
        ["large", "small"],
    ),
    (
        "nursing home: a cheaper accredited home a bit farther beats a dearer one",
        [
            make_ehpad("dear", km=4, daily_eur=80.0, aid=False),
            make_ehpad("cheap", km=12, daily_eur=60.0, aid=True),
        ],
        toulouse_criteria(profile="nursing_home", reception="permanent"),
        ["cheap", "dear"],
    ),
    (
        "nursing home: within the budget, places matter less than distance",
        [
            make_ehpad("far-places", km=35, capacities=(counter(6, nature="02"),)),
            make_ehpad("near-full", km=6, capacities=(counter(0, nature="02"),)),
            make_ehpad("over-budget", km=1, daily_eur=95.0),
        ],
        toulouse_criteria(profile="nursing_home", max_monthly_price_eur=2500, social_aid=True),
        ["near-full", "far-places"],
    ),
    (
        "consultation: nearest first, capacity irrelevant",
        [
            make_offer("far-free", km=6, capacities=free_beds(5)),
            make_offer("near", km=2),
            make_offer("very-far", km=25),
        ],
        toulouse_criteria(profile="consultation", age=8),
        ["near", "far-free", "very-far"],
    ),
]


@pytest.mark.parametrize(
    ("offers", "criteria", "expected"),
    [r[1:] for r in RANKINGS],
    ids=[r[0] for r in RANKINGS],
)
def test_ranking(offers: list[Offer], criteria: Criteria, expected: list[str]) -> None:
    assert rank(offers, criteria) == expected


def test_far_home_care_covering_the_commune_is_eligible_the_near_one_is_not() -> None:
    criteria = toulouse_criteria(commune="31555", offer_type=("28",), radius_km=10)
    offers = [
        home_care("near-elsewhere", km=3, communes=("31069",)),
        home_care("far-covering", km=40, communes=("31555",)),
    ]
    assert rank(offers, criteria, zone_keys=TOULOUSE_ZONE_KEYS) == ["far-covering"]


def test_zone_matched_offers_have_no_distance_penalty() -> None:
    offer = home_care("ssiad", km=40, communes=("31555",))
    criteria = toulouse_criteria(commune="31555")
    scored = score(offer, criteria, distance_km=40.0, now=NOW, weights=weights_for("default"))
    assert scored.parts["distance"] == 1.0


@pytest.mark.parametrize("profile", list(PROFILE_WEIGHTS))
def test_gauss_decay_matches_elasticsearch(profile: str) -> None:
    w = weights_for(profile)
    criteria = Criteria()
    assert distance_factor(w.distance_offset_km, criteria, w) == 1.0
    at_scale = distance_factor(w.distance_offset_km + w.distance_scale_km, criteria, w)
    assert at_scale == pytest.approx(w.distance_decay)
    # ES: exp(-max(0, d - offset)² / (2σ²)), σ² = -scale² / (2 ln decay)
    d = w.distance_offset_km + 7.3
    sigma_sq = -(w.distance_scale_km**2) / (2 * math.log(w.distance_decay))
    assert distance_factor(d, criteria, w) == pytest.approx(math.exp(-(7.3**2) / (2 * sigma_sq)))


def test_city_precision_widens_the_offset() -> None:
    w = weights_for("default")
    d = w.distance_offset_km + 2.0
    exact = distance_factor(d, Criteria(precision="exact"), w)
    city = distance_factor(d, Criteria(precision="city"), w)
    assert exact < 1.0 == city


def test_score_is_the_product_of_its_parts_and_freshness_is_reported() -> None:
    offer = make_ehpad("e", capacities=(counter(2, nature="02", minutes_ago=90),))
    criteria = toulouse_criteria(profile="nursing_home")
    scored = score(offer, criteria, distance_km=8.0, now=NOW, weights=weights_for("nursing_home"))
    assert set(scored.parts) == {"distance", "capacity", "size", "social_aid", "price"}
    assert scored.score == pytest.approx(math.prod(scored.parts.values()))
    assert scored.freshness_hours == pytest.approx(1.5)
    assert not scored.stale


def test_stale_counts_are_flagged_and_discounted() -> None:
    w = weights_for("emergency")
    just_fresh = make_offer(capacities=free_beds(3, minutes_ago=w.stale_after_hours * 60 - 1))
    just_stale = make_offer(capacities=free_beds(3, minutes_ago=w.stale_after_hours * 60 + 1))
    criteria = toulouse_criteria(profile="emergency")
    fresh = score(just_fresh, criteria, distance_km=5.0, now=NOW, weights=w)
    stale = score(just_stale, criteria, distance_km=5.0, now=NOW, weights=w)
    assert (fresh.stale, stale.stale) == (False, True)
    credit = 1 - w.capacity_weight
    # the stale count keeps only stale_capacity_factor of its (already halved) credit
    fresh_credit = (fresh.parts["capacity"] - credit) / w.capacity_weight
    stale_credit = (stale.parts["capacity"] - credit) / w.capacity_weight
    assert stale_credit == pytest.approx(fresh_credit * w.stale_capacity_factor, rel=2e-2)


def test_a_count_dated_in_the_future_counts_as_fresh() -> None:
    offer = make_offer(capacities=free_beds(3, minutes_ago=-30))
    scored = score(
        offer,
        toulouse_criteria(beds=BedNeed()),
        distance_km=1.0,
        now=NOW,
        weights=weights_for("default"),
    )
    assert scored.freshness_hours == 0.0


# --- the upper bound the engine uses to stop widening its radius ----------------------------

counters = st.builds(
    Capacity,
    nature=st.sampled_from(["01", "02"]),
    status=st.sampled_from(["01", "02", "03", "05"]),
    temporality=st.sampled_from(["01", "03"]),
    count=st.integers(0, 500),
    updated_at=st.integers(-120, 60 * 24 * 30).map(lambda m: NOW - timedelta(minutes=m)),
    gender=st.sampled_from([None, "01", "02", "03"]),
)
offers = st.builds(
    lambda caps, aid, daily, home: make_offer(
        capacities=tuple(caps),
        establishment=make_establishment(
            financial_help=("02",) if aid else (),
            prices=(base_price(daily, reception="02"),) if daily else (),
        ),
        zones=home_care("h", km=0, communes=("31555",)).zones if home else (),
    ),
    st.lists(counters, max_size=6),
    st.booleans(),
    st.one_of(st.none(), st.floats(1.0, 400.0)),
    st.booleans(),
)
criterias = st.builds(
    Criteria,
    lat=st.just(43.6),
    lon=st.just(1.44),
    profile=st.sampled_from(list(PROFILE_WEIGHTS)),
    commune=st.sampled_from([None, "31555"]),
    precision=st.sampled_from(["exact", "street", "city"]),
    social_aid=st.booleans(),
    max_monthly_price_eur=st.one_of(st.none(), st.floats(500.0, 6000.0)),
    beds=st.one_of(st.none(), st.builds(BedNeed, nature=st.sampled_from(["01", "02"]))),
)


@settings(max_examples=250, deadline=None)
@given(
    offer=offers,
    criteria=criterias,
    radius=st.floats(0.0, 500.0),
    beyond=st.floats(0.0, 300.0),
)
def test_upper_bound_holds_for_any_offer_at_or_beyond_the_distance(
    offer: Offer, criteria: Criteria, radius: float, beyond: float
) -> None:
    weights = weights_for(criteria.profile)
    scored = score(offer, criteria, distance_km=radius + beyond, now=NOW, weights=weights)
    if offer.home_based and criteria.commune is not None:
        # matched by zone (distance factor 1): bounded by the bound at distance 0 only
        assert scored.score <= score_upper_bound(0.0, criteria, weights)
    else:
        assert scored.score <= score_upper_bound(radius, criteria, weights)


@pytest.mark.parametrize("profile", list(PROFILE_WEIGHTS))
def test_upper_bound_is_reached_by_an_ideal_offer(profile: str) -> None:
    """The bound is tight: a big, cheap, accredited unit with many fresh beds gets close to it."""
    weights = weights_for(profile)
    ideal = make_offer(
        capacities=(
            counter(10_000, nature=weights.implicit_bed_nature, minutes_ago=0),
            counter(10_000, nature=weights.implicit_bed_nature, status="01", minutes_ago=0),
        ),
        establishment=make_establishment(financial_help=("02",), prices=(base_price(0.01),)),
    )
    criteria = toulouse_criteria(profile=profile)
    scored = score(ideal, criteria, distance_km=12.0, now=NOW, weights=weights)
    assert scored.score == pytest.approx(score_upper_bound(12.0, criteria, weights), rel=1e-3)
