"""Invariants over the whole Elasticsearch mapping (pelias/schema style) and its field names."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest

from ror import model
from ror.mappings import fields as f
from ror.mappings.template import (
    INDEX_ANALYZER,
    SEARCH_ANALYZER,
    SYNONYM_FILTER,
    index_body,
    load_template,
    synonym_rules,
)

BUILTIN_FILTERS = {"lowercase", "asciifolding"}


def mapped_fields(
    properties: dict[str, Any], prefix: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapped path with its definition, objects and nested included."""
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        yield path, spec
        yield from mapped_fields(spec.get("properties", {}), f"{path}.")
        for sub, sub_spec in spec.get("fields", {}).items():
            yield f"{path}.{sub}", sub_spec


@pytest.fixture(scope="module")
def body() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="module")
def paths(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(mapped_fields(body["mappings"]["properties"]))


def constants() -> dict[str, str]:
    return {k: v for k, v in vars(f).items() if k.isupper() and isinstance(v, str)}


def test_unknown_fields_are_rejected_not_guessed(body: dict[str, Any]) -> None:
    assert body["mappings"]["dynamic"] == "strict"


def test_every_text_field_has_index_and_search_analyzers(
    body: dict[str, Any], paths: dict[str, dict[str, Any]]
) -> None:
    analyzers = body["settings"]["analysis"]["analyzer"]
    texts = {p: s for p, s in paths.items() if s.get("type") == "text"}
    assert texts, "no text field at all"
    for path, spec in texts.items():
        assert spec.get("analyzer") == INDEX_ANALYZER, path
        assert spec.get("search_analyzer") == SEARCH_ANALYZER, path
        assert spec["analyzer"] in analyzers and spec["search_analyzer"] in analyzers


def test_every_analyzer_filter_and_normalizer_is_defined(
    body: dict[str, Any], paths: dict[str, dict[str, Any]]
) -> None:
    analysis = body["settings"]["analysis"]
    defined = set(analysis["filter"]) | BUILTIN_FILTERS
    for name, analyzer in {**analysis["analyzer"], **analysis["normalizer"]}.items():
        assert set(analyzer["filter"]) <= defined, name
    for path, spec in paths.items():
        if "normalizer" in spec:
            assert spec["normalizer"] in analysis["normalizer"], path


def test_french_analysis_folds_elides_and_stems(body: dict[str, Any]) -> None:
    analysis = body["settings"]["analysis"]
    chain = analysis["analyzer"][INDEX_ANALYZER]["filter"]
    kinds = [analysis["filter"].get(name, {"type": name})["type"] for name in chain]
    assert kinds == ["elision", "lowercase", "asciifolding", "stop", "stemmer"]
    assert analysis["filter"]["ror_french_stemmer"]["language"] == "light_french"
    assert analysis["filter"]["ror_french_stop"]["stopwords"] == "_french_"


def test_synonyms_apply_at_search_time_only(body: dict[str, Any]) -> None:
    analysis = body["settings"]["analysis"]
    assert analysis["filter"][SYNONYM_FILTER]["type"] == "synonym_graph"
    assert SYNONYM_FILTER not in analysis["analyzer"][INDEX_ANALYZER]["filter"]
    search_chain = analysis["analyzer"][SEARCH_ANALYZER]["filter"]
    # synonym rules are parsed by the filters before them: fold first, stem after
    assert search_chain.index("asciifolding") < search_chain.index(SYNONYM_FILTER)
    assert search_chain.index(SYNONYM_FILTER) < search_chain.index("ror_french_stemmer")


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (f.LOCATION, "geo_point"),
        (f.AGE_RANGE, "integer_range"),
        (f.CAPACITIES, "nested"),
        (f.EQUIPMENT, "nested"),
        (f.HOURS, "nested"),
        (f.PRICES, "nested"),
        (f.OPENING, "nested"),
        (f.OPENING_FROM, "keyword"),
        (f.OPENING_DAYS, "byte"),
        (f.CAP_COUNT, "integer"),
        (f.CAP_UPDATED_AT, "date"),
        (f.LAST_UPDATED, "date"),
        (f.CLOSED_FROM, "date"),
        (f.SOCIAL_AID, "boolean"),
        (f.NAME, "text"),
    ],
)
def test_field_types(paths: dict[str, dict[str, Any]], path: str, kind: str) -> None:
    assert paths[path]["type"] == kind


