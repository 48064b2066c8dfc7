"""A latitude/longitude grid that orders rows by space, and the cell ranges covering a cap.

A cell is ``row * COLUMNS + column`` with rows and columns of ``STEP_DEG`` degrees. Rows of the
embedded covering table are keyed by ``(code, cell, offer)``, so the units of one code near a
point are a few key ranges: one per grid row crossed by the spherical cap (the disc on the
sphere) of the search radius. Ranges are a superset of the cap; the exact distance test is
done on unit vectors afterwards.

>>> cell_of(43.6045, 1.4440) == cell_of(43.6046, 1.4441)
True
>>> len(cap_ranges(43.6045, 1.4440, 10.0)) >= 9
True
"""

from __future__ import annotations

import math
from typing import Final

from ror.geo.distance import EARTH_RADIUS_KM

STEP_DEG: Final = 0.02  # ≈ 2.2 km of latitude
ROWS: Final = round(180 / STEP_DEG)
COLUMNS: Final = round(360 / STEP_DEG)


def _row(lat: float) -> int:
    return min(ROWS - 1, max(0, math.floor((lat + 90.0) / STEP_DEG)))


def _column(lon: float) -> int:
    return min(COLUMNS - 1, max(0, math.floor((lon + 180.0) / STEP_DEG)))


def cell_of(lat: float, lon: float) -> int:
    """The grid cell of a point."""
    return _row(lat) * COLUMNS + _column(lon)


def cap_ranges(lat: float, lon: float, radius_km: float) -> list[tuple[int, int]]:
    """Inclusive cell ranges covering every point within ``radius_km`` of (lat, lon).

    Uses the exact bounding box of a spherical cap: latitudes ``lat ± θ`` and, unless the cap
    holds a pole, longitudes ``lon ± asin(sin θ / cos lat)``; wraps at the antimeridian.
    """
    theta = radius_km / EARTH_RADIUS_KM  # angular radius, radians
    if theta >= math.pi:
        return [(0, ROWS * COLUMNS - 1)]
    lat_r = math.radians(lat)
    lo_lat = math.degrees(lat_r - theta)
    hi_lat = math.degrees(lat_r + theta)
    if hi_lat >= 90.0 or lo_lat <= -90.0 or theta >= math.pi / 2:
        lon_spans = [(-180.0, 180.0)]
    else:
        half = math.degrees(math.asin(min(1.0, math.sin(theta) / math.cos(lat_r))))
        west, east = lon - half, lon + half
        if west < -180.0:
            lon_spans = [(west + 360.0, 180.0), (-180.0, east)]
        elif east > 180.0:
            lon_spans = [(west, 180.0), (-180.0, east - 360.0)]
        else:
            lon_spans = [(west, east)]
    columns = [(_column(w), _column(e)) for w, e in lon_spans]
    ranges: list[tuple[int, int]] = []
    for row in range(_row(max(-90.0, lo_lat)), _row(min(90.0, hi_lat)) + 1):
        base = row * COLUMNS
        ranges.extend((base + w, base + e) for w, e in columns)
    return ranges
