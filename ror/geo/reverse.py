"""Reverse lookup: a WGS84 point -> its commune, département and région.

The département comes from its shape (an STRtree over the polygons, prepared for the
point-in-polygon test); a point at sea or just across a simplified coastline takes the nearest
département within ``COAST_TOLERANCE_KM``, else it is not in France. The commune is the one
whose centre is nearest within that département (communes have no shapes here: near a
commune border the neighbour may be returned). Paris, Lyon and Marseille answer with their
municipal arrondissements.

Shapes load on first use (about 0.2 s), not with the gazetteer.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import shapely

from ror.errors import InvalidInput
from ror.geo.distance import FloatArray, haversine_km, unit_vector
from ror.geo.gazetteer import Gazetteer, gazetteer
from ror.geo.tables import load_shapes

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
    """Département polygons in an STRtree, and commune centres grouped by département."""

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
        self._rows = rows_by_departement(gaz)
        places = gaz.tables.places
        self._xyz: tuple[FloatArray, FloatArray, FloatArray] = unit_vector(places.lat, places.lon)

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

    def nearest_row(self, departement: str, lat: float, lon: float) -> int:
        """The place (commune or arrondissement) of the département whose centre is nearest."""
        rows = self._rows[departement]
        x, y, z = unit_vector(lat, lon)
        xs, ys, zs = self._xyz
        dots = xs[rows] * x + ys[rows] * y + zs[rows] * z
        return int(rows[int(np.argmax(dots))])


def rows_by_departement(gaz: Gazetteer) -> dict[str, np.ndarray[Any, np.dtype[np.int64]]]:
    """Département -> rows of its places; a city with arrondissements counts as those."""
    places = gaz.tables.places
    split = {parent for parent in places.parent if parent}
    rows: dict[str, list[int]] = defaultdict(list)
    for row, code in enumerate(places.insee):
        if code not in split:
            rows[places.departement[row]].append(row)
    return {dep: np.asarray(found, dtype=np.int64) for dep, found in rows.items()}


@functools.cache
def shape_index() -> ShapeIndex:
    return ShapeIndex(gazetteer())


def reverse(lat: float, lon: float) -> Area | None:
    """The commune, département and région of a WGS84 point; None when not in France
    (metropolitan, Corsica, overseas départements). Raises ``InvalidInput`` for a latitude
    or longitude that is not a number in range."""
    check_point(lat, lon)
    index = shape_index()
    departement = index.departement_at(lat, lon)
    if departement is None:
        return None
    commune = index.gaz.commune_at(index.nearest_row(departement, lat, lon))
    return Area(
        insee=commune.insee,
        commune_name=commune.name,
        departement=departement,
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
    """The shapely geometry of a département (``level="departements"``) or a région
    (``"regions"``), simplified as shipped; None for an unknown code."""
    if level not in ("departements", "regions"):
        raise InvalidInput(f"unknown area level {level!r} (departements, regions)", "level")
    text = shape_index().geojson[level].get(code.strip().upper())
    return None if text is None else shapely.from_geojson(text)


def check_point(lat: float, lon: float) -> None:
    for name, value, bound in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if isinstance(value, bool) or not isinstance(value, Real):
            raise InvalidInput(f"{name} must be a number, got {value!r}", name)
        if not math.isfinite(value) or abs(value) > bound:
            raise InvalidInput(
                f"{name} must be between -{bound:g} and {bound:g}, got {value}", name
            )
