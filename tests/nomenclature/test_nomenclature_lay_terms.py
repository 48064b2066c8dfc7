"""Lay terms and labels -> codes: the curated table, free-text reading, suggestions."""

from __future__ import annotations

import dataclasses
import json
import time
from importlib.resources import files
from typing import Any

import pytest

from ror import nomenclature as nos
from ror.nomenclature import FIELD_SYSTEMS, Suggestion, resolve_text, suggest
from ror.nomenclature.lay_terms import AGE_RANGES, tokens


def _table() -> dict[str, Any]:
    text = files("ror.nomenclature").joinpath("data/lay_terms.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


# --- the curated table -------------------------------------------------------------------------


def test_every_lay_term_code_exists_in_its_table() -> None:
    entries = _table()["entries"]
    assert len(entries) > 100
    for entry in entries:
        for field, codes in [(entry["field"], entry["codes"]), *entry.get("also", {}).items()]:
            key = FIELD_SYSTEMS[field]
            for code in codes:
                assert nos.is_known(key, code), (entry["label"], field, code)
                assert nos.normalise_code(key, code) == code, (entry["label"], code)
        assert entry.get("age") in (None, *AGE_RANGES)


def test_no_lay_term_is_claimed_by_two_entries() -> None:
    owner: dict[str, str] = {}
    for entry in _table()["entries"]:
        for term in entry["terms"]:
            phrase = " ".join(tokens(term))
            assert phrase, term
            assert owner.setdefault(phrase, entry["label"]) == entry["label"], term


# --- reading a query ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["pédopsy", "pedopsy", "PÉDOPSY", "pédopsychiatre", "pedopsychiatrie"]
)
def test_pedopsy_means_child_psychiatry(text: str) -> None:
    match = resolve_text(text)
    assert "227" in match.codes["activity"]
    assert match.age_hint == "child"
    assert match.unknown == ()


@pytest.mark.parametrize(
    "text", ["psy enfant", "psy pour enfant", "Psy pour enfants", "un psy pour mon enfant"]
)
def test_psy_for_a_child_means_psychiatry_or_psychology(text: str) -> None:
    match = resolve_text(text)
    assert {"227", "289"} <= set(match.codes["activity"])
    (term,) = match.terms
    assert "93" in term.also["professions"] and "209" in term.also["offer_type"]
    assert match.age_hint == "child"
    assert match.unknown == ()


def test_psychologue_for_a_child() -> None:
    match = resolve_text("psychologue enfant")
    assert match.codes == {"activity": ("289",)}
    assert match.terms[0].also["professions"] == ("93",)


@pytest.mark.parametrize(
    "text", ["réa", "rea", "REA", "réanimation", "reanimation", "service de réa"]
)
def test_rea_means_intensive_care(text: str) -> None:
    match = resolve_text(text)
    assert {"126", "127", "130"} <= set(match.codes["activity"])
    assert match.terms[0].also["offer_type"] == ("121",)


@pytest.mark.parametrize(
    "text", ["EHPAD", "ehpad", "Ehpad", "maison de retraite", "Maison de Retraite"]
)
def test_nursing_homes(text: str) -> None:
    match = resolve_text(text)
    assert match.codes["offer_type"][0] == "21"
    assert {"23", "24"} <= set(match.codes["offer_type"])
    assert match.age_hint == "elderly"


@pytest.mark.parametrize(
    ("text", "field", "code"),
    [
        ("SSIAD", "offer_type", "28"),
        ("aide à domicile", "offer_type", "30"),
        ("SAAD", "offer_type", "30"),
        ("HAD", "care_mode", "31"),
        ("USIC", "activity", "354"),
        ("USINV", "activity", "356"),
        ("soins intensifs", "activity", "351"),
        ("urgences", "activity", "157"),
        ("trauma", "activity", "159"),
        ("maternité", "activity", "100"),
        ("kiné", "activity", "339"),
        ("dentiste", "activity", "441"),
        ("généraliste", "activity", "437"),
        ("médecin traitant", "activity", "471"),
        ("IME", "offer_type", "48"),
        ("MAS", "offer_type", "40"),
        ("FAM", "offer_type", "39"),
        ("CMP", "offer_type", "10"),
        ("soins palliatifs", "activity", "170"),
        ("gériatrie", "activity", "050"),
        ("dialyse", "activity", "059"),
        ("addicto", "activity", "404"),
        ("psychiatrie adulte", "activity", "229"),
        ("SMUR", "activity", "136"),
        ("habilitée à l'aide sociale", "financial_help", "02"),
        ("hébergement temporaire", "reception", "01"),
    ],
)
def test_common_lay_words(text: str, field: str, code: str) -> None:
    assert code in resolve_text(text).codes[field]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("pedopsichiatrie", "227"),  # y -> i
        ("reanimtion", "126"),  # missing letter
        ("geriatrie", "050"),  # missing accents
        ("GÉRIATRIE", "050"),
        ("kinesitherapeute", "339"),
        ("dialise", "059"),
    ],
)
def test_typos_accents_and_case(text: str, code: str) -> None:
    match = resolve_text(text)
    assert code in next(iter(match.codes.values())), match
    assert match.unknown == ()


