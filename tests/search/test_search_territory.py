"""A département or région as the place: the units located in it, counted whole, not a radius."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bench.reference import Reference
from ror.criteria import Criteria
from ror.errors import IndexOutdated, InvalidInput
from ror.geo.territory import territory_departements, territory_phrase
from ror.model import Offer
from ror.ranking import check
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.pipeline import search
from tests.search.builders import ALBI, BLAGNAC, NOW, TOULOUSE, make_offer, zone
from tests.search.test_search_pipeline import assert_same

# Far from the Haute-Garonne's inner point but in it, and near it but across the border.
LUCHON = (42.7897, 0.5936, "31042", "31", "76")  # Bagnères-de-Luchon, 31, ~100 km south
MONTAUBAN = (44.0176, 1.3550, "82121", "82", "76")  # Tarn-et-Garonne, ~50 km north of Toulouse


ALL = (
    *("toulouse", "blagnac", "luchon", "montauban", "albi", "teen"),
    *("home-82", "home-31", "home-elsewhere"),
)


@pytest.fixture
def haute_garonne(engine: EmbeddedEngine) -> EmbeddedEngine:
    engine.load(
        [
            make_offer("toulouse", where=TOULOUSE),
            make_offer("blagnac", where=BLAGNAC),
            make_offer("luchon", where=LUCHON),
            make_offer("montauban", where=MONTAUBAN),
            make_offer("albi", where=ALBI),
            make_offer("teen", where=LUCHON, age_min=16),
            make_offer("home-82", where=MONTAUBAN, zones=(zone("31", "2"),)),
            make_offer("home-31", where=BLAGNAC, zones=(zone("31069"),)),
            make_offer("home-elsewhere", where=TOULOUSE, zones=(zone("82121"),)),
        ],
        replace_all=True,
    )
    return engine


@pytest.mark.parametrize("place", ["Haute-Garonne", "31", "haute garonne"])
def test_a_departement_selects_the_units_located_in_it_whatever_their_distance(
    haute_garonne: EmbeddedEngine, place: str
) -> None:
    result = search(
        Criteria(place=place, activity=("126",), age=8, limit=50), haute_garonne, now=NOW
    )
    assert result.criteria.area == "D:31" and result.radius_km is None
    # Luchon, ~100 km from the point, is in; Montauban, nearer, is not (nor its SAAD serving 31)
    assert sorted(m.offer.id for m in result.matches) == [
        "blagnac",
        "home-31",
        "luchon",
        "toulouse",
    ]
    assert result.total == 4
    misses = {(n.offer.id, n.criterion) for n in result.near_misses}
    assert misses == {("home-elsewhere", "zone"), ("teen", "age")}
    assert not any("km" in sentence for m in result.matches for sentence in m.explain)
    facets = {f.field: {v.code: v.count for v in f.values} for f in result.facets}
    assert facets["activity"] == {"126": 4}  # counted over the territory, not a radius


def test_a_region_is_its_departements(haute_garonne: EmbeddedEngine) -> None:
    result = search(
        Criteria(place="Occitanie", activity=("126",), limit=50), haute_garonne, now=NOW
    )
    assert result.criteria.area == "R:76" and result.radius_km is None
    ids = {m.offer.id for m in result.matches}
    assert ids == set(ALL)  # every one is in Occitanie
    assert result.total == len(ALL)  # the SAADs serve a part of it


def test_a_radius_with_a_territory_is_refused_naming_the_field(
    haute_garonne: EmbeddedEngine,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        search(Criteria(place="Haute-Garonne", radius_km=10), haute_garonne, now=NOW)
    assert caught.value.field == "radius_km" and "Haute-Garonne (31)" in caught.value.message


def test_nothing_in_the_territory_says_so_in_its_words(haute_garonne: EmbeddedEngine) -> None:
    result = search(Criteria(place="Bretagne", activity=("126",)), haute_garonne, now=NOW)
    assert result.total == 0
    notices = {w.code: w.message for w in result.warnings}
    assert notices["none_in_territory"] == "aucune offre ne convient en Bretagne"
    assert "none_listed" not in notices  # listed in France, only not there


def test_the_check_agrees_with_the_engine(haute_garonne: EmbeddedEngine) -> None:
    criteria = Criteria(place="Haute-Garonne").with_(area="D:31")
    montauban = haute_garonne.get("montauban")
    assert montauban is not None
    failures = check(montauban, criteria, now=NOW)
    assert [(f.criterion, f.reason) for f in failures] == [
        ("area", "situé dans le Tarn-et-Garonne (82)")
    ]


@pytest.mark.parametrize(
    ("key", "phrase"),
    [
        ("D:31", "en Haute-Garonne (31)"),
        ("D:59", "dans le Nord (59)"),
        ("D:13", "dans les Bouches-du-Rhône (13)"),
        ("D:01", "dans l'Ain (01)"),
        ("D:49", "en Maine-et-Loire (49)"),
        ("D:974", "à La Réunion (974)"),
        ("D:75", "à Paris (75)"),
        ("R:76", "en Occitanie"),
        ("R:44", "dans le Grand Est"),
        ("R:32", "dans les Hauts-de-France"),
        ("R:94", "en Corse"),
    ],
)
def test_where_in_french(key: str, phrase: str) -> None:
    assert territory_phrase(key) == phrase


@pytest.mark.parametrize("read", ["memory", "sql"])
@pytest.mark.parametrize(
    "criteria",
    [
        Criteria(place="Haute-Garonne", limit=20),
        Criteria(place="31", champ=("04",), age=85, profile="nursing_home", limit=5),
        Criteria(place="Bouches-du-Rhône", offer_type=("21",), social_aid=True, offset=3),
        Criteria(place="Occitanie", limit=30),
        Criteria(place="Île-de-France", age=80, text="aide à domicile"),
        Criteria(place="974", limit=10),
        Criteria(place="2A", limit=10),
    ],
)
def test_territory_searches_equal_the_brute_force_reference(
    request: pytest.FixtureRequest, reference: Reference, criteria: Criteria, read: str
) -> None:
    engine = request.getfixturevalue(
        "synthetic_engine" if read == "memory" else "synthetic_sql_engine"
    )
    assert_same(engine, reference, criteria)
    result = search(criteria, engine, now=NOW)
    wanted = territory_departements(result.criteria.area or "")
    assert all(m.offer.place.departement in wanted for m in result.matches)


def test_the_units_of_a_territory_are_all_counted(
    synthetic_engine: EmbeddedEngine, synthetic_offers: list[Offer]
) -> None:
    result = search(Criteria(place="Île-de-France", limit=1), synthetic_engine, now=NOW)
    located = [o for o in synthetic_offers if o.place.region == "11"]
    eligible = [o for o in located if not check(o, result.criteria, now=NOW)]
    assert len(eligible) > 100 and result.total == len(eligible)


def test_an_index_built_before_the_territory_postings_is_refused_with_a_clear_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    engine = EmbeddedEngine(path)
    engine.load([make_offer("toulouse")], replace_all=True)
    engine.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'docs_version'")
    old = EmbeddedEngine(path)
    try:
        assert search(Criteria(place="Toulouse"), old, now=NOW).total == 1  # points still work
        with pytest.raises(IndexOutdated, match="reconstruisez"):
            search(Criteria(place="Haute-Garonne"), old, now=NOW)
    finally:
        old.close()
