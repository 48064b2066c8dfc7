"""Price searches through the price keys (``search/embedded/price_keys.py``): a price amount,
a validity start and the price orders (``_sort=[-]organization.price-validity-start-date``,
``[-]organization.price-amount-value``, ROR-MODEL §9's EHPAD query) answer exactly as the
scan over every offer, both audiences, both directions, across cursor pages, reading only
their page (an index written before the table existed fills it alone when opened:
``tests/search/test_key_fill.py``)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from ror.access.profiles import audience
from ror.api.fhir.lookup import ORDERS, lookup, price_group
from ror.api.fhir.params import parse_search
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.embedded.price_keys import FEW
from ror.search.engine import LookupRow
from tests.api.fhir.test_fhir_lookup import Counting, Items, pages

R246 = "https://mos.esante.gouv.fr/NOS/TRE_R246-TypeTarif/FHIR/TRE-R246-TypeTarif"
STARTS = (None, date(2024, 1, 1), date(2025, 6, 1), date(2026, 1, 1), date(2025, 6, 1))
SORTS = (
    "-organization.price-validity-start-date",
    "organization.price-validity-start-date",
    "organization.price-amount-value",
    "-organization.price-amount-value",
)


def varied(offers: list[Offer]) -> list[Offer]:
    """The first 400 offers, their prices given varied starts (some none, many tied) and
    amounts around 75 €, one priced unit made sensitive."""
    out = []
    for i, offer in enumerate(offers[:400]):
        prices = tuple(
            dataclasses.replace(
                p,
                start_date=STARTS[(i + j) % len(STARTS)],
                amount_eur=round(p.amount_eur % 60 + 40 + (i % 3) * 5, 2),
            )
            for j, p in enumerate(offer.establishment.prices)
        )
        if prices and i % 7 == 0:  # a price of the same type and start, another amount
            prices += (dataclasses.replace(prices[0], amount_eur=prices[0].amount_eur + 1),)
        est = dataclasses.replace(offer.establishment, prices=prices)
        out.append(dataclasses.replace(offer, establishment=est, sensitive=offer.sensitive))
    priced = [i for i, o in enumerate(out) if o.establishment.prices and not o.sensitive]
    out[priced[3]] = dataclasses.replace(out[priced[3]], sensitive=True)
    return out


@pytest.fixture(scope="module")
def priced(tmp_path_factory: pytest.TempPathFactory, offers: list[Offer]) -> EmbeddedEngine:
    engine = EmbeddedEngine(tmp_path_factory.mktemp("prices") / "prices.sqlite")
    engine.load(varied(offers), replace_all=True)
    assert engine.lookup_prices()
    return engine


QUERIES: list[Items] = [
    [("organization.price-type", f"{R246}|02"), ("organization.price-amount-value", "lt75")],
    [("organization.price-type", "02"), ("organization.price-amount-value", "ge70")],
    [
        ("organization.price-type", "02,03"),
        ("organization.price-amount-value", "ge60"),
        ("organization.price-amount-value", "le90"),
    ],
    [
        ("organization.price-type", "02"),
        ("organization.price-validity-start-date", "ge2025-01-01"),
    ],
    [("organization.price-type", "02"), ("organization.price-amount-value", "ne60")],
]


@pytest.mark.parametrize("sort", SORTS)
def test_price_orders_answer_as_the_scan(
    priced: EmbeddedEngine, offers: list[Offer], sort: str
) -> None:
    tag = str(next(o for o in varied(offers) if o.establishment.prices).region_tag)
    for query in QUERIES:
        for extra in ([], [("_tag", tag)]):
            items = [*query, *extra, ("_sort", sort), ("_count", "7")]
            for profile in (0, 1):
                fast = pages(priced, items, profile, fast=True)
                assert fast == pages(priced, items, profile, fast=False), (items, profile)
                assert fast[0][0] > 0, items  # type: ignore[index]


def test_a_price_amount_in_id_order_answers_as_the_scan(priced: EmbeddedEngine) -> None:
    for query in QUERIES:
        for profile in (0, 1):
            items = [*query, ("_count", "9")]
            fast = pages(priced, items, profile, fast=True)
            assert fast == pages(priced, items, profile, fast=False), (items, profile)


def test_the_ehpad_query_reads_its_page_only(
    tmp_path: Path, priced: EmbeddedEngine, offers: list[Offer]
) -> None:
    engine = Counting(priced.path)
    try:
        request = parse_search(
            "HealthcareService",
            [
                ("organization.price-type", f"{R246}|02"),
                ("organization.price-amount-value", "lt75"),
                ("_sort", "-organization.price-validity-start-date"),
                ("_count", "5"),
            ],
        )
        result = lookup(request, engine, audience(1))
        assert result is not None and len(result.page) == 5 and result.total > 20
        assert engine.streams == 0 and engine.read <= 5
        starts = [h.keys["organization.price-validity-start-date"] for h in result.page]
        days = [d if isinstance(d, date) else date.min for d in starts]
        assert days == sorted(days, reverse=True)
    finally:
        engine.close()


@pytest.mark.parametrize("sort", SORTS)
def test_a_page_of_some_offers_answers_as_the_order_kept_to_them(
    priced: EmbeddedEngine, sort: str
) -> None:
    """A price page of some offers (``among``) lists the offers of the whole order that are
    among them, page after page, whether they are keyed whole (few), walked (early in the
    order) or keyed whole after a walk reading more rows than them (late in the order)."""
    request = parse_search("HealthcareService", [*QUERIES[0], ("_sort", sort)])
    group = price_group(request)
    assert group is not None
    order = ORDERS[tuple((k.key, k.descending) for k in request.sort)]
    whole = priced.lookup_page(group[0], order, None, 10**6)
    assert len(whole) > 3 * FEW
    early = [r[0] for r in whole[: 2 * FEW]]
    late = [r[0] for r in whole[-(FEW + 1) :]]
    others = [r[0] for r in whole[1::3]]
    for among in (early[:FEW], early, late, late + early[:3], others):
        kept = [r for r in whole if r[0] in set(among)]
        paged: list[LookupRow] = []
        after = None
        while True:
            rows = priced.lookup_page(group[0], order, after, 7, sorted(among))
            paged += rows
            if len(rows) < 7:
                break
            after = (rows[-1][2], rows[-1][1])
        assert paged == kept, (sort, len(among))
