"""The JSON answers, as pydantic models: they document ``/openapi.json`` and the tests validate
every real answer against them (``extra="forbid"``), so the document cannot drift from the code.

The answers themselves are built by :mod:`ror.api.present` (offers, matches) and the routes.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ror.criteria import Group


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ------------------------------------------------------------------------------------


class ErrorDetail(_Out):
    field: str | None
    message: str


class ErrorBody(_Out):
    code: str = Field(description="Machine-readable: invalid_json, invalid_value, unknown_code…")
    message: str
    field: str | None = Field(description="The field or parameter at fault: `beds.min_available`")
    details: list[ErrorDetail] | None = Field(
        None, description="Every problem, when there were several."
    )
    combination: str | None = Field(
        None, description="A refused capacity counter: its indicator, as the ROR names it."
    )


class ErrorResponse(_Out):
    error: ErrorBody


# --- reference data --------------------------------------------------------------------------


class CodeLabel(_Out):
    code: str
    label: str | None = Field(description="The NOS label; null when the code is not in the table.")


class GeocodeCandidate(_Out):
    insee: str
    name: str
    postcodes: list[str]
    lat: float
    lon: float
    departement: str
    departement_name: str | None
    region: str
    region_name: str | None
    precision: str
    kind: str = Field(
        description="insee | postcode | commune | arrondissement | former_commune | "
        "departement | region (then `insee` is empty, the point is inside the territory)"
    )
    score: float
    matched: str


class GeocodeResponse(_Out):
    query: str
    candidates: list[GeocodeCandidate]


class NomenclatureResponse(_Out):
    key: str = Field(description="The TRE key: R211, G15…")
    title: str
    complete: bool = Field(description="True when every code the ROR allows is listed.")
    fields: list[str] = Field(description="Search criteria and offer fields using these codes.")
    codes: list[CodeLabel]


class SuggestionOut(_Out):
    field: str = Field(description="The criteria field to put `codes` in.")
    codes: list[str]
    label: str
    matched: str
    score: float


class SuggestResponse(_Out):
    query: str
    suggestions: list[SuggestionOut]


class HealthResponse(_Out):
    status: Literal["ok", "unavailable"]
    engine: str
    engine_version: str
    offers: int | None = Field(description="Offers indexed; null when the engine is down.")
    version: str = Field(description="Version of the ror package.")


# --- offers ------------------------------------------------------------------------------------

CodeLabelOrNull = CodeLabel | None


class AgeRange(_Out):
    min: int | None = Field(description="Inclusive, in years; null: no lower bound.")
    max: int | None = Field(description="Inclusive, in years; null: no upper bound.")


class PriceOut(_Out):
    type: CodeLabelOrNull = Field(description="R246")
    unit: CodeLabelOrNull = Field(description="R228: 1 horaire, 2 journalier, 3 mensuel")
    amount_eur: float
    monthly_eur: float | None = Field(description="Daily prices × 30.4; null for other units.")
    condition: CodeLabelOrNull = Field(description="R250")
    reception: CodeLabelOrNull = Field(description="R240")
    residential_type: CodeLabelOrNull = Field(description="R242")
    dependency_level: CodeLabelOrNull = Field(description="R237 (GIR)")
    under_60: bool | None
    start_date: str | None


class SocialAidPlaces(_Out):
    permanent: int | None
    temporary: int | None


class EstablishmentOut(_Out):
    id: str = Field(description="FHIR Organization id of the EG.")
    finess: str | None
    name: str
    legal_entity: str | None
    category: CodeLabelOrNull = Field(description="R66 / J55 FINESS category")
    social_aid: bool = Field(description="Accredited for aide sociale (R241 02).")
    financial_help: list[CodeLabel]
    social_aid_places: SocialAidPlaces
    prices: list[PriceOut]


class PlaceOut(_Out):
    lat: float
    lon: float
    address: str
    postal_code: str
    city: str
    commune: str = Field(description="INSEE code of the commune.")
    departement: str
    region: str
    reliable: bool = Field(description="Coordinates from a reliable production process.")


class EquipmentOut(_Out):
    code: str = Field(description="R212")
    label: str | None
    count: int | None
    feature: CodeLabelOrNull = Field(description="R340 limit feature")
    limit_value: float | None
    limit_unit: str | None


class ZoneOut(_Out):
    code: str
    type: CodeLabelOrNull = Field(description="R201")


class HoursOut(_Out):
    days: list[int] = Field(description="ISO weekdays, 1 = Monday.")
    start: str | None
    end: str | None
    all_day: bool
    kind: CodeLabelOrNull = Field(description="R252")
    valid_from: str | None
    valid_to: str | None


class ContactOut(_Out):
    value: str
    channel: CodeLabelOrNull = Field(description="R200")
    purpose: CodeLabelOrNull = Field(description="R287")
    confidentiality: CodeLabelOrNull = Field(description="R283 level")
    name: str | None


class CapacityOut(_Out):
    location_id: str
    nature: CodeLabelOrNull = Field(description="R329: 01 Lit, 02 Place")
    status: CodeLabelOrNull = Field(description="R330")
    temporality: CodeLabelOrNull = Field(description="R331")
    gender: CodeLabelOrNull = Field(description="R332")
    closing_type: CodeLabelOrNull = Field(description="R333")
    extra_bed_type: CodeLabelOrNull = Field(description="R334")
    crisis: CodeLabelOrNull = Field(description="R336")
    assignment: CodeLabelOrNull = Field(description="R337")
    count: int
    source: CodeLabelOrNull = Field(description="R335")
    updated_at: str


class TravelOut(_Out):
    distance_km: float = Field(description="Great-circle distance from the starting point.")
    minutes: int = Field(description="Estimated car time (road detour and speed bands).")


class OfferOut(_Out):
    """An offer (HealthcareService) as the caller's access profile lets them see it."""

    id: str = Field(description="The HealthcareService resource id.")
    ror_id: str | None
    name: str
    activity: list[CodeLabel] = Field(description="R211")
    offer_type: list[CodeLabel] = Field(description="R244")
    champ: list[CodeLabel] = Field(description="R227")
    care_mode: list[CodeLabel] = Field(description="R213")
    reception: list[CodeLabel] = Field(description="R240")
    modalities: list[CodeLabel] = Field(description="R338")
    specialisations: list[CodeLabel] = Field(description="R245")
    acts: list[CodeLabel] = Field(description="R210")
    public: list[CodeLabel] = Field(description="R239")
    expertise: list[CodeLabel] = Field(description="J227")
    professions: list[CodeLabel] = Field(description="G15")
    age_range: AgeRange
    establishment: EstablishmentOut
    place: PlaceOut
    equipment: list[EquipmentOut]
    zones: list[ZoneOut]
    hours: list[HoursOut]
    contacts: list[ContactOut] = Field(
        description="Only the confidentiality levels the caller's profile may see."
    )
    capacities: list[CapacityOut] | None = Field(
        None, description="Absent for callers not allowed to see capacities (profiles 0 and 5)."
    )
    sensitive: bool
    closed_from: str | None
    reopens_at: str | None
    last_updated: str | None
    travel: TravelOut | None = Field(
        None, description="Only when a starting point (`lat`, `lon`) is given."
    )


