"""Name keys and typo distance; the docstring examples of the geo modules run as tests."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from ror.geo import distance, fuzzy, names, travel
from ror.geo.fuzzy import max_typos, within
from ror.geo.names import alias_key, name_key


@pytest.mark.parametrize(
    "spelling",
    ["Saint-Étienne", "saint etienne", "ST ETIENNE", "St-Etienne", "st. étienne", "SAINT_ÉTIENNE"],
)
def test_spellings_share_a_key(spelling: str) -> None:
    assert name_key(spelling) == "saintetienne"


def test_keys_of_la_poste_and_official_names_agree() -> None:
    assert name_key("STE MARIE AUX MINES") == name_key("Sainte-Marie-aux-Mines")
    assert name_key("L HAY LES ROSES") == name_key("L'Haÿ-les-Roses")
    assert name_key("MT DE MARSAN") == name_key("Mont-de-Marsan")
    assert name_key("Œuilly") == "oeuilly"


def test_alias_drops_the_leading_article_only() -> None:
    assert alias_key("Le Havre") == "havre"
    assert alias_key("Les Abymes") == "abymes"
    assert alias_key("Lens") == ""
    assert alias_key("Le") == ""


def test_typos_are_bounded_edits() -> None:
    keys = ["toulouse", "toulouze", "tuolouse", "toulon", "saintdenis"]
    assert within("toulouse", keys, 2) == [("toulouze", 1), ("tuolouse", 2)]  # a swap is two
    assert within("toulouse", keys, 1) == [("toulouze", 1)]
    assert within("saintetienne", keys, 1) == [] and within("x", [], 2) == []
    assert [max_typos(k) for k in ("nice", "toulon", "toulouse")] == [1, 1, 2]
    assert max_typos("pau") == 0


@pytest.mark.parametrize("module", [names, fuzzy, distance, travel])
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
