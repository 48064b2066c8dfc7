"""An Offer as rows of the embedded engine, and back.

The stored document is the Offer's JSON form (``Offer.to_dict``, written with ``orjson``)
without its capacities: counters live once per Location in ``capacities`` (a Location may be
shared by several offers) and are put back when an offer is read.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NamedTuple

import msgspec
import orjson

from ror.availability.keys import location_key, location_keys, source_identifiers
from ror.criteria import CODE_FIELDS
from ror.errors import RorError
from ror.geo import zone_key
from ror.geo.distance import unit_point
from ror.model import Capacity, Establishment, Offer, Place, Zone
from ror.search.embedded import cells
from ror.search.prefilter import EQUIPMENT_FIELD, OfferColumns, available_counts, equipment_keys

# code_id = FIELD_BASE * (position of the field + 1) + n: one contiguous range per field.
FIELD_BASE: Final = 1_000_000
# The unit's département: a posting like a code field's, for searches over a territory.
TERRITORY_FIELD: Final = "departement"
# Equipment keys (``prefilter.equipment``): postings read by the equipment prefilter.
_CODE_FIELD_NAMES: Final = (*CODE_FIELDS, TERRITORY_FIELD, EQUIPMENT_FIELD)
CoverValues = tuple[Any, ...]  # the cover columns after (code_id, cell, rid)


def field_range(name: str) -> tuple[int, int]:
    """The inclusive code_id range of a code field."""
    base = FIELD_BASE * (_CODE_FIELD_NAMES.index(name) + 1)
    return base, base + FIELD_BASE - 1


def field_of(code_id: int) -> str:
    return _CODE_FIELD_NAMES[code_id // FIELD_BASE - 1]


def encode_doc(offer: Offer) -> bytes:
    """The Offer's JSON form without its counters (the live ones are in ``capacities``).

    Written whole, then the counters cut out: from the first ``"capacities":[`` to the key of
    the next field, which are the Offer's own (its fields are written in order, none before
    holds a mapping, and in a string the quotes would be escaped).
    """
    doc = orjson.dumps(offer)
    if offer.capacities:
        start = doc.index(_CAPACITIES)
        end = doc.index(_AFTER_CAPACITIES, start)
        doc = doc[:start] + b'"capacities":[]' + doc[end + 1 :]
    return doc


_CAPACITIES: Final = b'"capacities":['
_FIELDS: Final = [f.name for f in dataclasses.fields(Offer)]
_AFTER_CAPACITIES: Final = f'],"{_FIELDS[_FIELDS.index("capacities") + 1]}":'.encode()


def decode_doc(doc: bytes) -> Offer:
    """The Offer of a stored document, without counters (the caller adds the live ones).

    ``msgspec`` builds the dataclasses straight from the JSON, checking each field's type:
    twice as fast as ``orjson.loads`` then ``Offer.from_dict`` (42 against 82 µs an offer at
    1 M, the same Offers), and a cold search decodes a dozen or more.
    """
    offer = _DOC_DECODER.decode(doc)
    if offer.capacities:  # documents cut them out (``encode_doc``); an older one may not
        offer.capacities = ()
    return offer


_DOC_DECODER: Final = msgspec.json.Decoder(Offer)


class _Ranked(msgspec.Struct):
    """The fields of a stored document that ranking reads of a unit the prefilter is sure of
    (``ranking.score``, ``grouping.group_key``); the others are skipped, not built."""

    id: str
    establishment: Establishment
    place: Place
    champ: tuple[str, ...] = ()
    care_mode: tuple[str, ...] = ()
    location_ids: tuple[str, ...] = ()
    zones: tuple[Zone, ...] = ()


_RANKED_DECODER: Final = msgspec.json.Decoder(_Ranked)


def decode_for_ranking(doc: bytes) -> Offer:
    """An Offer holding only what ranking reads of it (the fields of ``_Ranked``; no counters:
    the caller adds the live ones): about a third of :func:`decode_doc`'s cost, for the units
    ranked above a deep page, which are never checked nor shown."""
    v = _RANKED_DECODER.decode(doc)
    return Offer(
        id=v.id,
        name="",
        establishment=v.establishment,
        place=v.place,
        champ=v.champ,
        care_mode=v.care_mode,
        location_ids=v.location_ids,
        zones=v.zones,
    )


class _OrderKeys(msgspec.Struct):
    id: str
    last_updated: datetime | None = None


_ORDER_KEYS_DECODER: Final = msgspec.json.Decoder(_OrderKeys)


def decode_order_keys(doc: bytes) -> tuple[str, datetime | None]:
    """An offer's id and last_updated from its stored document, the other fields skipped."""
    keys = _ORDER_KEYS_DECODER.decode(doc)
    return keys.id, keys.last_updated


_zone_key = functools.lru_cache(maxsize=100_000)(zone_key)


def sensitive_champs(offer: Offer) -> str | None:
    """The ``sensitive.champs`` value of a unit flagged sensitive (`` 01 03 ``), else None."""
    if not offer.sensitive:
        return None
    return " " + " ".join(offer.champ) + " "


def zone_keys(offer: Offer) -> list[str]:
    return sorted({_zone_key(z.type, z.code) for z in offer.zones})


def cover_values(offer: Offer, columns: OfferColumns) -> CoverValues:
    x, y, z = unit_point(offer.place.lat, offer.place.lon)
    c = columns
    return (
        x,
        y,
        z,
        int(c.home),
        c.age_min,
        c.age_max,
        int(c.social_aid),
        c.aid_places_permanent,
        c.aid_places_temporary,
        c.reception_mask,
        c.min_monthly_price_eur,
        c.closed_from,
        c.reopens_at,
        *c.selected_prices,
        c.price_from,
        c.price_until,
    )


