"""The ranking model of ``ror.ranking.scoring`` as an Elasticsearch ``function_score``.

``score = D · K · S · A · P`` becomes one function per factor, multiplied (``score_mode:
multiply``) and replacing the query score (``boost_mode: replace``); a function whose filter
does not match a document leaves its factor at 1, as an absent part does in Python:

- ``D``: a ``gauss`` decay on ``location`` with the profile's offset (plus the precision
  uncertainty), scale and decay; not applied to home-based offers matched by zone;
- ``K · S``: a ``script_score`` reading the denormalised ``free.<key>``, ``free_since.<key>``
  and ``installed.<nature>`` doc values (``es_documents.availability_fields``);
- ``A``: a ``weight`` on the social-aid filter;
- ``P``: a ``script_score`` on ``base_price_monthly.<variant>``;
- ``L``: a ``weight`` below 1 on the units that are not private practices (champ 05).

Each builder returns None when its factor is absent. Elasticsearch scores are 32-bit floats:
the engine re-scores the returned candidates with ``ror.ranking.score`` for exact ties.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from ror.criteria import Criteria
from ror.mappings import fields as f
from ror.mappings.dsl import Clause, exists, km, term
from ror.ranking.scoring import PRIVATE_PRACTICE, bed_need, distance_offset_km
from ror.ranking.weights import Weights
from ror.search.elasticsearch.documents import free_key, installed_key, price_key

CAPACITY_SCRIPT: Final = """
double credit = 0.0;
if (doc.containsKey(params.since) && doc[params.since].size() > 0) {
  long n = 0;
  if (doc.containsKey(params.free) && doc[params.free].size() > 0) {
    n = doc[params.free].value;
  }
  long updated = doc[params.since].value.toInstant().toEpochMilli();
  double hours = Math.max(0.0, (params.now_ms - updated) / 3600000.0);
  double fresh = Math.pow(0.5, hours / params.half_life_hours);
  if (hours > params.stale_after_hours) {
    fresh = fresh * params.stale_capacity_factor;
  }
  credit = (1.0 - Math.exp(-n / params.capacity_saturation_beds)) * fresh;
}
double k = 1.0;
if (params.capacity_weight > 0) {
  k = 1.0 - params.capacity_weight * (1.0 - credit);
}
if (params.size_weight > 0) {
  long installed = 0;
  if (doc.containsKey(params.installed) && doc[params.installed].size() > 0) {
    installed = doc[params.installed].value;
  }
  k = k * (1.0 + params.size_weight * (1.0 - Math.exp(-installed / params.size_saturation_beds)));
}
return k;
""".strip()

PRICE_SCRIPT: Final = """
if (doc.containsKey(params.price) && doc[params.price].size() > 0) {
  double cheapness = 1.0 - doc[params.price].value / params.reference_eur;
  return 1.0 + params.price_weight * Math.min(1.0, Math.max(0.0, cheapness));
}
return 1.0;
""".strip()


def distance_function(criteria: Criteria, weights: Weights) -> Clause | None:
    """``D``: gauss on the offer's point; home-based offers skip it when the commune is known."""
    if criteria.lat is None or criteria.lon is None:
        return None
    offset = distance_offset_km(criteria, weights)
    function: Clause = {
        "gauss": {
            f.LOCATION: {
                "origin": {"lat": criteria.lat, "lon": criteria.lon},
                "offset": km(offset),
                "scale": km(weights.distance_scale_km),
                "decay": weights.distance_decay,
            }
        }
    }
    if criteria.has_zone:
        function["filter"] = {"bool": {"must_not": [exists(f.ZONE_KEYS)]}}
    return function


def capacity_function(criteria: Criteria, weights: Weights, now: datetime) -> Clause | None:
    """``K · S``: free capacity × freshness, and size, of the bed need (asked or implicit)."""
    need = bed_need(criteria, weights)
    if need is None or (weights.capacity_weight <= 0 and weights.size_weight <= 0):
        return None
    key = free_key(need)
    params: dict[str, Any] = {
        "free": f"{f.FREE}.{key}",
        "since": f"{f.FREE_SINCE}.{key}",
        "installed": f"{f.INSTALLED}.{installed_key(need.nature)}",
        "now_ms": int(now.timestamp() * 1000),
        "half_life_hours": float(weights.freshness_half_life_hours),
        "stale_after_hours": float(weights.stale_after_hours),
        "stale_capacity_factor": float(weights.stale_capacity_factor),
        "capacity_saturation_beds": float(weights.capacity_saturation_beds),
        "capacity_weight": float(weights.capacity_weight),
        "size_weight": float(weights.size_weight),
        "size_saturation_beds": float(weights.size_saturation_beds),
    }
    return {"script_score": {"script": {"source": CAPACITY_SCRIPT, "params": params}}}


def social_aid_function(criteria: Criteria, weights: Weights) -> Clause | None:
    """``A``: the accreditation bonus, when the criteria did not already require it."""
    if weights.social_aid_bonus <= 0 or criteria.social_aid:
        return None
    return {"filter": term(f.SOCIAL_AID, True), "weight": 1.0 + weights.social_aid_bonus}


def price_function(criteria: Criteria, weights: Weights) -> Clause | None:
    """``P``: cheaper than the budget (or the profile's reference) is better."""
    if weights.price_weight <= 0:
        return None
    reference = criteria.max_monthly_price_eur or weights.reference_monthly_price_eur
    params = {
        "price": f"{f.BASE_PRICE_MONTHLY}.{price_key(criteria)}",
        "reference_eur": float(reference),
        "price_weight": float(weights.price_weight),
    }
    return {"script_score": {"script": {"source": PRICE_SCRIPT, "params": params}}}


def practice_function(criteria: Criteria, weights: Weights) -> Clause | None:
    """``L``: units that are not private practices, when the words prefer them."""
    if not criteria.prefer_private_practice or weights.private_practice_weight <= 0:
        return None
    return {
        "filter": {"bool": {"must_not": [term(f.CHAMP, PRIVATE_PRACTICE)]}},
        "weight": 1.0 - weights.private_practice_weight,
    }


def score_functions(criteria: Criteria, weights: Weights, now: datetime) -> list[Clause]:
    functions = (
        distance_function(criteria, weights),
        capacity_function(criteria, weights, now),
        social_aid_function(criteria, weights),
        price_function(criteria, weights),
        practice_function(criteria, weights),
    )
    return [function for function in functions if function is not None]


def ranked(query: Clause, criteria: Criteria, weights: Weights, now: datetime) -> Clause:
    """``query`` scored by the ranking model (a constant 1 when no factor applies)."""
    functions = score_functions(criteria, weights, now)
    if not functions:
        return {"constant_score": {"filter": query, "boost": 1.0}}
    return {
        "function_score": {
            "query": query,
            "functions": functions,
            "score_mode": "multiply",
            "boost_mode": "replace",
        }
    }
