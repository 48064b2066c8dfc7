"""Commune shapes: every commune point inside its commune, reverse lookup by polygon, the
towns whose La Poste point was off (Cayenne), arrondissements by postcode, départements and
régions as places."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pytest
import shapely

from ror.geo import Gazetteer, area_shape, area_zone_keys, haversine_km, reverse
from ror.geo.reverse import shape_index
from ror.geo.tables import CommuneShapes, load_commune_shapes, load_shapes

CAYENNE_TOWN = (4.9372, -52.3260)  # place des Palmistes
SAMPLE = 10_000
# Communes re-created since the shapes' edition (COG 2018): no shape of their own.
RECREATED = {"14666", "15031", "15035", "15047", "15171", "85165", "85212"}


@pytest.fixture(scope="module")
def shapes() -> CommuneShapes:
    return load_commune_shapes()


@pytest.fixture(scope="module")
def shapes_of(shapes: CommuneShapes) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = defaultdict(list)
    for insee, geometry in zip(shapes.insee, shapes.geometry, strict=True):
        found[insee].append(geometry)
    return found


def main_part(gaz: Gazetteer, shapes: CommuneShapes, insee: str) -> Any:
    """The largest polygon of the chef-lieu's 2018 shape (its own code), else of all its
    2018 shapes."""
    own = [
        g
        for c, i, g in zip(shapes.code, shapes.insee, shapes.geometry, strict=True)
        if c == i == insee
    ]
    members = own or [g for i, g in zip(shapes.insee, shapes.geometry, strict=True) if i == insee]
    return max((p for g in members for p in shapely.get_parts(g)), key=lambda p: p.area)


def test_every_commune_but_the_recreated_ones_has_a_shape(
    gaz: Gazetteer, shapes_of: dict[str, list[Any]]
) -> None:
    missing = {c.insee for c in gaz.communes() if c.insee not in shapes_of}
    assert missing == RECREATED
    assert len(gaz.communes()) > 34_000


def test_every_commune_point_lies_in_the_main_part_of_its_commune(
    gaz: Gazetteer, shapes: CommuneShapes
) -> None:
    owner_rows = defaultdict(list)
    for row, (code, insee) in enumerate(zip(shapes.code, shapes.insee, strict=True)):
        owner_rows[insee].append((code, row))
    parts, part_of = shapely.get_parts(shapes.geometry, return_index=True)
    largest: dict[str, Any] = {}
    for insee, rows in owner_rows.items():
        own = [row for code, row in rows if code == insee] or [row for _, row in rows]
        candidates = [int(i) for i in np.flatnonzero(np.isin(part_of, own))]
        largest[insee] = parts[max(candidates, key=lambda i: parts[i].area)]
    communes = [c for c in gaz.communes() if c.insee not in RECREATED]
    mains = [largest[c.insee] for c in communes]
    inside = shapely.covers(mains, shapely.points([(c.lon, c.lat) for c in communes]))
    outside = [c.insee for c, ok in zip(communes, inside, strict=True) if not ok]
    assert outside == []
    assert len(communes) > 34_800


def test_arrondissement_points_lie_in_their_city(
    gaz: Gazetteer, shapes_of: dict[str, list[Any]]
) -> None:
    for arrondissement in gaz.arrondissements():
        city = gaz.parent_insee(arrondissement.insee)
        assert city is not None
        point = shapely.Point(arrondissement.lon, arrondissement.lat)
        assert any(shape.covers(point) for shape in shapes_of[city]), arrondissement


def test_a_merged_communes_main_part_is_its_chef_lieus(
    gaz: Gazetteer, shapes: CommuneShapes
) -> None:
    conques = gaz.commune("12218")  # Conques-en-Rouergue, merged in 2016 (one 2018 shape)
    annecy = gaz.commune("74010")  # Annecy, merged with five communes in 2017
    assert conques is not None and annecy is not None
    assert main_part(gaz, shapes, "74010").covers(shapely.Point(annecy.lon, annecy.lat))
    assert haversine_km(annecy.lat, annecy.lon, 45.8992, 6.1294) < 2.0  # its town hall


def random_points_in_france(count: int, seed: int) -> list[tuple[float, float, str]]:
    """(lat, lon, département) uniformly per département (so overseas ones get as many as a
    metropolitan one), each inside its département's shape."""
    codes, texts = load_shapes()["departements"]
    geometries = shapely.from_geojson(texts)
    rng = np.random.default_rng(seed)
    points: list[tuple[float, float, str]] = []
    per = count // len(codes) + 1
    for code, geometry in zip(codes, geometries, strict=True):
        west, south, east, north = geometry.bounds
        found: list[tuple[float, float, str]] = []
        while len(found) < per:
            lons = rng.uniform(west, east, 4 * per)
            lats = rng.uniform(south, north, 4 * per)
            inside = shapely.contains_xy(geometry, lons, lats)
            found.extend(
                (float(la), float(lo), code)
                for la, lo in zip(lats[inside], lons[inside], strict=True)
            )
        points.extend(found[:per])
    order = rng.permutation(len(points))[:count]
    return [points[int(i)] for i in order]


