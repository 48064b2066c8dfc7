"""Does an offer (or one of its Locations) match a FHIR search condition?

A condition is tested under a :class:`Binding`: the offer, and possibly one Location, one
counter, one equipment row and one price it is about. Inside an ``AllOf``, the children that
need an unbound level (``location``, then ``counter`` / ``equipment``, or ``price``) are
tested *together* for each candidate element: some element must satisfy all of them. That is
what makes ``capacity-status=02&gender-capacity-available=01&nb-capacity=gt0`` hold on one
counter, ``equipment-type=088&limit-value=ge200|…|kg`` on one equipment, price parameters on
one price, and ``location.*`` parameters on one Location. A lone atom binds existentially
("some counter…"); a negation is tested as a whole ("no counter…").

Missing age bounds are open (0 and no limit), as the rest of the engine reads them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Final

from ror.api.fhir.query import AllOf, AnyOf, Atom, Node, NotOf, levels
from ror.api.fhir.values import (
    DateRange,
    Establishments,
    Near,
    Quantity,
    Reference,
    Text,
    Token,
    Value,
    ZoneKeys,
)
from ror.geo.distance import great_circle_km
from ror.indexer.facts import (
    Json,
    LocationView,
    OfferView,
    TokenValue,
    above_tokens,
    location_tokens,
    meta_updated,
    offer_tokens,
    organization_tokens,
    organizations_above,
    text_of,
)
from ror.model import Capacity, Equipment, Price, measure_unit
from ror.ranking.eligibility import zone_matched

LEVEL_ORDER: Final = ("location", "counter", "equipment", "price")


@dataclass(frozen=True, slots=True)
class Binding:
    view: OfferView
    location: LocationView | None = None
    counter: Capacity | None = None
    equipment: Equipment | None = None
    price: Price | None = None

    def bound(self, level: str) -> bool:
        return getattr(self, level) is not None

    def options(self, level: str) -> Sequence[object]:
        if level == "location":
            return self.view.locations
        if level == "price":
            return self.view.offer.establishment.prices
        assert self.location is not None  # LEVEL_ORDER binds the Location first
        return self.location.capacities if level == "counter" else self.location.equipment

    def bind(self, level: str, value: object) -> Binding:
        bound = Binding(self.view, self.location, self.counter, self.equipment, self.price)
        object.__setattr__(bound, level, value)  # a new binding: no ``replace`` per element
        return bound


def matches(node: Node, view: OfferView, location: LocationView | None = None) -> bool:
    """``node`` holds for the offer (for that Location of it, when given)."""
    return holds(node, Binding(view, location))


def holds(node: Node, b: Binding) -> bool:
    if isinstance(node, AllOf):
        return _all(node.children, b)
    if isinstance(node, AnyOf):
        return any(holds(child, b) for child in node.children)
    if isinstance(node, NotOf):
        return not holds(node.child, b)
    level = _unbound(levels(node), b)
    if level is not None:
        return any(holds(node, b.bind(level, v)) for v in b.options(level))
    return any(test(node, value, b) for value in node.values)


def _all(children: Sequence[Node], b: Binding) -> bool:
    needs = [levels(child) for child in children]
    level = _unbound(frozenset().union(*needs), b)
    if level is None:
        return all(holds(child, b) for child in children)
    together = [c for c, n in zip(children, needs, strict=True) if level in n]
    rest = [c for c, n in zip(children, needs, strict=True) if level not in n]
    if rest and not _all(rest, b):  # the others still bind their own levels together
        return False
    return any(_all(together, b.bind(level, v)) for v in b.options(level))


def _unbound(needed: frozenset[str], b: Binding) -> str | None:
    for lv in LEVEL_ORDER:
        if lv in needed and getattr(b, lv) is None:
            return lv
    return None


# --- one value against what is bound ------------------------------------------------------


def test(atom: Atom, value: Value, b: Binding) -> bool:
    if atom.modifier == "above" and atom.param.scope == "organization":
        return _test(atom, value, b) or any(
            _test_above(atom, value, org) for org in organizations_above(b.view)
        )
    return _test(atom, value, b)


def _test_above(atom: Atom, value: Value, org: Json) -> bool:
    """``value`` against an organisation above the EG (its source resource)."""
    field = atom.param.field
    if isinstance(value, Token):
        return token_matches(value, above_tokens(org, field))
    if isinstance(value, DateRange) and field == "last_updated":
        return value.test(meta_updated(org))
    return False


def _test(atom: Atom, value: Value, b: Binding) -> bool:
    param = atom.param
    scope, field = param.scope, param.field
    if isinstance(value, Near):
        assert b.location is not None
        return within(value, b.location)
    if isinstance(value, ZoneKeys):
        return zone_matched(b.view.offer, value.keys) is True
    if isinstance(value, Establishments):
        return b.view.offer.establishment.id in value.ids
    if isinstance(value, Token):
        return token_matches(value, _tokens(scope, field, b, param.system))
    if isinstance(value, Reference):
        return _reference(field, value, b)
    if isinstance(value, Text):
        return value.test(_text(scope, field, b))
    if isinstance(value, DateRange):
        return value.test(_instant(scope, field, b))
    if isinstance(value, Quantity):
        return _quantity(field, value, b)
    return value.test(_number(scope, field, b))


def token_matches(token: Token, values: Iterable[TokenValue]) -> bool:
    """FHIR token semantics with systems compared by TRE/JDV key (see ``values.py``)."""
    for key, system, code in values:
        if token.code is not None and code != token.code:
            continue
        if token.key is not None:
            if key == token.key:
                return True
        elif token.system:  # a system outside the NOS tables: compared as written
            if system == token.system:
                return True
        else:  # no system: any
            return True
    return False


def _tokens(scope: str, field: str, b: Binding, system: str | None) -> list[TokenValue]:
    if scope == "offer":
        return offer_tokens(b.view, field)
    if scope == "organization":
        return organization_tokens(b.view, field)
    if scope == "location":
        assert b.location is not None
        return location_tokens(b.view, b.location, field)
    element: object = b.counter if scope == "counter" else b.equipment
    if scope == "price":
        element = b.price
    code = getattr(element, field)
    return [(system, None, code)] if code is not None else []


def _reference(field: str, ref: Reference, b: Binding) -> bool:
    if field == "location_ids":
        return ref.type in (None, "Location") and ref.id in b.view.offer.location_ids
    ids = {b.view.provider_id, b.view.offer.establishment.id}
    return ref.type in (None, "Organization") and ref.id in ids


def _text(scope: str, field: str, b: Binding) -> str | None:
    return text_of(b.view, b.location, scope, field)


def _instant(scope: str, field: str, b: Binding) -> datetime | None:
    if scope == "offer":
        return b.view.offer.last_updated
    if scope == "organization":
        return meta_updated(b.view.establishment)
    if scope == "location":
        assert b.location is not None
        return b.location.last_updated
    if scope == "counter":
        assert b.counter is not None
        return b.counter.updated_at
    assert b.price is not None
    start: date | None = b.price.start_date
    return datetime.combine(start, time.min, tzinfo=UTC) if start else None


def _number(scope: str, field: str, b: Binding) -> float | None:
    element: object = b.counter if scope == "counter" else b.price
    value = getattr(element, field)
    return float(value) if value is not None else None


def _quantity(field: str, value: Quantity, b: Binding) -> bool:
    if field == "limit":
        e = b.equipment
        assert e is not None
        if e.limit_value is None:
            return False
        unit, factor = measure_unit(e.limit_unit)
        if value.unit is not None and unit is not None and unit != value.unit:
            return False
        return value.number.test(e.limit_value * factor)
    offer = b.view.offer
    if field == "age_min":
        return value.number.test(float(offer.age_min or 0))
    return value.number.test(math.inf if offer.age_max is None else float(offer.age_max))


def within(near: Near, location: LocationView) -> bool:
    return near.radius_km is None or distance_km(near, location) <= near.radius_km


def distance_km(near: Near, location: LocationView) -> float:
    return great_circle_km(near.lat, near.lon, location.lat, location.lon)