def offer_codes(offer: Offer) -> list[tuple[str, str]]:
    """(field, code) pairs of an offer, each once, then its département and equipment keys."""
    pairs: list[tuple[str, str]] = []
    for name in CODE_FIELDS:
        codes = getattr(offer, name)
        if codes:
            pairs += [(name, code) for code in (dict.fromkeys(codes) if len(codes) > 1 else codes)]
    if offer.place.departement:
        pairs.append((TERRITORY_FIELD, offer.place.departement))
    if offer.equipment:
        pairs += [(EQUIPMENT_FIELD, key) for key in sorted(equipment_keys(offer.equipment))]
    return pairs


# --- an offer encoded for a full load --------------------------------------------------------


class EncodedCounter(NamedTuple):
    """A counter of an offer as a full load stores it."""

    row: tuple[Any, ...]  # the ``capacities`` row without its position (:meth:`StoredCounter.row`)
    beds: int  # what it adds to the offer's free beds now (``available_counts``)…
    places: int  # …and free places

    @property
    def key(self) -> tuple[Any, ...]:
        """(Location key, *``Capacity.key()``): the row's primary key."""
        return self.row[:9]

    @property
    def updated_ts(self) -> float:
        return float(self.row[12])


class EncodedOffer(NamedTuple):
    """Everything a full load writes for one offer, in plain values (cheap to pickle: another
    process may encode while the loader writes)."""

    id: str
    doc: bytes  # ``encode_doc``
    cell: int
    codes: list[tuple[str, str]]  # ``offer_codes``
    values: CoverValues
    zones: list[str]  # ``zone_keys``
    locs: list[str]  # ``location_keys``
    sensitive: str | None  # ``sensitive_champs``
    counters: list[EncodedCounter]
    facts: tuple[str, str, str, str, str]  # ``fact_values``
    synchro: list[tuple[str, str]]  # ``synchro_codes``


class Rejected(NamedTuple):
    """An offer a full load leaves out, and why."""

    id: str
    reason: str


def encode_offer(offer: Offer) -> EncodedOffer | Rejected:
    """The rows of one offer for a full load, or why it cannot be loaded."""
    try:
        locs = location_keys(offer)
        return EncodedOffer(
            id=offer.id,
            doc=encode_doc(offer),
            cell=cells.cell_of(offer.place.lat, offer.place.lon),
            codes=offer_codes(offer),
            values=cover_values(offer, OfferColumns.of(offer)),
            zones=zone_keys(offer),
            locs=locs,
            sensitive=sensitive_champs(offer),
            counters=[
                encode_counter(location_key(offer.id, c.location_id), c) for c in offer.capacities
            ],
            facts=fact_values(offer),
            synchro=synchro_codes(offer, locs) if offer.source else [],
        )
    except (TypeError, ValueError, AttributeError, RorError) as exc:
        return Rejected(str(getattr(offer, "id", "?")), f"{type(exc).__name__}: {exc}")


def fact_values(offer: Offer) -> tuple[str, str, str, str, str]:
    """The ``offer_facts`` columns after (rid, id): région, département, FINESS and id of the
    establishment, champ codes (``embedded_capacities``)."""
    est = offer.establishment
    return (
        str(offer.place.region or ""),
        str(offer.place.departement or ""),
        str(est.finess or "").strip().upper(),
        str(est.id or ""),
        " ".join(offer.champ),
    )


def synchro_codes(offer: Offer, locs: Sequence[str]) -> list[tuple[str, str]]:
    """``location_synchro`` rows of an offer: (identifier, Location) found in its kept FHIR
    source, for the Locations it uses."""
    return [(code, loc) for code, loc in source_identifiers(offer.source) if loc in locs]


def encode_counter(loc: str, c: Capacity) -> EncodedCounter:
    beds, places = available_counts((c,))
    return EncodedCounter(counter_row(loc, c), beds, places)


def counter_row(loc: str, c: Capacity) -> tuple[Any, ...]:
    """A ``capacities`` row without its position."""
    return (
        loc,
        *c.key(),
        c.count,
        c.source,
        c.updated_at.isoformat(),
        c.updated_at.timestamp(),
        c.location_id,
    )


# --- capacities ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredCounter:
    """A capacity row: its Location key, the counter, and its position (read order)."""

    loc: str
    capacity: Capacity
    pos: int

    def row(self) -> tuple[Any, ...]:
        return (*counter_row(self.loc, self.capacity), self.pos)


CAPACITY_SELECT: Final = (
    "SELECT loc, nature, status, temporality, gender, closing_type, extra_bed_type, crisis, "
    "assignment, count, source, updated_at, location_id FROM capacities"
)


def capacity_from_row(row: Sequence[Any]) -> tuple[str, Capacity]:
    (loc, nature, status, temporality, gender, closing, extra, crisis, assignment) = row[:9]
    count, source, updated_at, location_id = row[9:13]
    return loc, Capacity(
        nature=nature,
        status=status,
        temporality=temporality,
        count=count,
        updated_at=datetime.fromisoformat(updated_at),
        source=source,
        gender=gender or None,
        closing_type=closing or None,
        extra_bed_type=extra or None,
        crisis=crisis or None,
        assignment=assignment,
        location_id=location_id,
    )


def newest_counters(offers_counters: Iterable[tuple[str, Capacity]]) -> dict[Any, Capacity]:
    """Per (Location key, counter key), the counter with the newest ``updated_at``."""
    kept: dict[Any, Capacity] = {}
    for loc, c in offers_counters:
        key = (loc, *c.key())
        old = kept.get(key)
        if old is None or c.updated_at > old.updated_at:
            kept[key] = c
    return kept
