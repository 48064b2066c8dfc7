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
from typing import Any, NoReturn

from ror.errors import InvalidInput, RorError
from ror.model import Establishment, Offer, Place

from .cache import Lru
from .fhir import Json, objects, resource_key, text
from .locations import LocationFacts, read_location
from .organizations import address_place, find_chain, read_establishment
from .references import ResourceIndex, parse_reference
from .services import (
    closing,
    contacts,
    last_updated,
    offer_identifier,
    opening_hours,
    patient_type,
    professions,
    sensitive,
    service_codes,
    zones,
)
from .validate import check_id, region_tag

#: A warning: (resource, FHIR path, reason).
Note = tuple[str, str, str]
NO_PLACE = "no location with coordinates or commune"
CACHE_SIZE = 50_000  # parsed Locations / establishments kept (a national load has ~10x more)


class Rejected(Exception):
    """An offer that cannot be built; ``resource`` is where the problem is."""

    def __init__(self, resource: str, field: str | None, reason: str) -> None:
        super().__init__(f"{resource} {field}: {reason}")
        self.resource = resource
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Failure:
    """A cached failure: the error, and the rejection naming another resource if any."""

    error: RorError
    rejected: Rejected | None = None

    def reraise(self) -> NoReturn:
        """Raise a fresh copy (re-raising one instance would pile up its tracebacks)."""
        if self.rejected is not None:
            raise Rejected(self.rejected.resource, self.rejected.field, self.rejected.reason)
        raise type(self.error)(self.error.message, self.error.field)


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


@dataclass(frozen=True, slots=True)
class Provider:
    """What an offer takes from the organisation chain above it (cached per ``providedBy``)."""

    establishment: Establishment
    eg: tuple[str, str]  # (type, id) of the EG
    members: tuple[tuple[str, str], ...]  # OIs, EG and EJ, for the kept source
    region_tag: str | None


@dataclass(slots=True)
class Assembler:
    """Turns HealthcareServices into Offers against an index of their context resources.

    Locations and organisation chains are parsed once per load (bounded caches keyed by
    resource); the raw resources are fetched again only to keep them in ``Offer.source``.
    """

    index: ResourceIndex
    keep_source: bool = True
    notes: list[Note] = field(default_factory=list)
    _locations: Lru[tuple[str, str], LocationFacts | _Failure] = field(
        default_factory=lambda: Lru(CACHE_SIZE)
    )
    _providers: Lru[tuple[str, str], Provider | _Failure] = field(
        default_factory=lambda: Lru(CACHE_SIZE)
    )
    _eg_places: Lru[tuple[str, str], tuple[Place | None] | _Failure] = field(
        default_factory=lambda: Lru(CACHE_SIZE)
    )

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
        provider = self._provider(hs)
        locations, unresolved = self._locations_of(hs)
        place = self._place(provider, locations, unresolved, warn)
        closed_from, reopens_at = closing(hs)
        roles = list(self.index.roles_of(oid)) if hs.get("id") else []
        return Offer(
            id=oid,
            name=name,
            establishment=provider.establishment,
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
            region_tag=region_tag(hs)
            or next((loc.region_tag for loc in locations if loc.region_tag), None)
            or provider.region_tag,
            source=self._source(hs, oid, locations, provider, roles) if self.keep_source else None,
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

    def _provider(self, hs: Json) -> Provider:
        ref = hs.get("providedBy")
        if ref is None:
            raise InvalidInput("missing providedBy", "providedBy")
        key = self.index.locate(ref, "Organization")
        cached = self._providers.get(key) if key else None
        if cached is None:
            start = self.index.resolve(ref, "Organization", hs)
            if start is None:
                raw = ref.get("reference") if isinstance(ref, dict) else ref
                raise InvalidInput(f"unresolved reference {raw}", "providedBy")
            cached = self._read_provider(start, hs)
            if key:
                self._providers.put(key, cached)
        if isinstance(cached, _Failure):
            cached.reraise()
        return cached

    def _read_provider(self, start: Json, hs: Json) -> Provider | _Failure:
        try:
            chain = find_chain(start, self.index, hs, self._warner(resource_key(start)))
        except RorError as exc:
            return _Failure(exc)
        try:
            establishment = read_establishment(chain)
        except RorError as exc:
            return _Failure(exc, Rejected(resource_key(chain.eg), exc.field, exc.message))
        members = (*chain.below, chain.eg, *([chain.ej] if chain.ej else []))
        return Provider(
            establishment=establishment,
            eg=_key(chain.eg),
            members=tuple(_key(m) for m in members),
            region_tag=region_tag(chain.eg),
        )

    def _locations_of(self, hs: Json) -> tuple[list[LocationFacts], list[tuple[int, str]]]:
        found: list[LocationFacts] = []
        unresolved: list[tuple[int, str]] = []
        for i, ref in enumerate(objects(hs.get("location"))):
            key = self.index.locate(ref, "Location")
            facts = self._locations.get(key) if key else None
            if facts is None:
                location = self.index.resolve(ref, "Location", hs)
                if location is None:
                    parsed = parse_reference(ref)
                    unresolved.append((i, parsed.raw if parsed else repr(ref)))
                    continue
                facts = self._read_location(location)
                if key:
                    self._locations.put(key, facts)
            if isinstance(facts, _Failure):
                facts.reraise()
            if facts.id not in {f.id for f in found}:
                found.append(facts)
        return found, unresolved

    def _read_location(self, location: Json) -> LocationFacts | _Failure:
        key = resource_key(location)
        try:
            return read_location(location, self._warner(key))
        except RorError as exc:
            return _Failure(exc, Rejected(key, exc.field, exc.message))

    def _place(
        self,
        provider: Provider,
        locations: list[LocationFacts],
        unresolved: list[tuple[int, str]],
        warn: Callable[[str, str], None],
    ) -> Place:
        place = next((loc.place for loc in locations if loc.place is not None), None)
        if place is None:
            place = self._eg_place(provider.eg)
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

    def _eg_place(self, key: tuple[str, str]) -> Place | None:
        cached = self._eg_places.get(key)
        if cached is None:
            eg = self.index.get(*key)
            where = "/".join(key)
            try:
                cached = (address_place(eg, self._warner(where)) if eg else None,)
            except RorError as exc:
                cached = _Failure(exc, Rejected(where, exc.field, exc.message))
            self._eg_places.put(key, cached)
        if isinstance(cached, _Failure):
            cached.reraise()
        return cached[0]

    @staticmethod
    def _professions(roles: list[Json]) -> tuple[str, ...]:
        codes: list[str] = []
        for role in roles:
            try:
                codes += professions(role)
            except RorError as exc:
                raise Rejected(resource_key(role), exc.field, exc.message) from exc
        return tuple(dict.fromkeys(codes))

    def _source(
        self,
        hs: Json,
        oid: str,
        locations: list[LocationFacts],
        provider: Provider,
        roles: list[Json],
    ) -> dict[str, Any]:
        """The service and every resource it was built from, as a FHIR collection Bundle."""
        resources: list[Json] = [hs if hs.get("id") else {**hs, "id": oid}]
        keys = [("Location", loc.id) for loc in locations] + list(provider.members)
        resources += [res for key in keys if (res := self.index.get(*key)) is not None]
        resources += roles
        resources += [
            res
            for role in roles
            if (res := self.index.resolve(role.get("practitioner"), "Practitioner", role))
        ]
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


def _key(resource: Json) -> tuple[str, str]:
    return (str(resource.get("resourceType")), str(resource.get("id", "")))
