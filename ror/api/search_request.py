"""The search request body (DESIGN §6) as a pydantic model, and its conversion to ``Criteria``.

The same model validates ``POST /v1/referrals/search`` bodies, the flattened query of
``GET /v1/search`` (see :mod:`ror.api.search_query`) and generates their JSON Schema for
``/openapi.json``. Choices made here:

- unknown fields are rejected (a typo must not silently widen a search);
- ``limit`` is 1..200 and over 200 is rejected ("limit too large"), not clamped: a caller that
  asks for 500 rows and silently gets 200 would think it has them all; page with ``offset``;
- ``where`` is either ``{lat, lon}`` or ``{place}``, never both; ``precision`` widens the
  uncertainty of the point;
- codes are NOS codes as JSON strings (``"01"``, never ``1``: leading zeros matter); whether
  they exist in their nomenclature is checked afterwards (422 ``unknown_code``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from ror.criteria import (
    CODE_FIELDS,
    MAX_LIMIT,
    BedNeed,
    CodeField,
    Criteria,
    EquipmentNeed,
    Group,
    Precision,
    Profile,
    Reception,
)

MAX_OFFSET = 10_000
MAX_CODES = 50

Code = Annotated[
    str,
    Field(
        min_length=1,
        max_length=20,
        pattern=r"^[0-9A-Za-z._-]+$",
        description="A NOS code as a string, e.g. '01' or '126'.",
    ),
]
CodeList = Annotated[list[Code], Field(max_length=MAX_CODES)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Where(_Strict):
    """Where the patient is: a WGS84 point, or a place the gazetteer resolves."""

    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False, examples=[43.6045])
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False, examples=[1.444])
    place: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Commune name, postcode or INSEE code: 'Toulouse', '31000', '31555'.",
        examples=["31000"],
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Where:
        if self.place is not None and (self.lat is not None or self.lon is not None):
            raise PydanticCustomError(
                "where_both", "donner soit lat et lon, soit place, pas les deux", {"field": "place"}
            )
        if (self.lat is None) != (self.lon is None):
            missing = "lon" if self.lon is None else "lat"
            raise PydanticCustomError(
                "missing", "lat et lon vont ensemble : {field} manque", {"field": missing}
            )
        if self.place is None and self.lat is None:
            raise PydanticCustomError("missing", "donner lat et lon, ou place", {"field": "place"})
        return self


class BedsRequest(_Strict):
    """Beds or places available now, summed over the matching counters."""

    nature: Code = Field("01", description="R329: 01 Lit, 02 Place.")
    min_available: int = Field(1, ge=1, le=10_000)
    gender: Code | None = Field(None, description="R332: 01 F, 02 H, 03 Indifférencié.")
    temporality: Code = Field("01", description="R331: 01 Courant (now).")
    assignment: Code = Field("01", description="R337: 01 Aucune.")


class EquipmentRequest(_Strict):
    """Equipment of a type (R212), optionally with a limit (R340) at least ``min_value``."""

    code: Code = Field(description="R212 equipment type, e.g. '088'.")
    feature: Code | None = Field(None, description="R340 limit feature, e.g. '001' (weight).")
    min_value: float | None = Field(None, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _feature_with_value(self) -> EquipmentRequest:
        if self.min_value is not None and self.feature is None:
            raise PydanticCustomError(
                "missing",
                "min_value exige la caractéristique (feature) qu'elle limite",
                {"field": "feature"},
            )
        return self


class SearchRequest(_Strict):
    """A referral search: hard criteria filter, the profile tunes the ranking."""

    where: Where | None = Field(
        None, description="Omit only with codes: the search is then national."
    )
    precision: Precision = "exact"
    radius_km: float | None = Field(
        None,
        gt=0,
        le=2000,
        allow_inf_nan=False,
        description="Omitted: the nearest `limit` that fit, widening the radius as needed.",
    )
    limit: int = Field(10, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    profile: Profile = "default"
    activity: CodeList = Field(default_factory=list, description="R211 activities (any of).")
    offer_type: CodeList = Field(default_factory=list, description="R244 offer types.")
    champ: CodeList = Field(default_factory=list, description="R227 fields of activity.")
    care_mode: CodeList = Field(default_factory=list, description="R213 care modes.")
    public: CodeList = Field(default_factory=list, description="R239 publics.")
    modalities: CodeList = Field(default_factory=list, description="R338 modalities.")
    specialisations: CodeList = Field(default_factory=list, description="R245.")
    professions: CodeList = Field(default_factory=list, description="G15 professions.")
    reception: Reception | None = None
    age: int | None = Field(None, ge=0, le=130, description="Patient age in years.")
    text: str | None = Field(
        None, max_length=200, description="Lay terms ('pédopsy', 'ehpad'), mapped to codes."
    )
    beds: BedsRequest | None = None
    social_aid: bool = Field(False, description="Only establishments accredited for aide sociale.")
    max_monthly_price_eur: float | None = Field(None, gt=0, allow_inf_nan=False)
    equipment: list[EquipmentRequest] = Field(default_factory=list, max_length=10)
    colocated: list[dict[CodeField, CodeList]] = Field(
        default_factory=list,
        max_length=5,
        description=(
            "Co-located requirements: the unit's establishment (EG) must also have an offer "
            "carrying, for each field of each entry, one of its codes. An ICU in a hospital "
            'with a trauma-capable emergency: `"activity": ["126"], "colocated": '
            '[{"activity": ["159", "160"]}]`. A unit failing one is a near-miss '
            "(criterion `colocated`)."
        ),
        examples=[[{"activity": ["159", "160"]}]],
    )
    open_at: AwareDatetime | None = Field(
        None, description="ISO 8601 with a UTC offset.", examples=["2026-11-26T14:00:00+01:00"]
    )
    group: Group | None = Field(
        None,
        description=(
            "What one match stands for: `offer`; `location`, the offers sharing one bed zone "
            "(their beds counted once); `establishment`, the offers of one establishment (EG). "
            "A group ranks as its best offer (the match's `offer`); the match lists the "
            "group's other fitting offers in `members`, and `total` counts groups (the "
            "answer's `counted` says what). Omitted: `establishment` for the nursing_home "
            "profile, `location` when beds count (`beds` or the emergency profile), else "
            "`offer`."
        ),
    )
    facets: bool = Field(
        False,
        description=(
            "Count the codes of each field among the units within the radius used (with "
            "labels): costs a scan of those units, so ask for it when showing filters."
        ),
    )

    def to_criteria(self) -> Criteria:
        """The library's typed request; ``place`` and ``text`` are resolved by the pipeline."""
        where = self.where or Where.model_construct(lat=None, lon=None, place=None)
        return Criteria(
            lat=where.lat,
            lon=where.lon,
            place=where.place,
            precision=self.precision,
            radius_km=self.radius_km,
            limit=self.limit,
            offset=self.offset,
            profile=self.profile,
            activity=tuple(self.activity),
            offer_type=tuple(self.offer_type),
            champ=tuple(self.champ),
            care_mode=tuple(self.care_mode),
            public=tuple(self.public),
            modalities=tuple(self.modalities),
            specialisations=tuple(self.specialisations),
            professions=tuple(self.professions),
            reception=self.reception,
            age=self.age,
            text=self.text or None,
            beds=None if self.beds is None else BedNeed(**self.beds.model_dump()),
            social_aid=self.social_aid,
            max_monthly_price_eur=self.max_monthly_price_eur,
            equipment=tuple(EquipmentNeed(**e.model_dump()) for e in self.equipment),
            colocated=tuple(
                (name, tuple(codes)) for entry in self.colocated for name, codes in entry.items()
            ),
            open_at=self.open_at,
            group=self.group,
            facets=self.facets,
        )


CODE_LIST_FIELDS: tuple[str, ...] = tuple(CODE_FIELDS)


class SearchOptions(BaseModel):
    """How to answer (query parameters of both search endpoints), not what to search."""

    model_config = ConfigDict(extra="forbid")

    explain: bool = Field(True, description="French sentences per match (false: a bit faster).")
    debug: bool = Field(False, description="Add the engine strategy and the ranking weights.")
