"""What FHIR searches read from an indexed offer: its Locations one by one, its codings as
tokens, the FHIR resources it was built from.

An :class:`~ror.model.Offer` denormalises its Locations (counters and equipment carry their
``location_id``); :func:`view` splits them back into :class:`LocationView` rows, each with its
own point and commune when the source Location gave one. Counters are the engine's live ones
(capacity pushes included), never the ones frozen in the source. An offer without any
Location resource gets one view without id (its place, e.g. the EG address).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from ror import nomenclature
from ror.errors import RorError
from ror.indexer.fhir import Extensions, as_list, codings, objects, text
from ror.indexer.locations import location_place
from ror.model import Capacity, Equipment, Offer

Json = dict[str, Any]
#: (system key or None, system as written or None, code)
TokenValue = tuple[str | None, str | None, str]

#: Offer code field -> the HealthcareService element its codings come from.
SOURCE_ELEMENTS: Final = {
    "activity": "specialty",
    "offer_type": "category",
    "champ": "type",
    "characteristic": "characteristic",
}
#: The Offer fields a ``characteristic`` coding may land in.
CHARACTERISTIC_FIELDS: Final = (
    "care_mode",
    "reception",
    "modalities",
    "specialisations",
    "acts",
    "expertise",
)


@dataclass(frozen=True, slots=True)
class LocationView:
    """One Location of an offer, as searches see it."""

    id: str | None  # None: the offer has no Location resource (its place stands in)
    lat: float
    lon: float
    commune: str
    postal_code: str
    city: str
    capacities: tuple[Capacity, ...]
    equipment: tuple[Equipment, ...]
    identifiers: tuple[TokenValue, ...]
    last_updated: datetime | None
    resource: Json | None  # the source Location, when loaded from FHIR
    name: str | None = None


@dataclass(frozen=True, slots=True)
class OfferView:
    offer: Offer
    locations: tuple[LocationView, ...]
    resources: Mapping[tuple[str, str], Json]  # source resources by (type, id)

    @property
    def service(self) -> Json | None:
        return self.resources.get(("HealthcareService", self.offer.id))

    @property
    def provider_id(self) -> str:
        """The id of the Organization ``providedBy`` points at (the EG when unknown)."""
        service = self.service
        found = reference_id(service.get("providedBy"), "Organization") if service else None
        if found is not None and ("Organization", found) in self.resources:
            return found
        return self.offer.establishment.id

    @property
    def establishment(self) -> Json | None:
        return self.resources.get(("Organization", self.offer.establishment.id))

    def location(self, location_id: str) -> LocationView | None:
        return next((loc for loc in self.locations if loc.id == location_id), None)


def reference_id(ref: object, rtype: str) -> str | None:
    """The id a reference names for ``rtype`` (``…/Location/7/_history/2`` -> "7")."""
    raw = ref.get("reference") if isinstance(ref, dict) else None
    if not isinstance(raw, str):
        return None
    parts = raw.rstrip("/").split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2] == rtype:
        return parts[-1]
    return None


def view(offer: Offer, *, counters: bool = True) -> OfferView:
    """``counters`` False: the caller may not see capacities, so the view holds none and the
    dates it carries (``last_updated``) are the description's only. The views of the last
    :data:`VIEWS_KEPT` offer objects are kept (engines hand out the same object while neither
    the offer nor its counters change): read-only, like the offer."""
    key = (id(offer), counters)
    with _VIEWS_LOCK:
        kept = _VIEWS.get(key)
        if kept is not None and kept[0] is offer:
            _VIEWS.move_to_end(key)
            return kept[1]
    made = _view(offer, counters)
    with _VIEWS_LOCK:
        _VIEWS[key] = (offer, made)  # the offer held with its view: its id is not reused
        if len(_VIEWS) > VIEWS_KEPT:
            _VIEWS.popitem(last=False)
    return made


VIEWS_KEPT: Final = 4096
_VIEWS: OrderedDict[tuple[int, bool], tuple[Offer, OfferView]] = OrderedDict()
_VIEWS_LOCK: Final = threading.Lock()


def _view(offer: Offer, counters: bool) -> OfferView:
    if not counters:
        offer = dataclasses.replace(offer, capacities=())
    resources = source_resources(offer)
    ids = offer.location_ids or (None,)
    return OfferView(offer, tuple(_location(offer, lid, resources) for lid in ids), resources)


def source_resources(offer: Offer) -> dict[tuple[str, str], Json]:
    found: dict[tuple[str, str], Json] = {}
    for entry in objects((offer.source or {}).get("entry")):
        res = entry.get("resource")
        if isinstance(res, dict) and res.get("resourceType") and res.get("id"):
            found[(str(res["resourceType"]), str(res["id"]))] = res
    return found


def _location(
    offer: Offer, lid: str | None, resources: Mapping[tuple[str, str], Json]
) -> LocationView:
    resource = resources.get(("Location", lid)) if lid else None
    place = offer.place
    if resource is not None:
        with suppress(RorError):  # it was read at load time: else keep the offer's place
            place = location_place(resource, Extensions(resource), _ignore) or place
    counters = tuple(c for c in offer.capacities if c.location_id == (lid or ""))
    equipment = tuple(e for e in offer.equipment if e.location_id == (lid or ""))
    return LocationView(
        id=lid,
        lat=place.lat,
        lon=place.lon,
        commune=place.commune,
        postal_code=place.postal_code,
        city=place.city,
        capacities=counters,
        equipment=equipment,
        identifiers=tuple(identifier_values(resource)) if resource else _own_identifier(offer, lid),
        name=text(resource.get("name")) if resource else _own_name(offer, lid),
        last_updated=_newest(described(offer, resource), (c.updated_at for c in counters)),
        resource=resource,
    )


def location_identifier(offer: Offer, lid: str) -> str | None:
    """How the national push addresses a Location without a source: ``<FINESS>/<id>``."""
    finess = offer.establishment.finess
    return f"{finess}/{lid}" if finess else None


def location_name(offer: Offer, lid: str) -> str:
    """The name of a Location without a source: its establishment's, and its own id."""
    return f"{offer.establishment.name} (lieu {lid})"


