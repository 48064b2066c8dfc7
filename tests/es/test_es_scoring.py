"""The ranking model as a function_score, against JSON written from the DSL reference.

``function_score`` takes a ``query``, a list of ``functions`` (each optionally with a
``filter``), ``score_mode`` and ``boost_mode``; decay functions (``gauss``) take the field with
``origin``, ``scale``, ``offset`` and ``decay``; a ``weight`` alone multiplies by a constant;
``script_score`` takes a ``script`` with ``source`` and ``params``. The decay formula from the
reference is re-implemented here to check that the parameters reproduce the Python factor.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from ror.criteria import BedNeed, Criteria
from ror.ranking import weights_for
from ror.ranking.scoring import distance_factor, distance_offset_km
from ror.search.elasticsearch.scoring import (
    CAPACITY_SCRIPT,
    PRICE_SCRIPT,
    capacity_function,
    distance_function,
    price_function,
    ranked,
    score_functions,
    social_aid_function,
)

NOW = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)
TOULOUSE = Criteria(lat=43.6045, lon=1.444)


def documented_gauss(distance_km: float, spec: dict[str, object]) -> float:
    """ES reference: exp(-max(0, |d| - offset)² / 2σ²), σ² = -scale² / (2·ln(decay))."""

    def km(text: object) -> float:
        assert isinstance(text, str) and text.endswith("km")
        return float(text[:-2])

    offset, scale = km(spec["offset"]), km(spec["scale"])
    decay = spec["decay"]
    assert isinstance(decay, float)
    sigma_sq = -(scale**2) / (2 * math.log(decay))
    return math.exp(-(max(0.0, distance_km - offset) ** 2) / (2 * sigma_sq))


def test_no_point_no_distance_decay() -> None:
    assert distance_function(Criteria(), weights_for("default")) is None


def test_distance_decay_of_the_default_profile() -> None:
    assert distance_function(TOULOUSE, weights_for("default")) == {
        "gauss": {
            "location": {
                "origin": {"lat": 43.6045, "lon": 1.444},
                "offset": "2km",
                "scale": "25km",
                "decay": 0.5,
            }
        }
    }


def test_precision_widens_the_offset() -> None:
    criteria = TOULOUSE.with_(precision="city")
    function = distance_function(criteria, weights_for("default"))
    assert function is not None
    offset = float(function["gauss"]["location"]["offset"][:-2])
    assert offset == pytest.approx(distance_offset_km(criteria, weights_for("default")))
    assert offset > 2.0


def test_home_based_offers_skip_the_decay_when_the_commune_is_known() -> None:
    function = distance_function(TOULOUSE.with_(commune="31555"), weights_for("emergency"))
    assert function is not None
    assert function["filter"] == {"bool": {"must_not": [{"exists": {"field": "zone_keys"}}]}}


@pytest.mark.parametrize("profile", ["default", "emergency", "nursing_home", "consultation"])
@pytest.mark.parametrize("precision", ["exact", "street", "city"])
@pytest.mark.parametrize("distance_km", [0.0, 0.5, 2.0, 4.9, 12.0, 27.0, 80.0])
def test_documented_gauss_with_our_parameters_is_the_python_factor(
    profile: str, precision: str, distance_km: float
) -> None:
    weights = weights_for(profile)
    criteria = TOULOUSE.with_(precision=precision)
    function = distance_function(criteria, weights)
    assert function is not None
    es = documented_gauss(distance_km, function["gauss"]["location"])
    assert es == pytest.approx(distance_factor(distance_km, criteria, weights), rel=1e-12)


def test_capacity_is_scored_only_for_a_bed_need() -> None:
    assert capacity_function(TOULOUSE, weights_for("default"), NOW) is None  # not asked
    assert capacity_function(TOULOUSE, weights_for("consultation"), NOW) is None


def test_capacity_function_for_the_emergency_profile() -> None:
    w = weights_for("emergency")
    function = capacity_function(TOULOUSE, w, NOW)  # implicit need: lits, any gender
    assert function == {
        "script_score": {
            "script": {
                "source": CAPACITY_SCRIPT,
                "params": {
                    "free": "free.01_01_01_all",
                    "since": "free_since.01_01_01_all",
                    "installed": "installed.01",
                    "now_ms": 1795698000000,
                    "half_life_hours": 4.0,
                    "stale_after_hours": 12.0,
                    "stale_capacity_factor": 0.0,
                    "capacity_saturation_beds": 2.0,
                    "capacity_weight": 0.97,
                    "size_weight": 0.01,
                    "size_saturation_beds": 20.0,
                },
            }
        }
    }


def test_capacity_function_reads_the_asked_indicator() -> None:
    criteria = TOULOUSE.with_(beds=BedNeed(nature="02", gender="01", min_available=2))
    function = capacity_function(criteria, weights_for("nursing_home"), NOW)
    assert function is not None
    params = function["script_score"]["script"]["params"]
    assert (params["free"], params["since"], params["installed"]) == (
        "free.02_01_01_01",
        "free_since.02_01_01_01",
        "installed.02",
    )


@pytest.mark.parametrize(
    ("script", "function"), [(CAPACITY_SCRIPT, "capacity"), (PRICE_SCRIPT, "price")]
)
def test_scripts_use_exactly_the_params_they_are_given(script: str, function: str) -> None:
    criteria = TOULOUSE.with_(beds=BedNeed())
    w = weights_for("nursing_home")
    built = (
        capacity_function(criteria, w, NOW)
        if function == "capacity"
        else price_function(criteria, w)
    )
    assert built is not None
    params = built["script_score"]["script"]["params"]
    used = set(re.findall(r"params\.(\w+)", script))
    assert used == set(params)
    assert all(isinstance(v, str | float | int) for v in params.values())


def test_numbers_in_script_params_are_floats_so_painless_never_divides_integers() -> None:
    function = capacity_function(TOULOUSE.with_(beds=BedNeed()), weights_for("default"), NOW)
    assert function is not None
    params = function["script_score"]["script"]["params"]
    assert all(
        isinstance(v, float)
        for k, v in params.items()
        if k not in {"free", "since", "installed", "now_ms"}
    )


def test_social_aid_bonus_is_a_weight_on_a_filter() -> None:
    w = weights_for("nursing_home")
    assert social_aid_function(TOULOUSE, w) == {
        "filter": {"term": {"social_aid": True}},
        "weight": pytest.approx(1.15),
    }
    assert social_aid_function(TOULOUSE.with_(social_aid=True), w) is None
    assert social_aid_function(TOULOUSE, weights_for("default")) is None


def test_price_function_reads_the_variant_of_the_request() -> None:
    criteria = TOULOUSE.with_(reception="permanent", social_aid=True, max_monthly_price_eur=2500)
    assert price_function(criteria, weights_for("nursing_home")) == {
        "script_score": {
            "script": {
                "source": PRICE_SCRIPT,
                "params": {
                    "price": "base_price_monthly.permanent_aid_all",
                    "reference_eur": 2500.0,
                    "price_weight": 0.3,
                },
            }
        }
    }
    assert price_function(criteria, weights_for("emergency")) is None


def test_ranked_multiplies_factors_and_replaces_the_query_score() -> None:
    query = {"bool": {"filter": [{"term": {"activity": "126"}}]}}
    body = ranked(query, TOULOUSE, weights_for("default"), NOW)
    assert body == {
        "function_score": {
            "query": query,
            "functions": score_functions(TOULOUSE, weights_for("default"), NOW),
            "score_mode": "multiply",
            "boost_mode": "replace",
        }
    }
    assert len(body["function_score"]["functions"]) == 1


def test_no_factor_scores_every_match_one() -> None:
    query: dict[str, Any] = {"match_all": {}}
    assert ranked(query, Criteria(), weights_for("default"), NOW) == {
        "constant_score": {"filter": query, "boost": 1.0}
    }
