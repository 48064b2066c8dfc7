"""Stored offer documents read back as the Offers that were written (counters aside)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import orjson
import pytest

from ror.indexer.load import load_paths
from ror.model import Offer
from ror.search.embedded.rows import decode_doc, encode_doc
from ror.source_data import ROR_JSON_EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    ROOT / "tests/fixtures/fhir/ig-fsh",
    ROOT / "tests/fixtures/fhir/linked",
    *ROR_JSON_EXAMPLES,
]


def _without_counters(offer: Offer) -> Offer:
    return dataclasses.replace(offer, capacities=())


def test_synthetic_offers_round_trip(synthetic_offers: list[Offer]) -> None:
    assert any(o.capacities for o in synthetic_offers)
    assert any(o.establishment.prices for o in synthetic_offers)
    assert any(o.hours for o in synthetic_offers) and any(o.zones for o in synthetic_offers)
    for offer in synthetic_offers:
        assert decode_doc(encode_doc(offer)) == _without_counters(offer)


def test_real_ror_examples_round_trip() -> None:
    offers = list(load_paths(EXAMPLES).offers)
    assert len(offers) >= 5
    for offer in offers:
        back = decode_doc(encode_doc(offer))
        assert back == _without_counters(offer)
        assert back == Offer.from_dict(orjson.loads(encode_doc(offer)))  # the JSON form's reader


def test_a_document_that_kept_its_counters_is_read_without_them(
    synthetic_offers: list[Offer],
) -> None:
    offer = next(o for o in synthetic_offers if o.capacities)
    assert decode_doc(orjson.dumps(offer)) == _without_counters(offer)


def test_a_document_of_the_wrong_shape_is_refused() -> None:
    doc = orjson.loads(encode_doc(_example()))
    doc["age_min"] = "douze"
    with pytest.raises(ValueError, match="age_min"):
        decode_doc(orjson.dumps(doc))


def _example() -> Offer:
    return next(iter(load_paths(EXAMPLES).offers))
