"""``ror.api.pages.shapes`` and ``.communes``: the map shapes the pages draw (no browser
needed)."""

from __future__ import annotations

import gzip
import itertools
import json
import math

import pytest
import shapely

from ror.api.pages import communes
from ror.api.pages.shapes import (
    OVERSEAS,
    Box,
    feature_collection,
    fit_into,
    inset_boxes,
    payload,
)
from ror.errors import InvalidInput, UnknownCode
from ror.geo import area_shape, gazetteer

METROPOLE_WEST = -5.2  # Pointe de Corsen


@pytest.mark.parametrize("level", ["departement", "region"])
def test_every_area_with_its_name_centre_and_radius(level: str) -> None:
    collection = feature_collection(level, "geographic")  # type: ignore[arg-type]
    names = gazetteer().departements() if level == "departement" else gazetteer().regions()
    codes = [f["properties"]["code"] for f in collection["features"]]
    assert sorted(codes) == sorted(names)
    assert collection["insets"] == []
    for feature in collection["features"]:
        props = feature["properties"]
        assert props["name"] == names[props["code"]]
        real = area_shape(level + "s", props["code"])
        assert real is not None
        lat, lon = props["center"]
        assert real.buffer(0.01).contains(shapely.Point(lon, lat)), props
        assert 5 < props["radius_km"] < 400, props
        drawn = shapely.from_geojson(json.dumps(feature["geometry"]))
        assert drawn.is_valid or drawn.buffer(0).area > 0.9 * drawn.area
        # simplified for the screen, yet the same area within a few per cent
        assert abs(drawn.area - real.area) / real.area < 0.05, props["code"]


def test_coordinates_are_rounded_and_rings_closed() -> None:
    collection = feature_collection("departement", "geographic")
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            for ring in polygon:
                assert ring[0] == ring[-1] and len(ring) >= 4
                for x, y in ring:
                    assert round(x, 3) == x and round(y, 3) == y


@pytest.mark.parametrize("level", ["departement", "region"])
def test_insets_move_only_the_overseas_areas_into_their_boxes(level: str) -> None:
    geographic = feature_collection(level, "geographic")  # type: ignore[arg-type]
    insets = feature_collection(level, "insets")  # type: ignore[arg-type]
    boxes = inset_boxes(level)  # type: ignore[arg-type]
    column = 0 if level == "departement" else 1
    assert set(boxes) == {codes[column] for codes in OVERSEAS}
    assert [i["code"] for i in insets["insets"]] == [codes[column] for codes in OVERSEAS]
    before = {f["id"]: f for f in geographic["features"]}
    for feature in insets["features"]:
        code = feature["id"]
        assert feature["properties"]["center"] == before[code]["properties"]["center"]
        if code not in boxes:
            assert feature["geometry"] == before[code]["geometry"]
            assert not feature["properties"]["inset"]
            continue
        box = boxes[code]
        west, south, east, north = shapely.from_geojson(json.dumps(feature["geometry"])).bounds
        assert box.west - 1e-3 <= west and east <= box.east + 1e-3
        assert box.south - 1e-3 <= south and north <= box.north + 1e-3
        assert box.east < METROPOLE_WEST
    tops = sorted((b.south, b.north) for b in boxes.values())
    assert all(a[1] < b[0] for a, b in itertools.pairwise(tops))  # no overlap


def test_fit_into_keeps_the_shape() -> None:
    guyane = area_shape("departements", "973")
    assert guyane is not None
    box = Box(-11.0, 45.0, -7.0, 47.0)
    moved = fit_into(guyane, box)
    west, south, east, north = guyane.bounds
    lat = math.radians((south + north) / 2)
    local_ratio = (east - west) * math.cos(lat) / (north - south)
    m_west, m_south, m_east, m_north = moved.bounds
    target = math.radians((box.south + box.north) / 2)
    shown_ratio = (m_east - m_west) / ((m_north - m_south) / math.cos(target))
    assert shown_ratio == pytest.approx(local_ratio, rel=1e-6)
    # it fills the box in one direction, inside the margins
    assert max((m_east - m_west) / 4.0, (m_north - m_south) / 2.0) == pytest.approx(0.84)


def test_payload_is_cached_gzipped_json() -> None:
    data = payload("region", "insets")
    assert payload("region", "insets") is data
    assert gzip.decompress(data.gzipped) == data.body
    assert json.loads(data.body)["type"] == "FeatureCollection"
    assert len(data.gzipped) < len(data.body) / 2
    assert data.etag.startswith('"') and data.etag != payload("region", "geographic").etag


def test_unknown_level_or_layout() -> None:
    with pytest.raises(InvalidInput) as error:
        feature_collection("commune", "geographic")  # type: ignore[arg-type]
    assert error.value.field == "level"
    with pytest.raises(InvalidInput) as error:
        feature_collection("region", "mercator")  # type: ignore[arg-type]
    assert error.value.field == "layout"


def test_commune_outlines_decode_to_the_places_of_the_gazetteer() -> None:
    collection = communes.feature_collection("31")
    features = {f["properties"]["code"]: f for f in collection["features"]}
    assert len(features) > 500  # the Haute-Garonne has about 590 communes
    toulouse = features["31555"]
    assert toulouse["properties"]["name"] == "Toulouse"
    outline = shapely.geometry.shape(toulouse["geometry"])
    assert outline.is_valid and 100 < outline.area * 111 * 80 < 140  # about 118 km²
    lat, lon = toulouse["properties"]["label"]
    assert outline.contains(shapely.Point(lon, lat))
    inside = 0
    for commune in gazetteer().communes():
        if commune.departement == "31" and commune.insee in features:
            shape = shapely.geometry.shape(features[commune.insee]["geometry"])
            inside += shape.buffer(0.01).contains(shapely.Point(commune.lon, commune.lat))
    assert inside > 0.95 * len(features)  # the gazetteer's points fall in their outlines


def test_every_departement_has_its_communes_and_unknown_ones_are_said() -> None:
    with pytest.raises(UnknownCode) as raised:
        communes.feature_collection("99")
    assert raised.value.field == "departement"
    data = communes.payload("2A")
    assert json.loads(gzip.decompress(data.gzipped)) == json.loads(data.body)
