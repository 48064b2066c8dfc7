"""Offers built by hand for the search tests: ``make_offer(**changes)`` with sensible defaults."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from ror.criteria import BedNeed, Criteria, EquipmentNeed
from ror.geo import near_france
from ror.model import Capacity, Establishment, Offer, Place, Zone

NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)

# (lat, lon, commune, département, région)
TOULOUSE = (43.6045, 1.4440, "31555", "31", "76")
BLAGNAC = (43.6370, 1.3900, "31069", "31", "76")
MURET = (43.4617, 1.3267, "31395", "31", "76")
ALBI = (43.9289, 2.1464, "81004", "81", "76")
BORDEAUX = (44.8378, -0.5792, "33063", "33", "75")
PARIS = (48.8566, 2.3522, "75056", "75", "11")


def place(where: tuple[float, float, str, str, str] = TOULOUSE, **kw: Any) -> Place:
    lat, lon, commune, dept, region = where
    return Place(lat=lat, lon=lon, commune=commune, departement=dept, region=region, **kw)


def beds(
    available: int,
    *,
    location_id: str = "",
    nature: str = "01",
    gender: str | None = None,
    updated_at: datetime = NOW - timedelta(minutes=20),
    status: str = "02",
) -> Capacity:
    return Capacity(
        nature=nature,
        status=status,
        temporality="01",
        count=available,
        updated_at=updated_at,
        gender=gender,
        location_id=location_id,
    )


def make_offer(id: str = "hs-1", **kw: Any) -> Offer:
    """An offer with defaults; ``where=`` picks a place tuple, ``est=`` overrides the EG."""
    where = kw.pop("where", TOULOUSE)
    est = kw.pop("est", {})
    defaults: dict[str, Any] = {
        "name": f"Unité {id}",
        "establishment": Establishment(id=f"eg-{id}", name=f"Établissement {id}", **est),
        "place": place(where),
        "activity": ("126",),
        "offer_type": ("121",),
        "champ": ("01",),
        "care_mode": ("28",),
    }
    defaults.update(kw)
    return Offer(id=id, **defaults)


def zone(code: str, type: str = "3") -> Zone:
    return Zone(code=code, type=type)


TERRITORIES = ("Haute-Garonne", "13", "Bretagne", "Occitanie", "974")
PLACES = (
    *("Toulouse", "31000", "Lyon", "Marseille 13e", "Rennes", "st etienne", "Lille", "Brest"),
    *TERRITORIES,
)
PROFILES = ("default", "emergency", "nursing_home", "consultation")


def random_criteria(rng: random.Random, offers: list[Offer]) -> Criteria:
    """A plausible request: codes of a real offer, a place, a few hard criteria."""
    model = rng.choice(offers)
    kw: dict[str, object] = {"profile": rng.choice(PROFILES), "limit": rng.randint(1, 15)}
    kw["offset"] = rng.choice((0, 0, 0, 3))
    field = rng.choice(("activity", "offer_type", "offer_type", "champ", "none"))
    codes = getattr(model, field, ())
    if codes:
        kw[field] = (rng.choice(codes),)
    if rng.random() < 0.5:
        kw["place"] = rng.choice(PLACES)
    else:
        anchor = rng.choice(offers).place
        lat, lon = anchor.lat + rng.uniform(-0.3, 0.3), anchor.lon + rng.uniform(-0.3, 0.3)
        if not near_france(lat, lon):  # out at sea: a search there is refused
            lat, lon = anchor.lat, anchor.lon
        kw["lat"], kw["lon"] = lat, lon
    if rng.random() < 0.3 and kw.get("place") not in TERRITORIES:  # a territory is searched whole
        kw["radius_km"] = rng.choice((5.0, 20.0, 60.0, 250.0))
    if rng.random() < 0.3:
        kw["age"] = rng.choice((4, 8, 15, 40, 85))
    if rng.random() < 0.2:
        kw["reception"] = rng.choice(("permanent", "temporary"))
    if rng.random() < 0.15:
        kw["social_aid"] = True
    if rng.random() < 0.15:
        kw["max_monthly_price_eur"] = rng.choice((1800.0, 2500.0))
    if rng.random() < 0.2:
        kw["beds"] = BedNeed(
            nature=rng.choice(("01", "02")), gender=rng.choice((None, None, "01", "02"))
        )
    if rng.random() < 0.05:
        kw["equipment"] = (EquipmentNeed("088", "001", 200.0),)
    return Criteria(**kw)  # type: ignore[arg-type]


def colocated_cases(offers: list[Offer]) -> list[Criteria]:
    """Searches with co-located requirements near establishments that have offers of two
    activities: the first activity asked with the second co-located (met there, missed by
    most establishments around: near-misses), then with a co-located offer type too, within a
    radius; and an emergency search for ICU establishments."""
    by_eg: dict[str, list[Offer]] = {}
    for offer in offers:
        if offer.activity and offer.offer_type and not offer.home_based:
            by_eg.setdefault(offer.establishment.id, []).append(offer)
    pairs: list[tuple[Offer, Offer]] = []
    for eg in sorted(by_eg):
        units = by_eg[eg]
        for a in units:
            b = next((u for u in units if u.activity[0] != a.activity[0]), None)
            if b is not None:
                pairs.append((a, b))
                break
    cases: list[Criteria] = []
    for a, b in pairs[:: max(1, len(pairs) // 4)][:4]:
        near = Criteria(lat=a.place.lat, lon=a.place.lon, activity=(a.activity[0],))
        with_b = ("activity", (b.activity[0],))
        cases.append(near.with_(colocated=(with_b,)))
        both = (with_b, ("offer_type", b.offer_type[:1]))
        cases.append(near.with_(radius_km=60.0, colocated=both))
    first = pairs[0][0] if pairs else offers[0]
    cases.append(
        Criteria(
            lat=first.place.lat,
            lon=first.place.lon,
            profile="emergency",
            colocated=(("activity", ("126", "127")),),
        )
    )
    return cases
