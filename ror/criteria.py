"""Criteria: one validated, typed search request (DESIGN §6), shared by API, CLI and engines.

The HTTP edge and the CLI build it; the pipeline resolves ``place`` and ``text`` into a point,
a commune and codes; engines and ranking only read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Final, Literal, get_args

from ror.model import Codes, Offer
from ror.nomenclature.registry import FIELD_SYSTEMS

Profile = Literal["default", "emergency", "nursing_home", "consultation"]
Precision = Literal["exact", "street", "city"]
Reception = Literal["permanent", "temporary"]
#: What one match stands for: an offer, the offers sharing one bed zone (Location), or the
#: offers of one establishment (EG).
Group = Literal["offer", "location", "establishment"]

PROFILES: tuple[Profile, ...] = ("default", "emergency", "nursing_home", "consultation")
GROUPS: tuple[Group, ...] = ("offer", "location", "establishment")
RECEPTION_CODES: dict[Reception, str] = {"temporary": "01", "permanent": "02"}  # TRE_R240

MAX_LIMIT = 200

#: The Criteria code fields, any-of within a field and all-of across fields: the one list of them.
CodeField = Literal[
    "activity",
    "offer_type",
    "champ",
    "care_mode",
    "public",
    "modalities",
    "specialisations",
    "professions",
]

#: Each code field with the code system it draws from.
CODE_FIELDS: Final[Mapping[str, str]] = MappingProxyType(
    {name: FIELD_SYSTEMS[name] for name in get_args(CodeField)}
)


@dataclass(frozen=True, slots=True)
class BedNeed:
    """Beds or places available now: summed over the counters matching one indicator."""

    nature: str = "01"  # R329: 01 Lit, 02 Place
    min_available: int = 1
    gender: str | None = None  # R332; None = any gender counter
    temporality: str = "01"  # R331: 01 Courant
    assignment: str = "01"  # R337: 01 Aucune


@dataclass(frozen=True, slots=True)
class EquipmentNeed:
    """Equipment of a type (R212), optionally with a limit at least ``min_value`` (R340)."""

    code: str
    feature: str | None = None
    min_value: float | None = None


@dataclass(frozen=True, slots=True)
class Audience:
    """What the caller may see, as far as the search itself must know (ROR-MODEL §8).

    The library default sees everything; the API narrows it from the caller's access profile
    (``ror.api.access``). Units hidden here are left out *before* anything is counted, so
    ``total``, facets and near-misses never reveal them; capacities left out of the ranking
    keep the order of the answer from revealing free or installed beds.
    """

    # Sensitive units (uniteSensible) are kept only when they carry one of these champ (R227)
    # codes: None keeps every sensitive unit, () none of them.
    sensitive_champs: tuple[str, ...] | None = None
    # Rank with the capacity and size factors (free and installed beds).
    capacities: bool = True

    def shows(self, offer: Offer) -> bool:
        """The offer may appear in this audience's answers."""
        return not offer.sensitive or self.shows_sensitive(offer.champ)

    def shows_sensitive(self, champ: Iterable[str]) -> bool:
        """A sensitive unit of these champ codes may appear in this audience's answers."""
        if self.sensitive_champs is None:
            return True
        return any(code in self.sensitive_champs for code in champ)


EVERYONE = Audience()


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning of an answer: a stable ``code`` for programs, a French ``message`` for people.

    Codes: ``place_ambiguous``, ``point_without_commune``, ``text_field_ignored``,
    ``text_codes_given``, ``words_unknown``, ``words_vague``, ``text_not_understood``,
    ``facet_incomplete``, ``none_listed`` (no offer of the kind asked is listed in France),
    ``none_within_radius`` (nothing fits within the fixed radius: see the near-misses),
    ``none_in_territory`` (nothing fits in the département or région searched).
    """

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Criteria:
    """A referral search. Code lists are any-of within a field and all-of across fields."""

    lat: float | None = None
    lon: float | None = None
    place: str | None = None  # commune name, postcode or INSEE code, before resolution
    commune: str | None = None  # INSEE code of the patient's commune (zones), once resolved
    area: str | None = None  # a département or région searched as a whole ("D:31"), once resolved
    precision: Precision = "exact"
    radius_km: float | None = None  # None: nearest N that fit, widening as needed
    limit: int = 10
    offset: int = 0
    profile: Profile = "default"
    activity: Codes = ()  # R211
    offer_type: Codes = ()  # R244
    champ: Codes = ()  # R227
    care_mode: Codes = ()  # R213
    public: Codes = ()  # R239
    modalities: Codes = ()  # R338
    specialisations: Codes = ()  # R245
    professions: Codes = ()  # G15
    reception: Reception | None = None
    age: int | None = None
    # With ``age``: an age range [age, age_to] (a child: 0-17) fitting any unit that accepts
    # some age of it; None: the one age ``age``.
    age_to: int | None = None
    text: str | None = None
    # Rank private practices (champ 05 Ambulatoire: cabinets de ville) first ("libéral",
    # "pédiatre"): the others keep ``1 - private_practice_weight`` of their score.
    prefer_private_practice: bool = False
    beds: BedNeed | None = None
    # Co-located requirements: the unit's establishment (EG) also has offers carrying, for each
    # (field, codes), one of those codes ("an ICU in a hospital with a trauma-capable
    # emergency"). The pipeline resolves each into the EG ids that have them (``colocated_egs``).
    colocated: tuple[tuple[str, Codes], ...] = ()
    colocated_egs: tuple[frozenset[str], ...] | None = field(
        default=None, compare=False, repr=False
    )
    # One match per offer, per bed zone or per establishment; None: the profile's
    # (``grouping``).
    group: Group | None = None
    social_aid: bool = False
    max_monthly_price_eur: float | None = None
    equipment: tuple[EquipmentNeed, ...] = ()
    open_at: datetime | None = None
    now: datetime | None = None  # the time the search is made for (tests pin it)
    explain: bool = True
    facets: bool = True  # count facets (costs a scan of the units within the radius used)
    audience: Audience = EVERYONE  # who asks: the API narrows it by access profile
    warnings: tuple[Notice, ...] = field(default=(), compare=False)

    @property
    def ages(self) -> tuple[int, int] | None:
        """The ages asked, (lowest, highest), or None."""
        if self.age is None:
            return None
        return self.age, self.age if self.age_to is None else max(self.age, self.age_to)

    @property
    def grouping(self) -> Group:
        """What one match stands for: ``group`` when given; else one per establishment for a
        nursing-home search, one per bed zone when beds count (a ``beds`` need or the
        emergency profile), one per offer otherwise."""
        if self.group is not None:
            return self.group
        if self.profile == "nursing_home":
            return "establishment"
        if self.beds is not None or self.profile == "emergency":
            return "location"
        return "offer"

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def has_zone(self) -> bool:
        """Where the patient lives is known (a commune, or a territory): home-based offers
        match by their intervention zone, not by distance."""
        return self.commune is not None or self.area is not None

    def with_(self, **changes: object) -> Criteria:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]
