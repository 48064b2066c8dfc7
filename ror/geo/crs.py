"""Projected coordinates used by French sources -> WGS84 (pyproj, offline).

FINESS and IGN give Lambert-93 in metropolitan France and UTM overseas. The overseas datums
(RGAF09, RGFG95, RGR92, RGM04) and RGF93 are ITRF-based: PROJ treats them as WGS84 to
within a few centimetres, so no grid file is needed.
"""

from __future__ import annotations

import functools
import math
from numbers import Real

from pyproj import Transformer

from ror.errors import InvalidInput

SUPPORTED_EPSG = {
    2154: "RGF93 v1 / Lambert-93 (metropolitan France, Corsica)",
    5490: "RGAF09 / UTM zone 20N (Guadeloupe, Martinique)",
    2972: "RGFG95 / UTM zone 22N (Guyane)",
    2975: "RGR92 / UTM zone 40S (La Réunion)",
    4471: "RGM04 / UTM zone 38S (Mayotte)",
    4326: "WGS84 longitude/latitude (returned as is)",
}


@functools.cache
def _transformer(epsg: int) -> Transformer:
    return Transformer.from_crs(epsg, 4326, always_xy=True)


def to_wgs84(x: float, y: float, epsg: int) -> tuple[float, float]:
    """(lat, lon) in WGS84 degrees of an easting ``x`` and northing ``y`` in metres.

    Raises ``InvalidInput`` for an unsupported EPSG code, a non-finite coordinate or a point
    outside the projection's domain. Transformers are built once per EPSG code.
    """
    if epsg not in SUPPORTED_EPSG:
        supported = ", ".join(str(code) for code in SUPPORTED_EPSG)
        raise InvalidInput(f"unsupported EPSG code {epsg} (supported: {supported})", "epsg")
    for name, value in (("x", x), ("y", y)):
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise InvalidInput(f"coordinate {name} must be a finite number, got {value!r}", name)
    lon, lat = _transformer(epsg).transform(float(x), float(y))
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90):
        raise InvalidInput(f"({x}, {y}) is outside the domain of EPSG:{epsg}", "x")
    return float(lat), float(lon)
