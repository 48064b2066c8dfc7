"""Request and answer models of the availability endpoints (``routes_availability.py``).

A pushed counter names its indicator with NOS codes as JSON strings; ``temporality`` (R331)
defaults to 01 Courant, ``assignment`` (R337) to 01 Aucune and ``source`` (R335) to 02 Bed
management. Whether the combination is a valid ROR indicator is checked afterwards
(``ror.availability.indicators``: 400 ``invalid_indicator`` naming the counter and the combination).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

from ror.availability.history import MAX_PAGE
from ror.model import Capacity

MAX_COUNTERS = 500  # per request, all Locations together
MAX_LOCATIONS = 500

Code = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4,
        pattern=r"^[0-9A-Za-z]+$",
        description="A NOS code as a string, e.g. '01'.",
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CounterIn(_Strict):
    """One counter (indicator) of a Location, dated by its source."""

    nature: Code = Field(description="R329: 01 Lit, 02 Place.", examples=["01"])
    status: Code = Field(
        description="R330: 01 Installé, 02 Disponible, 03 Occupé, 04 Réservé, 05 Fermé, "
        "06 Supplémentaire.",
        examples=["02"],
    )
    temporality: Code = Field(
        "01", description="R331: 01 Courant; 02–05 forecasts (statuses 02 and 05 only)."
    )
    gender: Code | None = Field(
        None, description="R332 (status 02 only): 01 Femme, 02 Homme, 03 Indifférencié."
    )
    closing_type: Code | None = Field(
        None, description="R333 (status 05 only): 01 Réactivable, 02 Non réactivable."
    )
    extra_bed_type: Code | None = Field(
        None, description="R334 (status 06 only): 01 Mobilisé, 02/03 Mobilisable."
    )
    crisis: Code | None = Field(None, description="R336 (status 06 only): 01 PMIE, 02 SSE.")
    assignment: Code = Field("01", description="R337: 01 Aucune, 02 Covid+, 03 Covid-.")
    count: StrictInt = Field(ge=0, le=100_000, examples=[3])
    source: Code = Field("02", description="R335: 01 Saisie manuelle, 02 Bed management…")
    updated_at: AwareDatetime = Field(
        description="When the source updated the figure (with its UTC offset). A counter is "
        "applied only if it is newer than the stored one of the same indicator.",
        examples=["2026-11-26T14:05:00+01:00"],
    )

    def to_capacity(self, location_id: str) -> Capacity:
        return Capacity(
            nature=self.nature,
            status=self.status,
            temporality=self.temporality,
            count=self.count,
            updated_at=self.updated_at,
            source=self.source,
            gender=self.gender,
            closing_type=self.closing_type,
            extra_bed_type=self.extra_bed_type,
            crisis=self.crisis,
            assignment=self.assignment,
            location_id=location_id,
        )


class CapacityPush(_Strict):
    """``PUT /v1/locations/{id}/capacities``."""

    counters: list[CounterIn] = Field(min_length=1, max_length=MAX_COUNTERS)


class LocationPush(_Strict):
    location_id: str = Field(min_length=1, max_length=200, description="FHIR Location id.")
    counters: list[CounterIn] = Field(min_length=1, max_length=MAX_COUNTERS)


class BatchPush(_Strict):
    """``PUT /v1/capacities``: counters of several Locations, applied all or nothing."""

    locations: list[LocationPush] = Field(min_length=1, max_length=MAX_LOCATIONS)


# --- answers ---------------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IndicatorOut(_Out):
    """The key of a counter: which indicator it counts (R329 to R337)."""

    nature: str
    status: str
    temporality: str
    gender: str | None
    closing_type: str | None
    extra_bed_type: str | None
    crisis: str | None
    assignment: str


class CounterResult(IndicatorOut):
    applied: bool
    reason: str = Field(description="'applied', or 'stale': not newer than the stored one.")
    stored_updated_at: datetime | None = Field(
        description="The updated_at kept for this indicator after the push."
    )


class PushResult(_Out):
    location_id: str
    applied: int
    ignored_stale: int
    offers: list[str] = Field(description="Offers using the Location: all see the new counts.")
    results: list[CounterResult]


class BatchResult(_Out):
    applied: int
    ignored_stale: int
    locations: list[PushResult]


class FreshnessOut(_Out):
    lt_1h: int
    lt_3h: int
    lt_6h: int
    lt_12h: int
    lt_24h: int
    older: int


class CountsOut(_Out):
    """The counts by R330 status of a unit, a territory or a point of a trend."""

    installed: int
    available: int
    occupied: int
    reserved: int
    closed: int
    extra: int


class FiguresOut(CountsOut):
    units: int = Field(description="Locations counted (each once, however many offers use it).")
    freshness: FreshnessOut = Field(
        description="Locations by the age of their latest counted counter."
    )


class AreaOut(FiguresOut):
    code: str
    name: str | None


class OverviewFilters(_Out):
    activity: list[str]
    offer_type: list[str]
    champ: list[str]
    bed_nature: str
    temporality: str = Field(description="Always 01 Courant.")
    assignment: str = Field(description="'all': every R337 assignment is summed.")


class OverviewOut(_Out):
    group_by: str
    generated_at: datetime
    filters: OverviewFilters
    areas: list[AreaOut]
    totals: FiguresOut
    offers: int = Field(description="Matching offers.")


class AreaName(_Out):
    code: str
    name: str | None


class AreaRef(AreaName):
    within: AreaName | None = Field(description="The région of a département.")
    parts: list[AreaName] = Field(description="The départements of a région.")


class UnitFilters(_Out):
    activity: list[str]
    offer_type: list[str]
    champ: list[str]
    bed_nature: str
    temporality: str = Field(
        description="R331 of the available and closed counters (the others are current)."
    )
    assignment: list[str] = Field(description="R337 codes counted; empty: all.")
    gender: list[str] = Field(description="R332 codes of the available counters; empty: all.")
    freshness: list[str] = Field(description="Freshness buckets kept; empty: all.")


class OfferRef(_Out):
    id: str
    name: str


class UnitOut(CountsOut):
    location_id: str
    offers: list[OfferRef] = Field(description="The matching offers using this unit.")
    updated_at: datetime = Field(description="Date of the newest counted counter.")
    freshness: str = Field(description="The freshness bucket of `updated_at`.")


class EstablishmentUnitsOut(FiguresOut):
    id: str
    name: str
    finess: str | None
    city: str
    locations: list[UnitOut]


class UnitsOut(_Out):
    group_by: str
    area: AreaRef
    generated_at: datetime
    filters: UnitFilters
    totals: FiguresOut
    offers: int = Field(description="Matching offers placed in the territory.")
    establishments: list[EstablishmentUnitsOut]


class TrendPointOut(CountsOut):
    at: datetime
    units: int = Field(description="Units with at least one known counter at that time.")


class TrendOut(_Out):
    group_by: str
    area: AreaRef
    filters: UnitFilters
    days: int
    step_hours: int
    history_entries: int = Field(description="Accepted pushes of the history read.")
    points: list[TrendPointOut]


class HistoryEntryOut(IndicatorOut):
    seq: int
    count: int
    source: str
    updated_at: datetime
    received_at: datetime


class HistoryOut(_Out):
    location_id: str
    entries: list[HistoryEntryOut]
    next_after: int | None = Field(description="Pass as `after` for the next page.")


# --- query parameters ------------------------------------------------------------------------


class OverviewParams(_Strict):
    group_by: str = Field("region", description="`region` or `departement`.")
    activity: str | None = Field(
        None, description="R211 codes, comma-separated (any of them).", examples=["126,127"]
    )
    offer_type: str | None = Field(None, description="R244 codes, comma-separated.")
    champ: str | None = Field(
        None, description="R227 codes, comma-separated (profile 3: `04` alone)."
    )
    bed_nature: str = Field("01", description="R329: 01 lits (default), 02 places.")


class UnitsParams(OverviewParams):
    group_by: str = Field("departement", description="`region` or `departement`.")
    area: str = Field(
        min_length=1, max_length=3, description="INSEE code of the région or département."
    )
    temporality: str = Field(
        "01", description="R331 of the available and closed counters: 01 Courant, 02–05 forecasts."
    )
    assignment: str | None = Field(
        None, description="R337 codes, comma-separated: 01 Aucune, 02 Covid+, 03 Covid-."
    )
    gender: str | None = Field(
        None, description="R332 codes of the available beds, comma-separated (01 Femme…)."
    )
    freshness: str | None = Field(
        None, description="Freshness buckets, comma-separated (lt_1h, …, older)."
    )


class TrendParams(UnitsParams):
    days: int = Field(2, description="The window, 1 to 30 days (hourly up to 3 days).")


class HistoryParams(_Strict):
    location: str = Field(min_length=1, max_length=200, description="FHIR Location id.")
    since: AwareDatetime | None = Field(
        None, description="Only counters dated (updated_at) at or after this instant."
    )
    after: int | None = Field(None, ge=0, description="`next_after` of the previous page.")
    limit: int = Field(1000, ge=1, le=MAX_PAGE)
