"""Hard criteria (DESIGN §5): which criteria an offer fails, each with a short French reason.

``check`` returns one :class:`Failure` per failed criterion (empty = eligible); a unit failing
exactly one is a near-miss (:func:`near_miss_reason`). Rules worth knowing:

- codes: any-of within a field, all-of across fields;
- age: ``age_min ≤ age ≤ age_max``, both inclusive, a missing bound is open; for a range of
  ages [age, age_to], ``age_min ≤ age_to`` and ``age ≤ age_max`` (some age of it accepted);
- reception: the offer must list the R240 code (02 permanent, 01 temporary);
- social aid: the EG is accredited (R241 02); when a reception is asked and the EG declares
  **zero** accredited places for it, the criterion fails too (unknown counts pass);
- price ceiling: the selected base price (``prices.select_price``) as a monthly estimate must be
  ``≤`` the budget; no such price fails ("tarif non renseigné");
- equipment: an item of the R212 type (and R340 feature when given) whose ``limit_value`` is
  ``≥ min_value`` (same unit, kg for weights);
- open at: from the opening hours in the offer's local time; no hours = unknown = open;
- closed: at ``open_at`` when asked, else at ``now`` (see ``hours.closed_until``);
- beds: ``available_beds`` (gender rule in ``beds.py``) ``≥ min_available``;
- territory (a département or région searched whole, ``criteria.area``): the offer is located
  in one of its départements (``offer.place.departement``), home-based offers included;
- zone / radius: a home-based offer (``offer.home_based``) is matched by zone when the patient's
  zone keys are known: it is eligible iff one of its zones is among them, whatever the distance;
  otherwise (or with unknown patient zones) ``criteria.radius_km``, when set, bounds the
  great-circle distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from ror.criteria import CODE_FIELDS, RECEPTION_CODES, Criteria
from ror.errors import InvalidInput
from ror.geo import zone_key
from ror.geo.distance import great_circle_km
from ror.geo.territory import departement_phrase, territory_departements
from ror.geo.zones import ZONE_PREFIXES
from ror.model import Offer
from ror.ranking import french
from ror.ranking.beds import available_beds
from ror.ranking.hours import closed_until, is_open, local, next_opening
from ror.ranking.labels import labels_or, short_label
from ror.ranking.prices import family_monthly_eur, is_day_care


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed hard criterion: the Criteria field name and a short French reason."""

    criterion: str
    reason: str


NNBSP = french.NNBSP


def offer_distance_km(offer: Offer, criteria: Criteria) -> float | None:
    if criteria.lat is None or criteria.lon is None:
        return None
    return great_circle_km(criteria.lat, criteria.lon, offer.place.lat, offer.place.lon)


def zone_matched(offer: Offer, patient_zone_keys: frozenset[str]) -> bool | None:
    """True/False for a home-based offer judged by zone; None when zones do not apply.

    Indexed zones are normally stored normalised, so the raw key ("C:31555") is tried first;
    only when none meets the patient's keys are the codes normalised by ``ror.geo.zone_key``
    (former communes, "031"), a malformed zone never matching.
    """
    if not offer.zones or not patient_zone_keys:
        return None
    for zone in offer.zones:
        if f"{ZONE_PREFIXES.get(zone.type, '?')}:{zone.code}" in patient_zone_keys:
            return True
    return any(_normalised_key(zone.type, zone.code) in patient_zone_keys for zone in offer.zones)


@lru_cache(maxsize=1 << 16)
def _normalised_key(zone_type: str, code: str) -> str | None:
    """``zone_key``, memoised (a gazetteer look-up per commune), None for a malformed zone."""
    try:
        return zone_key(zone_type, code)
    except InvalidInput:
        return None


# --- one function per criterion: None when it passes ----------------------------------------


def _codes(offer: Offer, criteria: Criteria) -> list[Failure]:
    failures = []
    for name, key in CODE_FIELDS.items():
        wanted: tuple[str, ...] = getattr(criteria, name)
        if wanted and not any(code in getattr(offer, name) for code in wanted):
            failures.append(Failure(name, f"ne propose pas : {labels_or(key, wanted)}"))
    return failures


