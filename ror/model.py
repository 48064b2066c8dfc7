"""The indexed document (Offer) and its parts, shared by every part of the engine.

One :class:`Offer` per ROR HealthcareService ("offre opérationnelle"), denormalised with what
search needs from its Organization (EG) and Location(s). Codes are NOS codes kept as strings,
grouped by the code system they belong to (the comment names the TRE). Every datetime is
timezone-aware (UTC when the source gave none).

``to_dict``/``from_dict`` give the JSON form used in NDJSON files, the SQLite store and the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from operator import attrgetter
from typing import Any, Final

Codes = tuple[str, ...]

#: What identifies a capacity counter on its Location; Capacity.key() gives their values.
CAPACITY_KEY_FIELDS: Final = (
    "nature",
    "status",
    "temporality",
    "gender",
    "closing_type",
    "extra_bed_type",
    "crisis",
    "assignment",
)

#: The Offer fields holding codes of the service itself, in declaration order.
OFFER_CODE_FIELDS: Final = (
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


@dataclass(frozen=True, slots=True)
class Capacity:
    """One capacity indicator (counter) of a Location: ``ror-location-supported-capacity``."""

    nature: str  # R329: 01 Lit, 02 Place
    status: str  # R330: 01 Installé, 02 Disponible, 03 Occupé, 04 Réservé, 05 Fermé, 06 Suppl.
    temporality: str  # R331: 01 Courant, 02 +1 h, 03 +24 h, 04 +48 h, 05 +7 j
    count: int
    updated_at: datetime  # capacityUpdateDate: when the source updated the figure
    source: str = "01"  # R335: 01 Saisie manuelle, 02 Bed management, 03 GAM, 04 DPI
    gender: str | None = None  # R332 (with status 02): 01 F, 02 H, 03 Indifférencié, 04 Indét.
    closing_type: str | None = None  # R333 (with status 05): 01 Réactivable, 02 Non, 03 Indét.
    extra_bed_type: str | None = None  # R334 (with status 06)
    crisis: str | None = None  # R336 (with status 06): 01 PMIE, 02 SSE
    assignment: str = "01"  # R337: 01 Aucune, 02 Covid+, 03 Covid-
    location_id: str = ""  # the FHIR Location id the counter belongs to

    def key(self) -> tuple[str, str, str, str, str, str, str, str]:
        """What identifies a counter on its Location (everything but count, source, date):
        the values of :data:`CAPACITY_KEY_FIELDS`, in that order, absent qualifiers as ""."""
        return (
            self.nature,
            self.status,
            self.temporality,
            self.gender or "",
            self.closing_type or "",
            self.extra_bed_type or "",
            self.crisis or "",
            self.assignment,
        )


@dataclass(frozen=True, slots=True)
class Place:
    """Where an offer is delivered: WGS84 point plus its administrative areas."""

    lat: float
    lon: float
    commune: str  # INSEE COG code (5 characters, "2A004", "97411")
    departement: str  # "31", "2A", "971"
    region: str  # INSEE région code of today ("76"; overseas "01".."06")
    address: str = ""
    postal_code: str = ""
    city: str = ""
    reliable: bool = False  # ror-coordinate-reliability: from a reliable production process


@dataclass(frozen=True, slots=True)
class Price:
    """A price of the establishment (``ror-organization-price``)."""

    type: str  # R246: 02 Forfait socle hébergement, 03 Dépendance…
    unit: str  # R228: 1 horaire, 2 journalier, 3 mensuel, 4 unitaire
    amount_eur: float
    condition: str | None = None  # R250: 01 Tarif public, 02 Aide sociale, 03 ASH
    reception: str | None = None  # R240: 01 Temporaire, 02 Permanent
    residential_type: str | None = None  # R242
    dependency_level: str | None = None  # J27: 01 GIR 1-2, 02 GIR 3-4, 03 GIR 5-6
    under_60: bool | None = None
    start_date: date | None = None

    DAYS_PER_MONTH = 30.4

    @property
    def monthly_eur(self) -> float | None:
        """Monthly estimate of a daily or monthly price; None for other units."""
        if self.unit == "2":
            return round(self.amount_eur * self.DAYS_PER_MONTH, 2)
        if self.unit == "3":
            return self.amount_eur
        return None


@dataclass(frozen=True, slots=True)
class Establishment:
    """The EG (entité géographique, a FINESS establishment) the offer belongs to."""

    id: str  # FHIR Organization id of the EG
    name: str
    finess: str | None = None
    category: str | None = None  # R66 / J55 (FINESS category, or SA05–SA09)
    legal_entity: str | None = None  # EJ name
    financial_help: Codes = ()  # R241: 01 aides au logement, 02 Habilité aide sociale
    social_aid_places_permanent: int | None = None
    social_aid_places_temporary: int | None = None
    prices: tuple[Price, ...] = ()

    @property
    def social_aid(self) -> bool:
        return "02" in self.financial_help


#: UCUM mass units with their factor to kilograms.
MASS_UNITS: Final = {"kg": 1.0, "g": 0.001, "t": 1000.0, "[lb_av]": 0.45359237}


def measure_unit(unit: str | None) -> tuple[str | None, float]:
    """The unit a measure is compared in, and the factor to it (masses in kg)."""
    if unit is None or not unit.strip():
        return None, 1.0
    factor = MASS_UNITS.get(unit.strip())
    if factor is not None:
        return "kg", factor
    return unit.strip(), 1.0


@dataclass(frozen=True, slots=True)
class Equipment:
    """Equipment of a Location (R212) with its optional limit (R340, e.g. 001 Poids maximum)."""

    code: str
    count: int | None = None
    feature: str | None = None
    limit_value: float | None = None
    limit_unit: str | None = None  # UCUM, e.g. "kg"
    location_id: str = ""


@dataclass(frozen=True, slots=True)
class Zone:
    """An intervention zone: where the people the service cares for live."""

    code: str  # INSEE commune, département or région code, or other division code
    type: str  # R201: 1 Région, 2 Département, 3 Commune, 4 Territoire de santé, 5 Pays, 6 Défense


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """One availableTime row. Days are ISO numbers (1 = Monday … 7 = Sunday)."""

    days: tuple[int, ...]
    start: time | None = None
    end: time | None = None
    all_day: bool = False
    kind: str | None = None  # R252: 01 ouverture, 02 fonctionnement, 06 sans RDV, 07 sur RDV
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact point with its confidentiality level (R283: 1 libre, 2 restreint, 3 très)."""

    value: str
    channel: str | None = None  # R200: 1 mobile, 2 tél. fixe, 3 e-mail, 4 site web, 6 fax…
    purpose: str | None = None  # R287: 02 Prise de RDV, 06 Standard…
    confidentiality: str = "1"
    name: str | None = None


