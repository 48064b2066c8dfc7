"""Offer <-> Elasticsearch document: the JSON form plus the derived fields search reads.

The derived fields are computed here, in Python, with the very functions the ranking uses
(``ror.ranking.beds``, ``ror.ranking.prices``), so that what Elasticsearch filters and scores
on means exactly what the embedded engine checks. They are dropped when an offer is rebuilt.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from contextlib import suppress
from datetime import datetime, time
from typing import Any, Final

from ror.availability.keys import location_keys
from ror.criteria import BedNeed, Criteria, Reception
from ror.errors import InvalidInput
from ror.geo import zone_key
from ror.geo.zones import ZONE_PREFIXES
from ror.mappings import fields as f
from ror.model import Offer, OpeningHours
from ror.nomenclature.named_codes import AVAILABLE, CURRENT, INSTALLED
from ror.ranking.beds import available_beds, installed_beds
from ror.ranking.hours import local
from ror.ranking.prices import family_monthly_eur
from ror.search.elasticsearch.lookups import lookup_fields
from ror.search.prefilter import OfferColumns

# Wanted genders a bed search may ask (R332), None = any gender.
GENDERS: Final[tuple[str | None, ...]] = (None, "01", "02", "03", "04")
MIDNIGHT_END: Final = "24:00:00"
_END_OF_DAY: Final = time(23, 59)
_UNSAFE_KEY = re.compile(r"[^0-9A-Za-z]")
_RECEPTIONS: Final[tuple[Reception | None, ...]] = (None, "permanent", "temporary")


def _part(code: str | None, missing: str) -> str:
    if not code:
        return missing
    return _UNSAFE_KEY.sub("", code) or missing


def free_key(need: BedNeed) -> str:
    """Key of the ``free``/``free_since`` sub-field answering a bed need ("01_01_01_all")."""
    return "_".join(
        (
            _part(need.nature, "x"),
            _part(need.temporality, "x"),
            _part(need.assignment, "x"),
            _part(need.gender, "all"),
        )
    )


def installed_key(nature: str) -> str:
    """Key of the ``installed`` sub-field of a bed nature ("01")."""
    return _part(nature, "x")


def price_key(criteria: Criteria) -> str:
    """Key of the ``base_price_monthly`` sub-field for a request ("permanent_aid_all")."""
    reception = criteria.reception or "any"
    aid = "aid" if criteria.social_aid else "public"
    age = "u60" if criteria.age is not None and criteria.age < 60 else "all"
    return f"{reception}_{aid}_{age}"


def availability_fields(offer: Offer) -> dict[str, Any]:
    """``free``, ``free_since`` and ``installed``: recomputed whenever capacities change."""
    free: dict[str, int] = {}
    since: dict[str, str] = {}
    indicators = {
        (c.nature, c.temporality, c.assignment) for c in offer.capacities if c.status == AVAILABLE
    }
    for nature, temporality, assignment in sorted(indicators):
        for gender in GENDERS:
            need = BedNeed(nature, 0, gender, temporality, assignment)
            count, oldest = available_beds(offer, need)
            if oldest is not None:
                free[free_key(need)] = count
                since[free_key(need)] = oldest.isoformat()
    natures = {
        c.nature for c in offer.capacities if c.status == INSTALLED and c.temporality == CURRENT
    }
    installed = {installed_key(n): installed_beds(offer, n) for n in sorted(natures)}
    return {f.FREE: free, f.FREE_SINCE: since, f.INSTALLED: installed}


def base_prices(offer: Offer, now: datetime) -> dict[str, float]:
    """The monthly base price each request variant would pay, as of ``now`` (offer's day)."""
    today = local(offer, now).date()
    prices: dict[str, float] = {}
    for reception in _RECEPTIONS:
        for social_aid in (False, True):
            for age in (None, 59):
                variant = Criteria(reception=reception, social_aid=social_aid, age=age)
                monthly = family_monthly_eur(offer, variant, today)
                if monthly is not None:
                    prices[price_key(variant)] = monthly
    return prices


def _clock(value: time) -> str:
    return value.replace(tzinfo=None).isoformat()


def opening_row(row: OpeningHours) -> dict[str, Any]:
    """One hours row with bounds normalised as ``ror.ranking.hours`` reads them."""
    if row.all_day or (row.start is None and row.end is None):
        start, end = "00:00:00", MIDNIGHT_END
    else:
        start = _clock(row.start) if row.start is not None else "00:00:00"
        if row.end is None or row.end.replace(tzinfo=None) >= _END_OF_DAY:
            end = MIDNIGHT_END
        else:
            end = _clock(row.end)
    return {
        "days": list(row.days),
        "from": start,
        "to": end,
        "overnight": not start < end,
        "valid_from": row.valid_from.isoformat() if row.valid_from else None,
        "valid_to": row.valid_to.isoformat() if row.valid_to else None,
    }


def age_range(offer: Offer) -> dict[str, int] | None:
    """Inclusive ``integer_range``; a missing bound stays open, no bound at all: no field."""
    bounds = {"gte": offer.age_min, "lte": offer.age_max}
    kept = {k: v for k, v in bounds.items() if v is not None}
    return kept or None


def zone_keys(offer: Offer) -> list[str]:
    """Keys a patient's zone keys are compared with (``ranking.eligibility.zone_matched``):
    each zone's raw key and, when the code is well formed, its normalised key."""
    keys: set[str] = set()
    for zone in offer.zones:
        keys.add(f"{ZONE_PREFIXES.get(zone.type, '?')}:{zone.code}")
        with suppress(InvalidInput):  # a malformed zone never matches by its normalised key
            keys.add(zone_key(zone.type, zone.code))
    return sorted(keys)


def check_place(offer: Offer) -> None:
    """A point Elasticsearch can index (NaN would not even serialise to JSON)."""
    lat, lon = offer.place.lat, offer.place.lon
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(f"point hors du globe : {lat}, {lon}", "place")


def to_document(offer: Offer, now: datetime) -> dict[str, Any]:
    """The indexed document; ``now`` dates the base-price selection (prices in force)."""
    check_place(offer)
    doc = offer.to_dict()
    doc[f.LOCATION] = {"lat": offer.place.lat, "lon": offer.place.lon}
    ages = age_range(offer)
    if ages is not None:
        doc[f.AGE_RANGE] = ages
    keys = zone_keys(offer)
    if keys:
        doc[f.ZONE_KEYS] = keys
    doc[f.SOCIAL_AID] = offer.establishment.social_aid
    doc.update(availability_fields(offer))
    doc[f.BASE_PRICE_MONTHLY] = base_prices(offer, now)
    doc[f.LOCATION_KEYS] = location_keys(offer)
    cheapest = OfferColumns.of(offer).min_monthly_price_eur
    if cheapest is not None:
        doc[f.MIN_MONTHLY_PRICE_EUR] = cheapest
    doc[f.OPENING] = [opening_row(row) for row in offer.hours]
    doc.update(lookup_fields(offer))
    return doc


def from_document(source: Mapping[str, Any]) -> Offer:
    """Rebuild the Offer from a document's ``_source`` (derived fields dropped)."""
    return Offer.from_dict({k: v for k, v in source.items() if k not in f.DERIVED})


def capacities_source(offer: Offer) -> dict[str, Any]:
    """The partial document to write after the capacities of an offer changed."""
    return {f.CAPACITIES: offer.to_dict()[f.CAPACITIES], **availability_fields(offer)}
