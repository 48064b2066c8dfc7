"""Great-circle distances on a spherical Earth, for scalars or numpy arrays.

The embedded engine orders offers by the dot product of unit vectors (larger = nearer):
``distance = EARTH_RADIUS_KM * acos(dot)``. ``dot_for_km``/``km_for_dot`` and
``chord_for_km`` convert between the three measures. One radius everywhere: the IUGG mean
Earth radius, so spherical distances are within about 0.5 % of the ellipsoidal ones.
"""

from __future__ import annotations

import math
from typing import overload

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1 = (2a + b) / 3 of the WGS84 ellipsoid

FloatArray = NDArray[np.float64]
Coordinate = float | FloatArray


@overload
def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float: ...  # type: ignore[overload-overlap]
@overload
def haversine_km(
    lat1: Coordinate, lon1: Coordinate, lat2: Coordinate, lon2: Coordinate
) -> FloatArray: ...
def haversine_km(
    lat1: Coordinate, lon1: Coordinate, lat2: Coordinate, lon2: Coordinate
) -> float | FloatArray:
    """Great-circle distance in km between points in degrees; arrays broadcast.

    >>> round(haversine_km(0.0, 0.0, 0.0, 1.0), 3)
    111.195
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(km) if np.ndim(km) == 0 else np.asarray(km, dtype=np.float64)


@overload
def unit_vector(lat: float, lon: float) -> tuple[float, float, float]: ...  # type: ignore[overload-overlap]
@overload
def unit_vector(lat: Coordinate, lon: Coordinate) -> tuple[FloatArray, FloatArray, FloatArray]: ...
def unit_vector(
    lat: Coordinate, lon: Coordinate
) -> tuple[float, float, float] | tuple[FloatArray, FloatArray, FloatArray]:
    """(x, y, z) on the unit sphere: x towards (0°, 0°), y towards (0°, 90°E), z to the pole.

    >>> unit_vector(90.0, 0.0)[2]
    1.0
    """
    phi, lmb = np.radians(lat), np.radians(lon)
    x, y, z = np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi) * np.ones_like(lmb)
    if np.ndim(x) == 0:
        return float(x), float(y), float(z)
    return (
        np.asarray(x, dtype=np.float64),
        np.asarray(y, dtype=np.float64),
        np.asarray(z, dtype=np.float64),
    )


def km_for_dot(dot: float) -> float:
    """Great-circle distance for the dot product of two unit vectors (clipped to [-1, 1])."""
    return float(EARTH_RADIUS_KM * np.arccos(np.clip(dot, -1.0, 1.0)))


def dot_for_km(km: float) -> float:
    """The smallest dot product of points within ``km``: keep ``dot >= dot_for_km(radius)``."""
    return float(np.cos(min(km / EARTH_RADIUS_KM, np.pi)))


def chord_for_km(km: float) -> float:
    """Straight-line (chord) length on the unit sphere for a great-circle distance in km, the
    radius to give a 3-D box or R*Tree search around a unit vector."""
    return float(2 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2))


def unit_point(lat: float, lon: float) -> tuple[float, float, float]:
    """:func:`unit_vector` of one point in scalar ``math``, faster than numpy a row at a time."""
    la, lo = math.radians(lat), math.radians(lon)
    c = math.cos(la)
    return c * math.cos(lo), c * math.sin(lo), math.sin(la)


def min_dot(radius_km: float) -> float:
    """The smallest dot product of two unit vectors at most ``radius_km`` apart."""
    return math.cos(min(math.pi, radius_km / EARTH_RADIUS_KM))


def dot_to_km(dot: float) -> float:
    """Great-circle distance from the dot product of two unit vectors (``R·acos(dot)``)."""
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, dot)))


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """:func:`haversine_km` of one pair in scalar ``math``, faster than numpy for one pair."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
