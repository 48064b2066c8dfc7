"""Hand-built offers for the referral cases: each case around a centre of its own.

Offers are placed due north of their case's centre at a given distance, with capacity counters
dated relative to the moment the world is built (the server searches at the real time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from ror.model import Capacity, Establishment, Offer, Place, Price

KM_PER_DEGREE_LAT = 111.195
BUILT_AT = datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Centre:
    lat: float
    lon: float
    commune: str
    departement: str
    region: str

    def where(self, radius_km: float = 80.0) -> dict[str, Any]:
        return {"where": {"lat": self.lat, "lon": self.lon}, "radius_km": radius_km}


# Centres at least 150 km apart: a case searching within 80 km sees only its own offers.
TOULOUSE = Centre(43.6045, 1.4440, "31555", "31", "76")
LYON = Centre(45.7578, 4.8320, "69123", "69", "84")
PARIS = Centre(48.8566, 2.3522, "75056", "75", "11")
RENNES = Centre(48.1173, -1.6778, "35238", "35", "53")
STRASBOURG = Centre(48.5734, 7.7521, "67482", "67", "44")
BORDEAUX = Centre(44.8378, -0.5792, "33063", "33", "75")
LILLE = Centre(50.6292, 3.0573, "59350", "59", "32")
NANTES = Centre(47.2184, -1.5536, "44109", "44", "52")
MARSEILLE = Centre(43.2965, 5.3698, "13055", "13", "93")
GRENOBLE = Centre(45.1885, 5.7245, "38185", "38", "84")
DIJON = Centre(47.3220, 5.0415, "21231", "21", "27")
LIMOGES = Centre(45.8336, 1.2611, "87085", "87", "75")
BREST = Centre(48.3904, -4.4861, "29019", "29", "53")


class SharedCodes(TypedDict, total=False):
    """Codes several units of one case have in common (spread into ``unit``)."""

    activity: tuple[str, ...]
    offer_type: tuple[str, ...]
    care_mode: tuple[str, ...]


class HomeCodes(SharedCodes, total=False):
    """The codes, field and minimum age of an EHPAD's units."""

    champ: str
    age_min: int


def counter(
    count: int,
    *,
    age: timedelta,
    status: str = "02",
    gender: str | None = "03",
    nature: str = "01",
    location_id: str = "",
) -> Capacity:
    return Capacity(
        nature=nature,
        status=status,
        temporality="01",
        count=count,
        updated_at=BUILT_AT - age,
        source="02",
        gender=gender if status == "02" else None,
        location_id=location_id,
    )


def free(count: int, *, minutes: float = 0, hours: float = 0, days: float = 0) -> Capacity:
    """One available-beds counter of that age."""
    return counter(count, age=timedelta(minutes=minutes, hours=hours, days=days))


def icu(
    id: str, centre: Centre, km: float, *caps: Capacity, eg: str | None = None, **kw: Any
) -> Offer:
    """An adult ICU (activity 126 Réanimation) ``km`` north of ``centre``."""
    eg = eg or f"eg-{id}"
    fields: dict[str, Any] = {
        "name": f"Réanimation {id}",
        "establishment": Establishment(id=eg, name=f"Hôpital {eg}", finess=None),
        "place": Place(
            lat=centre.lat + km / KM_PER_DEGREE_LAT,
            lon=centre.lon,
            commune=centre.commune,
            departement=centre.departement,
            region=centre.region,
        ),
        "activity": ("126",),
        "offer_type": ("121",),
        "champ": ("01",),
        "care_mode": ("01",),
        "capacities": tuple(caps),
        "location_ids": (f"loc-{id}",),
    }
    fields.update(kw)
    return Offer(id=id, **fields)


