"""Great-circle distances and the unit-vector helpers of the embedded engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod

from ror.geo import (
    EARTH_RADIUS_KM,
    chord_for_km,
    dot_for_km,
    haversine_km,
    km_for_dot,
    unit_vector,
)

PARIS = (48.8566, 2.3522)  # Hôtel de Ville
MARSEILLE = (43.2965, 5.3698)  # Hôtel de Ville
LYON = (45.7640, 4.8357)  # Hôtel de Ville
WGS84 = Geod(ellps="WGS84")


def geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Ellipsoidal distance (Karney's algorithm in PROJ): the independent reference."""
    return float(WGS84.inv(a[1], a[0], b[1], b[0])[2]) / 1000


@pytest.mark.parametrize(
    ("a", "b", "published_km"),
    [(PARIS, MARSEILLE, 661.0), (PARIS, LYON, 392.0)],  # "à vol d'oiseau" figures
)
def test_city_distances(
    a: tuple[float, float], b: tuple[float, float], published_km: float
) -> None:
    km = haversine_km(a[0], a[1], b[0], b[1])
    assert isinstance(km, float)
    assert km == pytest.approx(geodesic_km(a, b), rel=0.002)
    assert km == pytest.approx(published_km, abs=1.5)


def test_exact_spherical_values() -> None:
    one_degree = 2 * math.pi * EARTH_RADIUS_KM / 360
    assert haversine_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(one_degree, rel=1e-12)
    assert haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(one_degree, rel=1e-12)
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert haversine_km(45.0, 170.0, 45.0, -170.0) == pytest.approx(
        haversine_km(45.0, -10.0, 45.0, 10.0)
    )
    assert haversine_km(*PARIS, *PARIS) == 0.0


def test_arrays_broadcast() -> None:
    lats = np.array([MARSEILLE[0], LYON[0], PARIS[0]])
    lons = np.array([MARSEILLE[1], LYON[1], PARIS[1]])
    km = haversine_km(PARIS[0], PARIS[1], lats, lons)
    assert isinstance(km, np.ndarray) and km.shape == (3,)
    assert km[2] == 0.0
    assert km[0] == pytest.approx(haversine_km(*PARIS, *MARSEILLE))


def test_unit_vectors_and_dot_products_match_haversine() -> None:
    x, y, z = unit_vector(90.0, 0.0)
    assert (x, y, z) == pytest.approx((0.0, 0.0, 1.0))
    assert unit_vector(0.0, 90.0) == pytest.approx((0.0, 1.0, 0.0))
    p, m = np.array(unit_vector(*PARIS)), np.array(unit_vector(*MARSEILLE))
    assert np.linalg.norm(p) == pytest.approx(1.0)
    dot = float(p @ m)
    assert km_for_dot(dot) == pytest.approx(haversine_km(*PARIS, *MARSEILLE), rel=1e-9)
    assert dot_for_km(km_for_dot(dot)) == pytest.approx(dot, rel=1e-12)
    chord = float(np.linalg.norm(p - m))
    assert chord_for_km(haversine_km(*PARIS, *MARSEILLE)) == pytest.approx(chord, rel=1e-9)


def test_vectorised_unit_vectors() -> None:
    xs, ys, zs = unit_vector(np.array([0.0, 45.0]), np.array([0.0, 90.0]))
    assert xs.shape == ys.shape == zs.shape == (2,)
    assert np.allclose(xs**2 + ys**2 + zs**2, 1.0)


def test_helpers_clip_out_of_range_values() -> None:
    assert km_for_dot(1.0000000002) == 0.0
    assert km_for_dot(-1.5) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert dot_for_km(1e9) == pytest.approx(-1.0)
    assert chord_for_km(1e9) == pytest.approx(2.0)
