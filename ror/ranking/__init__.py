"""Ranking: hard criteria and near-misses, scoring per profile, French explanations.

Pure functions called per candidate by the engines (DESIGN §5); every weight is in
``weights.py``, the scoring formula in ``scoring.py``'s docstring.
"""

from ror.ranking.beds import available_beds
from ror.ranking.eligibility import Failure, check, near_miss_reason
from ror.ranking.explain import explain
from ror.ranking.scoring import Scored, score, score_upper_bound
from ror.ranking.weights import Weights, weights_for

__all__ = [
    "Failure",
    "Scored",
    "Weights",
    "available_beds",
    "check",
    "explain",
    "near_miss_reason",
    "score",
    "score_upper_bound",
    "weights_for",
]