CODE_PATHS = [
    *f.CODE_FIELDS.values(),
    f.RECEPTION,
    f.ACTS,
    f.EXPERTISE,
    f.ID,
    f.EST_CATEGORY,
    f.EST_FINANCIAL_HELP,
    f.EST_FINESS,
    f.PLACE_COMMUNE,
    f.PLACE_DEPARTEMENT,
    f.PLACE_REGION,
    f.ZONE_KEYS,
    f.ZONE_CODE,
    f.CAP_NATURE,
    f.CAP_STATUS,
    f.CAP_TEMPORALITY,
    f.CAP_GENDER,
    f.CAP_ASSIGNMENT,
    f.CAP_LOCATION_ID,
    f.EQ_CODE,
    f.EQ_FEATURE,
    f.PRICE_TYPE,
    f.PRICE_UNIT,
    f.PRICE_CONDITION,
    f.PRICE_RECEPTION,
]


@pytest.mark.parametrize("path", CODE_PATHS)
def test_codes_are_exact_keywords(paths: dict[str, dict[str, Any]], path: str) -> None:
    assert paths[path]["type"] == "keyword"


def test_stored_only_objects_are_not_indexed(paths: dict[str, dict[str, Any]]) -> None:
    for path in (f.SOURCE, f.CONTACTS):
        assert paths[path] == {"type": "object", "enabled": False}


def test_every_field_constant_is_mapped(paths: dict[str, dict[str, Any]]) -> None:
    unmapped = {name: path for name, path in constants().items() if path not in paths}
    assert unmapped == {}


def test_every_mapped_field_has_a_constant(paths: dict[str, dict[str, Any]]) -> None:
    named = set(constants().values())
    assert sorted(set(paths) - named) == []


def _model_paths(cls: type, prefix: str = "") -> Iterator[str]:
    hints = {fl.name: fl for fl in dataclasses.fields(cls)}
    parts = {
        "establishment": model.Establishment,
        "place": model.Place,
        "prices": model.Price,
        "capacities": model.Capacity,
        "equipment": model.Equipment,
        "zones": model.Zone,
        "hours": model.OpeningHours,
    }
    for name in hints:
        path = f"{prefix}{name}"
        yield path
        if name in parts and name not in ("contacts", "source"):
            yield from _model_paths(parts[name], f"{path}.")


def test_every_model_field_is_mapped_and_nothing_else(paths: dict[str, dict[str, Any]]) -> None:
    from_model = set(_model_paths(model.Offer))
    derived = {p for p in paths if p.split(".")[0] in f.DERIVED} | {f.ALL_TEXT, f.NAME_SORT}
    assert from_model - set(paths) == set()
    assert set(paths) - from_model == derived


def test_each_open_ended_object_has_a_typed_dynamic_template(
    body: dict[str, Any], paths: dict[str, dict[str, Any]]
) -> None:
    dynamic = {p for p, spec in paths.items() if spec.get("dynamic") == "true"}
    assert dynamic == {f.FREE, f.FREE_SINCE, f.INSTALLED, f.BASE_PRICE_MONTHLY}
    templates = [next(iter(t.values())) for t in body["mappings"]["dynamic_templates"]]
    by_path = {t["path_match"]: t["mapping"]["type"] for t in templates}
    assert by_path == {
        f"{f.FREE}.*": "integer",
        f"{f.FREE_SINCE}.*": "date",
        f"{f.INSTALLED}.*": "integer",
        f"{f.BASE_PRICE_MONTHLY}.*": "scaled_float",
    }


def test_the_shipped_file_is_plain_json() -> None:
    text = json.dumps(load_template())
    assert json.loads(text) == load_template()


def test_index_body_appends_rules_without_touching_the_shipped_template() -> None:
    shipped = load_template()["settings"]["analysis"]["filter"][SYNONYM_FILTER]["synonyms"]
    body = index_body(["pedopsy, pedopsychiatrie", shipped[0]])
    rules = body["settings"]["analysis"]["filter"][SYNONYM_FILTER]["synonyms"]
    assert rules == [*shipped, "pedopsy, pedopsychiatrie"]
    assert load_template()["settings"]["analysis"]["filter"][SYNONYM_FILTER]["synonyms"] == shipped


def test_synonym_rules_fold_like_the_analyser_and_escape_rule_syntax() -> None:
    rules = synonym_rules(
        {
            "Pédopsy": ["Psychiatrie de l’enfant", "pédopsychiatrie"],
            "EHPAD": ["ehpad"],
            "a=>b, c": ["Soins"],
        }
    )
    assert rules == [
        "pedopsy, psychiatrie de l'enfant, pedopsychiatrie",
        "a b c, soins",
    ]
