"""Issue 19 case 8: every lay term the suggest box offers leads to an offer of the demo dataset.

The demo dataset (``ror demo``: 100,000 synthetic offers, seed 0) is generated as ``ror demo``
builds it; each curated lay term is suggested, and the first suggestion's codes (with the age
the words imply) must fit at least one offer by the ranking's own eligibility check.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from importlib.resources import files

import pytest

from ror import nomenclature
from ror.criteria import CODE_FIELDS, Criteria
from ror.indexer.synthetic import demo_dataset_size, generate
from ror.model import Offer
from ror.ranking import check

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def lay_terms() -> list[str]:
    document = json.loads(
        files("ror.nomenclature").joinpath("data/lay_terms.json").read_text("utf-8")
    )
    return [item["terms"][0] for item in document["entries"]]


@pytest.mark.slow
def test_every_suggested_lay_term_finds_an_offer_in_the_demo_dataset() -> None:
    by_code: dict[tuple[str, str], list[Offer]] = defaultdict(list)
    aid: list[Offer] = []
    for offer in generate(demo_dataset_size(), 0, now=NOW):
        for name in CODE_FIELDS:
            for code in getattr(offer, name):
                if len(by_code[(name, code)]) < 50:
                    by_code[(name, code)].append(offer)
        if offer.establishment.social_aid and len(aid) < 50:
            aid.append(offer)
    empty = []
    for term in lay_terms():
        suggestion = nomenclature.suggest(term, 1)[0]
        meaning = nomenclature.resolve_text(term)
        ages = meaning.age_range
        if suggestion.field == "financial_help":
            assert aid, term
            continue
        if suggestion.field == "reception":
            criteria = Criteria(
                reception="temporary" if suggestion.codes == ("01",) else "permanent"
            )
            candidates = [o for offers in by_code.values() for o in offers]
        else:
            assert suggestion.field in CODE_FIELDS, (term, suggestion.field)
            criteria = Criteria().with_(**{suggestion.field: suggestion.codes})
            candidates = [o for c in suggestion.codes for o in by_code[(suggestion.field, c)]]
        if ages is not None:
            criteria = criteria.with_(age=ages[0], age_to=ages[1])
        if not any(not check(o, criteria, now=NOW) for o in candidates):
            empty.append((term, suggestion.label, suggestion.field, suggestion.codes))
    assert not empty, empty