def _own_identifier(offer: Offer, lid: str | None) -> tuple[TokenValue, ...]:
    value = location_identifier(offer, lid) if lid else None
    return ((None, None, value),) if value else ()


def _own_name(offer: Offer, lid: str | None) -> str | None:
    return location_name(offer, lid) if lid else None


def described(offer: Offer, location: Json | None) -> datetime | None:
    """When a Location's description (not its counters) last changed."""
    return meta_updated(location) if location is not None else offer.last_updated


def _ignore(path: str, reason: str) -> None:
    return None


def _newest(first: datetime | None, others: Iterable[datetime]) -> datetime | None:
    dates = [d for d in (first, *others) if d is not None]
    return max(dates) if dates else None


def meta_updated(resource: Json | None) -> datetime | None:
    meta = resource.get("meta") if resource else None
    raw = meta.get("lastUpdated") if isinstance(meta, dict) else None
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


# --- tokens ----------------------------------------------------------------------------------


def coding_values(concepts: object) -> list[TokenValue]:
    """Every coding of a CodeableConcept (or a list of them) as a token value."""
    out: list[TokenValue] = []
    for concept in as_list(concepts):
        for coding in codings(concept):
            code = text(coding.get("code"))
            if code is None:
                continue
            system = text(coding.get("system"))
            key = nomenclature.system_key(system) if system else None
            out.append((key, system, nomenclature.normalise_code(key, code) if key else code))
    return out


def identifier_values(resource: Json) -> list[TokenValue]:
    return [
        (None, text(i.get("system")), str(text(i.get("value"))))
        for i in objects(resource.get("identifier"))
        if text(i.get("value"))
    ]