class EstablishmentOffersOut(_Out):
    """An establishment (EG) with the offers the caller may see."""

    establishment: EstablishmentOut
    offers: list[OfferOut] = Field(description="In id order.")


# --- search ------------------------------------------------------------------------------------


class RoomPriceOut(_Out):
    residential_type: str = Field(description="R242: 01 chambre double, 02 chambre simple…")
    monthly_eur: float = Field(description="Accommodation plus GIR 5-6 dependency, per month.")


class FamilyPriceOut(_Out):
    """The price families compare: accommodation plus the GIR 5-6 dependency tariff every
    resident pays, per month (daily × 30.4); a day-care unit has a daily price only."""

    kind: str = Field(description="`residential` or `day_care`.")
    monthly_eur: float | None = Field(None, description="Residential only.")
    daily_eur: float | None = Field(None, description="Per day, dependency included.")
    accommodation_daily_eur: float | None = None
    dependency_gir56_daily_eur: float | None = None
    rooms: list[RoomPriceOut] = Field(
        default_factory=list, description="Per room type the request could pay, cheapest first."
    )


class MemberOut(_Out):
    """Another fitting offer of a grouped match's group."""

    offer: OfferOut
    distance_km: float | None
    score: float = Field(description="Its own score (below or equal to the match's).")
    by_zone: bool
    price: FamilyPriceOut | None = None


