"""The referral query in one Elasticsearch request: hard criteria in ``bool.filter``, the ranking
model as ``function_score``, a ``geo_distance`` radius that grows like the pipeline's.

The pipeline (``pipeline.py``) ranks in Python over the engine's candidate stream, the same way
for both engines. This module is the native alternative for a cluster: Elasticsearch filters and
scores every unit itself and returns the best ones, which are then confirmed with
``ranking.check`` and re-scored with ``ranking.score`` (Elasticsearch scores are 32-bit floats;
the explanations are rebuilt from the returned documents). It stops widening as the pipeline
does: once the last kept score beats the ranking's upper bound beyond the radius.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from ror.criteria import Criteria
from ror.mappings import fields as f
from ror.mappings.dsl import Clause
from ror.model import Offer
from ror.ranking import check, explain, score, score_upper_bound, weights_for
from ror.ranking.weights import Weights
from ror.search.elasticsearch.candidates import distance_sort
from ror.search.elasticsearch.filters import audience_filter, hard_filters
from ror.search.elasticsearch.scoring import ranked

RADIUS_STEPS_KM: Final = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)
PAGE: Final = 100


def referral_body(
    criteria: Criteria,
    *,
    now: datetime,
    radius_km: float | None,
    zone_keys: Iterable[str] = (),
    size: int = PAGE,
    weights: Weights | None = None,
) -> dict[str, Any]:
    """One page of the best eligible units within ``radius_km`` (zone matches at any
    distance), best first: score, then distance, then id, as the pipeline orders."""
    weights = weights or weights_for(criteria.profile)
    named = hard_filters(criteria, now=now, radius_km=radius_km, patient_zone_keys=zone_keys)
    filters = [clause for _, clause in named]
    audience = audience_filter(criteria.audience.sensitive_champs)
    if audience is not None:
        filters.append(audience)
    sort: list[Clause] = [{"_score": {"order": "desc"}}]
    if criteria.lat is not None and criteria.lon is not None:
        sort += distance_sort((criteria.lat, criteria.lon))
    else:
        sort.append({f.ID: "asc"})
    return {
        "size": size,
        "query": ranked({"bool": {"filter": filters}}, criteria, weights, now),
        "sort": sort,
        "track_total_hits": True,
    }


@dataclass(frozen=True, slots=True)
class NativeMatch:
    offer: Offer
    distance_km: float | None
    score: float  # ranking.score, exact
    es_score: float  # what the function_score computed
    explain: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NativeRanking:
    matches: tuple[NativeMatch, ...]
    radius_km: float | None


def radius_steps(criteria: Criteria) -> tuple[float | None, ...]:
    if criteria.lat is None or criteria.lon is None or criteria.area:
        return (None,)  # no point, or a territory counted whole
    if criteria.radius_km is not None:
        return (criteria.radius_km,)
    return (*RADIUS_STEPS_KM, None)


Hits = Callable[[dict[str, Any]], Iterable[Mapping[str, Any]]]
Read = Callable[[Mapping[str, Any]], Offer]
Measure = Callable[[Offer], float | None]


def native_ranking(
    hits_of: Hits,
    criteria: Criteria,
    *,
    now: datetime,
    zone_keys: frozenset[str],
    distance_of: Measure,
    read: Read,
) -> NativeRanking:
    """The best ``offset + limit`` units. ``hits_of(body)`` iterates the hits of a sorted
    search, ``read(source)`` rebuilds an Offer, ``distance_of(offer)`` measures it."""
    wanted = criteria.offset + criteria.limit
    weights = weights_for(criteria.profile)
    kept: list[NativeMatch] = []
    radius: float | None = None
    for radius in radius_steps(criteria):
        body = referral_body(
            criteria, now=now, radius_km=radius, zone_keys=zone_keys, size=PAGE, weights=weights
        )
        hits = hits_of(body)
        kept = list(_confirmed(hits, criteria, now, zone_keys, weights, wanted, distance_of, read))
        if radius is None or _certain(kept, wanted, score_upper_bound(radius, criteria, weights)):
            break
    kept.sort(key=lambda m: (-m.score, m.distance_km or 0.0, m.offer.id))
    return NativeRanking(tuple(kept[criteria.offset : wanted]), radius)


def _certain(kept: list[NativeMatch], wanted: int, bound: float) -> bool:
    """No unit beyond the radius can enter the first ``wanted``."""
    if len(kept) < wanted:
        return False
    best = sorted(m.score for m in kept)[::-1]
    return wanted == 0 or best[wanted - 1] > bound


def _confirmed(
    hits: Iterable[Mapping[str, Any]],
    criteria: Criteria,
    now: datetime,
    zone_keys: frozenset[str],
    weights: Weights,
    wanted: int,
    distance_of: Measure,
    read: Read,
) -> Iterator[NativeMatch]:
    """Eligible units in Elasticsearch's order, until ``wanted`` are found and no later hit
    can beat the last one (hits come best first, up to float rounding)."""
    found = 0
    last_es = None
    for hit in hits:
        es_score = float(hit["_score"])
        if found >= wanted and last_es is not None and es_score < last_es * (1 - 1e-5):
            return
        offer = read(hit["_source"])
        distance = distance_of(offer)
        if check(offer, criteria, now=now, patient_zone_keys=zone_keys, distance_km=distance):
            continue
        scored = score(offer, criteria, distance_km=distance, now=now, weights=weights)
        sentences = explain(offer, criteria, scored, distance_km=distance, now=now)
        found += 1
        if found == wanted:
            last_es = es_score
        yield NativeMatch(offer, distance, scored.score, es_score, sentences)
