"""Build one :class:`~ror.model.Offer` per HealthcareService, denormalised (DESIGN §3).

:meth:`Assembler.build` reads top-down: identity and codes of the service, its patientèle,
its organisation chain up to the EG, its Locations (place, capacities, equipment), then the
rest of the service (zones, hours, contacts, closing dates). Locations and establishments are
parsed once and cached (several offers share them). Any problem that keeps the offer from being
correct raises :class:`Rejected` naming the resource, FHIR path and reason; lesser problems are
noted as warnings.

Missing context: an unresolved ``providedBy`` (or ``partOf`` below the EG) rejects the offer;
unresolved Locations only cost their capacities when another Location or the EG address still
places the offer, otherwise the offer is rejected ("no location with coordinates or commune").
A service without ``id`` (a POST body, like the documentation examples) gets a stable id derived
from its content (``sha1-…``), so reloading the same file is idempotent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ror.errors import InvalidInput, RorError
from ror.model import Establishment, Offer, Place

from .fhir import Json, objects, resource_key, text
from .locations import LocationFacts, read_location
from .organizations import Chain, address_place, find_chain, read_establishment
from .references import ResourceIndex, parse_reference
from .services import (
    closing,
    contacts,
    last_updated,
    offer_identifier,
    opening_hours,
    patient_type,
    professions,
    region_tag,
    sensitive,
    service_codes,
    zones,
)
from .validate import check_id

#: A warning: (resource, FHIR path, reason).
Note = tuple[str, str, str]
NO_PLACE = "no location with coordinates or commune"


class Rejected(Exception):
    """An offer that cannot be built; ``resource`` is where the problem is."""

    def __init__(self, resource: str, field: str | None, reason: str) -> None:
        super().__init__(f"{resource} {field}: {reason}")
        self.resource = resource
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Failure:
    error: RorError


def derived_id(hs: Json) -> str:
    """A stable id for a service that has none: a hash of its content."""
    canonical = json.dumps(hs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha1-" + hashlib.sha1(canonical.encode()).hexdigest()[:24]


def service_id(hs: Json) -> str:
    """The offer id of a HealthcareService (its id, or :func:`derived_id`)."""
    try:
        rid = check_id(hs.get("id"))
    except InvalidInput as exc:
        raise Rejected(resource_key(hs), "id", exc.message) from None
    return rid or derived_id(hs)


@dataclass(slots=True)
class Assembler:
    """Turns HealthcareServices into Offers against an index of their context resources."""

    index: ResourceIndex
    keep_source: bool = True
    notes: list[Note] = field(default_factory=list)
    _locations: dict[str, LocationFacts | _Failure] = field(default_factory=dict)
    _establishments: dict[str, Establishment | _Failure] = field(default_factory=dict)
    _eg_places: dict[str, Place | _Failure | None] = field(default_factory=dict)

    def build(self, hs: Json) -> Offer:
        """The Offer of one HealthcareService; raises :class:`Rejected`."""
        oid = service_id(hs)
        me = f"HealthcareService/{oid}"
        warn = self._warner(me)
        if not hs.get("id"):
            warn("id", f"no id; derived {oid} from the content")
        try:
            return self._build(hs, oid, warn)
        except RorError as exc:
            raise Rejected(me, exc.field, exc.message) from exc

    def _build(self, hs: Json, oid: str, warn: Callable[[str, str], None]) -> Offer:
        name = text(hs.get("name"))
        if name is None:
            raise InvalidInput("missing name", "name")
        codes = service_codes(hs, warn)
        self._require_codes(codes, warn)
        age_min, age_max, public = patient_type(hs)
        chain = self._chain(hs, warn)
        establishment = self._establishment(chain)
        locations, unresolved = self._locations_of(hs)
        place = self._place(chain, locations, unresolved, warn)
        closed_from, reopens_at = closing(hs)
        roles = list(self.index.roles_of(oid)) if hs.get("id") else []
        return Offer(
            id=oid,
            name=name,
            establishment=establishment,
            place=place,
            ror_id=offer_identifier(hs),
            activity=codes.get("activity", ()),
            offer_type=codes.get("offer_type", ()),
            champ=codes.get("champ", ()),
            care_mode=codes.get("care_mode", ()),
            reception=codes.get("reception", ()),
            modalities=codes.get("modalities", ()),
            specialisations=codes.get("specialisations", ()),
            acts=codes.get("acts", ()),
            public=tuple(dict.fromkeys(public + codes.get("public", ()))),
            expertise=codes.get("expertise", ()),
            professions=self._professions(roles),
            age_min=age_min,
            age_max=age_max,
            location_ids=tuple(loc.id for loc in locations),
            capacities=tuple(c for loc in locations for c in loc.capacities),
            equipment=tuple(e for loc in locations for e in loc.equipment),
            zones=zones(hs),
            hours=opening_hours(hs),
            contacts=contacts(hs),
            sensitive=sensitive(hs),
            closed_from=closed_from,
            reopens_at=reopens_at,
            last_updated=last_updated(hs),
            region_tag=self._region(hs, locations, chain),
            source=self._source(hs, oid, locations, chain, roles) if self.keep_source else None,
        )

    # --- steps -------------------------------------------------------------------------------

    @staticmethod
    def _require_codes(codes: dict[str, tuple[str, ...]], warn: Callable[[str, str], None]) -> None:
        if not codes.get("activity"):
            raise InvalidInput("missing operational activity (TRE_R211)", "specialty")
        if not codes.get("champ"):
            raise InvalidInput("missing champ d'activité (TRE_R227)", "type")
        if not codes.get("care_mode"):
            warn("characteristic", "no care mode (TRE_R213)")

    def _chain(self, hs: Json, warn: Callable[[str, str], None]) -> Chain:
        ref = hs.get("providedBy")
        if ref is None:
            raise InvalidInput("missing providedBy", "providedBy")
        start = self.index.resolve(ref, "Organization", hs)
        if start is None:
            raw = ref.get("reference") if isinstance(ref, dict) else ref
            raise InvalidInput(f"unresolved reference {raw}", "providedBy")
        return find_chain(start, self.index, hs, warn)

    def _establishment(self, chain: Chain) -> Establishment:
        eg_key = resource_key(chain.eg)
        cache_key = f"{eg_key}<{resource_key(chain.ej) if chain.ej else ''}"
        cached = self._establishments.get(cache_key)
        if cached is None:
            try:
                cached = read_establishment(chain)
            except RorError as exc:
                cached = _Failure(exc)
            self._establishments[cache_key] = cached
        if isinstance(cached, _Failure):
            raise Rejected(eg_key, cached.error.field, cached.error.message)
        return cached

    def _locations_of(self, hs: Json) -> tuple[list[LocationFacts], list[tuple[int, str]]]:
        found: list[LocationFacts] = []
        unresolved: list[tuple[int, str]] = []
        for i, ref in enumerate(objects(hs.get("location"))):
            location = self.index.resolve(ref, "Location", hs)
            if location is None:
                parsed = parse_reference(ref)
                unresolved.append((i, parsed.raw if parsed else repr(ref)))
                continue
            facts = self._location(location, contained=str(ref.get("reference", "")))
            if facts.id not in {f.id for f in found}:
                found.append(facts)
        return found, unresolved

    def _location(self, location: Json, contained: str) -> LocationFacts:
        key = resource_key(location)
        cached = None if contained.startswith("#") else self._locations.get(key)
        if cached is None:
            try:
                cached = read_location(location, self._warner(key))
            except RorError as exc:
                cached = _Failure(exc)
            if not contained.startswith("#"):
                self._locations[key] = cached
        if isinstance(cached, _Failure):
            raise Rejected(key, cached.error.field, cached.error.message)
        return cached

    def _place(
        self,
        chain: Chain,
        locations: list[LocationFacts],
        unresolved: list[tuple[int, str]],
        warn: Callable[[str, str], None],
    ) -> Place:
        place = next((loc.place for loc in locations if loc.place is not None), None)
        if place is None:
            place = self._eg_place(chain.eg)
            if place is not None:
                warn("location", "no Location with a place; using the EG address")
        if place is None:
            if unresolved:
                i, raw = unresolved[0]
                raise InvalidInput(f"unresolved reference {raw}; {NO_PLACE}", f"location[{i}]")
            raise InvalidInput(NO_PLACE, "location")
        for i, raw in unresolved:
            warn(f"location[{i}]", f"unresolved reference {raw}: its capacities are missing")
        return place

    def _eg_place(self, eg: Json) -> Place | None:
        key = resource_key(eg)
        if key not in self._eg_places:
            try:
                self._eg_places[key] = address_place(eg, self._warner(key))
            except RorError as exc:
                self._eg_places[key] = _Failure(exc)
        cached = self._eg_places[key]
        if isinstance(cached, _Failure):
            raise Rejected(key, cached.error.field, cached.error.message)
        return cached

    @staticmethod
    def _professions(roles: list[Json]) -> tuple[str, ...]:
        codes: list[str] = []
        for role in roles:
            try:
                codes += professions(role)
            except RorError as exc:
                raise Rejected(resource_key(role), exc.field, exc.message) from exc
        return tuple(dict.fromkeys(codes))

    def _region(self, hs: Json, locations: list[LocationFacts], chain: Chain) -> str | None:
        """The source région tag of the service, else of its Location or EG."""
        tagged = [hs, *(self.index.by_key.get(("Location", loc.id), {}) for loc in locations)]
        for resource in (*tagged, chain.eg):
            region = region_tag(resource)
            if region:
                return region
        return None

    def _source(
        self,
        hs: Json,
        oid: str,
        locations: list[LocationFacts],
        chain: Chain,
        roles: list[Json],
    ) -> dict[str, Any]:
        """The service and every resource it was built from, as a FHIR collection Bundle."""
        resources: list[Json] = [hs if hs.get("id") else {**hs, "id": oid}]
        for loc in locations:
            raw = self.index.by_key.get(("Location", loc.id))
            if raw is not None:
                resources.append(raw)
        resources += [*chain.below, chain.eg, *([chain.ej] if chain.ej else []), *roles]
        entries = []
        seen = set()
        for res in resources:
            key = resource_key(res)
            if key not in seen:
                seen.add(key)
                entries.append({"fullUrl": key, "resource": res})
        return {"resourceType": "Bundle", "type": "collection", "entry": entries}

    def _warner(self, resource: str) -> Callable[[str, str], None]:
        def warn(path: str, reason: str) -> None:
            self.notes.append((resource, path, reason))

        return warn
