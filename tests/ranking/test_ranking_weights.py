"""Weights: one per profile, with the character each profile promises (issue 3 §3)."""

from __future__ import annotations

import pytest

from ror.criteria import PROFILES
from ror.errors import InvalidInput
from ror.ranking import weights_for
from ror.ranking.weights import PROFILE_WEIGHTS


def test_every_criteria_profile_has_weights() -> None:
    assert set(PROFILE_WEIGHTS) == set(PROFILES)
    for profile in PROFILES:
        weights = weights_for(profile)
        assert weights.profile == profile
        assert 0 < weights.distance_decay < 1
        assert 0 <= weights.capacity_weight <= 1
        assert 0 <= weights.stale_capacity_factor <= 1
        assert weights.freshness_half_life_hours > 0 and weights.stale_after_hours > 0


def test_profiles_have_their_character() -> None:
    default, emergency = weights_for("default"), weights_for("emergency")
    nursing, consultation = weights_for("nursing_home"), weights_for("consultation")
    assert emergency.capacity_weight == max(w.capacity_weight for w in PROFILE_WEIGHTS.values())
    assert emergency.stale_capacity_factor == min(
        w.stale_capacity_factor for w in PROFILE_WEIGHTS.values()
    )
    assert emergency.capacity_when_not_asked
    assert nursing.distance_scale_km == max(w.distance_scale_km for w in PROFILE_WEIGHTS.values())
    assert nursing.capacity_weight < default.capacity_weight and nursing.price_weight > 0
    assert consultation.capacity_weight == 0
    assert consultation.distance_scale_km == min(
        w.distance_scale_km for w in PROFILE_WEIGHTS.values()
    )


def test_unknown_profile_names_the_field() -> None:
    with pytest.raises(InvalidInput) as error:
        weights_for("urgence")
    assert error.value.field == "profile"
    assert "urgence" in error.value.message
