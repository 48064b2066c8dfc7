"""Reverse lookup: a WGS84 point -> its commune, département and région.

The commune is the one whose shape contains the point (an STRtree over the commune polygons,
prepared for the point-in-polygon test). A point in no commune (at sea, or just across a
simplified coastline) is in France when a département shape lies within
``COAST_TOLERANCE_KM``, and then takes the nearest commune. Communes re-created since the
shapes' edition (2018) have none: their former commune's shape is shared with them and the
nearest centre decides. Paris, Lyon and Marseille answer with the municipal arrondissement
whose centre is nearest (the shapes are the cities').

Shapes load on first use (about 0.5 s), not with the gazetteer; a server builds them in the
background as it starts (``ror.api.app``).
"""

from __future__ import annotations

import functools
import math
import threading
from collections import defaultdict
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import shapely

from ror.errors import InvalidInput
from ror.geo.distance import FloatArray, haversine_km, unit_vector
from ror.geo.gazetteer import Gazetteer, gazetteer
from ror.geo.tables import load_commune_shapes, load_shapes

COAST_TOLERANCE_KM = 3.0  # the shapes are simplified to about 1.5 km at worst on rias coasts
TERRITORIAL_WATERS_KM = 22.2  # 12 nautical miles: a point farther from land is not in France
KM_PER_DEGREE = 111.32  # along a meridian, and along the equator


@dataclass(frozen=True)
class Area:
    """Where a point is: commune (or municipal arrondissement), département, région."""

    insee: str
    commune_name: str
    departement: str
    region: str
    parent_insee: str | None = None  # the commune of a municipal arrondissement ("75056")


class ShapeIndex:
    """Département and commune polygons in STRtrees, commune centres for the ties."""

    def __init__(self, gaz: Gazetteer) -> None:
        shapes = load_shapes()
        codes, texts = shapes["departements"]
        departements = shapely.from_geojson(texts)
        parts, owner = shapely.get_parts(departements, return_index=True)
        shapely.prepare(parts)
        self.codes = codes
        self.parts = parts
        self.owner = owner  # polygon index -> département index
        self.tree = shapely.STRtree(parts)
        self.geojson = {level: dict(zip(*pair, strict=True)) for level, pair in shapes.items()}
        self.gaz = gaz
        places = gaz.tables.places
        self._xyz: tuple[FloatArray, FloatArray, FloatArray] = unit_vector(places.lat, places.lon)
        communes = load_commune_shapes()
        self.commune_shapes: dict[str, list[Any]] = defaultdict(list)
        for code, geometry in zip(communes.insee, communes.geometry, strict=True):
            self.commune_shapes[code].append(geometry)
        self.commune_parts, shape_of_part = shapely.get_parts(communes.geometry, return_index=True)
        shapely.prepare(self.commune_parts)
        self.commune_tree = shapely.STRtree(self.commune_parts)
        shape_rows = [gaz.row_of(code) for code in communes.insee]
        self.part_rows = carved_rows(gaz, communes.geometry, shape_rows, shape_of_part)
        self.arrondissement_rows = arrondissements_by_city(gaz)

    def departement_at(self, lat: float, lon: float) -> str | None:
        point = shapely.Point(lon, lat)
        inside = self.tree.query(point, predicate="intersects")
        if len(inside):
            return min(str(self.codes[self.owner[i]]) for i in inside)
        return self.nearest_departement(point, lat)

    def departements_of(self, lats: FloatArray, lons: FloatArray) -> list[str | None]:
        """``departement_at`` for many points at once (one STRtree query)."""
        points = shapely.points(np.column_stack([lons, lats]))
        found: list[str | None] = [None] * len(points)
        for point_index, polygon in self.tree.query(points, predicate="intersects").T:
            code = str(self.codes[self.owner[polygon]])
            current = found[point_index]
            found[point_index] = code if current is None else min(current, code)
        for i, inside in enumerate(found):
            if inside is None:
                found[i] = self.nearest_departement(points[i], float(lats[i]))
        return found

    def nearest_departement(
        self, point: Any, lat: float, tolerance_km: float = COAST_TOLERANCE_KM
    ) -> str | None:
        """The département whose shape is within ``tolerance_km`` of the point, if any."""
        shrink = max(math.cos(math.radians(lat)), 0.01)  # a degree of longitude is shorter
        max_deg = tolerance_km / (KM_PER_DEGREE * shrink)
        found = self.tree.query_nearest(point, max_distance=max_deg, all_matches=False)
        if not len(found):
            return None
        polygon = int(found[0])
        nearest = shapely.get_coordinates(shapely.shortest_line(point, self.parts[polygon]))[1]
        if haversine_km(lat, point.x, float(nearest[1]), float(nearest[0])) > tolerance_km:
            return None
        return str(self.codes[self.owner[polygon]])

    def commune_row(self, lat: float, lon: float) -> int | None:
        """The place (commune, or arrondissement of its city) at the point; None when the point
        is in no commune and not within ``COAST_TOLERANCE_KM`` of France."""
        point = shapely.Point(lon, lat)
        parts = self.commune_tree.query(point, predicate="intersects")
        if not len(parts):
            if self.departement_at(lat, lon) is None:
                return None
            parts = self.commune_tree.query_nearest(point, all_matches=False)
        rows = sorted({row for part in parts for row in self.part_rows[int(part)]})
        row = rows[0] if len(rows) == 1 else self.nearest_row(rows, lat, lon)
        arrondissements = self.arrondissement_rows.get(row)
        return row if arrondissements is None else self.nearest_row(arrondissements, lat, lon)

    def nearest_row(self, rows: list[int], lat: float, lon: float) -> int:
        """Of these places, the one whose centre is nearest."""
        x, y, z = unit_vector(lat, lon)
        xs, ys, zs = self._xyz
        dots = xs[rows] * x + ys[rows] * y + zs[rows] * z
        return int(rows[int(np.argmax(dots))])