def emergency_offers() -> list[Offer]:
    """The offers of the emergency ranking table (``test_referral_emergency``)."""
    return [
        # full unit next door, three fresh beds at 35 km
        icu("full-near", TOULOUSE, 0.9, free(0, minutes=5)),
        icu("three-far", TOULOUSE, 35.0, free(3, minutes=10)),
        # a 3-day-old bed at 43 km, a 54-minute-old one at 52 km
        icu("old-43", LYON, 43.0, free(1, days=3)),
        icu("fresh-52", LYON, 52.0, free(1, minutes=54)),
        # the edge of the trade-off: a bed counted an hour ago at 50 km
        icu("full-0", PARIS, 0.5, free(0, minutes=2)),
        icu("one-50", PARIS, 50.0, free(1, hours=1)),
        # beyond it: at 65 km the nearer full unit wins
        icu("full-1", RENNES, 1.0, free(0, minutes=2)),
        icu("one-65", RENNES, 65.0, free(1, hours=1)),
        # a stale count is no better than none: the nearer wins
        icu("stale-10", STRASBOURG, 1.5, free(10, hours=13)),
        icu("unknown", STRASBOURG, 1.0),
        # more fresh beds a little farther
        icu("two-10", BORDEAUX, 10.0, free(2, minutes=15)),
        icu("one-8", BORDEAUX, 8.0, free(1, minutes=15)),
        # one bed zone, two gender counters of different ages (the quoted one is fresh)
        icu(
            "genders",
            LILLE,
            3.0,
            counter(2, age=timedelta(minutes=1), gender="01"),
            counter(0, age=timedelta(hours=3), gender="02"),
        ),
    ]


def plausibility_offers() -> list[Offer]:
    """A 17-bed ICU (one Location) whose counts the plausibility tests push."""
    loc = "loc-plaus"
    return [
        icu(
            "plaus",
            NANTES,
            2.0,
            counter(17, age=timedelta(hours=2), status="01", location_id=loc),
            counter(2, age=timedelta(hours=2), location_id=loc),
            location_ids=(loc,),
        )
    ]


def unit(id: str, centre: Centre, km: float, *, champ: str = "01", **kw: Any) -> Offer:
    """Any unit ``km`` north of ``centre`` (codes given by ``kw``)."""
    return icu(id, centre, km, champ=(champ,), name=kw.pop("name", f"Unité {id}"), **kw)


def lay_offers() -> list[Offer]:
    """Psychologists and paediatricians around Marseille (``test_referral_lay_terms``)."""
    psychologist: SharedCodes = {"activity": ("289",), "offer_type": ("209",), "care_mode": ("32",)}
    paediatrics: SharedCodes = {"activity": ("088",), "care_mode": ("32",)}
    return [
        unit("psy-hospital", MARSEILLE, 0.3, champ="03", activity=("289",), care_mode=("32",)),
        unit("psy-adults", MARSEILLE, 0.5, champ="05", age_min=18, **psychologist),
        unit("psy-all", MARSEILLE, 3.0, champ="05", **psychologist),
        unit("psy-children", MARSEILLE, 4.0, champ="05", age_min=3, age_max=17, **psychologist),
        unit("paed-ward", MARSEILLE, 0.8, offer_type=("162",), age_max=17, **paediatrics),
        unit("paed-day", MARSEILLE, 1.2, offer_type=("162",), age_max=17, **paediatrics),
        unit("paediatrician", MARSEILLE, 6.0, champ="05", offer_type=("205",), **paediatrics),
    ]


def ehpad_establishment(
    id: str, simple: float, double: float | None, gir56: float
) -> Establishment:
    """An EHPAD's EG with daily accommodation prices per room and its dependency tariffs."""
    prices = [Price("02", "2", simple, condition="01", reception="02", residential_type="02")]
    if double is not None:
        prices.append(
            Price("02", "2", double, condition="01", reception="02", residential_type="01")
        )
    prices += [
        Price("03", "2", gir56, dependency_level="03"),
        Price("03", "2", round(gir56 * 2.35, 2), dependency_level="02"),
        Price("03", "2", round(gir56 * 3.7, 2), dependency_level="01"),
        Price("05", "2", 38.5),
    ]
    return Establishment(id=id, name=f"EHPAD {id}", prices=tuple(prices))


