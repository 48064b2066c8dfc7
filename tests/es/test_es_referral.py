"""The one-request referral query: hard criteria in ``bool.filter`` under the ranking's
``function_score``, sorted like the pipeline (score, distance, id)."""

from __future__ import annotations

from datetime import UTC, datetime

from ror.criteria import BedNeed, Criteria
from ror.ranking import weights_for
from ror.search.elasticsearch.filters import hard_filters
from ror.search.elasticsearch.referral import RADIUS_STEPS_KM, radius_steps, referral_body
from ror.search.elasticsearch.scoring import score_functions
from ror.search.ranker import RADIUS_STEPS_KM as PIPELINE_STEPS

NOW = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)


def test_the_body_filters_hard_criteria_and_scores_with_the_model() -> None:
    criteria = Criteria(lat=43.6, lon=1.44, activity=("126",), beds=BedNeed(), profile="emergency")
    keys = {"C:31555", "D:31", "R:76"}
    body = referral_body(criteria, now=NOW, radius_km=20.0, zone_keys=keys, size=15)
    filters = [
        c for _, c in hard_filters(criteria, now=NOW, radius_km=20.0, patient_zone_keys=keys)
    ]
    assert body == {
        "size": 15,
        "query": {
            "function_score": {
                "query": {"bool": {"filter": filters}},
                "functions": score_functions(criteria, weights_for("emergency"), NOW),
                "score_mode": "multiply",
                "boost_mode": "replace",
            }
        },
        "sort": [
            {"_score": {"order": "desc"}},
            {
                "_geo_distance": {
                    "location": {"lat": 43.6, "lon": 1.44},
                    "order": "asc",
                    "unit": "km",
                    "distance_type": "arc",
                }
            },
            {"id": "asc"},
        ],
        "track_total_hits": True,
    }
    kinds = [
        next(k for k in fn if k != "filter") for fn in body["query"]["function_score"]["functions"]
    ]
    assert kinds == ["gauss", "script_score"]


def test_without_a_point_ties_go_by_id() -> None:
    body = referral_body(Criteria(champ=("04",)), now=NOW, radius_km=None)
    assert body["sort"] == [{"_score": {"order": "desc"}}, {"id": "asc"}]
    assert body["query"] == {
        "constant_score": {"filter": body["query"]["constant_score"]["filter"], "boost": 1.0}
    }


def test_the_radius_grows_like_the_pipeline() -> None:
    assert RADIUS_STEPS_KM == PIPELINE_STEPS
    assert radius_steps(Criteria(lat=43.6, lon=1.44)) == (*PIPELINE_STEPS, None)
    assert radius_steps(Criteria(lat=43.6, lon=1.44, radius_km=30)) == (30,)
    assert radius_steps(Criteria()) == (None,)
