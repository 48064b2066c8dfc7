"""Turning the plan into offers: each establishment's units, Locations, counters and offers.

``OfferBuilder(table, seed, now).block(plan, b)`` walks block ``b`` of the plan
(``synthetic_plan``: :data:`BLOCK` establishments a block) and yields :class:`~ror.model.Offer`
documents one establishment at a time. Each block draws from a random source of its own and
knows where its numbering starts, so blocks can be built in any order, in several processes, and
still give the same offers: hospital sites open their units (``synthetic_catalogue`` profiles,
``synthetic_units`` templates) in a few buildings, some units sharing a Location and so its
counters (``synthetic_capacity``); EHPAD and other services get their prices and social-aid
accreditation (``synthetic_org``); home-based services their intervention zone
(``synthetic_places``); practices one offer per practitioner.
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from itertools import accumulate

from ror.indexer import synthetic_org as org
from ror.indexer.synthetic_capacity import BED_MANAGEMENT, DPI, GAM, MANUAL, counters, updated_at
from ror.indexer.synthetic_catalogue import (
    ADULT_PSYCHOLOGY_SPECIALISATIONS,
    CHILD_PSYCHOLOGY_SPECIALISATIONS,
    FILL_MODE_LABELS,
    HOME_BASED_CARE_MODES,
    HOURS,
    PRACTICE_HOURS,
    PRACTICE_VARIANTS,
    PRACTICES,
    PSYCHOLOGY,
    SERVICE_KINDS,
    SITE_PROFILES,
    SURGICAL_ACTIVITIES,
    PracticeKind,
    SiteProfile,
)
from ror.indexer.synthetic_places import CommuneTable, ZoneFinder
from ror.indexer.synthetic_plan import KINDS, PRACTICE, Plan
from ror.indexer.synthetic_random import Draw
from ror.indexer.synthetic_units import UnitTemplate
from ror.model import Capacity, Contact, Equipment, Establishment, Offer, Place, Price, Zone

CLOSED_SHARE = 0.01  # offers temporarily closed now
FUTURE_CLOSURE_SHARE = 0.003  # offers open now with a closure planned
SHARED_LOCATION_SHARE = 0.35  # units of a group that reuse the group's Location
BLOCK = 4096  # establishments a block (part of the seed's meaning: do not change lightly)


_HOSPITAL_SOURCES = ((BED_MANAGEMENT, 0.6), (DPI, 0.15), (GAM, 0.1), (MANUAL, 0.15))
_CLINIC_SOURCES = ((BED_MANAGEMENT, 0.3), (DPI, 0.2), (MANUAL, 0.5))
_SPECIALISED_SOURCES = ((MANUAL, 0.6), (GAM, 0.2), (DPI, 0.2))
_MEDICO_SOCIAL_SOURCES = ((MANUAL, 0.8), (DPI, 0.15), (GAM, 0.05))
_SITE_SOURCES = {
    "chu": _HOSPITAL_SOURCES,
    "ch": _HOSPITAL_SOURCES,
    "surgical_clinic": _CLINIC_SOURCES,
    "medical_clinic": _CLINIC_SOURCES,
}
_EHPAD_STATUS = (("public", 0.45), ("nonprofit", 0.30), ("commercial", 0.25))
_PRACTICE_WEIGHTS = list(accumulate(p.weight for p in PRACTICES))
_MODE_VARIANTS: dict[tuple[int, str], UnitTemplate] = {}
_HOSPITAL_CHAMPS = frozenset({"01", "02", "03"})  # MCO, SMR, psychiatry


def _pick(rng: Draw, weighted: tuple[tuple[str, float], ...]) -> str:
    draw = rng.random() * sum(w for _, w in weighted)
    for value, weight in weighted:
        draw -= weight
        if draw < 0:
            return value
    return weighted[-1][0]


def _mode_variant(template: UnitTemplate, mode: str) -> UnitTemplate:
    """A ward template turned into its day-hospital, consultation, weekly or day-surgery unit."""
    key = (id(template), mode)
    found = _MODE_VARIANTS.get(key)
    if found is not None:
        return found
    if mode == "09" and not set(template.activity) & SURGICAL_ACTIVITIES:
        mode = "29"  # day surgery is for surgical specialties; medicine gets a day hospital
    if mode == "28":
        variant = replace(template, group="")
    elif mode == "34":
        variant = replace(template, care_mode=mode, capacity=(8, 20), group="", critical=False)
    elif mode in ("29", "09"):
        variant = replace(
            template,
            care_mode=mode,
            capacity=(5, 20),
            nature="02",
            hours="day_hospital",
            group="",
            critical=False,
            equipment=(),
            occupancy=0.8,
        )
    else:  # consultation
        variant = replace(
            template,
            care_mode=mode,
            capacity=(0, 0),
            hours="consultation",
            modalities=("03",),
            group="",
            critical=False,
            equipment=(),
        )
    _MODE_VARIANTS[key] = variant
    return variant


def _service_offer_name(template: UnitTemplate, establishment: str) -> str:
    """ "IME Les Jardins - semi-internat", "Hébergement permanent - EHPAD Les Tilleuls"."""
    stem, _, detail = template.name.partition(" - ")
    if establishment.startswith(stem):
        return f"{establishment} - {detail}" if detail else establishment
    return f"{template.name} - {establishment}"


class _Location:
    """A Location built for one unit and possibly reused by others of the same site."""

    __slots__ = ("capacities", "equipment", "id", "place")

    def __init__(
        self,
        id: str,
        place: Place,
        capacities: tuple[Capacity, ...],
        equipment: tuple[Equipment, ...],
    ) -> None:
        self.id = id
        self.place = place
        self.capacities = capacities
        self.equipment = equipment


class OfferBuilder:
    """Builds the offers of a plan, block by block (``seed``: the text seeding each block's
    random source, with the block's number)."""

    def __init__(self, table: CommuneTable, seed: str, now: datetime) -> None:
        self.table = table
        self.seed = seed
        self.rng = Draw(seed)
        self.now = now
        self.zones = ZoneFinder(table)
        self.price_start = date(now.year, 1, 1)
        self.offer_no = 0
        self.location_prefix = "syn-loc-"
        self.location_no = 0
        self._departement_zones: dict[str, tuple[Zone, ...]] = {}

    # -- the stream --------------------------------------------------------------------

    def block(self, plan: Plan, number: int) -> Iterator[Offer]:
        """The offers of the establishments ``number * BLOCK`` up to the next block's."""
        start = number * BLOCK
        stop = start + BLOCK
        self.rng.seed(f"{self.seed}/{number}")
        self.offer_no = int(plan.offers[:start].sum())  # offers of the blocks before
        rows = zip(
            plan.kind[start:stop].tolist(),
            plan.variant[start:stop].tolist(),
            plan.mask[start:stop].tolist(),
            plan.offers[start:stop].tolist(),
            plan.commune[start:stop].tolist(),
            plan.lat[start:stop].tolist(),
            plan.lon[start:stop].tolist(),
            strict=True,
        )
        for site_no, (kind, variant, mask, count, commune, lat, lon) in enumerate(rows, start):
            name = KINDS[kind].name
            site = _Site(self, site_no + 1, name, commune, lat, lon)
            self.location_prefix = f"syn-loc-{site_no + 1:07d}-"  # numbered within it
            self.location_no = 0
            if name in SITE_PROFILES:
                yield from self._hospital(site, SITE_PROFILES[name], count)
            elif name == PRACTICE:
                yield from self._practice(site, variant, count)
            else:
                yield from self._service(site, variant, mask)

    # -- establishments ----------------------------------------------------------------

    def _hospital(self, site: _Site, profile: SiteProfile, count: int) -> Iterator[Offer]:
        rng = self.rng
        of = org.of_city(site.city)
        saint = rng.pick(org.SAINTS)
        clinic = rng.pick(org.CLINIC_NAMES)
        name, legal = {
            "chu": (f"Hôpital {saint} - CHU {of}", f"CHU {of}"),
            "ch": (f"Centre hospitalier {of}", f"Centre hospitalier {of}"),
            "local_hospital": (f"Centre hospitalier {of}", f"Centre hospitalier {of}"),
            "surgical_clinic": (f"Clinique {clinic}", f"SAS Clinique {clinic}"),
            "medical_clinic": (f"Clinique médicale {clinic}", f"SAS Clinique médicale {clinic}"),
            "rehab": (f"Centre de réadaptation {clinic}", f"Association {clinic}"),
            "psychiatric": (f"Centre hospitalier spécialisé {saint}", f"CHS {saint} {of}"),
        }[site.kind]
        establishment = Establishment(
            id=site.eg_id,
            name=name,
            finess=org.finess(rng, site.departement),
            category=profile.category,
            legal_entity=legal,
        )
        source = _pick(rng, _SITE_SOURCES.get(site.kind, _SPECIALISED_SOURCES))
        standard = org.switchboard(rng, site.region)
        buildings = [site.building(i) for i in range(1 + count // 15)]
        shared: dict[str, _Location] = {}
        for template in self._units(profile, count):
            closed = rng.chance(CLOSED_SHARE)
            location = shared.get(template.group) if template.group and not closed else None
            if location is None or rng.random() >= SHARED_LOCATION_SHARE:
                unit_source = source if rng.random() > 0.15 else MANUAL
                location = self._location(
                    template, rng.pick(buildings), unit_source, closed_offer=closed
                )
                if template.group and not closed:
                    shared.setdefault(template.group, location)
            mode_label = FILL_MODE_LABELS.get(template.care_mode, "")
            unit_name = f"{rng.between(1000, 9899)} {template.name} - {mode_label}"
            yield self._offer(
                site,
                establishment,
                template,
                unit_name,
                location,
                self._unit_contacts(site, template, standard),
                (),
                closed,
            )

    def _units(self, profile: SiteProfile, count: int) -> list[UnitTemplate]:
        """The units of a site: core units by probability (one per name), then fill units."""
        rng = self.rng
        chosen: list[UnitTemplate] = []
        names: set[tuple[str, str]] = set()
        for template, probability in profile.core:
            if len(chosen) == count:
                return chosen
            key = (template.name, template.care_mode)
            if key in names or (probability < 1.0 and rng.random() >= probability):
                continue
            names.add(key)
            chosen.append(template)
        fill, modes = profile.fill, profile.fill_modes
        for i in range(count - len(chosen)):
            template = fill[i % len(fill)]
            if modes:
                template = _mode_variant(template, modes[(i // len(fill)) % len(modes)])
            chosen.append(template)
        return chosen

    def _service(self, site: _Site, variant_no: int, mask: int) -> Iterator[Offer]:
        rng = self.rng
        variant = SERVICE_KINDS[site.kind][variant_no]
        units = [t for bit, (t, _) in enumerate(variant.units) if mask >> bit & 1]
        installed = [rng.between(*t.capacity) if t.capacity[1] else 0 for t in units]
        establishment = self._service_establishment(site, variant.category, units, installed)
        source = _pick(rng, _MEDICO_SOCIAL_SOURCES)
        standard = org.switchboard(rng, site.region)
        zones: tuple[Zone, ...] = ()
        shared: dict[str, _Location] = {}
        for template, places in zip(units, installed, strict=True):
            closed = rng.chance(CLOSED_SHARE)
            location = shared.get(template.group) if template.group and not closed else None
            if location is None or rng.random() >= SHARED_LOCATION_SHARE:
                location = self._location(
                    template, site.place, source, closed_offer=closed, installed=places
                )
                if template.group and not closed:
                    shared.setdefault(template.group, location)
            if template.care_mode in HOME_BASED_CARE_MODES and not zones:
                zones = self._intervention_zone(site, template)
            contacts = [standard]
            if rng.chance(0.6):
                contacts.append(org.email("admissions", site.eg_id, "1"))
            if rng.chance(0.1):
                contacts.append(org.mobile_contact(rng, "Direction"))
            yield self._offer(
                site,
                establishment,
                template,
                _service_offer_name(template, establishment.name),
                location,
                tuple(contacts),
                zones if template.care_mode in HOME_BASED_CARE_MODES else (),
                closed,
            )

    def _service_establishment(
        self, site: _Site, category: str, units: list[UnitTemplate], installed: list[int]
    ) -> Establishment:
        rng = self.rng
        kind = site.kind
        residence = rng.pick(org.RESIDENCE_NAMES)
        city = site.city
        legal = rng.pick(org.ASSOCIATIONS).format(name=rng.pick(org.SURNAMES).title())
        financial_help: tuple[str, ...] = ()
        prices: tuple[Price, ...] = ()
        aid_permanent: int | None = None
        aid_temporary: int | None = None
        if kind == "ehpad":
            status = _pick(rng, _EHPAD_STATUS)
            name = f"EHPAD {residence}"
            legal = {"public": f"CCAS {org.of_city(city)}", "commercial": f"SAS {residence}"}.get(
                status, legal
            )
            social_aid = status == "public" or rng.chance(0.9 if status == "nonprofit" else 0.2)
            permanent = sum(
                n for t, n in zip(units, installed, strict=True) if t.reception == ("02",)
            )
            temporary = sum(
                n
                for t, n in zip(units, installed, strict=True)
                if t.reception == ("01",) and t.care_mode == "46"
            )
            if social_aid:
                financial_help = ("01", "02") if rng.chance(0.7) else ("02",)
                share = {"public": 1.0, "nonprofit": rng.uniform(0.5, 1.0)}.get(
                    status, rng.uniform(0.05, 0.2)
                )
                aid_permanent = max(1, round(permanent * share))
                aid_temporary = temporary if temporary and status != "commercial" else None
            elif rng.chance(0.5):
                financial_help = ("01",)
            prices = org.ehpad_prices(
                rng,
                site.region,
                status,
                social_aid,
                temporary=temporary > 0,
                day_care=any(t.care_mode == "47" and t.offer_type == "21" for t in units),
                start=self.price_start,
            )
        elif kind == "autonomy_residence":
            name = f"Résidence autonomie {residence}"
            legal = f"CCAS {org.of_city(city)}"
            financial_help = ("01",) if rng.chance(0.8) else ()
            prices = org.residence_prices(rng, self.price_start)
        elif kind == "had":
            name = f"HAD {city} et environs"
        elif kind == "home_care":
            label = {"354": "SSIAD", "460": "Aide à domicile", "209": "SPASAD"}[category]
            name = f"{label} {org.of_city(city)}"
            if category == "460":
                social_aid = rng.chance(0.6)
                financial_help = ("02",) if social_aid else ()
                prices = org.home_help_prices(rng, social_aid, self.price_start)
        else:
            name = f"{units[0].name.split(' - ')[0]} {residence}"
            if units[0].care_mode == "46" and rng.chance(0.8):
                financial_help = ("02",)
        return Establishment(
            id=site.eg_id,
            name=name,
            finess=org.finess(rng, site.departement),
            category=category,
            legal_entity=legal,
            financial_help=financial_help,
            social_aid_places_permanent=aid_permanent,
            social_aid_places_temporary=aid_temporary,
            prices=prices,
        )

    def _practice(self, site: _Site, variant_no: int, count: int) -> Iterator[Offer]:
        rng = self.rng
        variant = PRACTICE_VARIANTS[variant_no]
        kinds = self._practice_kinds(variant.category, count)
        first = kinds[0]
        surname = rng.pick(org.SURNAMES)
        solo = f"{rng.pick(org.GIVEN_NAMES)} {surname}"
        if variant.category == "SA07":
            name = (
                f"Cabinet du Dr {solo}" if first.doctor else f"Cabinet de {first.label} {surname}"
            )
        elif variant.category == "SA08":
            name = f"Cabinet de {first.label} {surname} et associés"
        elif variant.category == "603":
            name = f"Maison de santé pluriprofessionnelle {org.of_city(site.city)}"
        else:
            name = f"Centre de santé {org.of_city(site.city)}"
        establishment = Establishment(
            id=site.eg_id,
            name=name,
            finess=org.finess(rng, site.departement)
            if variant.category in ("603", "124")
            else None,
            category=variant.category,
            legal_entity=name,
        )
        location = _Location(self._next_location_id(), site.place, (), ())
        for number, kind in enumerate(kinds):
            practitioner = solo if number == 0 else org.person(rng)
            title = "Dr " if kind.doctor else ""
            offer_name = f"{title}{practitioner} - {kind.label}"
            yield self._practice_offer(site, establishment, kind, offer_name, location)

    def _practice_kinds(self, category: str, count: int) -> list[PracticeKind]:
        rng = self.rng

        def draw() -> PracticeKind:
            return PRACTICES[bisect(_PRACTICE_WEIGHTS, rng.random() * _PRACTICE_WEIGHTS[-1])]

        if category == "SA08" and rng.chance(0.7):
            return [draw()] * count
        kinds = [draw() for _ in range(count)]
        if category == "603":
            kinds[0] = PRACTICES[0]  # a maison de santé is built around general practice
        return kinds

    # -- parts ---------------------------------------------------------------------------

    def _next_location_id(self) -> str:
        self.location_no += 1
        return f"{self.location_prefix}{self.location_no:03d}"

    def _location(
        self,
        template: UnitTemplate,
        place: Place,
        source: str,
        *,
        closed_offer: bool,
        installed: int | None = None,
    ) -> _Location:
        rng = self.rng
        location_id = self._next_location_id()
        low, high = template.capacity
        capacities: tuple[Capacity, ...] = ()
        if high:
            capacities = counters(
                rng,
                location_id,
                template.nature,
                installed if installed else rng.between(low, high),
                template.occupancy,
                source,
                updated_at(rng, source, self.now),
                detailed=template.nature == "01" and source in (BED_MANAGEMENT, DPI),
                closed_offer=closed_offer,
            )
        equipment: list[Equipment] = []
        for spec in template.equipment:
            if rng.random() >= spec.probability:
                continue
            count = rng.between(*spec.count) if spec.count else None
            if spec.limit_kg:
                limit = float(rng.pick(spec.limit_kg))
                equipment.append(
                    Equipment(
                        code=spec.code,
                        count=count,
                        feature="001",  # R340 Poids maximum
                        limit_value=limit,
                        limit_unit="kg",
                        location_id=location_id,
                    )
                )
            else:
                equipment.append(Equipment(code=spec.code, count=count, location_id=location_id))
        return _Location(location_id, place, capacities, tuple(equipment))

    def _unit_contacts(
        self, site: _Site, template: UnitTemplate, standard: Contact
    ) -> tuple[Contact, ...]:
        rng = self.rng
        contacts = [standard]
        if template.care_mode == "32":
            contacts.append(org.phone_contact(rng, site.region, "1", "Secrétariat", purpose="02"))
        else:
            contacts.append(org.phone_contact(rng, site.region, "2", "Unité"))
        if template.critical or template.care_mode in ("33", "13"):
            contacts.append(org.phone_contact(rng, site.region, "3", "Ligne directe"))
            if rng.chance(0.3):
                contacts.append(org.mobile_contact(rng, "Cadre de santé"))
        if rng.chance(0.4):
            contacts.append(org.email(f"unite{rng.between(100, 999)}", site.eg_id, "2"))
        return tuple(contacts)

    def _intervention_zone(self, site: _Site, template: UnitTemplate) -> tuple[Zone, ...]:
        rng = self.rng
        radii: tuple[int, ...]
        if template.care_mode == "31":  # HAD covers wide areas
            whole, radii, limit = 0.4, (20, 25, 30, 40), 200
        elif template.offer_type == "30":  # home help
            whole, radii, limit = 0.12, (5, 8, 10, 12, 15), 30
        elif template.offer_type in ("28", "29", "132"):  # home nursing
            whole, radii, limit = 0.05, (8, 10, 12, 15, 20), 40
        else:  # SESSAD, SAMSAH, SAVS
            whole, radii, limit = 0.2, (15, 20, 30), 80
        if rng.chance(whole):
            return self._departement_zone(site.departement)
        return self.zones.around(site.commune, rng.pick(radii), limit)

    def _departement_zone(self, departement: str) -> tuple[Zone, ...]:
        found = self._departement_zones.get(departement)
        if found is None:
            found = self._departement_zones[departement] = (Zone(departement, "2"),)
        return found

    def _closure(self, closed: bool) -> tuple[datetime | None, datetime | None]:
        rng = self.rng
        now = self.now
        if closed:
            start = now - timedelta(days=rng.uniform(1, 90))
            end = now + timedelta(days=rng.uniform(2, 120)) if rng.chance(0.75) else None
            return start.replace(microsecond=0), end.replace(microsecond=0) if end else None
        if rng.chance(FUTURE_CLOSURE_SHARE):
            start = now + timedelta(days=rng.uniform(3, 60))
            return start.replace(microsecond=0), (
                start + timedelta(days=rng.uniform(7, 45))
            ).replace(microsecond=0)
        return None, None

    def _age(self, template: UnitTemplate) -> tuple[int, int]:
        low, high = template.age
        if (low, high) == (18, 120) and template.champ in _HOSPITAL_CHAMPS:
            draw = self.rng.random()
            low = 18 if draw < 0.7 else (16 if draw < 0.85 else 15)
            high = 150 if self.rng.chance(0.15) else 120
        return low, high

    def _offer(
        self,
        site: _Site,
        establishment: Establishment,
        template: UnitTemplate,
        name: str,
        location: _Location,
        contacts: tuple[Contact, ...],
        zones: tuple[Zone, ...],
        closed: bool,
    ) -> Offer:
        rng = self.rng
        self.offer_no += 1
        number = self.offer_no
        age_min, age_max = self._age(template)
        closed_from, reopens_at = self._closure(closed)
        return Offer(
            id=f"syn-hs-{number:07d}",
            name=name,
            establishment=establishment,
            place=location.place,
            ror_id=f"{site.region}/{number:07d}",
            activity=template.activity,
            offer_type=(template.offer_type,),
            champ=(template.champ,),
            care_mode=(template.care_mode,),
            reception=template.reception,
            modalities=template.modalities,
            specialisations=template.specialisations,
            public=template.public,
            expertise=template.expertise,
            professions=template.professions,
            age_min=age_min,
            age_max=age_max,
            location_ids=(location.id,),
            capacities=location.capacities,
            equipment=location.equipment,
            zones=zones,
            hours=HOURS[template.hours],
            contacts=contacts,
            sensitive=template.sensitive > 0 and rng.chance(template.sensitive),
            closed_from=closed_from,
            reopens_at=reopens_at,
            last_updated=self._last_updated(),
            region_tag=site.region,
        )

    def _practice_offer(
        self,
        site: _Site,
        establishment: Establishment,
        kind: PracticeKind,
        name: str,
        location: _Location,
    ) -> Offer:
        rng = self.rng
        self.offer_no += 1
        number = self.offer_no
        age_min, age_max = kind.age
        specialisations: tuple[str, ...] = ()
        if kind is PSYCHOLOGY:
            if rng.chance(0.35):  # child and adolescent psychologist
                age_min, age_max = (3, 17) if rng.chance(0.6) else (0, 18)
                specialisations = rng.pick(CHILD_PSYCHOLOGY_SPECIALISATIONS)
            else:
                age_min, age_max = (18, 120) if rng.chance(0.6) else (0, 120)
                specialisations = rng.pick(ADULT_PSYCHOLOGY_SPECIALISATIONS)
        modalities = ["03"]
        if rng.chance(0.25):
            modalities.append("04")
        if rng.chance(kind.home_visits):
            modalities.append("05")
        if rng.chance(0.1):
            modalities.append("06")
        contacts = [org.phone_contact(rng, site.region, "1", "Prise de rendez-vous", purpose="02")]
        if rng.chance(0.4):
            contacts.append(org.email(f"cabinet{number}", site.eg_id, "2"))
        if rng.chance(0.1):
            contacts.append(org.mobile_contact(rng, None))
        return Offer(
            id=f"syn-hs-{number:07d}",
            name=name,
            establishment=establishment,
            place=location.place,
            ror_id=f"{site.region}/{number:07d}",
            activity=kind.activity,
            offer_type=(kind.offer_type,),
            champ=("05",),
            care_mode=("32",),
            modalities=tuple(modalities),
            specialisations=specialisations,
            public=(),
            professions=(kind.profession,),
            age_min=age_min,
            age_max=age_max,
            location_ids=(location.id,),
            hours=rng.pick(PRACTICE_HOURS),
            contacts=tuple(contacts),
            closed_from=None,
            reopens_at=None,
            last_updated=self._last_updated(),
            region_tag=site.region,
        )

    def _last_updated(self) -> datetime:
        return self.now - timedelta(seconds=int(self.rng.random() * 540 * 86_400))


class _Site:
    """Where one establishment is: its commune, point and the Place its offers share."""

    __slots__ = (
        "city",
        "commune",
        "departement",
        "eg_id",
        "kind",
        "lat",
        "lon",
        "place",
        "postcode",
        "region",
        "rng",
    )

    def __init__(
        self, builder: OfferBuilder, number: int, kind: str, commune: int, lat: float, lon: float
    ) -> None:
        table = builder.table
        self.rng = builder.rng
        self.kind = kind
        self.commune = commune
        self.lat = lat
        self.lon = lon
        self.city = table.name[commune]
        self.departement = table.departement[commune]
        self.region = table.region[commune]
        self.postcode = table.postcode[commune]
        self.eg_id = f"syn-eg-{number:07d}"
        self.place = Place(
            lat=lat,
            lon=lon,
            commune=table.insee[commune],
            departement=self.departement,
            region=self.region,
            address=org.street_address(self.rng),
            postal_code=self.postcode,
            city=self.city,
            reliable=self.rng.chance(0.8),
        )

    def building(self, index: int) -> Place:
        """Another building of the site, within ~200 m of its main point."""
        if index == 0:
            return self.place
        rng = self.rng
        return replace(
            self.place,
            lat=round(self.lat + rng.uniform(-0.0015, 0.0015), 6),
            lon=round(self.lon + rng.uniform(-0.002, 0.002), 6),
        )