@dataclass(slots=True)
class Offer:
    """The searchable unit, denormalised for search (DESIGN §3)."""

    id: str  # HealthcareService resource id
    name: str
    establishment: Establishment
    place: Place
    ror_id: str | None = None  # identifiantOffre, e.g. "06/0099999"
    activity: Codes = ()  # R211 (J17)
    offer_type: Codes = ()  # R244 (J238)
    champ: Codes = ()  # R227
    care_mode: Codes = ()  # R213 (J19)
    reception: Codes = ()  # R240: 01 Temporaire, 02 Permanent
    modalities: Codes = ()  # R338 (J226)
    specialisations: Codes = ()  # R245 (J35)
    acts: Codes = ()  # R210 (J16)
    public: Codes = ()  # R239 (J29)
    expertise: Codes = ()  # J227 (maternité type, labels…)
    professions: Codes = ()  # G15 professions of its PractitionerRoles (93 Psychologue…)
    age_min: int | None = None  # inclusive, years
    age_max: int | None = None  # inclusive, years
    location_ids: tuple[str, ...] = ()
    capacities: tuple[Capacity, ...] = ()
    equipment: tuple[Equipment, ...] = ()
    zones: tuple[Zone, ...] = ()
    hours: tuple[OpeningHours, ...] = ()
    contacts: tuple[Contact, ...] = ()
    sensitive: bool = False  # uniteSensible: the whole description is confidential
    closed_from: datetime | None = None
    reopens_at: datetime | None = None
    last_updated: datetime | None = None
    region_tag: str | None = None  # meta.tag TRE_R30 (source region)
    source: dict[str, Any] | None = field(default=None, compare=False)  # raw FHIR, kept

    @property
    def home_based(self) -> bool:
        """Matched by intervention zone rather than by distance (SAAD, SSIAD, HAD…)."""
        return bool(self.zones)

    def with_capacities(self, capacities: tuple[Capacity, ...]) -> Offer:
        """This offer with other counters: ``dataclasses.replace`` for a third of its cost (an
        engine gives each offer it reads its Locations' current counters)."""
        values = list(_offer_values(self))
        values[_CAPACITIES_AT] = capacities
        return Offer(*values)

    def to_dict(self) -> dict[str, Any]:
        return _to_json(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Offer:
        return _offer_from_dict(data)


# --- JSON form -----------------------------------------------------------------------------


_OFFER_FIELDS: Final = tuple(f.name for f in fields(Offer))
_offer_values: Final = attrgetter(*_OFFER_FIELDS)
_CAPACITIES_AT: Final = _OFFER_FIELDS.index("capacities")


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _to_json(getattr(value, f.name)) for f in fields(value)}
    return value


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _t(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def capacity_from_dict(d: dict[str, Any]) -> Capacity:
    updated = _dt(d["updated_at"])
    assert updated is not None
    return Capacity(**{**d, "updated_at": updated})


def _offer_from_dict(d: dict[str, Any]) -> Offer:
    est = dict(d["establishment"])
    est["prices"] = tuple(
        Price(**{**p, "start_date": _d(p.get("start_date"))}) for p in est.get("prices", ())
    )
    est["financial_help"] = tuple(est.get("financial_help", ()))
    simple: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v
        for k, v in d.items()
        if k
        not in {
            "establishment",
            "place",
            "capacities",
            "equipment",
            "zones",
            "hours",
            "contacts",
            "closed_from",
            "reopens_at",
            "last_updated",
        }
    }
    return Offer(
        **simple,
        establishment=Establishment(**est),
        place=Place(**d["place"]),
        capacities=tuple(capacity_from_dict(c) for c in d.get("capacities", ())),
        equipment=tuple(Equipment(**e) for e in d.get("equipment", ())),
        zones=tuple(Zone(**z) for z in d.get("zones", ())),
        hours=tuple(
            OpeningHours(
                days=tuple(h["days"]),
                start=_t(h.get("start")),
                end=_t(h.get("end")),
                all_day=h.get("all_day", False),
                kind=h.get("kind"),
                valid_from=_d(h.get("valid_from")),
                valid_to=_d(h.get("valid_to")),
            )
            for h in d.get("hours", ())
        ),
        contacts=tuple(Contact(**c) for c in d.get("contacts", ())),
        closed_from=_dt(d.get("closed_from")),
        reopens_at=_dt(d.get("reopens_at")),
        last_updated=_dt(d.get("last_updated")),
    )
