"""Département and région shapes as GeoJSON for the pages' maps (``GET /v1/geo/shapes``).

The shipped shapes (``ror.geo``, built by ``scripts/build_gazetteer.py``) are simplified once
more for the screen, as one coverage so that neighbours keep a shared border, and rounded to
0.001° (about 100 m): the départements weigh about 290 kB, 90 kB gzipped.

Two layouts:

- ``geographic``: every area where it is (the search page draws the results over it);
- ``insets``: the overseas départements and régions moved into boxes west of metropolitan
  France, each scaled to fill its box without distortion, as national maps print them (the
  availability overview). The boxes are listed in the collection's ``insets`` member.

Each feature carries ``code``, ``name``, ``center`` ([lat, lon], a point inside the real area)
and ``radius_km`` (from that point to the farthest point of its border), which the pages use to
link an area to a search around it.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely

from ror.errors import InvalidInput
from ror.geo import gazetteer, haversine_km
from ror.geo.tables import load_shapes

Level = Literal["departement", "region"]
Layout = Literal["geographic", "insets"]
LEVELS: tuple[Level, ...] = ("departement", "region")
LAYOUTS: tuple[Layout, ...] = ("geographic", "insets")

SCREEN_TOLERANCE_DEG = 0.01  # coverage simplification for a national or regional map
DECIMALS = 3  # 0.001° is about 100 m

# Overseas areas in the inset layout, north to south: (département, région) sharing one box.
OVERSEAS = (("971", "01"), ("972", "02"), ("973", "03"), ("974", "04"), ("976", "06"))


@dataclass(frozen=True, slots=True)
class Box:
    """An inset box in lon/lat degrees, west of metropolitan France."""

    west: float
    south: float
    east: float
    north: float

    def as_list(self) -> list[float]:
        return [self.west, self.south, self.east, self.north]


def inset_boxes(level: Level) -> dict[str, Box]:
    """Overseas département (or région) code -> its box: a column of five off the Atlantic
    coast (metropolitan France spans about 5.2° W to 9.6° E, 41.3° to 51.1° N)."""
    west, east, top, height, gap = -11.0, -7.0, 51.0, 1.7, 0.25
    column = 0 if level == "departement" else 1
    boxes: dict[str, Box] = {}
    for i, codes in enumerate(OVERSEAS):
        north = round(top - i * (height + gap), 2)
        boxes[codes[column]] = Box(west, round(north - height, 2), east, north)
    return boxes


def fit_into(geometry: Any, box: Box, margin: float = 0.08) -> Any:
    """``geometry`` moved and scaled to fill ``box`` with its shape kept as it looks on a
    Web Mercator map: east-west distances shrink with the cosine of the latitude at both ends."""
    west, south, east, north = shapely.bounds(geometry)
    source_lat = math.radians((south + north) / 2)
    target_lat = math.radians((box.south + box.north) / 2)
    width_local = max((east - west) * math.cos(source_lat), 1e-9)  # degrees of the equator
    height_local = max((north - south) * math.cos(target_lat), 1e-9)
    inner = 1 - 2 * margin
    scale = min(
        (box.east - box.west) * inner / width_local, (box.north - box.south) * inner / height_local
    )
    centre_x, centre_y = (west + east) / 2, (south + north) / 2
    box_x, box_y = (box.west + box.east) / 2, (box.south + box.north) / 2

    def move(coords: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        x = box_x + (coords[:, 0] - centre_x) * math.cos(source_lat) * scale
        y = box_y + (coords[:, 1] - centre_y) * math.cos(target_lat) * scale
        return np.column_stack([x, y])

    return shapely.transform(geometry, move)


def feature_collection(level: Level, layout: Layout) -> dict[str, Any]:
    """The areas of ``level`` as a GeoJSON FeatureCollection (see the module docstring)."""
    check(level, layout)
    codes, geometries = _screen_geometries(level)
    names = gazetteer().departements() if level == "departement" else gazetteer().regions()
    boxes = inset_boxes(level) if layout == "insets" else {}
    features = []
    for code, geometry in zip(codes, geometries, strict=True):
        centre = shapely.point_on_surface(geometry)
        shown = fit_into(geometry, boxes[code]) if code in boxes else geometry
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {
                    "code": code,
                    "name": names.get(code, code),
                    "center": [round(centre.y, 4), round(centre.x, 4)],
                    "radius_km": round(_radius_km(geometry, centre.y, centre.x), 1),
                    "inset": code in boxes,
                },
                "geometry": rounded(json.loads(shapely.to_geojson(shown))),
            }
        )
    insets = [
        {"code": code, "name": names.get(code, code), "bbox": boxes[code].as_list()}
        for code in codes
        if code in boxes
    ]
    return {
        "type": "FeatureCollection",
        "level": level,
        "layout": layout,
        "insets": insets,
        "features": features,
    }


@dataclass(frozen=True, slots=True)
class Payload:
    """A collection ready to send: its JSON, gzipped once, and an ETag."""

    body: bytes
    gzipped: bytes
    etag: str


@functools.cache
def payload(level: Level, layout: Layout) -> Payload:
    return ready(feature_collection(level, layout))


def ready(collection: dict[str, Any]) -> Payload:
    """A GeoJSON collection as compact JSON, gzipped once, with an ETag of its content."""
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return Payload(body, gzip.compress(body, compresslevel=9, mtime=0), etag)


def check(level: str, layout: str) -> None:
    if level not in LEVELS:
        raise InvalidInput(f"level {level!r} inconnu : departement ou region", "level")
    if layout not in LAYOUTS:
        raise InvalidInput(f"layout {layout!r} inconnu : geographic ou insets", "layout")


@functools.cache
def _screen_geometries(level: Level) -> tuple[list[str], list[Any]]:
    codes, texts = load_shapes()[level + "s"]
    geometries = shapely.coverage_simplify(shapely.from_geojson(texts), SCREEN_TOLERANCE_DEG)
    return codes, list(geometries)


def _radius_km(geometry: Any, lat: float, lon: float) -> float:
    coords = shapely.get_coordinates(geometry)
    return float(np.max(haversine_km(lat, lon, coords[:, 1], coords[:, 0])))


def rounded(geometry: dict[str, Any]) -> dict[str, Any]:
    """Coordinates rounded to ``DECIMALS``, repeated points dropped (rings stay closed), and
    islets or holes that rounding flattens (fewer than four points) left out."""

    def ring(points: list[list[float]]) -> list[list[float]]:
        out: list[list[float]] = []
        for x, y in points:
            point = [round(x, DECIMALS), round(y, DECIMALS)]
            if not out or point != out[-1]:
                out.append(point)
        if len(out) > 1 and out[0] != out[-1]:
            out.append(out[0])
        return out

    def polygon(rings: list[list[list[float]]]) -> list[list[list[float]]]:
        kept = [ring(r) for r in rings]
        if len(kept[0]) < 4:
            return []
        return [kept[0], *(r for r in kept[1:] if len(r) >= 4)]

    parts = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    polygons = [p for p in (polygon(rings) for rings in parts) if p]
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}
