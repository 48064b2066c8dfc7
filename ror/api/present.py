"""Answers shaped by the caller's ROR access profile: the one place that decides what leaves
the API (ROR-MODEL §8, DESIGN §7). The rules themselves (which profile sees which contacts,
capacities, sensitive units) are in :mod:`ror.access.profiles`; every route presents offers,
matches, searches and replays through the functions here.

- **Capacities** (bed and place counts, their dates and anything derived from them: the
  ``capacity`` and ``size`` score parts, the ``stale`` flag, explanation sentences about free
  beds) are restricted data: never shown to profiles 0 and 5; to profile 3 only for
  medico-social offers.
- **Contacts** by their confidentiality level (R283: 1 libre, 2 restreint, 3 très restreint).
- **Sensitive units** (``uniteSensible``) are left out of searches before anything is counted
  (``Criteria.audience``, set by :func:`ror.api.access.scoped_criteria`), and left out here
  again wherever an offer is shown.

Fields are listed one by one (never ``Offer.to_dict()``), so a field added to the model stays
private until someone decides here who may see it; the raw FHIR ``source`` never leaves.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from datetime import date, datetime, time
from typing import Any, Final

import orjson

import ror.nomenclature as nomenclature
from ror.access.profiles import (
    MEDICO_SOCIAL_CHAMP,
    PROFILES,
    check_profile,
    contact_levels,
    may_see_capacities,
    may_see_offer,
    may_use_capacities,
)
from ror.api.access import recorded_audience
from ror.criteria import Criteria
from ror.geo.territory import territory_summary
from ror.model import OFFER_CODE_FIELDS, Capacity, Contact, Equipment, Offer, OpeningHours, Price
from ror.search.engine import SearchRecord
from ror.search.grouping import Member
from ror.search.result import Match, NearMiss, SearchResult, criteria_to_dict

__all__ = [
    "MEDICO_SOCIAL_CHAMP",
    "PROFILES",
    "check_profile",
    "contact_levels",
    "may_see_capacities",
    "may_see_offer",
    "present_offer",
    "present_replay",
    "present_result",
    "visible_parts",
    "visible_sentences",
]

# Words of the ranking's capacity sentences (ror.ranking.explain._capacity); a test builds real
# explanations and checks that none survives for profiles without capacity access.
CAPACITY_SENTENCE = re.compile(r"\bdisponib|\bchiffre ancien\b", re.IGNORECASE)
# Score factors computed from capacities (free beds, installed beds).
CAPACITY_PARTS = frozenset({"capacity", "size"})


def present_offer(offer: Offer, *, profile: int) -> dict[str, Any]:
    """The JSON form of an offer for a caller with ``profile`` (check :func:`may_see_offer`)."""
    return {**_common_fields(offer), **_caller_fields(offer, profile)}


def offer_json(offer: Offer, *, profile: int) -> orjson.Fragment:
    """:func:`present_offer`, rendered: rendered once per offer object and caller profile
    (search answers list the same offers again and again) and kept as bytes."""
    key = (id(offer), profile)
    hit = _rendered_cache.get(key)
    if hit is not None and hit[0] is offer:
        return hit[1]
    rendered = orjson.Fragment(orjson.dumps(present_offer(offer, profile=profile)))
    if len(_rendered_cache) >= _RENDERED_CACHE_SIZE:
        _rendered_cache.clear()
    _rendered_cache[key] = (offer, rendered)
    return rendered


def _common_fields(offer: Offer) -> dict[str, Any]:
    """What every caller who may see the offer sees, ``id`` to ``hours``."""
    out: dict[str, Any] = {"id": offer.id, "ror_id": offer.ror_id, "name": offer.name}
    for name in OFFER_CODE_FIELDS:
        out[name] = coded(nomenclature.FIELD_SYSTEMS[name], getattr(offer, name))
    out["age_range"] = {"min": offer.age_min, "max": offer.age_max}
    out["establishment"] = _establishment(offer)
    out["place"] = _place(offer)
    out["equipment"] = [_equipment(e) for e in offer.equipment]
    out["zones"] = [{"code": z.code, "type": one("R201", z.type)} for z in offer.zones]
    out["hours"] = [_hours(h) for h in offer.hours]
    return out


def _caller_fields(offer: Offer, profile: int) -> dict[str, Any]:
    """What depends on the caller (contacts by level, capacities if allowed), then the rest."""
    levels = contact_levels(offer, profile)
    out: dict[str, Any] = {
        "contacts": [_contact(c) for c in offer.contacts if c.confidentiality in levels]
    }
    if may_see_capacities(profile, offer):
        out["capacities"] = [_capacity(c) for c in offer.capacities]
    out["sensitive"] = offer.sensitive
    out["closed_from"] = _iso(offer.closed_from)
    out["reopens_at"] = _iso(offer.reopens_at)
    out["last_updated"] = _iso(offer.last_updated)
    return out


_RENDERED_CACHE_SIZE: Final = 20_000
# (id(offer), profile) -> (offer, the offer as that profile sees it, rendered). Engines hand
# out the same Offer objects from their caches until an offer or its counters change (a changed
# offer is a new object), and nothing mutates an Offer once built (the engines' caches rely on
# it too); what a profile sees of an offer depends on the two only. Bytes rather than dicts: a
# few KiB an entry and nothing for the garbage collector to walk.
_rendered_cache: dict[tuple[int, int], tuple[Offer, orjson.Fragment]] = {}


def visible_sentences(
    sentences: Iterable[str], profile: int, offer: Offer | None = None, *, capacities: bool = False
) -> list[str]:
    """Explanation sentences the caller may read (capacity sentences removed unless the caller
    may see the offer's capacities, or ``capacities`` says the search could use them)."""
    if capacities or may_see_capacities(profile, offer):
        return list(sentences)
    return [s for s in sentences if not CAPACITY_SENTENCE.search(s)]


def visible_parts(
    parts: dict[str, float], profile: int, offer: Offer | None = None, *, capacities: bool = False
) -> dict[str, float]:
    """Score factors the caller may read (the capacity and size factors removed likewise)."""
    if capacities or may_see_capacities(profile, offer):
        return dict(parts)
    return {k: v for k, v in parts.items() if k not in CAPACITY_PARTS}


def present_match(match: Match, *, profile: int) -> dict[str, Any]:
    offer = match.offer
    parts = visible_parts(match.parts, profile, offer)
    out: dict[str, Any] = {
        "offer": offer_json(offer, profile=profile),
        "distance_km": _km(match.distance_km),
        "score": round(match.score, 6),
        "parts": {k: round(v, 6) for k, v in parts.items()},
        "explain": visible_sentences(match.explain, profile, offer),
        "by_zone": match.by_zone,
        "price": match.price,
    }
    if may_see_capacities(profile, offer):
        out["stale"] = match.stale
    if match.group:
        out["members"] = [
            present_member(m, profile=profile)
            for m in match.members
            if may_see_offer(m.offer, profile)
        ]
    return out


def present_member(member: Member, *, profile: int) -> dict[str, Any]:
    return {
        "offer": offer_json(member.offer, profile=profile),
        "distance_km": _km(member.distance_km),
        "score": round(member.score, 6),
        "by_zone": member.by_zone,
        "price": member.price,
    }


def present_near_miss(miss: NearMiss, *, profile: int) -> dict[str, Any]:
    return {
        "offer": offer_json(miss.offer, profile=profile),
        "distance_km": _km(miss.distance_km),
        "criterion": miss.criterion,
        "reason": miss.reason,
    }


def present_result(result: SearchResult, *, profile: int) -> dict[str, Any]:
    """A search answer for the caller: hidden units left out, restricted data removed.

    ``total``, facets and near-misses come from a search run with the caller's audience
    (:func:`ror.api.access.scoped_criteria`), so they never count units it may not see; the
    filters below hold whatever the criteria said.
    """
    matches = [m for m in result.matches if may_see_offer(m.offer, profile)]
    misses = [
        n
        for n in result.near_misses
        if may_see_offer(n.offer, profile)
        and (n.criterion != "beds" or may_see_capacities(profile, n.offer))
    ]
    return {
        "id": result.id,
        "took_ms": round(result.took_ms, 3),
        "radius_km": result.radius_km,
        "group": result.group,
        "counted": {"total": result.counted, "facets": "offers"},
        "territory": territory_summary(result.criteria.area),
        "total": result.total,
        "matches": [present_match(m, profile=profile) for m in matches],
        "near_misses": [present_near_miss(n, profile=profile) for n in misses],
        "facets": [f.to_dict() for f in result.facets],
        "warnings": [w.to_dict() for w in result.warnings],
        "criteria": present_criteria(result.criteria),
    }


def present_criteria(criteria: Criteria) -> dict[str, Any]:
    """The resolved criteria (point and commune of a place, codes from text), without the
    response options and warnings (those are in the answer already)."""
    data = criteria_to_dict(criteria)
    for name in ("explain", "warnings", "now", "audience"):
        data.pop(name, None)
    return data


def present_replay(
    record: SearchRecord, *, profile: int, hidden: Container[str] = ()
) -> dict[str, Any]:
    """A kept search for the caller: ``hidden`` offer ids (sensitive units) left out,
    capacity-derived parts, sentences and flags removed unless the search used capacities and
    the caller may too (profile 3: a search of champ 04 alone). The route first checks the caller
    may replay it at all (:func:`ror.api.access.require_replay`)."""
    data = record.to_dict()
    result = dict(data["result"])
    capacities = recorded_audience(record.criteria).capacities and may_use_capacities(
        profile, tuple(record.criteria.get("champ", ()))
    )
    matches = []
    for item in result.get("matches", []):
        if item["offer_id"] in hidden:
            continue
        item = dict(item)
        item["parts"] = visible_parts(item.get("parts", {}), profile, capacities=capacities)
        item["explain"] = visible_sentences(item.get("explain", []), profile, capacities=capacities)
        if not capacities:
            item.pop("stale", None)
        if "members" in item:
            item["members"] = [i for i in item["members"] if i not in hidden]
        matches.append(item)
    result["matches"] = matches
    result["near_misses"] = [
        n
        for n in result.get("near_misses", [])
        if n["offer_id"] not in hidden and (n["criterion"] != "beds" or capacities)
    ]
    data["result"] = result
    return data


def replay_offer_ids(record: SearchRecord) -> list[str]:
    """The offers a kept search lists (to check which ones the caller may see)."""
    result = record.result
    listed = (*result.get("matches", ()), *result.get("near_misses", ()))
    return [
        *(item["offer_id"] for item in listed),
        *(member for item in listed for member in item.get("members", ())),
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
