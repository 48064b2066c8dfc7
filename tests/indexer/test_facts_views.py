"""Views of offers are kept per offer object: the same object gives the same view; a changed
offer (a new object, e.g. after a capacity push) gets its own."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from ror.indexer.facts import view
from ror.indexer.synthetic import generate


def test_a_view_is_kept_per_offer_object_and_counters() -> None:
    offer = next(
        o for o in generate(200, seed=3, now=datetime(2026, 1, 1, tzinfo=UTC)) if o.capacities
    )
    assert view(offer) is view(offer)
    assert view(offer, counters=False) is not view(offer)
    assert view(offer, counters=False).offer.capacities == ()
    first = offer.capacities[0]
    pushed = dataclasses.replace(
        offer, capacities=(dataclasses.replace(first, count=first.count + 7),)
    )
    seen = view(pushed)
    assert seen is not view(offer)
    counts = [c.count for loc in seen.locations for c in loc.capacities]
    assert counts == [first.count + 7]
