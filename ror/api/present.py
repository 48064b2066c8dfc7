"""Offers as JSON, shaped by the caller's ROR access profile: the one place that decides what a
caller sees (ROR-MODEL §8, DESIGN §7).

Profiles: 0 open data only (anonymous callers); 1 everything; 2 all but "très restreint";
3 medico-social offers all but "très restreint", other offers open data only; 4 all but contacts
and personal data; 5 all but "très restreint" and all but capacities.

- **Capacities** (bed and place counts, their dates and anything derived from them: the
  ``capacity`` score part, the ``stale`` flag, explanation sentences about free beds) are
  restricted data: never shown to profiles 0 and 5.
- **Contacts** by their confidentiality level (R283: 1 libre, 2 restreint, 3 très restreint):
  0 -> 1; 1 -> 1–3; 2 -> 1–2; 3 -> 1–2 for a medico-social offer (champ R227 04), 1 otherwise;
  4 -> none; 5 -> 1–2.
- **Sensitive units** (``uniteSensible``): hidden entirely from profile 0.

Fields are listed one by one (never ``Offer.to_dict()``), so a field added to the model stays
private until someone decides here who may see it; the raw FHIR ``source`` never leaves.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from datetime import date, datetime, time
from typing import Any

import ror.nomenclature as nomenclature
from ror.model import Capacity, Contact, Equipment, Offer, OpeningHours, Price
from ror.search.criteria import Criteria
from ror.search.engine import SearchRecord
from ror.search.result import Match, NearMiss, SearchResult, criteria_to_dict

PROFILES = range(6)
MEDICO_SOCIAL_CHAMP = "04"  # R227 04 Médico-social
_CONTACT_LEVELS = {0: "1", 1: "123", 2: "12", 4: "", 5: "12"}
_OFFER_CODE_FIELDS = (
    "activity",
    "offer_type",
    "champ",
    "care_mode",
    "reception",
    "modalities",
    "specialisations",
    "acts",
    "public",
    "expertise",
    "professions",
)
# Words of the ranking's capacity sentences (ror.ranking.explain._capacity); a test builds real
# explanations and checks that none survives for profiles without capacity access.
CAPACITY_SENTENCE = re.compile(r"\bdisponib|\bchiffre ancien\b", re.IGNORECASE)


def check_profile(profile: int) -> int:
    if profile not in PROFILES:
        raise ValueError(f"unknown ROR access profile {profile!r}: 0 to 5")
    return profile


def may_see_offer(offer: Offer, profile: int) -> bool:
    return not (offer.sensitive and check_profile(profile) == 0)


def may_see_capacities(profile: int) -> bool:
    return check_profile(profile) not in (0, 5)


def contact_levels(offer: Offer, profile: int) -> str:
    """The confidentiality levels (R283 codes) of the contacts the caller may see."""
    if check_profile(profile) == 3:
        return "12" if MEDICO_SOCIAL_CHAMP in offer.champ else "1"
    return _CONTACT_LEVELS[profile]


def present_offer(offer: Offer, *, profile: int) -> dict[str, Any]:
    """The JSON form of an offer for a caller with ``profile`` (check :func:`may_see_offer`)."""
    out: dict[str, Any] = {"id": offer.id, "ror_id": offer.ror_id, "name": offer.name}
    for name in _OFFER_CODE_FIELDS:
        out[name] = coded(nomenclature.FIELD_SYSTEMS[name], getattr(offer, name))
    out["age_range"] = {"min": offer.age_min, "max": offer.age_max}
    out["establishment"] = _establishment(offer)
    out["place"] = _place(offer)
    out["equipment"] = [_equipment(e) for e in offer.equipment]
    out["zones"] = [{"code": z.code, "type": one("R201", z.type)} for z in offer.zones]
    out["hours"] = [_hours(h) for h in offer.hours]
    levels = contact_levels(offer, profile)
    out["contacts"] = [_contact(c) for c in offer.contacts if c.confidentiality in levels]
    if may_see_capacities(profile):
        out["capacities"] = [_capacity(c) for c in offer.capacities]
    out["sensitive"] = offer.sensitive
    out["closed_from"] = _iso(offer.closed_from)
    out["reopens_at"] = _iso(offer.reopens_at)
    out["last_updated"] = _iso(offer.last_updated)
    return out


def visible_sentences(sentences: Iterable[str], profile: int) -> list[str]:
    """Explanation sentences the caller may read (capacity sentences removed for 0 and 5)."""
    if may_see_capacities(profile):
        return list(sentences)
    return [s for s in sentences if not CAPACITY_SENTENCE.search(s)]


def visible_parts(parts: dict[str, float], profile: int) -> dict[str, float]:
    """Score factors the caller may read (the capacity factor removed for 0 and 5)."""
    if may_see_capacities(profile):
        return dict(parts)
    return {k: v for k, v in parts.items() if k != "capacity"}


def present_match(match: Match, *, profile: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "offer": present_offer(match.offer, profile=profile),
        "distance_km": _km(match.distance_km),
        "score": round(match.score, 6),
        "parts": {k: round(v, 6) for k, v in visible_parts(match.parts, profile).items()},
        "explain": visible_sentences(match.explain, profile),
        "by_zone": match.by_zone,
    }
    if may_see_capacities(profile):
        out["stale"] = match.stale
    return out


def present_near_miss(miss: NearMiss, *, profile: int) -> dict[str, Any]:
    return {
        "offer": present_offer(miss.offer, profile=profile),
        "distance_km": _km(miss.distance_km),
        "criterion": miss.criterion,
        "reason": miss.reason,
    }


def present_result(result: SearchResult, *, profile: int) -> dict[str, Any]:
    """A search answer for the caller: hidden units left out, restricted data removed.

    ``total`` and the facet counts are the engine's (they may count units left out here).
    """
    matches = [m for m in result.matches if may_see_offer(m.offer, profile)]
    misses = [
        n
        for n in result.near_misses
        if may_see_offer(n.offer, profile)
        and (n.criterion != "beds" or may_see_capacities(profile))
    ]
    return {
        "id": result.id,
        "took_ms": round(result.took_ms, 3),
        "radius_km": result.radius_km,
        "total": result.total,
        "matches": [present_match(m, profile=profile) for m in matches],
        "near_misses": [present_near_miss(n, profile=profile) for n in misses],
        "facets": [f.to_dict() for f in result.facets],
        "warnings": list(result.warnings),
        "criteria": present_criteria(result.criteria),
    }


def present_criteria(criteria: Criteria) -> dict[str, Any]:
    """The resolved criteria (point and commune of a place, codes from text), without the
    response options and warnings (those are in the answer already)."""
    data = criteria_to_dict(criteria)
    for name in ("explain", "warnings", "now"):
        data.pop(name, None)
    return data


def present_replay(
    record: SearchRecord, *, profile: int, hidden: Container[str] = ()
) -> dict[str, Any]:
    """A kept search for the caller: ``hidden`` offer ids (sensitive units) left out,
    capacity-derived parts, sentences and flags removed as in :func:`present_result`."""
    data = record.to_dict()
    result = dict(data["result"])
    matches = []
    for item in result.get("matches", []):
        if item["offer_id"] in hidden:
            continue
        item = dict(item)
        item["parts"] = visible_parts(item.get("parts", {}), profile)
        item["explain"] = visible_sentences(item.get("explain", []), profile)
        if not may_see_capacities(profile):
            item.pop("stale", None)
        matches.append(item)
    result["matches"] = matches
    result["near_misses"] = [
        n
        for n in result.get("near_misses", [])
        if n["offer_id"] not in hidden and (n["criterion"] != "beds" or may_see_capacities(profile))
    ]
    data["result"] = result
    return data


def replay_offer_ids(record: SearchRecord) -> list[str]:
    """The offers a kept search lists (to check which ones the caller may see)."""
    result = record.result
    return [
        item["offer_id"] for item in (*result.get("matches", ()), *result.get("near_misses", ()))
    ]


# --- parts --------------------------------------------------------------------------------------


def coded(key: str, codes: Iterable[str]) -> list[dict[str, str | None]]:
    """Codes with their NOS labels: ``[{"code": "126", "label": "…"}]``."""
    return [{"code": c, "label": nomenclature.label(key, c)} for c in codes]


def one(key: str, code: str | None) -> dict[str, str | None] | None:
    return None if code is None else {"code": code, "label": nomenclature.label(key, code)}


def _establishment(offer: Offer) -> dict[str, Any]:
    e = offer.establishment
    return {
        "id": e.id,
        "finess": e.finess,
        "name": e.name,
        "legal_entity": e.legal_entity,
        "category": one("R66", e.category),
        "social_aid": e.social_aid,
        "financial_help": coded("R241", e.financial_help),
        "social_aid_places": {
            "permanent": e.social_aid_places_permanent,
            "temporary": e.social_aid_places_temporary,
        },
        "prices": [_price(p) for p in e.prices],
    }


def _price(p: Price) -> dict[str, Any]:
    return {
        "type": one("R246", p.type),
        "unit": one("R228", p.unit),
        "amount_eur": p.amount_eur,
        "monthly_eur": p.monthly_eur,
        "condition": one("R250", p.condition),
        "reception": one("R240", p.reception),
        "residential_type": one("R242", p.residential_type),
        "dependency_level": one("R237", p.dependency_level),
        "under_60": p.under_60,
        "start_date": _iso(p.start_date),
    }


def _place(offer: Offer) -> dict[str, Any]:
    p = offer.place
    return {
        "lat": p.lat,
        "lon": p.lon,
        "address": p.address,
        "postal_code": p.postal_code,
        "city": p.city,
        "commune": p.commune,
        "departement": p.departement,
        "region": p.region,
        "reliable": p.reliable,
    }


def _equipment(e: Equipment) -> dict[str, Any]:
    return {
        "code": e.code,
        "label": nomenclature.label("R212", e.code),
        "count": e.count,
        "feature": one("R340", e.feature),
        "limit_value": e.limit_value,
        "limit_unit": e.limit_unit,
    }


def _hours(h: OpeningHours) -> dict[str, Any]:
    return {
        "days": list(h.days),
        "start": _iso(h.start),
        "end": _iso(h.end),
        "all_day": h.all_day,
        "kind": one("R252", h.kind),
        "valid_from": _iso(h.valid_from),
        "valid_to": _iso(h.valid_to),
    }


def _contact(c: Contact) -> dict[str, Any]:
    return {
        "value": c.value,
        "channel": one("R200", c.channel),
        "purpose": one("R287", c.purpose),
        "confidentiality": one("R283", c.confidentiality),
        "name": c.name,
    }


def _capacity(c: Capacity) -> dict[str, Any]:
    return {
        "location_id": c.location_id,
        "nature": one("R329", c.nature),
        "status": one("R330", c.status),
        "temporality": one("R331", c.temporality),
        "gender": one("R332", c.gender),
        "closing_type": one("R333", c.closing_type),
        "extra_bed_type": one("R334", c.extra_bed_type),
        "crisis": one("R336", c.crisis),
        "assignment": one("R337", c.assignment),
        "count": c.count,
        "source": one("R335", c.source),
        "updated_at": c.updated_at.isoformat(),
    }


def _km(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _iso(value: datetime | date | time | None) -> str | None:
    return None if value is None else value.isoformat()