def test_reverse_agrees_with_the_commune_shapes_on_random_points(
    gaz: Gazetteer, shapes: CommuneShapes
) -> None:
    """The commune answered is the one whose shape contains the point: the point-in-polygon
    truth is computed here with shapely alone, over every shape."""
    points = random_points_in_france(SAMPLE, seed=2026)
    assert len(points) == SAMPLE
    assert sum(d in ("971", "972", "973", "974", "976") for _, _, d in points) > 400
    tree = shapely.STRtree(shapes.geometry)
    where = shapely.points([(lon, lat) for lat, lon, _ in points])
    truth: dict[int, set[str]] = defaultdict(set)
    for point, shape in tree.query(where, predicate="within").T:
        truth[int(point)].add(shapes.insee[int(shape)])
    agree = in_shapes = 0
    disagree = []
    for i, (lat, lon, _) in enumerate(points):
        area = reverse(lat, lon)
        if i not in truth:  # in the département shape, between simplified commune shapes
            continue
        in_shapes += 1
        assert area is not None, (lat, lon)
        answered = area.parent_insee or area.insee
        if answered in truth[i] or answered in RECREATED:
            agree += 1
        else:
            disagree.append((lat, lon, answered, truth[i]))
    rate = agree / in_shapes
    between = SAMPLE - in_shapes
    print(f"reverse/polygon agreement: {agree}/{in_shapes} = {rate:.4%}, {between} between shapes")
    assert in_shapes > 0.98 * SAMPLE
    assert disagree == []


def test_points_between_simplified_shapes_take_the_nearest_commune() -> None:
    index = shape_index()
    off_brest = reverse(48.36, -4.60)  # at sea, within the coast tolerance
    assert off_brest is not None
    nearest = index.commune_parts[index.commune_tree.query_nearest(shapely.Point(-4.60, 48.36))[0]]
    assert nearest.distance(shapely.Point(-4.60, 48.36)) < 0.05
    assert off_brest.departement == "29"


def test_cayenne_lands_in_the_town(gaz: Gazetteer) -> None:
    for query in ("cayenne", "97300", "Cayenne 97300"):
        best = gaz.resolve(query)[0]
        assert best.insee == "97302", query
        assert haversine_km(best.lat, best.lon, *CAYENNE_TOWN) < 3.0, (query, best)
    area = reverse(*CAYENNE_TOWN)
    assert area is not None and area.insee == "97302"


