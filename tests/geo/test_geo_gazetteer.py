"""The shipped gazetteer tables: communes, arrondissements, former communes, areas."""

from __future__ import annotations

import time

from ror.geo import Gazetteer, haversine_km
from ror.geo.gazetteer import Gazetteer as GazetteerClass
from ror.geo.tables import load_tables

CAPITOLE = (43.6045, 1.4440)  # Place du Capitole, Toulouse


def test_commune_by_insee_code(gaz: Gazetteer) -> None:
    toulouse = gaz.commune("31555")
    assert toulouse is not None
    assert toulouse.name == "Toulouse"
    assert {"31000", "31100", "31200", "31300", "31400", "31500"} <= set(toulouse.postcodes)
    assert (toulouse.departement, toulouse.region) == ("31", "76")
    assert 450_000 < toulouse.population < 600_000
    assert haversine_km(toulouse.lat, toulouse.lon, *CAPITOLE) < 5


def test_commune_codes_are_normalised(gaz: Gazetteer) -> None:
    assert gaz.commune(" 2a004 ") == gaz.commune("2A004")
    assert gaz.commune("2A004").name == "Ajaccio"  # type: ignore[union-attr]
    assert gaz.commune("99999") is None


def test_communes_are_the_current_ones_without_arrondissements(gaz: Gazetteer) -> None:
    communes = gaz.communes()
    codes = {c.insee for c in communes}
    assert len(communes) == len(codes) > 34_000
    assert {"75056", "69123", "13055", "2A004", "2B033", "97411", "97611"} <= codes
    assert not codes & {c.insee for c in gaz.arrondissements()}
    assert 66_000_000 < sum(c.population for c in communes) < 70_000_000  # INSEE 2026 figures
    assert all(-90 <= c.lat <= 90 and -180 <= c.lon <= 180 for c in communes)
    assert gaz.communes() is communes  # built once


def test_arrondissements_point_to_their_city(gaz: Gazetteer) -> None:
    arrondissements = gaz.arrondissements()
    assert len(arrondissements) == 45  # Paris 20, Lyon 9, Marseille 16
    assert gaz.parent_insee("75115") == "75056"
    assert gaz.parent_insee("69381") == "69123"
    assert gaz.parent_insee("13216") == "13055"
    assert gaz.parent_insee("31555") is None
    paris_15 = gaz.commune("75115")
    assert paris_15 is not None and paris_15.postcodes == ("75015",)


def test_former_communes_map_to_current_ones(gaz: Gazetteer) -> None:
    assert gaz.current_insee("31555") == "31555"
    assert gaz.current_insee("75115") == "75115"
    assert gaz.current_insee("12076") == "12218"  # Conques -> Conques-en-Rouergue
    assert gaz.current_insee("75015") == "94015"  # Bry-sur-Marne, former Seine code
    assert gaz.commune("12076") is None
    assert gaz.current_insee("99999") is None


def test_every_current_commune_has_a_point_and_says_where_it_came_from(gaz: Gazetteer) -> None:
    sources = {gaz.point_source(c.insee) for c in gaz.communes()}
    assert sources <= {
        "laposte",
        "arrondissements",
        "former_communes",
        "postcode",
        "departement",
        "polygon",
    }
    assert gaz.point_source("31555") == "laposte"
    assert gaz.point_source("97302") == "polygon"  # La Poste's Cayenne point is at sea
    assert gaz.point_source("13055") == "arrondissements"  # Marseille as a whole
    laposte = sum(gaz.point_source(c.insee) == "laposte" for c in gaz.communes())
    assert laposte / len(gaz.communes()) > 0.99


def test_departements_and_regions_including_overseas(gaz: Gazetteer) -> None:
    departements = gaz.departements()
    assert len(departements) == 101
    assert {"01", "2A", "2B", "95", "971", "972", "973", "974", "976"} <= set(departements)
    assert "20" not in departements and "975" not in departements
    assert departements["2A"] == "Corse-du-Sud"
    regions = gaz.regions()
    assert len(regions) == 18
    assert regions["76"] == "Occitanie"
    assert {code: regions[code] for code in ("01", "02", "03", "04", "06")} == {
        "01": "Guadeloupe",
        "02": "Martinique",
        "03": "Guyane",
        "04": "La Réunion",
        "06": "Mayotte",
    }
    assert gaz.departement_name("974") == "La Réunion"
    assert gaz.region_name("94") == "Corse"
    assert gaz.region_of_departement("2b") == "94"
    assert gaz.region_of_departement("976") == "06"
    assert gaz.region_of_departement("99") is None
    assert {gaz.region_of_departement(code) for code in departements} == set(regions)


def test_every_commune_departement_and_region_is_known(gaz: Gazetteer) -> None:
    for commune in gaz.communes():
        assert gaz.region_of_departement(commune.departement) == commune.region


def test_load_time_is_small() -> None:
    start = time.perf_counter()
    fresh = GazetteerClass(load_tables())
    elapsed = time.perf_counter() - start
    assert fresh.commune("31555") is not None
    # A ceiling against a pathological regression (e.g. parsing shapes at load), not a timing:
    # about 0.2 s on an idle 2-core machine, over 1 s when the machine is shared.
    assert elapsed < 2.0, f"loading the gazetteer took {elapsed:.2f} s"
