"""Every ranking weight, per search profile, in one place (see ``scoring.py`` for the formula).

A profile is a frozen :class:`Weights`. Factors are multiplied (Elasticsearch ``function_score``
with ``score_mode: multiply``), so each weight below says how far its factor can move a score:
penalties live in ``[1 - w, 1]``, bonuses in ``[1, 1 + w]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from ror.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Weights:
    """The tunables of one search profile. Units are in the names."""

    profile: str

    # Distance: Elasticsearch ``gauss`` decay on the offer's point. Within ``offset`` a unit
    # loses nothing; at ``offset + scale`` its distance factor is ``decay``.
    distance_offset_km: float
    distance_scale_km: float
    distance_decay: float

    # Free capacity of the needed kind. A unit with no free bed keeps ``1 - capacity_weight`` of
    # its score; 0 means capacity does not rank at all.
    capacity_weight: float
    # Saturation of free capacity: n free beds count for ``1 - exp(-n / saturation)``.
    capacity_saturation_beds: float
    # Score capacity even when the criteria ask for no beds (the profile values it).
    capacity_when_not_asked: bool
    # Bed nature (R329: 01 Lit, 02 Place) scored when the criteria ask for no beds.
    implicit_bed_nature: str

    # Freshness of the capacity figure: its weight halves every ``half_life`` hours…
    freshness_half_life_hours: float
    # …and a figure older than this is flagged stale…
    stale_after_hours: float
    # …and its capacity contribution is further multiplied by this factor (0: a stale figure
    # is treated as unknown, worth no more than a full unit).
    stale_capacity_factor: float

    # Size (installed beds of the needed nature): at most ``size_weight`` bonus, saturating.
    size_weight: float
    size_saturation_beds: float

    # Soft preference: establishment accredited for social aid (R241 02) when not required.
    social_aid_bonus: float
    # Soft preference: cheaper monthly price. Bonus ``price_weight × (1 - price / reference)``
    # where reference is the caller's budget, or ``reference_monthly_price_eur`` without one.
    price_weight: float
    reference_monthly_price_eur: float
    # Soft preference, when the words ask for it ("libéral", "cabinet", "pédiatre"): a unit that
    # is not a private practice (champ R227 05) keeps ``1 - private_practice_weight``.
    private_practice_weight: float


DEFAULT: Final = Weights(
    profile="default",
    distance_offset_km=2.0,  # a couple of km is "here"
    distance_scale_km=25.0,  # halved score at 27 km
    distance_decay=0.5,
    capacity_weight=0.5,  # only when beds are asked: a full unit keeps half its score
    capacity_saturation_beds=3.0,  # 3 free beds ≈ 63 % of the capacity credit
    capacity_when_not_asked=False,
    implicit_bed_nature="01",
    freshness_half_life_hours=6.0,  # "6 h ago is worth less than 5 min ago" (DESIGN §5)
    stale_after_hours=12.0,
    stale_capacity_factor=0.3,
    size_weight=0.05,  # size only breaks near-ties
    size_saturation_beds=30.0,
    social_aid_bonus=0.0,
    price_weight=0.0,
    reference_monthly_price_eur=2300.0,
    private_practice_weight=0.5,  # a practice at 27 km ties a hospital unit next door
)

EMERGENCY: Final = Weights(
    profile="emergency",
    distance_offset_km=0.0,  # every km counts
    distance_scale_km=30.0,  # halved score at 30 km, an eighth at 52 km
    distance_decay=0.5,
    capacity_weight=0.97,  # a full (or unknown) unit keeps only 3 % of its score
    capacity_saturation_beds=2.0,  # 1 free bed ≈ 39 % of the credit, 3 ≈ 78 %
    capacity_when_not_asked=True,  # free beds matter even when not made a hard criterion
    implicit_bed_nature="01",  # Lit
    freshness_half_life_hours=4.0,  # a 4 h old count is worth half a fresh one
    stale_after_hours=12.0,  # not refreshed since the last shift change: unknown
    stale_capacity_factor=0.0,
    size_weight=0.01,  # size never outweighs a free bed
    size_saturation_beds=20.0,
    social_aid_bonus=0.0,
    price_weight=0.0,
    reference_monthly_price_eur=2300.0,
    private_practice_weight=0.0,
)

NURSING_HOME: Final = Weights(
    profile="nursing_home",
    distance_offset_km=5.0,  # families accept the next town
    distance_scale_km=40.0,  # halved score at 45 km
    distance_decay=0.5,
    capacity_weight=0.2,  # places available matter less than fit and price
    capacity_saturation_beds=2.0,
    capacity_when_not_asked=True,
    implicit_bed_nature="02",  # médico-social counts "places"
    freshness_half_life_hours=72.0,  # EHPAD places change slowly
    stale_after_hours=24.0 * 14,
    stale_capacity_factor=0.5,
    size_weight=0.03,
    size_saturation_beds=80.0,
    social_aid_bonus=0.15,  # accredited homes stay open to families who may need aid later
    price_weight=0.3,  # a home at half the budget gets +15 %
    reference_monthly_price_eur=2300.0,  # order of the national median EHPAD base price
    private_practice_weight=0.0,
)

CONSULTATION: Final = Weights(
    profile="consultation",
    distance_offset_km=1.0,  # a city trip
    distance_scale_km=8.0,  # halved score at 9 km
    distance_decay=0.5,
    capacity_weight=0.0,  # capacity is irrelevant for an appointment
    capacity_saturation_beds=1.0,
    capacity_when_not_asked=False,
    implicit_bed_nature="02",
    freshness_half_life_hours=24.0,
    stale_after_hours=48.0,
    stale_capacity_factor=1.0,
    size_weight=0.0,
    size_saturation_beds=1.0,
    social_aid_bonus=0.0,
    price_weight=0.0,
    reference_monthly_price_eur=2300.0,
    private_practice_weight=0.6,  # a practice at 10 km ties a hospital unit next door
)

PROFILE_WEIGHTS: Final = MappingProxyType(
    {w.profile: w for w in (DEFAULT, EMERGENCY, NURSING_HOME, CONSULTATION)}
)


# How far the searched point may be from the patient, by precision of the place (DESIGN §5),
# added to every profile's ``distance_offset_km``: a street is a few hundred metres, a commune
# centre a few km (``ror.geo.precision`` estimates 0.5 km and, per département, 1.3 to 35 km;
# a constant here keeps the embedded and Elasticsearch scores identical).
PRECISION_UNCERTAINTY_KM: Final = MappingProxyType({"exact": 0.0, "street": 0.3, "city": 3.0})


def weights_for(profile: str) -> Weights:
    """The weights of a profile ("default", "emergency", "nursing_home", "consultation")."""
    try:
        return PROFILE_WEIGHTS[profile]
    except KeyError:
        known = ", ".join(PROFILE_WEIGHTS)
        raise InvalidInput(f"profil inconnu {profile!r} (connus : {known})", "profile") from None