def test_reverse_at_a_recreated_communes_point_answers_it_not_its_2018_commune(
    gaz: Gazetteer,
) -> None:
    """Their points are the mean of their postcode's (no source has theirs): communes sharing
    a postcode share the point, and either is right there."""
    for insee in sorted(RECREATED):
        commune = gaz.commune(insee)
        assert commune is not None
        area = reverse(commune.lat, commune.lon)
        assert area is not None
        answered = gaz.commune(area.insee)
        assert answered is not None and area.insee in RECREATED
        assert (answered.lat, answered.lon) == (commune.lat, commune.lon)


def test_commune_outlines_for_maps(gaz: Gazetteer) -> None:
    toulouse = area_shape("communes", "31555")
    assert toulouse is not None and toulouse.covers(shapely.Point(1.4440, 43.6045))
    annecy = area_shape("communes", "74010")  # several 2018 shapes, one outline
    assert annecy is not None and annecy.geom_type in ("Polygon", "MultiPolygon")
    assert area_shape("communes", "12076") == area_shape("communes", "12218")  # former code
    assert area_shape("communes", "14666") is None  # re-created: no shape
    assert area_shape("communes", "99999") is None


# --- arrondissements by postcode ----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "insee"),
    [
        ("Paris 75015", "75115"),
        ("75015", "75115"),
        ("paris 15e", "75115"),
        ("Lyon 69003", "69383"),
        ("69003", "69383"),
        ("Marseille 13013", "13213"),
        ("13013", "13213"),
    ],
)
def test_an_arrondissement_postcode_means_the_arrondissement(
    gaz: Gazetteer, query: str, insee: str
) -> None:
    found = gaz.resolve(query)
    assert found[0].insee == insee, found[:3]
    assert all(c.insee not in ("75056", "69123", "13055") for c in found[:2]), found[:3]


# --- départements and régions as places ---------------------------------------------------


@pytest.mark.parametrize(
    ("query", "kind", "code"),
    [
        ("Haute-Garonne", "departement", "31"),
        ("haute garonne", "departement", "31"),
        ("31", "departement", "31"),
        ("2A", "departement", "2A"),
        ("2b", "departement", "2B"),
        ("974", "departement", "974"),
        ("La Réunion", "departement", "974"),
        ("Bretagne", "region", "53"),
        ("Île-de-France", "region", "11"),
        ("Corse", "region", "94"),
        ("Savoie", "departement", "73"),
    ],
)
def test_departements_and_regions_by_name_and_number(
    gaz: Gazetteer, query: str, kind: str, code: str
) -> None:
    best = gaz.resolve(query)[0]
    assert best.kind == kind and best.insee == ""
    assert (best.departement if kind == "departement" else best.region) == code
    level = "departements" if kind == "departement" else "regions"
    territory = area_shape(level, code)
    assert territory is not None and territory.covers(shapely.Point(best.lon, best.lat))
    assert best.area_key == f"{kind[0].upper()}:{code}"


def test_ambiguous_area_names_come_with_the_other_reading(gaz: Gazetteer) -> None:
    savoie = gaz.resolve("Savoie")
    assert [c.departement for c in savoie[:2]] == ["73", "74"]
    assert savoie[1].score >= savoie[0].score - 0.05  # close enough for the search to warn
    vienne = gaz.resolve("Vienne")
    assert {(c.kind, c.departement) for c in vienne[:3]} >= {
        ("commune", "38"),
        ("departement", "86"),
        ("departement", "87"),
    }
    assert gaz.resolve("Paris")[0].insee == "75056"  # the commune, not also the département
    assert [c.kind for c in gaz.resolve("Guyane")] == ["departement"]  # not also the région


def test_an_area_zone_covers_its_communes_and_the_areas_above() -> None:
    keys = area_zone_keys("D:31")
    assert {"D:31", "R:76", "P:FR", "C:31555", "C:31069"} <= keys
    assert "C:32013" not in keys and "D:32" not in keys
    bretagne = area_zone_keys("R:53")
    assert {"R:53", "D:29", "D:35", "C:29019", "P:FR"} <= bretagne
    assert "D:44" not in bretagne
