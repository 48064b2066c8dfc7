"""The prefilter is never stricter than ``ranking.check``, and exact where it says so."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import numpy as np

from ror.criteria import BedNeed, Criteria
from ror.model import Offer
from ror.ranking import check
from ror.search.prefilter import (
    PRICE_COLUMNS,
    OfferColumns,
    Prefilter,
    fails,
    fails_array,
    price_holds,
    sure_array,
)
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


def test_the_vectorised_prefilter_counts_as_the_scalar_one(synthetic_offers: list[Offer]) -> None:
    rng = random.Random(8)
    columns = [OfferColumns.of(o, NOW) for o in synthetic_offers]
    values: dict[str, list[Any]] = {
        "home": [c.home for c in columns],
        "age_min": [c.age_min for c in columns],
        "age_max": [c.age_max for c in columns],
        "aid": [c.social_aid for c in columns],
        "aid_perm": [c.aid_places_permanent for c in columns],
        "aid_temp": [c.aid_places_temporary for c in columns],
        "recep": [c.reception_mask for c in columns],
        "price": [c.min_monthly_price_eur for c in columns],
        "closed_from": [c.closed_from for c in columns],
        "reopens_at": [c.reopens_at for c in columns],
        "price_from": [c.price_from for c in columns],
        "price_until": [c.price_until for c in columns],
        "beds": [c.beds_available for c in columns],
        "places": [c.places_available for c in columns],
        **{
            name: [c.selected_prices[i] for c in columns]
            for i, name in enumerate(PRICE_COLUMNS.values())
        },
    }
    arrays = {
        k: np.array([np.nan if v is None else v for v in vs], np.float64)
        for k, vs in values.items()
    }
    for _ in range(40):
        criteria = Criteria(
            age=rng.choice((None, 5, 30, 70, 90)),
            reception=rng.choice((None, "permanent", "temporary")),
            social_aid=rng.random() < 0.4,
            max_monthly_price_eur=rng.choice((None, 1500.0, 2200.0, 3000.0)),
            beds=rng.choice((None, BedNeed(), BedNeed(nature="02", min_available=2))),
        )
        moment = NOW + timedelta(days=rng.choice((0, 40, 400)))
        prefilter = Prefilter.from_criteria(criteria, moment)
        zone_term = rng.random() < 0.3
        got = fails_array(arrays.__getitem__, prefilter, zone_term=zone_term)
        want = [fails(c, prefilter) + (zone_term and c.home) for c in columns]
        assert got.tolist() == want, criteria
        holds = [price_holds(c, prefilter.now) for c in columns]
        sure = sure_array(arrays.__getitem__, prefilter).tolist()
        if prefilter.price_column is not None and prefilter.max_monthly_price_eur is not None:
            assert sure == holds
        else:
            assert all(sure)
