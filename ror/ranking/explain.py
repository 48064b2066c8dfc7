"""Why a match fits: short French sentences, in a stable order (formatting in ``french.py``).

Order: where (distance or zone), capacity and its freshness, social aid, price, reception, age,
equipment, opening hours. A sentence appears when its criterion was asked or its factor scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ror.criteria import CODE_FIELDS, RECEPTION_CODES, Criteria
from ror.model import Offer
from ror.ranking import french
from ror.ranking.beds import available_beds
from ror.ranking.hours import is_open, local
from ror.ranking.labels import labels_or, short_label
from ror.ranking.prices import day_care_price, family_price, is_day_care, room_prices
from ror.ranking.scoring import PRIVATE_PRACTICE, Scored, bed_need, matched_by_zone
from ror.ranking.weights import weights_for

NNBSP = french.NNBSP


def _where(offer: Offer, criteria: Criteria, distance_km: float | None) -> list[str]:
    if matched_by_zone(offer, criteria):
        if criteria.commune is None:
            return ["zone d'intervention dans le territoire recherché"]
        return ["zone d'intervention couvrant votre commune"]
    if distance_km is None or criteria.area:  # a territory: from its point, only to order
        return []
    return [f"à {french.km(distance_km)}"]


def _capacity(offer: Offer, criteria: Criteria, scored: Scored, now: datetime) -> list[str]:
    need = bed_need(criteria, weights_for(criteria.profile))
    if need is None:
        return []
    count, updated = available_beds(offer, need)
    if updated is None:
        return ["disponibilité non renseignée"]
    if need.nature == "02":
        what = french.plural(count, "place disponible", "places disponibles")
    else:
        what = french.plural(count, "lit disponible", "lits disponibles")
    if count == 0:
        what = "aucune place disponible" if need.nature == "02" else "aucun lit disponible"
    when = french.ago(updated, now)
    if scored.stale:
        return [f"disponibilité inconnue : dernier chiffre ({what}) mis à jour {when}"]
    return [f"{what}, mis à jour {when}"]


def _price(offer: Offer, criteria: Criteria, scored: Scored, now: datetime) -> list[str]:
    asked = criteria.max_monthly_price_eur is not None or "price" in scored.parts
    valued = weights_for(criteria.profile).price_weight > 0 and is_day_care(offer)
    if not asked and not valued:  # a day-care unit has no monthly price to score
        return []
    today = local(offer, now).date()
    if is_day_care(offer):
        daily = day_care_price(offer, today)
        if daily is None:
            return ["accueil de jour : tarif non renseigné"]
        return [f"accueil de jour : {french.euros(daily.amount_eur, 2)}/jour"]
    price = family_price(offer, criteria, today)
    monthly = None if price is None else price.monthly_eur
    if price is None or monthly is None:
        return ["tarif non renseigné"]
    text = f"tarif estimé {french.euros(monthly)}/mois"
    if price.daily_eur is not None:
        parts = f"hébergement {french.euros(price.accommodation.amount_eur, 2)}"
        if price.dependency is not None:
            parts += f" + dépendance GIR 5-6 {french.euros(price.dependency.amount_eur, 2)}"
        text += f" ({parts} par jour)"
    rooms = room_prices(offer, criteria, today)
    if len(rooms) > 1:
        text += " ; " + ", ".join(
            f"{room_label(room)} {french.euros(eur)}/mois" for room, eur in rooms
        )
    return [text]


def room_label(code: str) -> str:
    """A residential type (R242) in a sentence: "chambre double"."""
    label = short_label("R242", code)
    return label[:1].lower() + label[1:]


def _age(offer: Offer, criteria: Criteria) -> list[str]:
    if criteria.age is None:
        return []
    low, high = offer.age_min, offer.age_max
    if low is not None and high is not None:
        return [f"accueille de {low} à {french.years(high)}"]
    if low is not None:
        return [f"accueille à partir de {french.years(low)}"]
    if high is not None:
        return [f"accueille jusqu'à {french.years(high)}"]
    return ["tous âges"]


def _equipment(offer: Offer, criteria: Criteria) -> list[str]:
    sentences = []
    for need in criteria.equipment:
        items = [
            e
            for e in offer.equipment
            if e.code == need.code and (need.feature is None or e.feature == need.feature)
        ]
        if not items:
            continue
        best = max(items, key=lambda e: e.limit_value if e.limit_value is not None else -1.0)
        text = f"plateau : {short_label('R212', need.code)}"
        if best.limit_value is not None:
            unit = f"{NNBSP}{best.limit_unit}" if best.limit_unit else ""
            text += f" jusqu'à {french.compact(best.limit_value)}{unit}"
        sentences.append(text)
    return sentences


def _hours(offer: Offer, criteria: Criteria) -> list[str]:
    if criteria.open_at is None:
        return []
    if is_open(offer, criteria.open_at) is None:
        return ["horaires non renseignés"]
    at = local(offer, criteria.open_at)
    return [f"ouvert {french.weekday(at)} à {french.clock(at.time())}"]


def grouped(grouping: str, others: Sequence[Offer]) -> tuple[str, ...]:
    """The sentence of a grouped match naming the other units of its group, if any."""
    if not others:
        return ()
    names = ", ".join(dict.fromkeys(o.name for o in others))
    if grouping == "location":
        return (f"mêmes lits que : {names} (comptés une fois)",)
    return (f"aussi dans cet établissement : {names}",)


def explain(
    offer: Offer,
    criteria: Criteria,
    scored: Scored,
    *,
    distance_km: float | None,
    now: datetime,
) -> tuple[str, ...]:
    """Short French sentences saying why ``offer`` fits ``criteria`` and how fresh its data is."""
    sentences = _where(offer, criteria, distance_km)
    sentences += _capacity(offer, criteria, scored, now)
    if offer.establishment.social_aid and (criteria.social_aid or "social_aid" in scored.parts):
        sentences.append("habilité à l'aide sociale")
    sentences += _price(offer, criteria, scored, now)
    if criteria.reception is not None and RECEPTION_CODES[criteria.reception] in offer.reception:
        sentences.append(
            f"accueil {'permanent' if criteria.reception == 'permanent' else 'temporaire'}"
        )
    sentences += _age(offer, criteria)
    if criteria.prefer_private_practice and PRIVATE_PRACTICE in offer.champ:
        sentences.append("exercice libéral (cabinet de ville)")
    sentences += _equipment(offer, criteria)
    for name, codes in criteria.colocated:
        sentences.append(f"même établissement : {labels_or(CODE_FIELDS[name], codes)}")
    sentences += _hours(offer, criteria)
    return tuple(sentences)