def carved_rows(
    gaz: Gazetteer, shapes: Any, shape_rows: list[int | None], shape_of_part: Any
) -> list[list[int]]:
    """Per commune polygon, the places it may answer: its commune, and the communes without a
    shape (re-created since 2018) whose centre lies in it."""
    places = gaz.tables.places
    shaped = {row for row in shape_rows if row is not None}
    extra: dict[int, list[int]] = defaultdict(list)
    tree = shapely.STRtree(shapes)
    for row, parent in enumerate(places.parent):
        if row in shaped or parent:
            continue
        centre = shapely.Point(float(places.lon[row]), float(places.lat[row]))
        for shape in tree.query(centre, predicate="intersects"):
            extra[int(shape)].append(row)
    return [
        [row for row in (shape_rows[shape], *extra[shape]) if row is not None]
        for shape in (int(s) for s in shape_of_part)
    ]


def arrondissements_by_city(gaz: Gazetteer) -> dict[int, list[int]]:
    """Row of Paris, Lyon, Marseille -> rows of their municipal arrondissements."""
    places = gaz.tables.places
    found: dict[int, list[int]] = defaultdict(list)
    for row, parent in enumerate(places.parent):
        city = gaz.row_of(parent) if parent else None
        if city is not None:
            found[city].append(row)
    return dict(found)


_SHAPES_LOCK = threading.Lock()


def shape_index() -> ShapeIndex:
    """The shape index, built once per process (a second caller waits for the first)."""
    with _SHAPES_LOCK:
        return _build_shape_index()


@functools.cache
def _build_shape_index() -> ShapeIndex:
    return ShapeIndex(gazetteer())


def reverse(lat: float, lon: float) -> Area | None:
    """The commune, département and région of a WGS84 point; None when not in France
    (metropolitan, Corsica, overseas départements). Raises ``InvalidInput`` for a latitude
    or longitude that is not a number in range."""
    check_point(lat, lon)
    index = shape_index()
    row = index.commune_row(lat, lon)
    if row is None:
        return None
    commune = index.gaz.commune_at(row)
    return Area(
        insee=commune.insee,
        commune_name=commune.name,
        departement=commune.departement,
        region=commune.region,
        parent_insee=index.gaz.parent_insee(commune.insee),
    )


def departement_at(lat: float, lon: float) -> str | None:
    """The département code of a WGS84 point (coast tolerance included), else None."""
    check_point(lat, lon)
    return shape_index().departement_at(lat, lon)


def is_in_france(lat: float, lon: float) -> bool:
    """True for a point in a département of France (overseas ones included) or within
    ``COAST_TOLERANCE_KM`` of one; False otherwise, also for missing or out-of-range values.

    Points within that tolerance across a land border (Geneva's edge, Basel, Monaco) count
    as French: check the commune if that matters."""
    try:
        check_point(lat, lon)
    except InvalidInput:
        return False
    return _in_france(lat, lon)


@functools.lru_cache(maxsize=65_536)
def _in_france(lat: float, lon: float) -> bool:
    """A load asks it twice per Location (the offer's place, then its search keys)."""
    return shape_index().departement_at(lat, lon) is not None


def near_france(lat: float, lon: float, km: float = TERRITORIAL_WATERS_KM) -> bool:
    """True for a point in a département of France or within ``km`` of one (its territorial
    waters by default); raises ``InvalidInput`` for values out of range."""
    check_point(lat, lon)
    index = shape_index()
    if index.departement_at(lat, lon) is not None:
        return True
    return index.nearest_departement(shapely.Point(lon, lat), lat, km) is not None


def area_shape(level: str, code: str) -> Any | None:
    """The shapely geometry of a département (``level="departements"``), a région
    (``"regions"``) or a current commune (``"communes"``: its 2018 shapes, several for a
    commune merged since), simplified as shipped; None for an unknown code or a commune
    without a shape."""
    index = shape_index()
    if level == "communes":
        current = index.gaz.current_insee(code)
        found = index.commune_shapes.get(current) if current else None
        return shapely.union_all(found) if found else None
    if level not in ("departements", "regions"):
        raise InvalidInput(
            f"unknown area level {level!r} (departements, regions, communes)", "level"
        )
    text = index.geojson[level].get(code.strip().upper())
    return None if text is None else shapely.from_geojson(text)


def check_point(lat: float, lon: float) -> None:
    for name, value, bound in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if isinstance(value, bool) or not isinstance(value, Real):
            raise InvalidInput(f"{name} must be a number, got {value!r}", name)
        if not math.isfinite(value) or abs(value) > bound:
            raise InvalidInput(
                f"{name} must be between -{bound:g} and {bound:g}, got {value}", name
            )
