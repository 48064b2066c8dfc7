r"""Score an eligible offer: a product of factors, one per concern (weights in ``weights.py``).

The score is the product of the factors present in ``Scored.parts`` (an absent factor is 1),
the same model as an Elasticsearch ``function_score`` with ``score_mode: multiply`` and
``boost_mode: replace``::

    score = D(d) · K · S · A · P · L

**Distance** ``D`` — ES ``gauss`` decay on the offer's point, with
``o = distance_offset_km + PRECISION_UNCERTAINTY_KM[criteria.precision]`` (0 km exact, 0.3 km
street, 3 km city: :func:`distance_offset_km`),
``s = distance_scale_km``, ``δ = distance_decay``::

    D(d) = exp( -max(0, d - o)² / (2σ²) ),   σ² = -s² / (2 ln δ)      so D(o + s) = δ

``D = 1`` when the search has no point (``distance_km is None``) and for a home-based offer
(``offer.home_based``) when the patient's commune or territory is known
(``criteria.has_zone``): such offers are matched by intervention zone, not by distance.

**Capacity × freshness** ``K`` — scored when the criteria ask for beds (``criteria.beds``) or the
profile scores capacity anyway (``capacity_when_not_asked``, with ``implicit_bed_nature``), and
present in ``parts`` when ``capacity_weight > 0``. With ``n`` the free beds of the needed kind
and ``a`` the age in hours of that figure (``beds.available_beds``: its oldest counter with
free beds)::

    C = 1 - exp(-n / capacity_saturation_beds)                      free-capacity credit, [0, 1)
    F = 2^(-a / freshness_half_life_hours) · (stale_capacity_factor if a > stale_after_hours)
    K = 1 - capacity_weight · (1 - C · F)                           in [1 - capacity_weight, 1]

(``a`` is clamped at 0 for clocks ahead of ours.) A count older than ``stale_after_hours`` is
flagged ``Scored.stale``; with ``stale_capacity_factor`` 0 it earns no credit, as an unknown
one. In ES: a ``script_score`` on the denormalised available count and
its ``updated_at`` (or an ``exp`` decay on ``updated_at`` with ``scale = half-life`` and
``decay = 0.5`` inside the script).

No ``K`` and no ``S`` for an audience without access to capacities
(``criteria.audience.capacities`` false): :func:`bed_need` is then None whatever the profile.

**Size** ``S = 1 + size_weight · (1 - exp(-installed / size_saturation_beds))``, with the
installed beds (R330 01, current) of the nature of the bed need (asked or implicit, as for
``K``); present when there is a bed need and ``size_weight > 0``.

**Soft preferences** (ES ``filter`` + ``weight`` functions):
``A = 1 + social_aid_bonus`` when the EG is accredited for social aid and it was not required;
``P = 1 + price_weight · clamp(1 - m / r, 0, 1)`` with ``m`` the monthly price families compare
(``prices.family_price``: selected accommodation plus GIR 5-6 dependency) and ``r`` the budget
(``max_monthly_price_eur``) or ``reference_monthly_price_eur``; present when
``price_weight > 0`` and a price is known.

**Private practice first** (``criteria.prefer_private_practice``, from words such as "libéral"
or "pédiatre"): ``L = 1 - private_practice_weight`` for a unit that is not a private practice
(champ R227 ``05`` Ambulatoire); absent otherwise. A penalty, so every bound below (which leaves
it at 1) stays a bound.

:func:`score_upper_bound` is ``D(d) · 1 · (1 + size_weight) · A_max · (1 + price_weight)``
(the size term only with a bed need, ``A_max`` is 1 when social aid is required),
multiplied in the same order as :func:`score`, so float rounding keeps it a true bound.

:func:`score_upper_bounds` bounds each of many units from a few facts about it
(:class:`UnitFacts`: its distance, social-aid accreditation, the cheapest price it could
charge, its free and installed beds), factor by factor as above with each fact at its most
favourable value, multiplied in the same order with the same IEEE operations. A fact known
exactly gives the exact factor, so the bound of a unit whose facts are all exact is its score:
a search can then skip every unit whose bound cannot reach its page without reading it. Only
``exp`` and ``pow`` may differ in the last bit between numpy and ``math``: a bound that used
them (a unit beyond the distance offset, with free or installed beds) is raised by
``BOUND_MARGIN``; the others are exact, ties included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ror.criteria import BedNeed, Criteria
from ror.model import Offer
from ror.ranking.beds import available_beds, installed_beds
from ror.ranking.hours import local
from ror.ranking.prices import family_monthly_eur
from ror.ranking.weights import PRECISION_UNCERTAINTY_KM, Weights

_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Scored:
    """A score and its factors (``score == product of parts.values()``)."""

    score: float
    parts: dict[str, float] = field(default_factory=dict)
    stale: bool = False  # the capacity figure is older than the profile's stale_after_hours
    freshness_hours: float | None = None  # age of that figure (``beds.available_beds``)


def bed_need(criteria: Criteria, weights: Weights) -> BedNeed | None:
    """The beds to score: those asked, else the profile's implicit need, else None.

    None for an audience that may not see capacities (``criteria.audience.capacities``): the
    order of its answers must not reveal free or installed beds (ROR-MODEL §8, profiles 0, 5).
    """
    if not criteria.audience.capacities:
        return None
    if criteria.beds is not None:
        return criteria.beds
    if weights.capacity_when_not_asked:
        return BedNeed(nature=weights.implicit_bed_nature, min_available=0)
    return None


def gauss_sigma_sq(weights: Weights) -> float:
    """σ² of the distance gauss, ES style: D(offset + scale) = decay."""
    return -(weights.distance_scale_km**2) / (2.0 * math.log(weights.distance_decay))


def distance_offset_km(criteria: Criteria, weights: Weights) -> float:
    """The gauss offset ``o``: the profile's offset plus the place's uncertainty."""
    return weights.distance_offset_km + PRECISION_UNCERTAINTY_KM.get(criteria.precision, 0.0)


def distance_factor(distance_km: float, criteria: Criteria, weights: Weights) -> float:
    """The gauss decay ``D`` of the module docstring."""
    offset = distance_offset_km(criteria, weights)
    excess = max(0.0, distance_km - offset)
    return math.exp(-(excess * excess) / (2.0 * gauss_sigma_sq(weights)))


def matched_by_zone(offer: Offer, criteria: Criteria) -> bool:
    """A home-based offer searched for a known commune is matched by zone, not distance."""
    return offer.home_based and criteria.has_zone


def score(
    offer: Offer,
    criteria: Criteria,
    *,
    distance_km: float | None,
    now: datetime,
    weights: Weights,
) -> Scored:
    """The blended score of an (eligible) offer, with its factors; see the module docstring."""
    parts: dict[str, float] = {}
    if distance_km is not None and not matched_by_zone(offer, criteria):
        parts["distance"] = distance_factor(distance_km, criteria, weights)
    else:
        parts["distance"] = 1.0

    stale = False
    freshness_hours: float | None = None
    need = bed_need(criteria, weights)
    if need is not None:
        count, updated = available_beds(offer, need)
        credit = 0.0
        if updated is not None:
            freshness_hours = max(0.0, (now - updated) / _HOUR)
            stale = freshness_hours > weights.stale_after_hours
            fresh = 0.5 ** (freshness_hours / weights.freshness_half_life_hours)
            if stale:
                fresh *= weights.stale_capacity_factor
            credit = (1.0 - math.exp(-count / weights.capacity_saturation_beds)) * fresh
        if weights.capacity_weight > 0:
            parts["capacity"] = 1.0 - weights.capacity_weight * (1.0 - credit)
        if weights.size_weight > 0:
            installed = installed_beds(offer, need.nature)
            saturation = 1.0 - math.exp(-installed / weights.size_saturation_beds)
            parts["size"] = 1.0 + weights.size_weight * saturation

    if weights.social_aid_bonus > 0 and not criteria.social_aid and offer.establishment.social_aid:
        parts["social_aid"] = 1.0 + weights.social_aid_bonus

    if weights.price_weight > 0:
        monthly = family_monthly_eur(offer, criteria, local(offer, now).date())
        if monthly is not None:
            reference = criteria.max_monthly_price_eur or weights.reference_monthly_price_eur
            cheapness = min(1.0, max(0.0, 1.0 - monthly / reference))
            parts["price"] = 1.0 + weights.price_weight * cheapness

    if (
        criteria.prefer_private_practice
        and weights.private_practice_weight > 0
        and PRIVATE_PRACTICE not in offer.champ
    ):
        parts["practice"] = 1.0 - weights.private_practice_weight

    return Scored(_product(parts), parts, stale, freshness_hours)


PRIVATE_PRACTICE: Final = "05"  # R227 Ambulatoire: cabinets de ville, centres de santé
_ORDER = ("distance", "capacity", "size", "social_aid", "price", "practice")


def _product(parts: dict[str, float]) -> float:
    total = 1.0
    for name in _ORDER:
        total *= parts.get(name, 1.0)
    return total


def score_upper_bound(distance_km: float, criteria: Criteria, weights: Weights) -> float:
    """The best score any offer at ``distance_km`` or farther can get (not zone-matched ones).

    Home-based offers matched by zone have ``D = 1`` at any distance: collect them by zone, not
    by a growing radius.
    """
    beds = bed_need(criteria, weights) is not None
    best = {
        "distance": distance_factor(distance_km, criteria, weights),
        "capacity": 1.0,
        "size": 1.0 + weights.size_weight if beds else 1.0,
        "social_aid": 1.0 + weights.social_aid_bonus if not criteria.social_aid else 1.0,
        "price": 1.0 + weights.price_weight,
    }
    return _product(best)


# --- per-unit bounds (many units at once) ----------------------------------------------------

BOUND_MARGIN: Final = 1e-9
_AGE_MARGIN_HOURS: Final = 1e-6  # timestamps as floats: ages a little younger, never older

Floats = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """What bounds the score of each of many units (arrays of one length).

    Each fact is the most favourable value the unit can have: exact when known, else a bound.
    """

    social_aid: NDArray[np.bool_]  # the EG is accredited for social aid (R241 02)
    price_floor: Floats  # <= the monthly price select_price picks; nan: it picks none
    free: Floats  # >= free beds of the bed need (inf: unknown)
    free_since: (
        Floats  # >= epoch of the figure (``beds.available_beds``); nan: no free bed; inf: unknown
    )
    installed: Floats  # >= installed beds of the need's nature (inf: unknown)


def score_upper_bounds(
    distance_km: Floats | None,
    facts: UnitFacts,
    criteria: Criteria,
    weights: Weights,
    now: datetime,
    *,
    by_zone: bool = False,
) -> Floats:
    """An upper bound of :func:`score` for each unit (module docstring).

    ``by_zone``: the units are home-based offers matched by zone (no distance factor).
    """
    n = len(facts.social_aid)
    total = np.ones(n, dtype=np.float64)
    inexact = np.zeros(n, dtype=bool)  # exp or pow used: numpy may differ from math
    if distance_km is not None and not by_zone:
        excess = np.maximum(0.0, distance_km - distance_offset_km(criteria, weights))
        total *= np.exp(-(excess * excess) / (2.0 * gauss_sigma_sq(weights)))
        inexact |= excess != 0.0
    need = bed_need(criteria, weights)
    if need is not None and weights.capacity_weight > 0:
        saturation = 1.0 - np.exp(-facts.free / weights.capacity_saturation_beds)
        hours = np.maximum(0.0, (now.timestamp() - facts.free_since) / 3600.0 - _AGE_MARGIN_HOURS)
        fresh = 0.5 ** (hours / weights.freshness_half_life_hours)
        stale = weights.stale_capacity_factor
        if stale <= 1.0:
            fresh = np.where(hours > weights.stale_after_hours, fresh * stale, fresh)
        else:
            fresh = fresh * stale
        credit = np.where(np.isnan(facts.free_since), 0.0, saturation * fresh)
        total *= 1.0 - weights.capacity_weight * (1.0 - credit)
        inexact |= credit != 0.0
    if need is not None and weights.size_weight > 0:
        installed = 1.0 - np.exp(-facts.installed / weights.size_saturation_beds)
        total *= 1.0 + weights.size_weight * installed
        inexact |= installed != 0.0
    if weights.social_aid_bonus > 0 and not criteria.social_aid:
        total *= np.where(facts.social_aid, 1.0 + weights.social_aid_bonus, 1.0)
    if weights.price_weight > 0:
        reference = criteria.max_monthly_price_eur or weights.reference_monthly_price_eur
        if reference > 0:
            cheapness = np.clip(1.0 - facts.price_floor / reference, 0.0, 1.0)
        else:  # a negative budget: cheapness no longer falls with the price
            cheapness = np.ones(n, dtype=np.float64)
        total *= np.where(np.isnan(facts.price_floor), 1.0, 1.0 + weights.price_weight * cheapness)
    return np.where(inexact, total * (1.0 + BOUND_MARGIN), total)
