"""The Elasticsearch index body (settings + mappings) shipped as ``offers.json``.

The JSON file is the source of truth; :func:`index_body` returns a fresh copy with the lay-term
synonym rules of the nomenclature appended to the search-time synonym filter, so "pédopsy" or
"maison de retraite" find offers named with the official words.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

_RULE_UNSAFE = re.compile(r"[^0-9a-z' -]+")

SYNONYM_FILTER = "ror_lay_synonyms"
INDEX_ANALYZER = "ror_french"
SEARCH_ANALYZER = "ror_french_search"


@cache
def _shipped(name: str = "offers.json") -> dict[str, Any]:
    text = resources.files("ror.mappings").joinpath(name).read_text(encoding="utf-8")
    body: dict[str, Any] = json.loads(text)
    return body


def load_template() -> dict[str, Any]:
    """The offers index body exactly as shipped (a copy: callers may change it)."""
    return copy.deepcopy(_shipped())


def searches_body() -> dict[str, Any]:
    """The index body of kept searches (replay): ids and dates indexed, payloads stored."""
    return copy.deepcopy(_shipped("searches.json"))


def index_body(synonym_rules: Iterable[str] = ()) -> dict[str, Any]:
    """Settings and mappings for a new offers index, with extra synonym rules appended."""
    body = load_template()
    synonyms: list[str] = body["settings"]["analysis"]["filter"][SYNONYM_FILTER]["synonyms"]
    seen = set(synonyms)
    for rule in synonym_rules:
        if rule not in seen:
            synonyms.append(rule)
            seen.add(rule)
    return body


def synonym_rules(lay_terms: Mapping[str, Iterable[str]]) -> list[str]:
    """Solr-format equivalence rules ("a, b, c") from lay term -> official labels.

    Terms are folded like the analyser folds them before its synonym filter (case, accents),
    keeping apostrophes so the elision filter still sees "l'enfant"; commas and ``=>``, which
    would change a rule's meaning, become spaces. A term equal to its labels gives no rule.

    >>> synonym_rules({"Pédopsy": ["Psychiatrie de l'enfant"], "EHPAD": ["ehpad"]})
    ["pedopsy, psychiatrie de l'enfant"]
    """
    rules: list[str] = []
    for term, labels in lay_terms.items():
        words = list(_unique(_rule_term(t) for t in [term, *labels]))
        if len(words) > 1:
            rules.append(", ".join(words))
    return rules


def _rule_term(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("’", "'"))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return " ".join(_RULE_UNSAFE.sub(" ", folded).split())


def _unique(items: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for item in items:
        if item and item not in seen:
            seen.add(item)
            yield item
