"""A deep page ranks the units above it on offers read for ranking alone
(``RankingOffers``: the fields the score and the group read) and reads whole only the page:
the answer is the brute-force reference's and the whole-offer engine's, explanations included
(issue 22: a deep page at 1 M offers decoded every unit above it)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.reference import Reference
from ror.criteria import BedNeed, Criteria
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.pipeline import search
from tests.search.builders import NOW
from tests.search.test_search_pipeline import assert_same

DEEP: list[Criteria] = [
    Criteria(offset=600, limit=40),
    Criteria(lat=45.76, lon=4.84, offset=500, limit=30),
    Criteria(lat=48.8566, lon=2.3522, offset=300, limit=25, radius_km=400),
    Criteria(profile="emergency", beds=BedNeed(nature="01", min_available=1), offset=80, limit=20),
    Criteria(place="Toulouse", profile="emergency", offset=150, limit=20),
    Criteria(
        place="Lyon", offer_type=("21",), profile="nursing_home", offset=30, limit=10, text=None
    ),
    Criteria(place="Lyon", profile="nursing_home", max_monthly_price_eur=3000, offset=60, limit=9),
    Criteria(place="Bordeaux", group="establishment", offset=200, limit=15),
]


class WholeOnly(EmbeddedEngine):
    """The same engine reading every unit whole (no ``ranking_offers``), counting them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read = 0

    def offers(self, refs: Any) -> list[Offer]:
        self.read += len(refs)
        return super().offers(refs)

    ranking_offers = None  # type: ignore[assignment]  # not the capability


class Counting(EmbeddedEngine):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read = 0

    def offers(self, refs: Any) -> list[Offer]:
        self.read += len(refs)
        return super().offers(refs)


@pytest.mark.parametrize("criteria", DEEP, ids=range(len(DEEP)))
def test_deep_pages_equal_the_reference_and_the_whole_offer_engine(
    synthetic_engine: EmbeddedEngine, reference: Reference, criteria: Criteria
) -> None:
    partly = Counting(synthetic_engine.path)
    whole = WholeOnly(synthetic_engine.path)
    try:
        assert_same(partly, reference, criteria)
        got, want = search(criteria, partly, now=NOW), search(criteria, whole, now=NOW)
        assert got.matches == want.matches and got.total == want.total, criteria
        assert got.near_misses == want.near_misses and got.facets == want.facets, criteria
        assert [m.offer for m in got.matches] == [m.offer for m in want.matches]
    finally:
        partly.close()
        whole.close()


def test_a_deep_page_reads_whole_only_its_page(synthetic_engine: EmbeddedEngine) -> None:
    criteria = Criteria(lat=45.76, lon=4.84, offset=800, limit=20)
    partly = Counting(synthetic_engine.path)
    whole = WholeOnly(synthetic_engine.path)
    try:
        got = search(criteria, partly, now=NOW)
        assert len(got.matches) == 20 and got.total > 820
        assert partly.read < 100, partly.read  # the page and a few near-misses
        search(criteria, whole, now=NOW)
        assert whole.read > 800  # every unit above the page, without the capability
    finally:
        partly.close()
        whole.close()


class CountingPartly(Counting):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partly = 0

    def ranking_offers(self, refs: Any, counters: bool) -> list[Offer]:
        self.partly += len(refs)
        return super().ranking_offers(refs, counters)


@pytest.mark.parametrize(
    "criteria",
    [Criteria(lat=45.76, lon=4.84, limit=20), Criteria(lat=45.76, lon=4.84, offset=20, limit=20)],
    ids=["first page", "second page"],
)
def test_a_near_page_reads_its_units_whole_once(
    synthetic_engine: EmbeddedEngine, criteria: Criteria
) -> None:
    engine = CountingPartly(synthetic_engine.path)
    try:
        got = search(criteria, engine, now=NOW)
        assert len(got.matches) == 20
        assert engine.partly == 0  # no unit read for ranking, then again whole
    finally:
        engine.close()