def test_corrections_are_flagged() -> None:
    assert resolve_text("reanimtion").terms[0].corrected
    assert not resolve_text("reanimation").terms[0].corrected


def test_official_labels_are_understood_without_a_lay_term() -> None:
    assert resolve_text("neurochirurgie").codes == {"activity": ("096",)}
    assert resolve_text("Chirurgie orthopédique et traumatologique").codes == {"activity": ("025",)}
    assert resolve_text("centre médico-psychologique").codes == {"offer_type": ("10",)}
    # words of one label, in another order or with words left out
    assert "018" in resolve_text("chirurgie cardiaque").codes["activity"]


def test_leftover_words_are_reported_as_typed() -> None:
    match = resolve_text("psy pour enfant près de Saint-Étienne")
    assert match.unknown == ("saint", "etienne")
    assert "227" in match.codes["activity"]
    assert resolve_text("xyzzy").unknown == ("xyzzy",)
    assert resolve_text("xyzzy").codes == {}


def test_too_broad_words_are_vague_not_unknown() -> None:
    match = resolve_text("soins")
    assert match.codes == {} and match.vague == ("soins",) and match.unknown == ()


def test_age_hints_and_years() -> None:
    match = resolve_text("chirurgie cardiaque enfant 8 ans")
    assert match.age_hint == "child" and match.age == 8
    assert "018" in match.codes["activity"]
    assert match.unknown == ()
    assert resolve_text("kiné pour bébé").age_hint == "infant"
    assert resolve_text("ophtalmo personne âgée").age_hint == "elderly"
    assert resolve_text("").empty and resolve_text("de la pour").empty


def test_several_terms_combine_per_field() -> None:
    match = resolve_text("EHPAD habilité aide sociale alzheimer")
    assert match.codes["offer_type"][0] == "21"
    assert match.codes["financial_help"] == ("02",)
    assert "28" in match.codes["specialisations"]
    assert len(match.terms) == 3


# --- suggestions -------------------------------------------------------------------------------


def test_suggest_completes_a_prefix() -> None:
    found = suggest("pédo")
    assert found[0].label == "Pédopsychiatrie"
    assert found[0].field == "activity" and "227" in found[0].codes
    assert found == suggest("PEDO")
    assert all(isinstance(s, Suggestion) for s in found)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found[0].score = 2.0  # type: ignore[misc]


def test_suggest_orders_best_first_within_limit() -> None:
    found = suggest("rea", limit=5)
    assert len(found) == 5
    assert found[0].label == "Réanimation"
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert all(0.0 <= s.score <= 1.0 for s in suggest("urg", limit=50))


def test_exact_beats_prefix_beats_fuzzy() -> None:
    def top(q: str) -> Suggestion:
        return suggest(q)[0]

    exact = top("maison de retraite")
    phrase_prefix = top("maison de retr")
    word_prefix = top("retraite maison")
    corrected = top("maison de retriate")
    for found in (exact, phrase_prefix, word_prefix, corrected):
        assert found.label.startswith("EHPAD"), found
    assert exact.score > phrase_prefix.score > word_prefix.score > corrected.score
    assert top("pedopsychiatrie").score > top("pedopsichiatrie").score
    assert top("pedopsichiatrie").label == "Pédopsychiatrie"
    # a curated lay term outranks the raw label it overlaps
    ranked = suggest("ophtalmolog", limit=30)
    assert ranked[0].label == "Ophtalmologie" and ranked[0].codes == ("103",)


def test_suggest_nothing_for_too_short_or_unknown() -> None:
    assert suggest("") == [] and suggest("a") == [] and suggest("de") == []
    assert suggest("zzzzqqq") == []
    assert suggest("rea", limit=0) == []


def test_suggest_also_offers_official_labels() -> None:
    found = suggest("neurochir", limit=10)
    assert any(s.codes == ("096",) and s.label == "Neurochirurgie" for s in found)


# --- speed -------------------------------------------------------------------------------------


def test_reading_and_suggesting_are_fast() -> None:
    queries = [
        "pédopsy",
        "psy pour enfant près de Lyon",
        "reanimtion",
        "ehpad habilité aide sociale",
    ]
    resolve_text("warm up")
    start = time.perf_counter()
    for _ in range(100):
        for q in queries:
            resolve_text(q)
            suggest(q[:5])
    per_call = (time.perf_counter() - start) / 800
    assert per_call < 0.005  # typical is well under 1 ms; generous for slow CI machines