class MatchOut(_Out):
    offer: OfferOut
    distance_km: float | None = Field(description="From the search point; null without one.")
    score: float = Field(description="The product of `parts` (best first).")
    parts: dict[str, float] = Field(
        description="Score factors: distance, capacity, size, social_aid, price (ranking/)."
    )
    explain: list[str] = Field(description="Why it fits, in short French sentences.")
    by_zone: bool = Field(description="Home-based unit matched by its intervention zone.")
    price: FamilyPriceOut | None = Field(
        None, description="Null when the establishment gives none."
    )
    stale: bool | None = Field(
        None, description="Its capacity figure is old (only for callers who may see capacities)."
    )
    members: list[MemberOut] | None = Field(
        None,
        description=(
            "Grouped answers only (`group` other than `offer`): the other fitting offers of the "
            "group within `radius_km`, best first (empty when the offer is alone). With "
            "`group: location` they share the match's beds, counted once in `offer`."
        ),
    )


class NearMissOut(_Out):
    offer: OfferOut
    distance_km: float | None
    criterion: str = Field(description="The one hard criterion it fails (a criteria field).")
    reason: str = Field(
        description="Why, in French: « complet », « accueille à partir de 16 ans »."
    )


class WarningOut(_Out):
    """Something the caller should know about the answer."""

    code: str = Field(
        description=(
            "Stable code: `place_ambiguous`, `point_without_commune`, `text_field_ignored`, "
            "`text_codes_given`, `words_unknown`, `words_vague`, `text_not_understood`, "
            "`facet_incomplete`, `none_listed` (no offer of the kind asked is listed in France), "
            "`none_within_radius` (nothing fits within the fixed radius; the nearest unit that "
            "fits beyond it is the first near-miss, criterion `radius_km`), `none_in_territory` "
            "(nothing fits in the département or région searched)."
        )
    )
    message: str = Field(description="The same, in French, for people.")


class FacetValueOut(_Out):
    code: str
    label: str | None
    count: int
    selected: bool


class FacetOut(_Out):
    field: str
    values: list[FacetValueOut]


class SearchDebug(_Out):
    strategy: str = Field(description="How the engine read its candidates.")
    engine_version: str
    weights: dict[str, Any] = Field(description="The ranking weights of the profile used.")


class CountedOut(_Out):
    """What the counts of the answer count."""

    total: Literal["offers", "locations", "establishments"] = Field(
        description="`total` counts offers, bed zones (Locations) or establishments."
    )
    facets: Literal["offers"] = Field(description="Facet counts count offers.")


class TerritoryOut(_Out):
    """A département or région given as the place: searched whole."""

    code: str = Field(description='Its zone key: "D:31" (département), "R:76" (région).')
    name: str = Field(description='"Haute-Garonne (31)", "Occitanie".')
    where: str = Field(
        description='Where, in French: "en Haute-Garonne (31)", "dans le Nord (59)".'
    )
    departements: list[str] = Field(description="The départements it is, by code.")


class SearchResponse(_Out):
    id: str = Field(description="Search id, for `GET /v1/referrals/{id}`.")
    took_ms: float
    radius_km: float | None = Field(
        description="The radius used; null: the whole country, or the territory searched."
    )
    territory: TerritoryOut | None = Field(
        None,
        description=(
            "When the place is a département or région: the units located in it are the "
            "candidates, all counted (`total`, facets); distances are from a point inside it "
            "and only order the results."
        ),
    )
    group: Group = Field(description="What one match stands for (the request's `group`).")
    counted: CountedOut
    total: int = Field(
        description=(
            "Eligible units within `radius_km` or in the territory (plus zone matches), or "
            "their groups: `counted.total` says which."
        )
    )
    matches: list[MatchOut]
    near_misses: list[NearMissOut]
    facets: list[FacetOut]
    warnings: list[WarningOut]
    criteria: dict[str, Any] = Field(
        description="The criteria as resolved: point and commune of a place, codes from text."
    )
    debug: SearchDebug | None = Field(None, description="With `debug=true` only.")


class ReplayMatch(_Out):
    offer_id: str
    name: str
    distance_km: float | None
    score: float
    parts: dict[str, float]
    explain: list[str]
    by_zone: bool
    stale: bool | None = None
    members: list[str] | None = Field(None, description="Grouped: ids of the other offers.")


class ReplayNearMiss(_Out):
    offer_id: str
    name: str
    distance_km: float | None
    criterion: str
    reason: str


class ReplayResult(_Out):
    took_ms: float
    radius_km: float | None
    total: int
    group: Group | None = Field(None, description="What one match stood for (newer searches).")
    matches: list[ReplayMatch]
    near_misses: list[ReplayNearMiss]
    facets: list[FacetOut]
    warnings: list[WarningOut]
    strategy: str


class ReplayResponse(_Out):
    id: str
    created_at: str = Field(description="When the search was made.")
    engine: str
    engine_version: str
    criteria: dict[str, Any] = Field(description="The criteria as resolved at the time.")
    result: ReplayResult