def offer_tokens(v: OfferView, field: str) -> list[TokenValue]:
    """The token values of an offer for a catalog field (indexed codes + source codings)."""
    offer = v.offer
    out: list[TokenValue]
    if field == "characteristic":
        out = [
            (nomenclature.FIELD_SYSTEMS[name], None, code)
            for name in CHARACTERISTIC_FIELDS
            for code in getattr(offer, name)
        ]
    elif field == "id":
        return [(None, None, offer.id)]
    elif field == "identifiers":
        out = [(None, None, offer.ror_id)] if offer.ror_id else []
        return out + (identifier_values(v.service) if v.service else [])
    elif field == "practitioner_identifiers":
        return practitioner_identifiers(v)
    elif field == "region_tag":
        out = [("R30", None, offer.region_tag)] if offer.region_tag else []
        meta = v.service.get("meta") if v.service else None
        tags = meta.get("tag") if isinstance(meta, dict) else None
        return out + coding_values({"coding": tags} if tags else None)
    else:
        key = nomenclature.FIELD_SYSTEMS[field]
        out = [(key, None, code) for code in getattr(offer, field)]
    element = SOURCE_ELEMENTS.get(field)
    if element and v.service is not None:
        out += coding_values(v.service.get(element))
    return out


def practitioner_identifiers(v: OfferView) -> list[TokenValue]:
    """Identifiers (RPPS) of the practitioners of the PractitionerRoles pointing at the offer:
    on the role's reference, and on the Practitioner resource when it was loaded."""
    out: list[TokenValue] = []
    for (rtype, _), role in v.resources.items():
        if rtype != "PractitionerRole":
            continue
        ref = role.get("practitioner")
        if isinstance(ref, dict) and isinstance(ref.get("identifier"), dict):
            out += identifier_values({"identifier": [ref["identifier"]]})
        pid = reference_id(ref, "Practitioner")
        person = v.resources.get(("Practitioner", pid)) if pid else None
        if person is not None:
            out += identifier_values(person)
    return out


def organizations_above(v: OfferView) -> list[Json]:
    """The source organisations above the EG (``partOf``: the EJ…), nearest first."""
    out: list[Json] = []
    org = v.establishment
    seen = {v.offer.establishment.id}
    while org is not None and len(out) < 8:
        parent = reference_id(org.get("partOf"), "Organization")
        org = v.resources.get(("Organization", parent)) if parent and parent not in seen else None
        if org is not None:
            seen.add(str(parent))
            out.append(org)
    return out


def location_tags(v: OfferView, loc: LocationView) -> list[TokenValue]:
    """A Location's ``meta.tag`` (source region, R30); the offer's region without a source."""
    if loc.resource is None:
        return [("R30", None, v.offer.region_tag)] if v.offer.region_tag else []
    meta = loc.resource.get("meta")
    tags = meta.get("tag") if isinstance(meta, dict) else None
    return coding_values({"coding": tags}) if tags else []


def location_tokens(v: OfferView, loc: LocationView, field: str) -> list[TokenValue]:
    """The token values of one Location of an offer for a catalog field."""
    if field == "id":
        return [(None, None, loc.id)] if loc.id else []
    if field == "commune":
        return [("R13", None, loc.commune)]
    if field == "region_tag":
        return location_tags(v, loc)
    return list(loc.identifiers)


def organization_tokens(v: OfferView, field: str) -> list[TokenValue]:
    est = v.offer.establishment
    eg = v.establishment
    if field == "category":
        out: list[TokenValue] = [("R66", None, est.category)] if est.category else []
        return out + (coding_values(eg.get("type")) if eg else [])
    if field == "financial_help":
        return [("R241", None, code) for code in est.financial_help]
    out = [(None, None, est.finess)] if est.finess else []  # identifiers
    return out + (identifier_values(eg) if eg else [])


def above_tokens(org: Json, field: str) -> list[TokenValue]:
    """The token values of an organisation above the EG (``:above``) for a catalog field."""
    if field == "identifiers":
        return identifier_values(org)
    return coding_values(org.get("type")) if field == "category" else []


def text_of(v: OfferView, loc: LocationView | None, scope: str, field: str) -> str | None:
    """The string a string parameter of ``scope`` reads (``loc`` for Location scope)."""
    if scope == "offer":
        return v.offer.name
    if scope == "organization":
        return v.offer.establishment.name
    assert loc is not None
    value: str | None = getattr(loc, field)
    return value
