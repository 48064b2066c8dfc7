"""What a search answers (DESIGN §6): matches, near-misses, facets, and their JSON form."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time
from typing import Any, Final

from ror.criteria import Criteria, Group, Notice
from ror.geo.territory import territory_summary
from ror.model import Offer
from ror.search.grouping import COUNTED, Member


@dataclass(frozen=True, slots=True)
class Match:
    """An eligible unit, its score with factors, and why it is here in French."""

    offer: Offer
    distance_km: float | None
    score: float
    parts: dict[str, float]
    explain: tuple[str, ...]
    stale: bool  # its capacity figure is older than the profile tolerates
    by_zone: bool  # a home-based unit matched by intervention zone (distance does not count)
    price: dict[str, Any] | None = None  # ``ranking.prices.price_summary``
    group: str = ""  # ``grouping.group_key`` of a grouped match ("" ungrouped)
    members: tuple[Member, ...] = ()  # the other eligible units of its group, best first

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "offer": self.offer.to_dict(),
            "distance_km": _km(self.distance_km),
            "score": round(self.score, 6),
            "parts": {k: round(v, 6) for k, v in self.parts.items()},
            "explain": list(self.explain),
            "stale": self.stale,
            "by_zone": self.by_zone,
            "price": self.price,
        }
        if self.group:
            out["members"] = [
                {
                    "offer": m.offer.to_dict(),
                    "distance_km": _km(m.distance_km),
                    "score": round(m.score, 6),
                    "by_zone": m.by_zone,
                    "price": m.price,
                }
                for m in self.members
            ]
        return out


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A unit failing exactly one hard criterion: which one, and why."""

    offer: Offer
    distance_km: float | None
    criterion: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "offer": self.offer.to_dict(),
            "distance_km": _km(self.distance_km),
            "criterion": self.criterion,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class FacetValue:
    code: str
    label: str | None
    count: int
    selected: bool


@dataclass(frozen=True, slots=True)
class Facet:
    """Counts per code of one field (see ``EmbeddedEngine.facets`` for what is counted)."""

    field: str
    values: tuple[FacetValue, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "values": [
                {"code": v.code, "label": v.label, "count": v.count, "selected": v.selected}
                for v in self.values
            ],
        }


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The answer to one referral search."""

    id: str
    took_ms: float
    radius_km: float | None  # the radius used; None: the whole country, or a territory
    # eligible units within radius_km or the territory (plus home-based units matched by
    # zone), or their groups (``counted``)
    total: int
    matches: tuple[Match, ...]
    near_misses: tuple[NearMiss, ...]
    facets: tuple[Facet, ...]
    warnings: tuple[Notice, ...]
    criteria: Criteria  # as resolved: point, commune, codes from text, normalised codes
    strategy: str = ""  # how the engine read its candidates
    group: Group = "offer"  # what one match stands for (``Criteria.grouping``)

    @property
    def counted(self) -> str:
        """What ``total`` counts: "offers", "locations" or "establishments"."""
        return COUNTED[self.group]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "took_ms": round(self.took_ms, 3),
            "radius_km": self.radius_km,
            "group": self.group,
            "counted": {"total": self.counted, "facets": "offers"},
            "territory": territory_summary(self.criteria.area),
            "total": self.total,
            "matches": [m.to_dict() for m in self.matches],
            "near_misses": [n.to_dict() for n in self.near_misses],
            "facets": [f.to_dict() for f in self.facets],
            "warnings": [w.to_dict() for w in self.warnings],
            "criteria": criteria_to_dict(self.criteria),
            "strategy": self.strategy,
        }


def _km(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


_PLAIN: Final = frozenset({str, int, float, bool})


def _json(value: Any) -> Any:
    if value is None or type(value) in _PLAIN:  # most criteria fields: nothing to convert
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _json(getattr(value, name)) for name in _field_names(type(value))}
    return value


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def criteria_to_dict(criteria: Criteria) -> dict[str, Any]:
    """Criteria as JSON (None and empty values left out)."""
    data: dict[str, Any] = _json(criteria)
    data.pop("colocated_egs", None)  # resolved from ``colocated``: the engine's EG ids
    return {k: v for k, v in data.items() if v not in (None, [], ())}
