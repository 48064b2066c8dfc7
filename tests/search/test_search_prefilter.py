"""The prefilter is never stricter than ``ranking.check``, and exact where it says so."""

from __future__ import annotations

import random

from ror.model import Offer
from ror.ranking import check
from ror.search.criteria import BedNeed, Criteria
from ror.search.prefilter import OfferColumns, Prefilter, fails
from tests.search.builders import NOW

PREFILTERED = {"age", "reception", "social_aid", "max_monthly_price_eur", "closed", "beds"}


def test_prefilter_agrees_with_check(synthetic_offers: list[Offer]) -> None:
    rng = random.Random(3)
    columns = [OfferColumns.of(o, NOW) for o in synthetic_offers]
    for _ in range(40):
        criteria = Criteria(
            age=rng.choice((None, 5, 30, 70, 90)),
            reception=rng.choice((None, "permanent", "temporary")),
            social_aid=rng.random() < 0.4,
            max_monthly_price_eur=rng.choice((None, 1500.0, 2200.0, 3000.0)),
            beds=rng.choice((None, BedNeed(), BedNeed(nature="02", min_available=2))),
        )
        prefilter = Prefilter.from_criteria(criteria, NOW)
        for offer, cols in zip(synthetic_offers, columns, strict=True):
            failed = {f.criterion for f in check(offer, criteria, now=NOW)} & PREFILTERED
            counted = fails(cols, prefilter)
            assert counted <= len(failed), (offer.id, criteria, failed)  # never stricter
            if prefilter.exact:
                assert counted == len(failed), (offer.id, criteria, failed)


def test_lenient_criteria_make_the_prefilter_inexact() -> None:
    assert not Prefilter.from_criteria(Criteria(beds=BedNeed(gender="01")), NOW).exact
    assert not Prefilter.from_criteria(Criteria(max_monthly_price_eur=2000, age=40), NOW).exact
    assert Prefilter.from_criteria(Criteria(max_monthly_price_eur=2000, age=80), NOW).exact
