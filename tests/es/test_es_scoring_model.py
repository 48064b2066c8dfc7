"""The function_score built for a request, evaluated on our documents, is ``ranking.score``.

Evaluated by the semantics the Elasticsearch reference documents (functions multiplied with
``score_mode: multiply``, ``boost_mode: replace``; a function whose ``filter`` does not match
counts 1; ``gauss`` on the point; ``weight``) and a line-by-line Python reading of our two
painless scripts. This checks every parameter and formula against the ranking offline; that
painless runs them the same way is checked against a real cluster in ``test_es_integration``.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pytest

from ror.criteria import BedNeed, Criteria
from ror.geo.distance import great_circle_km
from ror.indexer.synthetic import generate
from ror.model import Offer
from ror.ranking import score, weights_for
from ror.search.elasticsearch.documents import to_document
from ror.search.elasticsearch.scoring import CAPACITY_SCRIPT, PRICE_SCRIPT, score_functions
from tests.es.es_builders import NOW


def field(doc: dict[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def matches(doc: dict[str, Any], clause: dict[str, Any]) -> bool:
    if "term" in clause:
        ((name, value),) = clause["term"].items()
        return bool(field(doc, name) == value)
    if "exists" in clause:
        return field(doc, clause["exists"]["field"]) not in (None, [], {})
    if "bool" in clause and set(clause["bool"]) == {"must_not"}:
        return not any(matches(doc, c) for c in clause["bool"]["must_not"])
    raise AssertionError(f"clause not expected in a score function: {clause}")


def gauss(doc: dict[str, Any], spec: dict[str, Any]) -> float:
    ((name, p),) = spec.items()
    point = field(doc, name)
    d = great_circle_km(p["origin"]["lat"], p["origin"]["lon"], point["lat"], point["lon"])
    offset, scale = float(p["offset"][:-2]), float(p["scale"][:-2])
    sigma_sq = -(scale**2) / (2 * math.log(p["decay"]))
    return math.exp(-(max(0.0, d - offset) ** 2) / (2 * sigma_sq))


def capacity_script(doc: dict[str, Any], params: dict[str, Any]) -> float:
    credit = 0.0
    since = field(doc, params["since"])
    if since is not None:
        n = field(doc, params["free"]) or 0
        updated = datetime.fromisoformat(since).timestamp() * 1000
        hours = max(0.0, (params["now_ms"] - updated) / 3600000.0)
        fresh = 0.5 ** (hours / params["half_life_hours"])
        if hours > params["stale_after_hours"]:
            fresh *= params["stale_capacity_factor"]
        credit = (1.0 - math.exp(-n / params["capacity_saturation_beds"])) * fresh
    k = 1.0
    if params["capacity_weight"] > 0:
        k = 1.0 - params["capacity_weight"] * (1.0 - credit)
    if params["size_weight"] > 0:
        installed = field(doc, params["installed"]) or 0
        k *= 1.0 + params["size_weight"] * (
            1.0 - math.exp(-installed / params["size_saturation_beds"])
        )
    return k


def price_script(doc: dict[str, Any], params: dict[str, Any]) -> float:
    price = field(doc, params["price"])
    if price is None:
        return 1.0
    cheapness = 1.0 - price / params["reference_eur"]
    return float(1.0 + params["price_weight"] * min(1.0, max(0.0, cheapness)))


SCRIPTS = {CAPACITY_SCRIPT: capacity_script, PRICE_SCRIPT: price_script}


def function_score(doc: dict[str, Any], functions: list[dict[str, Any]]) -> float:
    total = 1.0
    for function in functions:
        if "filter" in function and not matches(doc, function["filter"]):
            continue
        if "gauss" in function:
            total *= gauss(doc, function["gauss"])
        elif "script_score" in function:
            script = function["script_score"]["script"]
            total *= SCRIPTS[script["source"]](doc, script["params"])
        else:
            total *= function["weight"]
    return total


@pytest.fixture(scope="module")
def sample() -> list[tuple[Offer, dict[str, Any]]]:
    return [(offer, to_document(offer, NOW)) for offer in generate(300, 11, now=NOW)]


CRITERIA = [
    Criteria(lat=43.6045, lon=1.444),
    Criteria(lat=43.6045, lon=1.444, profile="emergency"),
    Criteria(lat=45.76, lon=4.83, profile="emergency", beds=BedNeed(gender="01")),
    Criteria(lat=48.85, lon=2.35, profile="nursing_home", reception="permanent"),
    Criteria(
        lat=48.85, lon=2.35, profile="nursing_home", social_aid=True, max_monthly_price_eur=2500
    ),
    Criteria(lat=43.3, lon=5.37, profile="nursing_home", beds=BedNeed(nature="02"), age=55),
    Criteria(lat=43.6045, lon=1.444, profile="consultation", precision="city", commune="31555"),
    Criteria(
        lat=47.2, lon=-1.55, profile="default", beds=BedNeed(min_available=2), precision="street"
    ),
]


@pytest.mark.parametrize("criteria", CRITERIA)
def test_the_function_score_is_the_ranking_score(
    sample: list[tuple[Offer, dict[str, Any]]], criteria: Criteria
) -> None:
    weights = weights_for(criteria.profile)
    functions = score_functions(criteria, weights, NOW)
    assert criteria.lat is not None and criteria.lon is not None
    for offer, doc in sample:
        distance = great_circle_km(criteria.lat, criteria.lon, offer.place.lat, offer.place.lon)
        want = score(offer, criteria, distance_km=distance, now=NOW, weights=weights).score
        assert function_score(doc, functions) == pytest.approx(want, rel=1e-9), offer.id