def _age(offer: Offer, criteria: Criteria) -> Failure | None:
    ages = criteria.ages
    if ages is None:
        return None
    low, high = ages
    if offer.age_min is not None and high < offer.age_min:
        return Failure("age", f"accueille à partir de {french.years(offer.age_min)}")
    if offer.age_max is not None and low > offer.age_max:
        return Failure("age", f"accueille jusqu'à {french.years(offer.age_max)}")
    return None


def _reception(offer: Offer, criteria: Criteria) -> Failure | None:
    if criteria.reception is None or RECEPTION_CODES[criteria.reception] in offer.reception:
        return None
    if not offer.reception:
        return Failure("reception", "type d'accueil non renseigné")
    other = "temporaire" if criteria.reception == "permanent" else "permanent"
    return Failure("reception", f"accueil {other} uniquement")


def _social_aid(offer: Offer, criteria: Criteria) -> Failure | None:
    if not criteria.social_aid:
        return None
    est = offer.establishment
    if not est.social_aid:
        return Failure("social_aid", "non habilité à l'aide sociale")
    places = {
        "permanent": est.social_aid_places_permanent,
        "temporary": est.social_aid_places_temporary,
    }.get(criteria.reception or "")
    if places == 0:
        kind = "permanent" if criteria.reception == "permanent" else "temporaire"
        return Failure("social_aid", f"aucune place habilitée à l'aide sociale en accueil {kind}")
    return None


def _price(offer: Offer, criteria: Criteria, now: datetime) -> Failure | None:
    ceiling = criteria.max_monthly_price_eur
    if ceiling is None:
        return None
    if is_day_care(offer):
        return Failure("max_monthly_price_eur", "accueil de jour : tarif à la journée")
    monthly = family_monthly_eur(offer, criteria, local(offer, now).date())
    if monthly is None:
        return Failure("max_monthly_price_eur", "tarif non renseigné")
    if monthly <= ceiling:
        return None
    decimals = 2 if round(monthly) <= ceiling else 0
    return Failure(
        "max_monthly_price_eur",
        f"tarif estimé {french.euros(monthly, decimals)}/mois, "
        f"au-delà de {french.euros(ceiling, 0 if float(ceiling).is_integer() else 2)}",
    )


def _equipment(offer: Offer, criteria: Criteria) -> Failure | None:
    reasons = []
    for need in criteria.equipment:
        items = [
            e
            for e in offer.equipment
            if e.code == need.code and (need.feature is None or e.feature == need.feature)
        ]
        name = short_label("R212", need.code)
        if not items:
            reasons.append(f"pas de {name}")
            continue
        if need.min_value is None:
            continue
        limits = [(e.limit_value, e.limit_unit) for e in items if e.limit_value is not None]
        if not limits:
            reasons.append(f"{name} : limite non renseignée")
            continue
        best, unit = max(limits, key=lambda lu: lu[0] or 0.0)
        assert best is not None
        if best < need.min_value:
            u = f"{NNBSP}{unit}" if unit else ""
            reasons.append(
                f"{name} jusqu'à {french.compact(best)}{u}, "
                f"{french.compact(need.min_value)}{u} demandés"
            )
    return Failure("equipment", " ; ".join(reasons)) if reasons else None


def _open_at(offer: Offer, criteria: Criteria) -> Failure | None:
    moment = criteria.open_at
    if moment is None or is_open(offer, moment) is not False:
        return None
    at = local(offer, moment)
    reason = f"fermé {french.weekday(at)} à {french.clock(at.time())}"
    opening = next_opening(offer, moment)
    if opening is not None:
        days = (opening.date() - at.date()).days
        when = "" if days == 0 else f"{french.weekday(opening)} "
        if days >= 6:  # "jeudi" alone would read as today
            when += f"{french.day(opening.date(), at.date())} "
        reason += f", ouvre {when}à {french.clock(opening.time())}"
    return Failure("open_at", reason)


