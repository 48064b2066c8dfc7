"""The keys an offer is looked up by: exact terms and dates, derived from what FHIR searches read
(``facts``), so that a look-up finds exactly the offers a search would match.

A **term** is ``<scope>.<field>`` (``:above`` for an organisation or one above it), a kind and
a value, joined by :data:`SEP`:

- tokens (``facts`` token values ``(key, system, code)``): three terms per value, ``any`` (the
  code in any system), ``k:<TRE key>`` and ``s:<system as written>``, the three ways a search
  token names its system (``evaluate.token_matches``);
- strings: ``f`` and the folded value (a ``starts with`` search is a range of these); postal
  codes also ``p`` and each of their prefixes (a postcode prefix is one term).

Location-scope keys are the union over the offer's Locations ("some Location has it"), price
keys (:data:`PRICE_FIELDS`, the code of each of the establishment's prices, ``any`` system only:
a price's code has its parameter's one system) the union over its prices. A **date**
is ``<scope>.<field>`` and an instant in microseconds since 1970 (UTC); the sort keys
``sort:_lastUpdated`` and ``sort:-_lastUpdated`` hold every offer, a missing date last.

The **names** (:data:`NAME_FIELDS`) are also kept whole, folded, for substring searches
(:func:`offer_names`; a Location-scope name is its Locations' names joined by :data:`JOIN`, a
character no folded text holds, so no substring spans two of them).

Counters are not read: nothing here changes when capacities are pushed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Final

from ror.indexer.facts import (
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
    view,
)
from ror.model import Offer
from ror.text import fold

SEP: Final = "\x1f"
FOLDED_KEPT: Final = 1 << 16
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
MISSING: Final = 2**62  # a missing date in a sort key: after every date, either way
SORT_UP: Final = "sort:_lastUpdated"
SORT_DOWN: Final = "sort:-_lastUpdated"
#: The offers' name orders (the ``offer.name`` text keys, then the offers without a name).
NAME_UP: Final = "sort:name"
NAME_DOWN: Final = "sort:-name"
#: The price orders: the newest validity start (a missing one last either way), the lowest
#: amount, of the establishment's prices a price look-up finds (``engine.PriceTest``).
PRICE_START_UP: Final = "sort:price-start"
PRICE_START_DOWN: Final = "sort:-price-start"
PRICE_AMOUNT_UP: Final = "sort:price-amount"
PRICE_AMOUNT_DOWN: Final = "sort:-price-amount"
PRICE_ORDERS: Final = (PRICE_START_UP, PRICE_START_DOWN, PRICE_AMOUNT_UP, PRICE_AMOUNT_DOWN)

#: Token fields looked up, per scope.
TOKEN_FIELDS: Final = {
    "offer": ("identifiers", "region_tag", "practitioner_identifiers"),
    "organization": ("identifiers", "category", "financial_help"),
    "location": ("id", "identifiers", "commune", "region_tag"),
}
#: Code fields of the establishment's prices looked up (``ror.model.Price``).
PRICE_FIELDS: Final = (
    "type",
    "unit",
    "condition",
    "reception",
    "residential_type",
    "dependency_level",
)
ABOVE_FIELDS: Final = ("identifiers", "category")
TEXT_FIELDS: Final = {
    "offer": ("name",),
    "organization": ("name",),
    "location": ("name", "postal_code", "city"),
}
PREFIXED: Final = frozenset({"location.postal_code"})
#: Text fields whose folded values are kept whole for substring (``:contains``, ``co``) searches.
NAME_FIELDS: Final = ("offer.name", "organization.name", "location.name")
JOIN: Final = "|"
#: Date fields looked up (the offer's own, its EG's, and its EG's or one above it).
DATE_FIELDS: Final = ("offer.last_updated", "organization.last_updated")


@lru_cache(maxsize=FOLDED_KEPT)
def folded(value: str) -> str:
    """A string as the keys hold it and as string searches compare it (starts with, contains,
    the search's own value too): the one folding both use, so that a look-up finds exactly what
    the evaluator matches. The last :data:`FOLDED_KEPT` are kept: a scan testing 20 values on a
    name folds it once."""
    return fold(value)


def name(scope: str, field: str, above: bool = False) -> str:
    return f"{scope}.{field}" + (":above" if above else "")


def token_term(where: str, key: str | None, system: str | None, code: str) -> str:
    """The term a search token looks up (``key``, else ``system``, else any system)."""
    if key is not None:
        return f"{where}{SEP}k:{key}{SEP}{code}"
    if system:
        return f"{where}{SEP}s:{system}{SEP}{code}"
    return f"{where}{SEP}any{SEP}{code}"


def text_term(where: str, folded: str, prefix: bool = False) -> str:
    return f"{where}{SEP}{'p' if prefix else 'f'}{SEP}{folded}"


def micros(moment: datetime) -> int:
    """An instant as whole microseconds since 1970 (UTC): exact, and ordered as instants."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def offer_terms(offer: Offer) -> set[str]:
    v = view(offer, counters=False)
    terms: set[str] = set()
    for field in TOKEN_FIELDS["offer"]:
        terms.update(_tokens(name("offer", field), offer_tokens(v, field)))
    for field in TOKEN_FIELDS["organization"]:
        terms.update(_tokens(name("organization", field), organization_tokens(v, field)))
    above = organizations_above(v)
    for field in ABOVE_FIELDS:
        values = [
            *organization_tokens(v, field),
            *(t for o in above for t in above_tokens(o, field)),
        ]
        terms.update(_tokens(name("organization", field, True), values))
    for loc in v.locations:
        for field in TOKEN_FIELDS["location"]:
            terms.update(location_terms(v, loc, field))
    for scope, fields in TEXT_FIELDS.items():
        for field in fields:
            terms.update(_texts(v, scope, field))
    for price in offer.establishment.prices:
        for field in PRICE_FIELDS:
            code = getattr(price, field)
            if code is not None:
                terms.add(token_term(name("price", field), None, None, code))
    return terms


def location_terms(v: OfferView, loc: LocationView, field: str) -> set[str]:
    """The terms of one Location of an offer for a token field of :data:`TOKEN_FIELDS`, as that
    offer shows it."""
    return set(_tokens(name("location", field), location_tokens(v, loc, field)))


def _tokens(where: str, values: Iterable[TokenValue]) -> Iterator[str]:
    for key, system, code in values:
        yield token_term(where, None, None, code)
        if key is not None:
            yield token_term(where, key, None, code)
        if system:
            yield token_term(where, None, system, code)


def location_texts(v: OfferView, loc: LocationView, field: str) -> set[str]:
    """The terms of one Location of an offer for a string field of :data:`TEXT_FIELDS`, as that
    offer shows it."""
    return set(_text_terms(v, loc, "location", field))


def _texts(v: OfferView, scope: str, field: str) -> Iterator[str]:
    for loc in v.locations if scope == "location" else (None,):
        yield from _text_terms(v, loc, scope, field)


def _text_terms(v: OfferView, loc: LocationView | None, scope: str, field: str) -> Iterator[str]:
    where = name(scope, field)
    value = text_of(v, loc, scope, field)
    if value is None:
        return
    key = folded(value)
    yield text_term(where, key)
    if where in PREFIXED:
        yield from (text_term(where, key[:n], True) for n in range(1, len(key) + 1))


def offer_names(offer: Offer) -> tuple[str, ...]:
    """The folded value of each of :data:`NAME_FIELDS` ("" when it has none)."""
    v = view(offer, counters=False)
    out = []
    for where in NAME_FIELDS:
        scope, field = where.split(".")
        places = v.locations if scope == "location" else (None,)
        values = (text_of(v, loc, scope, field) for loc in places)
        out.append(JOIN.join(folded(value) for value in values if value is not None))
    return tuple(out)


def offer_prices(offer: Offer) -> set[tuple[str, int | None, float]]:
    """(type, validity start at midnight UTC in microseconds or None, amount) of each of the
    establishment's prices."""
    return {
        (
            p.type,
            None if p.start_date is None else micros(datetime.combine(p.start_date, time.min, UTC)),
            float(p.amount_eur),
        )
        for p in offer.establishment.prices
    }


def offer_dates(offer: Offer) -> set[tuple[str, int]]:
    """(date field, instant) of an offer, its sort keys included."""
    v = view(offer, counters=False)
    own = offer.last_updated
    out = {
        (SORT_UP, micros(own) if own else MISSING),
        (SORT_DOWN, -micros(own) if own else MISSING),
    }
    if own is not None:
        out.add(("offer.last_updated", micros(own)))
    eg = meta_updated(v.establishment)
    if eg is not None:
        out.add(("organization.last_updated", micros(eg)))
        out.add(("organization.last_updated:above", micros(eg)))
    for org in organizations_above(v):
        moment = meta_updated(org)
        if moment is not None:
            out.add(("organization.last_updated:above", micros(moment)))
    return out
