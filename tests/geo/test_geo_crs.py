"""Projected -> WGS84 conversions, checked against the projections' published formulas.

The expected projected coordinates are computed here, independently of PROJ, with the
formulas of J. P. Snyder, "Map Projections: A Working Manual" (USGS Professional Paper 1395,
1987): Lambert conformal conic with two standard parallels (eq. 15-1 to 15-10) and the
transverse Mercator series (eq. 8-9 to 8-13), on the GRS80 ellipsoid, with the EPSG
parameters of each system. They agree with PROJ to well under a metre.
"""

from __future__ import annotations

import math

import pytest

from ror.errors import InvalidInput
from ror.geo import haversine_km, to_wgs84

A = 6378137.0  # GRS80 semi-major axis
F = 1 / 298.257222101
E2 = F * (2 - F)
E = math.sqrt(E2)


def lambert93(lat: float, lon: float) -> tuple[float, float]:
    """Lambert-93: parallels 44° and 49°, origin 46.5°N 3°E at (700 000, 6 600 000)."""

    def m(phi: float) -> float:
        return math.cos(phi) / math.sqrt(1 - E2 * math.sin(phi) ** 2)

    def t(phi: float) -> float:
        ratio: float = ((1 - E * math.sin(phi)) / (1 + E * math.sin(phi))) ** (E / 2)
        return math.tan(math.pi / 4 - phi / 2) / ratio

    phi1, phi2, phi0 = map(math.radians, (44.0, 49.0, 46.5))
    n = (math.log(m(phi1)) - math.log(m(phi2))) / (math.log(t(phi1)) - math.log(t(phi2)))
    big_f = m(phi1) / (n * t(phi1) ** n)
    rho0 = A * big_f * t(phi0) ** n
    rho = A * big_f * t(math.radians(lat)) ** n
    theta = n * math.radians(lon - 3.0)
    return 700000 + rho * math.sin(theta), 6600000 + rho0 - rho * math.cos(theta)


def utm(lat: float, lon: float, zone: int) -> tuple[float, float]:
    """UTM: transverse Mercator, k0 0.9996, false easting 500 000, 10 000 000 m south."""
    k0, ep2 = 0.9996, E2 / (1 - E2)
    phi, lam = math.radians(lat), math.radians(lon - (zone * 6 - 183))
    n = A / math.sqrt(1 - E2 * math.sin(phi) ** 2)
    t, c, a = math.tan(phi) ** 2, ep2 * math.cos(phi) ** 2, lam * math.cos(phi)
    e4, e6 = E2**2, E2**3
    m = A * (
        (1 - E2 / 4 - 3 * e4 / 64 - 5 * e6 / 256) * phi
        - (3 * E2 / 8 + 3 * e4 / 32 + 45 * e6 / 1024) * math.sin(2 * phi)
        + (15 * e4 / 256 + 45 * e6 / 1024) * math.sin(4 * phi)
        - (35 * e6 / 3072) * math.sin(6 * phi)
    )
    x = k0 * n * (a + (1 - t + c) * a**3 / 6 + (5 - 18 * t + t**2 + 72 * c - 58 * ep2) * a**5 / 120)
    y = k0 * (
        m
        + n
        * math.tan(phi)
        * (
            a**2 / 2
            + (5 - t + 9 * c + 4 * c**2) * a**4 / 24
            + (61 - 58 * t + t**2 + 600 * c - 330 * ep2) * a**6 / 720
        )
    )
    return 500000 + x, y if lat >= 0 else y + 10_000_000


def metres_apart(a: tuple[float, float], b: tuple[float, float]) -> float:
    return haversine_km(a[0], a[1], b[0], b[1]) * 1000


def test_lambert93_origin_is_its_defining_point() -> None:
    lat, lon = to_wgs84(700000, 6600000, 2154)
    assert lat == pytest.approx(46.5, abs=1e-9)
    assert lon == pytest.approx(3.0, abs=1e-9)


@pytest.mark.parametrize(
    ("label", "lat", "lon"),
    [
        ("Paris, Notre-Dame", 48.8530, 2.3499),
        ("Toulouse, Capitole", 43.6045, 1.4440),
        ("Brest", 48.3904, -4.4861),
        ("Strasbourg", 48.5734, 7.7521),
        ("Ajaccio", 41.9192, 8.7386),
    ],
)
def test_lambert93_points(label: str, lat: float, lon: float) -> None:
    x, y = lambert93(lat, lon)
    assert metres_apart(to_wgs84(x, y, 2154), (lat, lon)) < 1.0, label


@pytest.mark.parametrize(
    ("label", "epsg", "zone", "lat", "lon"),
    [
        ("Fort-de-France", 5490, 20, 14.6037, -61.0731),
        ("Pointe-à-Pitre", 5490, 20, 16.2411, -61.5331),
        ("Cayenne", 2972, 22, 4.9372, -52.3260),
        ("Saint-Denis (La Réunion)", 2975, 40, -20.8823, 55.4504),
        ("Mamoudzou", 4471, 38, -12.7806, 45.2279),
    ],
)
def test_overseas_utm_points(label: str, epsg: int, zone: int, lat: float, lon: float) -> None:
    x, y = utm(lat, lon, zone)
    assert metres_apart(to_wgs84(x, y, epsg), (lat, lon)) < 1.0, label


def test_utm_central_meridians() -> None:
    assert to_wgs84(500000, 0, 5490) == pytest.approx((0.0, -63.0), abs=1e-9)
    assert to_wgs84(500000, 10_000_000, 2975) == pytest.approx((0.0, 57.0), abs=1e-9)


def test_wgs84_passes_through() -> None:
    assert to_wgs84(1.444, 43.6045, 4326) == pytest.approx((43.6045, 1.444))


def test_unknown_epsg_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as error:
        to_wgs84(700000, 6600000, 27572)
    assert error.value.field == "epsg"
    assert "27572" in error.value.message


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "700000", None])
def test_non_numeric_coordinates_are_invalid_input(bad: object) -> None:
    with pytest.raises(InvalidInput) as error:
        to_wgs84(bad, 6600000, 2154)  # type: ignore[arg-type]
    assert error.value.field == "x"