def _closed(offer: Offer, criteria: Criteria, now: datetime) -> Failure | None:
    closed, reopens = closed_until(offer, criteria.open_at or now)
    if not closed:
        return None
    if reopens is None:
        return Failure("closed", "fermé, réouverture non renseignée")
    today = local(offer, now).date()
    return Failure("closed", f"fermé jusqu'au {french.day(local(offer, reopens).date(), today)}")


_GENDER_WORDS = {"01": "les femmes", "02": "les hommes"}


def _beds(offer: Offer, criteria: Criteria) -> Failure | None:
    need = criteria.beds
    if need is None:
        return None
    count, _ = available_beds(offer, need)
    if count >= need.min_available:
        return None
    if count == 0:
        who = _GENDER_WORDS.get(need.gender or "")
        return Failure("beds", f"complet pour {who}" if who else "complet")
    if need.nature == "02":
        have = french.plural(count, "place disponible", "places disponibles")
        return Failure("beds", f"{have}, {need.min_available} demandées")
    have = french.plural(count, "lit disponible", "lits disponibles")
    return Failure("beds", f"{have}, {need.min_available} demandés")


def _colocated(offer: Offer, criteria: Criteria) -> list[Failure]:
    """One failure per co-located requirement the unit's establishment does not meet."""
    if not criteria.colocated:
        return []
    egs = criteria.colocated_egs
    if egs is None:
        raise ValueError("co-located requirements not resolved (pipeline.colocate)")
    return [
        Failure("colocated", f"l'établissement n'a pas : {labels_or(CODE_FIELDS[name], codes)}")
        for (name, codes), ids in zip(criteria.colocated, egs, strict=True)
        if offer.establishment.id not in ids
    ]


def _territory(offer: Offer, criteria: Criteria) -> Failure | None:
    if not criteria.area or offer.place.departement in territory_departements(criteria.area):
        return None
    where = departement_phrase(offer.place.departement)
    return Failure("area", f"situé {where}" if where else "situé hors du territoire recherché")


def _where(
    offer: Offer,
    criteria: Criteria,
    patient_zone_keys: frozenset[str],
    distance_km: float | None,
) -> Failure | None:
    matched = zone_matched(offer, patient_zone_keys)
    if matched is not None:
        return None if matched else Failure("zone", "zone d'intervention hors de votre commune")
    radius = criteria.radius_km
    if radius is None:
        return None
    if distance_km is None:
        distance_km = offer_distance_km(offer, criteria)
    if distance_km is None or distance_km <= radius:
        return None
    return Failure(
        "radius_km",
        f"à {french.km(distance_km)}, au-delà du rayon de {french.compact(radius)}{NNBSP}km",
    )


def check(
    offer: Offer,
    criteria: Criteria,
    *,
    now: datetime,
    patient_zone_keys: frozenset[str] = frozenset(),
    distance_km: float | None = None,
) -> tuple[Failure, ...]:
    """Every hard criterion ``offer`` fails for ``criteria`` (empty tuple: eligible).

    ``patient_zone_keys`` are the ``zone_key`` of the patient's commune and its parent areas;
    ``distance_km`` (optional) is the distance the engine already computed, else it is computed
    from the criteria point when a radius must be checked.
    """
    failures = _codes(offer, criteria) if _asks_codes(criteria) else []
    for failure in (
        _age(offer, criteria),
        _reception(offer, criteria),
        _social_aid(offer, criteria),
        _price(offer, criteria, now),
        _equipment(offer, criteria),
        _beds(offer, criteria),
        _open_at(offer, criteria),
        _closed(offer, criteria, now),
        *_colocated(offer, criteria),
        _territory(offer, criteria),
        _where(offer, criteria, patient_zone_keys, distance_km),
    ):
        if failure is not None:
            failures.append(failure)
    return tuple(failures)


def _asks_codes(criteria: Criteria) -> bool:
    return bool(
        criteria.activity
        or criteria.offer_type
        or criteria.champ
        or criteria.care_mode
        or criteria.public
        or criteria.modalities
        or criteria.specialisations
        or criteria.professions
    )


def near_miss_reason(failures: tuple[Failure, ...]) -> Failure | None:
    """The one failure of a near-miss (fails exactly one hard criterion), else None."""
    return failures[0] if len(failures) == 1 else None
