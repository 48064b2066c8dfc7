"""The built gazetteer files (``ror/geo/data``), loaded into column arrays.

``scripts/build_gazetteer.py`` writes them; this module only reads them. Everything here is
plain data: lookups live in ``gazetteer.py``, ``lookup.py`` and ``reverse.py``.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
from numpy.typing import NDArray

DATA_DIR = Path(__file__).resolve().parent / "data"
GAZETTEER_FILE = "gazetteer.json.gz"
SHAPES_FILE = "shapes.json.gz"
COMMUNES_FILE = "communes.json.gz"
FORMAT_VERSION = 1

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class PlaceTable:
    """Current communes followed by the municipal arrondissements (``parent`` set)."""

    insee: list[str]
    name: list[str]
    key: list[str]  # ror.geo.names.name_key(name)
    alias: list[str]  # ror.geo.names.alias_key(name): without the leading article, or ""
    postcodes: list[tuple[str, ...]]
    departement: list[str]
    region: list[str]
    population: IntArray
    lat: FloatArray
    lon: FloatArray
    point_source: list[str]  # laposte | arrondissements | former_communes | postcode | polygon
    parent: list[str]  # "" for a commune, the commune's code for an arrondissement


@dataclass(frozen=True, slots=True)
class FormerTable:
    """Delegated, associated and merged communes, each pointing to its current commune."""

    insee: list[str]
    name: list[str]
    key: list[str]
    alias: list[str]
    current: list[str]
    kind: list[str]  # deleguee | associee | fusionnee
    lat: list[float | None]  # its own La Poste point when the source had one
    lon: list[float | None]


@dataclass(frozen=True, slots=True)
class AreaTable:
    code: list[str]
    name: list[str]
    liaison: list[int]  # INSEE "type de nom en clair": 0 no article … 2 Le, 3 La, 4 Les, 5 L'
    lat: list[float]  # the région's chef-lieu
    lon: list[float]


@dataclass(frozen=True, slots=True)
class DepartementTable:
    code: list[str]
    name: list[str]
    liaison: list[int]  # as ``AreaTable.liaison``
    region: list[str]
    lat: list[float]
    lon: list[float]
    city_radius_km: list[float]  # radius of a disc of the mean commune area


@dataclass(frozen=True, slots=True)
class Tables:
    places: PlaceTable
    former: FormerTable
    departements: DepartementTable
    regions: AreaTable
    city_radius_km: float  # metropolitan France


@dataclass(frozen=True, slots=True)
class CommuneShapes:
    """Commune shapes of COG 2018 (IGN Admin Express, simplified to about 100 m): a commune
    merged since then has several, one per 2018 commune; one re-created since has none."""

    code: list[str]  # the 2018 commune's INSEE code
    insee: list[str]  # the current commune it is part of (``Gazetteer.commune``)
    geometry: NDArray[np.object_]  # shapely MultiPolygons, lon/lat


def read_json_gz(path: Path) -> Any:
    with gzip.open(path, "rb") as handle:
        data = orjson.loads(handle.read())
    if data.get("format") != FORMAT_VERSION:
        raise RuntimeError(f"{path}: format {data.get('format')!r}, expected {FORMAT_VERSION}")
    return data


def load_tables(data_dir: Path = DATA_DIR) -> Tables:
    data = read_json_gz(data_dir / GAZETTEER_FILE)
    c, f, d, r = data["communes"], data["former"], data["departements"], data["regions"]
    places = PlaceTable(
        insee=c["insee"],
        name=c["name"],
        key=c["key"],
        alias=c["alias"],
        postcodes=[tuple(p.split()) for p in c["postcodes"]],
        departement=c["departement"],
        region=c["region"],
        population=np.asarray(c["population"], dtype=np.int64),
        lat=np.asarray(c["lat"], dtype=np.float64),
        lon=np.asarray(c["lon"], dtype=np.float64),
        point_source=c["point"],
        parent=c["parent"],
    )
    former = FormerTable(
        insee=f["insee"],
        name=f["name"],
        key=f["key"],
        alias=f["alias"],
        current=f["current"],
        kind=f["kind"],
        lat=f["lat"],
        lon=f["lon"],
    )
    departements = DepartementTable(
        code=d["code"],
        name=d["name"],
        liaison=d["liaison"],
        region=d["region"],
        lat=d["lat"],
        lon=d["lon"],
        city_radius_km=d["city_radius_km"],
    )
    return Tables(
        places=places,
        former=former,
        departements=departements,
        regions=AreaTable(
            code=r["code"], name=r["name"], liaison=r["liaison"], lat=r["lat"], lon=r["lon"]
        ),
        city_radius_km=float(data["city_radius_km"]),
    )


def load_shapes(data_dir: Path = DATA_DIR) -> dict[str, tuple[list[str], list[str]]]:
    """Level ("departements", "regions") -> (codes, GeoJSON geometry texts)."""
    data = read_json_gz(data_dir / SHAPES_FILE)
    return {
        level: (list(data[level]["code"]), list(data[level]["geometry"]))
        for level in ("departements", "regions")
    }


def load_commune_shapes(data_dir: Path = DATA_DIR) -> CommuneShapes:
    """The commune shapes (about 0.5 s): also what a map draws a commune's outline from
    (``shapely.to_geojson`` of one geometry, or ``ror.geo.area_shape("communes", insee)``)."""
    data = read_json_gz(data_dir / COMMUNES_FILE)
    deltas = np.asarray(data["coords"], dtype=np.int64).reshape(-1, 2)
    coords = np.cumsum(deltas, axis=0) / float(data["grid"])
    offsets = tuple(
        np.asarray(data[name], dtype=np.int64)
        for name in ("ring_offsets", "polygon_offsets", "geometry_offsets")
    )
    geometry = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, offsets)
    return CommuneShapes(code=list(data["code"]), insee=list(data["insee"]), geometry=geometry)
