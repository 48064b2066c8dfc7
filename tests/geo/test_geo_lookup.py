"""Gazetteer.resolve: every form a person types a place in, best first."""

from __future__ import annotations

import pytest

from ror.errors import InvalidInput
from ror.geo import Candidate, Gazetteer


def first(gaz: Gazetteer, query: str) -> Candidate:
    found = gaz.resolve(query)
    assert found, f"{query!r} resolved to nothing"
    return found[0]


@pytest.mark.parametrize(
    ("query", "insee", "kind"),
    [
        ("31000", "31555", "postcode"),
        ("31555", "31555", "insee"),
        ("Toulouse", "31555", "commune"),
        ("toulouse", "31555", "commune"),
        ("TOULOUSE", "31555", "commune"),
        ("  Toulouse ", "31555", "commune"),
        ("31000 Toulouse", "31555", "commune"),
        ("Toulouse 31000", "31555", "commune"),
        ("St-Étienne", "42218", "commune"),
        ("saint etienne", "42218", "commune"),
        ("st etienne", "42218", "commune"),
        ("SAINT-ETIENNE", "42218", "commune"),
        ("ST ETIENNE", "42218", "commune"),
        ("Marseille 13e", "13213", "arrondissement"),
        ("marseille 13", "13213", "arrondissement"),
        ("Marseille 13ème arrondissement", "13213", "arrondissement"),
        ("13013", "13213", "postcode"),
        ("Paris 15e", "75115", "arrondissement"),
        ("paris 15", "75115", "arrondissement"),
        ("75015", "75115", "postcode"),
        ("Lyon 3e", "69383", "arrondissement"),
        ("Lyon 1er", "69381", "arrondissement"),
        ("69003", "69383", "postcode"),
        ("Paris", "75056", "commune"),
        ("Ajaccio", "2A004", "commune"),
        ("2A004", "2A004", "insee"),
        ("2a004", "2A004", "insee"),
        ("20000", "2A004", "postcode"),
        ("Bastia", "2B033", "commune"),
        ("Saint-Denis 974", "97411", "commune"),
        ("saint denis (974)", "97411", "commune"),
        ("Saint-Denis, La Réunion", "97411", "commune"),
        ("97411", "97411", "insee"),
        ("Saint-Denis 93", "93066", "commune"),
        ("Cayenne", "97302", "commune"),
        ("Mamoudzou", "97611", "commune"),
        ("Fort-de-France", "97209", "commune"),
        ("pointe a pitre", "97120", "commune"),
        ("Le Havre", "76351", "commune"),
        ("havre", "76351", "commune"),
        ("Ile d'Yeu", "85113", "commune"),
        ("L'Haÿ-les-Roses", "94038", "commune"),
        ("lhay les roses", "94038", "commune"),
        ("Toulouze", "31555", "commune"),
        ("montpelier", "34172", "commune"),
        ("Arbignieu", "01015", "former_commune"),
        ("12076", "12218", "former_commune"),
        ("1000", "01053", "postcode"),  # a postcode that lost its leading zero (Bourg-en-Bresse)
    ],
)
def test_query_resolves_first_to(gaz: Gazetteer, query: str, insee: str, kind: str) -> None:
    best = first(gaz, query)
    assert (best.insee, best.kind) == (insee, kind)
    assert best.precision == "city"


def test_saint_etienne_then_the_other_saint_etienne_by_population(gaz: Gazetteer) -> None:
    found = gaz.resolve("st etienne", limit=8)
    assert found[0].name == "Saint-Étienne"
    others = found[1:]
    assert len(others) == 7
    assert all(c.name.startswith("Saint-Étienne-") for c in others)
    populations = [gaz.commune(c.insee).population for c in others]  # type: ignore[union-attr]
    assert populations == sorted(populations, reverse=True)


def test_postcode_lists_its_communes_most_populous_first(gaz: Gazetteer) -> None:
    found = gaz.resolve("01340", limit=50)
    postcode_hits = [c for c in found if c.kind == "postcode"]
    assert len(postcode_hits) >= 5
    assert all("01340" in c.postcodes for c in postcode_hits)
    populations = [gaz.commune(c.insee).population for c in postcode_hits]  # type: ignore[union-attr]
    assert populations == sorted(populations, reverse=True)


def test_code_that_is_both_postcode_and_insee_gives_both(gaz: Gazetteer) -> None:
    found = {c.insee: c.kind for c in gaz.resolve("13013")}
    assert found == {"13213": "postcode", "13013": "insee"}  # Marseille 13e, Belcodène


def test_arrondissement_postcode_leaves_the_whole_city_out(gaz: Gazetteer) -> None:
    found = {c.insee: c.kind for c in gaz.resolve("75015")}
    # 75015 is also the INSEE code Bry-sur-Marne had in the former Seine département
    assert found == {"75115": "postcode", "94015": "former_commune"}
    assert gaz.resolve("75015")[0].insee == "75115"
    assert {c.insee for c in gaz.resolve("75116")} == {"75116"}  # Paris 16e: INSEE and postcode


def test_prefix_autocompletes_by_population(gaz: Gazetteer) -> None:
    names = [c.name for c in gaz.resolve("toul", limit=5)]
    assert names[0] == "Toul"  # the exact name first
    assert names.index("Toulouse") < names.index("Toulon") < 4
    assert all(c.kind == "commune" for c in gaz.resolve("toul", limit=5))


def test_former_commune_resolves_to_its_current_commune(gaz: Gazetteer) -> None:
    best = first(gaz, "Arbignieu")
    assert best.name == "Arboys en Bugey"
    assert best.matched == "Arbignieu (01015)"
    conques = first(gaz, "Conques")
    assert (conques.insee, conques.kind) == ("12218", "former_commune")
    assert conques.matched == "Conques (12076)"


def test_typo_does_not_hide_prefix_completions(gaz: Gazetteer) -> None:
    names = [c.name for c in gaz.resolve("Toulouze", limit=3)]
    assert names[:2] == ["Toulouse", "Toulouzette"]


def test_overseas_and_corsica_candidates_carry_their_areas(gaz: Gazetteer) -> None:
    for query, departement, region in [
        ("Saint-Denis 974", "974", "04"),
        ("Mamoudzou", "976", "06"),
        ("Cayenne", "973", "03"),
        ("Fort-de-France", "972", "02"),
        ("Basse-Terre", "971", "01"),
        ("Ajaccio", "2A", "94"),
        ("Bastia", "2B", "94"),
    ]:
        best = first(gaz, query)
        assert (best.departement, best.region) == (departement, region), query


@pytest.mark.parametrize("query", ["", "   ", "-", "xyzzy", "99999", "Paris 21e", "Lyon 10e"])
def test_unknown_or_empty_gives_nothing(gaz: Gazetteer, query: str) -> None:
    assert gaz.resolve(query) == []


def test_limit_is_respected(gaz: Gazetteer) -> None:
    assert len(gaz.resolve("saint", limit=3)) == 3
    assert gaz.resolve("Toulouse", limit=0) == []


def test_scores_are_non_increasing(gaz: Gazetteer) -> None:
    for query in ("saint", "31000", "Toulouze", "Saint-Denis"):
        scores = [c.score for c in gaz.resolve(query, limit=20)]
        assert scores == sorted(scores, reverse=True)


def test_non_text_query_is_invalid_input(gaz: Gazetteer) -> None:
    with pytest.raises(InvalidInput) as error:
        gaz.resolve(31000)  # type: ignore[arg-type]
    assert error.value.field == "place"
