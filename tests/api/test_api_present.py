"""What each ROR access profile sees of an offer (ROR-MODEL §8, DESIGN §7)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from ror.api.present import (
    contact_levels,
    may_see_capacities,
    may_see_offer,
    offer_json,
    present_offer,
    visible_parts,
    visible_sentences,
)
from ror.api.response_models import OfferOut
from ror.criteria import BedNeed, Criteria
from ror.indexer.load import load_paths
from ror.indexer.synthetic import generate
from ror.model import Capacity, Contact, Offer
from ror.ranking import explain, score, weights_for
from ror.source_data import ROR_EXAMPLES

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
CONTACTS = (
    Contact("05 61 00 00 01", channel="2", confidentiality="1"),
    Contact("05 61 00 00 02", channel="2", confidentiality="2"),
    Contact("direction@example.org", channel="3", confidentiality="3"),
)


@pytest.fixture(scope="module")
def sample() -> list[Offer]:
    return list(generate(300, seed=3, now=NOW))


def with_contacts(offer: Offer, champ: str) -> Offer:
    return dataclasses.replace(offer, contacts=CONTACTS, champ=(champ,))


@pytest.mark.parametrize(
    ("profile", "champ", "levels"),
    [
        (0, "01", {"1"}),
        (1, "01", {"1", "2", "3"}),
        (2, "01", {"1", "2"}),
        (3, "04", {"1", "2"}),  # medico-social offer: all but « très restreint »
        (3, "01", {"1"}),  # sanitaire offer: open data only
        (4, "04", set()),
        (5, "04", {"1", "2"}),
    ],
)
def test_contacts_by_confidentiality_level(
    sample: list[Offer], profile: int, champ: str, levels: set[str]
) -> None:
    offer = with_contacts(sample[0], champ)
    shown = present_offer(offer, profile=profile)["contacts"]
    assert {c["confidentiality"]["code"] for c in shown} == levels
    assert set(contact_levels(offer, profile)) == levels


@pytest.mark.parametrize(("profile", "seen"), [(0, False), (1, True), (2, True), (5, False)])
def test_capacities_are_restricted(sample: list[Offer], profile: int, seen: bool) -> None:
    offer = next(o for o in sample if o.capacities)
    shown = present_offer(offer, profile=profile)
    assert ("capacities" in shown) is seen
    assert may_see_capacities(profile) is seen
    OfferOut.model_validate(shown)


def test_sensitive_units_hidden_from_open_data_callers(sample: list[Offer]) -> None:
    offer = dataclasses.replace(sample[0], sensitive=True, champ=("01",))
    assert not may_see_offer(offer, 0)
    assert all(may_see_offer(offer, p) for p in (1, 2, 4, 5))
    assert not may_see_offer(offer, 3)  # sanitaire offer: open data only for profile 3
    assert may_see_offer(dataclasses.replace(offer, champ=("04",)), 3)
    assert may_see_offer(sample[0], 0)


def test_unknown_profile_is_refused(sample: list[Offer]) -> None:
    with pytest.raises(ValueError, match="0 to 5"):
        present_offer(sample[0], profile=6)


def test_raw_source_and_unlisted_fields_never_leave(sample: list[Offer]) -> None:
    offer = dataclasses.replace(sample[0], source={"resourceType": "HealthcareService"})
    shown = present_offer(offer, profile=1)
    assert "source" not in shown and "region_tag" not in shown
    OfferOut.model_validate(shown)


def test_codes_carry_labels(sample: list[Offer]) -> None:
    offer = next(o for o in sample if o.establishment.prices)
    shown = present_offer(offer, profile=1)
    assert shown["activity"][0]["label"]
    assert shown["establishment"]["prices"][0]["unit"]["label"].startswith("Tarif")
    assert shown["establishment"]["category"]["label"]


def test_capacity_explanations_and_parts_are_removed(sample: list[Offer]) -> None:
    """Real ranking explanations about beds (fresh, stale, none) vanish for profiles 0 and 5."""
    base = next(o for o in sample if o.capacities)
    criteria = Criteria(lat=base.place.lat, lon=base.place.lon, beds=BedNeed(nature="01"))
    cases = [
        (1, NOW - timedelta(minutes=20)),  # "1 lit disponible, mis à jour il y a 20 min"
        (0, NOW - timedelta(minutes=20)),  # "aucun lit disponible, …"
        (2, NOW - timedelta(days=30)),  # stale: "chiffre ancien : …"
    ]
    weights = weights_for("default")
    for count, updated in cases:
        counter = Capacity("01", "02", "01", count, updated, location_id="L1")
        offer = dataclasses.replace(base, capacities=(counter,))
        scored = score(offer, criteria, distance_km=1.0, now=NOW, weights=weights)
        sentences = explain(offer, criteria, scored, distance_km=1.0, now=NOW)
        assert visible_sentences(sentences, 1) == list(sentences)
        assert any("lit" in s for s in sentences)
        for profile in (0, 5):
            kept = visible_sentences(sentences, profile)
            assert kept and kept[0].startswith("à ")  # the distance stays
            assert not any("lit" in s or "mis à jour" in s for s in kept), kept
            assert "capacity" not in visible_parts(scored.parts, profile)
        assert "capacity" in visible_parts(scored.parts, 1)
    unknown = dataclasses.replace(base, capacities=())
    scored = score(unknown, criteria, distance_km=1.0, now=NOW, weights=weights)
    sentences = explain(unknown, criteria, scored, distance_km=1.0, now=NOW)
    assert "disponibilité non renseignée" in sentences
    assert "disponibilité non renseignée" not in visible_sentences(sentences, 0)


def test_other_sentences_stay() -> None:
    sentences = ["à 4,2 km", "habilité à l'aide sociale", "accueil permanent", "tous âges"]
    assert visible_sentences(sentences, 0) == sentences


ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [ROOT / "tests/fixtures/fhir/linked", ROR_EXAMPLES / "ig-json"]


@pytest.mark.parametrize("profile", [0, 1, 2, 3, 4, 5])
def test_rendered_offer_is_the_presented_offer(sample: list[Offer], profile: int) -> None:
    real = list(load_paths(EXAMPLES).offers)
    assert real and any(o.capacities for o in sample)
    for offer in [*sample, *real, with_contacts(sample[1], "04"), with_contacts(sample[2], "01")]:
        rendered = orjson.dumps(offer_json(offer, profile=profile))
        assert rendered == orjson.dumps(present_offer(offer, profile=profile))  # keys in order
        assert orjson.dumps(offer_json(offer, profile=profile)) == rendered  # from the cache


def test_one_offer_rendered_for_each_profile_in_turn(sample: list[Offer]) -> None:
    """The rendered offers are kept per profile: a profile never gets another's rendering."""
    offer = with_contacts(next(o for o in sample if o.capacities), "04")
    for profile in [1, 0, 3, 5, 1, 2, 0, 4]:
        assert orjson.dumps(offer_json(offer, profile=profile)) == orjson.dumps(
            present_offer(offer, profile=profile)
        )
    assert b'"capacities"' not in orjson.dumps(offer_json(offer, profile=0))
    assert b'"capacities"' in orjson.dumps(offer_json(offer, profile=1))


def test_a_changed_offer_is_rendered_anew(sample: list[Offer]) -> None:
    offer = next(o for o in sample if o.capacities)
    before = orjson.loads(orjson.dumps(offer_json(offer, profile=1)))
    fewer = dataclasses.replace(offer, capacities=offer.capacities[:-1], name="Autre nom")
    after = orjson.loads(orjson.dumps(offer_json(fewer, profile=1)))
    assert len(after["capacities"]) == len(before["capacities"]) - 1
    assert after["name"] == "Autre nom" and before["name"] == offer.name
