"""The scenario mix and its queries: many distinct, seeded queries per scenario (issue 3 §6).

Places are drawn from the gazetteer's communes weighted by population, so big cities come up
as often as they do in real referral traffic; ages, budgets and codes vary within realistic
ranges. The same queries go to the engine, the brute-force baseline and the HTTP server
(:func:`request_body` is the ``POST /v1/referrals/search`` body of a query).

Facets (``facets: true``, a scan of every unit within the radius used) are asked for by the
child psychologist scenario, the public search page that shows filters beside its results; the
referral, emergency, home-care and broad scenarios are apps that take the ranked units only.

"Trauma-capable site with an available ICU bed": an offer is one unit, and the criteria have
no join between units of one site, so the scenario asks for surgical or polyvalent intensive
care (R211 122, 127: the ICUs that take trauma patients) with a bed available now.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ror.criteria import CODE_FIELDS, BedNeed, Criteria
from ror.geo import Commune, gazetteer

# The most common activity codes of the national mix (R211): AVQ support, somatic care,
# general practice, nursing. A broad query asks for one of them, nationwide, nearest 20.
COMMON_ACTIVITIES: Final = ("293", "285", "437", "287")
TRAUMA_ICU_ACTIVITIES: Final = ("122", "127")  # R211 réanimation chirurgicale, polyvalente
JITTER_KM: Final = 5.0  # a lat/lon query falls within this distance of a commune point


class Towns:
    """Communes to draw from, weighted by population."""

    def __init__(self, communes: Sequence[Commune]) -> None:
        self.communes = [c for c in communes if c.population > 0]
        self.cumulative = list(itertools.accumulate(c.population for c in self.communes))

    @classmethod
    def national(cls) -> Towns:
        return cls(gazetteer().communes())

    def pick(self, rng: random.Random) -> Commune:
        return rng.choices(self.communes, cum_weights=self.cumulative, k=1)[0]


def near(rng: random.Random, town: Commune, km: float = JITTER_KM) -> tuple[float, float]:
    """A point uniformly within ``km`` of the commune's point."""
    r = km * math.sqrt(rng.random())
    bearing = rng.uniform(0.0, 2.0 * math.pi)
    dlat = r * math.cos(bearing) / 111.2
    dlon = r * math.sin(bearing) / (111.2 * max(math.cos(math.radians(town.lat)), 0.01))
    return round(town.lat + dlat, 5), round(town.lon + dlon, 5)


# --- the scenarios -------------------------------------------------------------------------


def ehpad_near_city(rng: random.Random, towns: Towns) -> Criteria:
    """EHPAD near a city: permanent stay, social-aid accredited, within a monthly budget."""
    return Criteria(
        place=towns.pick(rng).name,
        profile="nursing_home",
        offer_type=("21",),  # R244 EHPAD (hébergement pour personnes âgées dépendantes)
        reception="permanent",
        social_aid=True,
        max_monthly_price_eur=float(rng.randrange(1900, 2501, 50)),
        age=rng.randint(68, 98),
        facets=False,
    )


def child_psychologist(rng: random.Random, towns: Towns) -> Criteria:
    """A psychologist seeing children, near a postcode."""
    town = towns.pick(rng)
    return Criteria(
        place=rng.choice(town.postcodes) if town.postcodes else town.insee,
        profile="consultation",
        professions=("93",),  # G15 psychologue
        age=rng.randint(3, 15),
        facets=True,  # a public search page shows its filters
    )


def emergency_icu_bed(rng: random.Random, towns: Towns) -> Criteria:
    """Emergency profile: trauma-capable intensive care with a bed available now, by lat/lon."""
    lat, lon = near(rng, towns.pick(rng))
    return Criteria(
        lat=lat,
        lon=lon,
        profile="emergency",
        activity=TRAUMA_ICU_ACTIVITIES,
        beds=BedNeed(nature="01", min_available=1),
        age=rng.randint(16, 90),
        facets=False,
    )


def home_care_by_zone(rng: random.Random, towns: Towns) -> Criteria:
    """Home nursing care where the patient lives: matched by intervention zone (INSEE code)."""
    return Criteria(
        place=towns.pick(rng).insee,
        care_mode=("49",),  # R213 sur les lieux de vie
        activity=("287",),  # R211 soins infirmiers
        age=rng.randint(62, 97),
        facets=False,
    )


def broad_nearest_20(rng: random.Random, towns: Towns) -> Criteria:
    """One common code, no radius: the nearest 20 nationwide."""
    lat, lon = near(rng, towns.pick(rng))
    return Criteria(
        lat=lat, lon=lon, activity=(rng.choice(COMMON_ACTIVITIES),), limit=20, facets=False
    )


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    make: Callable[[random.Random, Towns], Criteria]


SCENARIOS: Final = (
    Scenario(
        "ehpad_near_city",
        "EHPAD near a city (permanent, social aid, <= budget)",
        ehpad_near_city,
    ),
    Scenario("child_psychologist", "Child psychologist near a postcode", child_psychologist),
    Scenario(
        "emergency_icu_bed",
        "Emergency: trauma ICU, bed available, by lat/lon",
        emergency_icu_bed,
    ),
    Scenario("home_care_zone", "Home care by intervention zone", home_care_by_zone),
    Scenario("broad_nearest_20", "Broad: one common code, nearest 20", broad_nearest_20),
)


def generate_queries(
    per_scenario: int, seed: int, towns: Towns | None = None
) -> dict[str, list[Criteria]]:
    """``per_scenario`` distinct queries for each scenario, the same for a given seed."""
    towns = towns or Towns.national()
    out: dict[str, list[Criteria]] = {}
    for scenario in SCENARIOS:
        rng = random.Random(f"{seed}:{scenario.name}")
        seen: dict[Criteria, None] = {}
        attempts = 0
        while len(seen) < per_scenario and attempts < per_scenario * 20:
            seen.setdefault(scenario.make(rng, towns), None)
            attempts += 1
        out[scenario.name] = list(seen)
    return out


def interleave(queries: dict[str, list[Criteria]], seed: int) -> list[tuple[str, int]]:
    """(scenario, index) pairs in a seeded shuffled order: the mix as a server would see it."""
    order = [(name, i) for name, items in queries.items() for i in range(len(items))]
    random.Random(f"{seed}:order").shuffle(order)
    return order


# --- the same query over HTTP --------------------------------------------------------------


def request_body(criteria: Criteria) -> dict[str, Any]:
    """The ``POST /v1/referrals/search`` body asking what ``criteria`` asks."""
    body: dict[str, Any] = {}
    if criteria.place is not None:
        body["where"] = {"place": criteria.place}
    elif criteria.has_point:
        body["where"] = {"lat": criteria.lat, "lon": criteria.lon}
    body["profile"] = criteria.profile
    body["limit"] = criteria.limit
    for name in CODE_FIELDS:
        codes = getattr(criteria, name)
        if codes:
            body[name] = list(codes)
    if criteria.radius_km is not None:
        body["radius_km"] = criteria.radius_km
    if criteria.reception is not None:
        body["reception"] = criteria.reception
    if criteria.age is not None:
        body["age"] = criteria.age
    if criteria.beds is not None:
        body["beds"] = {
            "nature": criteria.beds.nature,
            "min_available": criteria.beds.min_available,
        }
        if criteria.beds.gender is not None:
            body["beds"]["gender"] = criteria.beds.gender
    if criteria.social_aid:
        body["social_aid"] = True
    if criteria.max_monthly_price_eur is not None:
        body["max_monthly_price_eur"] = criteria.max_monthly_price_eur
    if criteria.facets:
        body["facets"] = True
    return body