def ehpad_offers() -> list[Offer]:
    """Two EHPAD around Grenoble, one with a day-care unit (``test_referral_prices``)."""
    a = ehpad_establishment("eg-ehpad-a", 65.0, 58.0, 6.10)
    b = ehpad_establishment("eg-ehpad-b", 60.0, None, 7.00)
    home: HomeCodes = {"offer_type": ("21",), "champ": "04", "activity": ("306",), "age_min": 60}
    return [
        unit(
            "ehpad-a", GRENOBLE, 2.0, establishment=a, care_mode=("46",), reception=("02",), **home
        ),
        unit("ehpad-a-day", GRENOBLE, 2.0, establishment=a, care_mode=("47",), **home),
        unit(
            "ehpad-b", GRENOBLE, 4.0, establishment=b, care_mode=("46",), reception=("02",), **home
        ),
    ]


def colocated_offers() -> list[Offer]:
    """Around Dijon: a near hospital without a trauma-capable emergency, a far one with it
    (``test_referral_colocated``)."""
    plain = Establishment(id="eg-ch-plain", name="Centre hospitalier sans déchocage")
    trauma = Establishment(id="eg-chu-trauma", name="CHU avec déchocage")
    return [
        icu("icu-plain", DIJON, 1.0, free(3, minutes=10), establishment=plain),
        unit("ortho-plain", DIJON, 0.5, establishment=plain, activity=("025",)),
        unit("urg-plain", DIJON, 1.0, establishment=plain, activity=("157",), care_mode=("33",)),
        icu("icu-trauma", DIJON, 20.0, free(2, minutes=10), establishment=trauma),
        unit("urg-trauma", DIJON, 20.0, establishment=trauma, activity=("157", "159", "160")),
    ]


def grouping_offers() -> list[Offer]:
    """Around Limoges, two ICU offers sharing one bed zone (its two free beds) and another
    ICU; around Brest, an EHPAD with four offers and a smaller one (``test_referral_grouping``)."""
    loc = "loc-rea-shared"
    shared = counter(2, age=timedelta(minutes=20), location_id=loc)
    chu = Establishment(id="eg-chu-limoges", name="CHU de Limoges")
    big = ehpad_establishment("eg-ehpad-iroise", 64.0, None, 6.5)
    small = ehpad_establishment("eg-ehpad-elorn", 58.0, None, 6.8)
    home: HomeCodes = {"offer_type": ("21",), "champ": "04", "activity": ("306",), "age_min": 60}
    return [
        icu("rea-med", LIMOGES, 2.0, shared, establishment=chu, location_ids=(loc,)),
        icu("rea-chir", LIMOGES, 2.0, shared, establishment=chu, location_ids=(loc,)),
        icu("rea-other", LIMOGES, 12.0, free(1, minutes=20)),
        unit(
            "iroise-perm",
            BREST,
            3.0,
            name="Hébergement permanent",
            establishment=big,
            care_mode=("46",),
            reception=("02",),
            **home,
        ),
        unit(
            "iroise-temp",
            BREST,
            3.0,
            name="Hébergement temporaire",
            establishment=big,
            care_mode=("46",),
            reception=("01",),
            **home,
        ),
        unit(
            "iroise-uvp",
            BREST,
            3.0,
            name="Unité de vie protégée",
            establishment=big,
            care_mode=("46",),
            reception=("02",),
            **home,
        ),
        unit(
            "iroise-day",
            BREST,
            3.0,
            name="Accueil de jour",
            establishment=big,
            care_mode=("47",),
            **home,
        ),
        unit(
            "elorn-perm",
            BREST,
            15.0,
            name="Hébergement permanent",
            establishment=small,
            care_mode=("46",),
            reception=("02",),
            **home,
        ),
    ]


def world() -> list[Offer]:
    return [
        *grouping_offers(),
        *emergency_offers(),
        *plausibility_offers(),
        *lay_offers(),
        *ehpad_offers(),
        *colocated_offers(),
    ]
