"""Grouped answers: one match per bed zone (Location) or per establishment (EG).

A group's rank is its best member's (``ranker.Ranker`` keeps one entry per group); ``total``
counts the groups having an eligible unit within the radius used; a match lists the other
eligible units of its group that the ranker counted (:func:`members`), and a unit failing
one criterion is a near-miss only when no unit of its group fits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from ror.availability.keys import location_keys
from ror.criteria import Criteria, Group
from ror.geo.distance import dot_to_km, unit_point
from ror.model import Offer
from ror.ranking import Weights, score
from ror.ranking.eligibility import zone_matched
from ror.ranking.hours import local
from ror.ranking.prices import price_summary
from ror.search.engine import Engine, GroupKeys

_KEYS_CHUNK: Final = 2048

#: What ``total`` counts, per grouping.
COUNTED: Final[dict[Group, str]] = {
    "offer": "offers",
    "location": "locations",
    "establishment": "establishments",
}


def group_key(offer: Offer, by: Group | str) -> str:
    """The group of ``offer``: its establishment's id (``E:``), the Locations its counts come
    from (``L:``), or the offer itself (``O:``, also when it has no establishment id or no
    Location)."""
    keys = location_keys(offer) if by == "location" else ()
    return key_of(by, offer.id, offer.establishment.id, keys)


def key_of(
    by: Group | str, offer_id: str, establishment_id: str | None, keys: Iterable[str]
) -> str:
    """:func:`group_key` from an offer's id, establishment id and Location keys
    (``availability.keys.location_keys``) alone: what an engine reads to tell a unit's group
    without reading the unit."""
    if by == "establishment" and establishment_id:
        return f"E:{establishment_id}"
    if by == "location":
        return location_group(offer_id, keys)
    return f"O:{offer_id}"


def location_group(offer_id: str, keys: Iterable[str]) -> str:
    """The ``L:`` key of an offer whose Location keys (``availability.keys``) are ``keys``:
    its Locations (counters kept with the offer alone, ``#``, make no bed zone)."""
    locs = sorted({k for k in keys if not k.startswith("#")})
    return f"L:{','.join(locs)}" if locs else f"O:{offer_id}"


class Groups:
    """The groups of a search's eligible units: how many, whether one is among them, and the
    units of a few of them (a page's, :meth:`members`). The units counted without being read
    (a nationwide search: most of a million) are kept as two flat lists, their refs and their
    groups, not as a set of refs per group: counting them makes no object per group for the
    cyclic collector to walk while the search runs."""

    __slots__ = ("_keys", "_read", "_ref_keys", "_refs")

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._read: dict[str, set[int]] = {}  # the units read, by group
        self._refs: list[int] = []  # the units counted without being read…
        self._ref_keys: list[str] = []  # …and their groups, in the same order

    def add(self, key: str, ref: int) -> None:
        self._keys.add(key)
        self._read.setdefault(key, set()).add(ref)

    def add_unread(self, refs: Sequence[int], keys: Sequence[str]) -> None:
        for i in range(0, len(keys), _KEYS_CHUNK):  # the other threads run between two chunks
            self._keys.update(keys[i : i + _KEYS_CHUNK])
        self._refs.extend(refs)
        self._ref_keys.extend(keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def members(self, keys: Collection[str]) -> dict[str, list[int]]:
        """The refs of the eligible units of each group of ``keys``, ascending."""
        found = {key: set(self._read.get(key, ())) for key in keys}
        if found and self._refs:
            for ref, key in zip(self._refs, self._ref_keys, strict=True):
                refs = found.get(key)
                if refs is not None:
                    refs.add(ref)
        return {key: sorted(refs) for key, refs in found.items()}


_TELLS_KEYS: dict[type, bool] = {}  # by engine class: a protocol check costs a search


def key_teller(engine: Engine) -> GroupKeys | None:
    """``engine`` when it can tell a unit's group without reading it (``GroupKeys``)."""
    tells = _TELLS_KEYS.get(type(engine))
    if tells is None:
        tells = _TELLS_KEYS[type(engine)] = isinstance(engine, GroupKeys)
    return cast(GroupKeys, engine) if tells else None


def keys_of(engine: Engine, refs: Sequence[int], by: Group) -> list[str]:
    """:func:`group_key` of the units behind ``refs``, without reading them where the engine
    can tell (``GroupKeys``)."""
    out: list[str] = []
    teller = key_teller(engine)
    keys = None if teller is None else teller.group_keys
    for i in range(0, len(refs), _KEYS_CHUNK):
        part = refs[i : i + _KEYS_CHUNK]
        if keys is not None:
            out.extend(keys(part, by))
        else:
            out.extend(group_key(o, by) for o in engine.offers(part))
    return out


@dataclass(frozen=True, slots=True)
class Member:
    """Another eligible unit of a match's group."""

    offer: Offer
    distance_km: float | None
    score: float
    by_zone: bool
    price: dict[str, Any] | None  # ``ranking.prices.price_summary``


def members(
    best: Offer,
    offers: Sequence[Offer],
    criteria: Criteria,
    *,
    now: datetime,
    weights: Weights,
    zone_keys: frozenset[str],
) -> tuple[Member, ...]:
    """``offers`` (a group's eligible units within the radius used, as the ranker counted
    them) other than ``best``, best first as the page orders (score, distance, id)."""
    point = unit_point(criteria.lat, criteria.lon) if criteria.has_point else None  # type: ignore[arg-type]
    found: list[tuple[tuple[float, float, str], Member]] = []
    for offer in offers:
        if offer.id == best.id:
            continue
        distance = None
        if point is not None:
            x, y, z = unit_point(offer.place.lat, offer.place.lon)
            distance = dot_to_km(point[0] * x + point[1] * y + point[2] * z)
        scored = score(offer, criteria, distance_km=distance, now=now, weights=weights).score
        price = price_summary(offer, criteria, local(offer, now).date())
        member = Member(offer, distance, scored, bool(zone_matched(offer, zone_keys)), price)
        found.append(((-scored, distance or 0.0, offer.id), member))
    found.sort(key=lambda t: t[0])
    return tuple(m for _, m in found)
