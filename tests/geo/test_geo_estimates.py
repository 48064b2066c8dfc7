"""Travel-time estimate and place-precision radius."""

from __future__ import annotations

import itertools
import math

import pytest

from ror.errors import InvalidInput
from ror.geo import Gazetteer, precision_radius_km, travel_minutes
from ror.geo.travel import ROAD_DETOUR_FACTOR

METROPOLITAN_AREA_KM2 = 543_940  # INSEE, metropolitan France including Corsica


def test_travel_minutes_by_band() -> None:
    assert travel_minutes(0.0) == 0.0
    # 100 km -> 130 road km: 5 km at 30 km/h, 25 km at 60 km/h, 100 km at 90 km/h
    assert travel_minutes(100.0) == pytest.approx(10 + 25 + 100 / 90 * 60)
    assert travel_minutes(2.0) == pytest.approx(2.0 * ROAD_DETOUR_FACTOR / 30 * 60)


def test_travel_minutes_is_continuous_and_increasing() -> None:
    distances = [i / 10 for i in range(0, 3000)]
    minutes = [travel_minutes(d) for d in distances]
    assert all(b > a for a, b in itertools.pairwise(minutes))
    steps = [b - a for a, b in itertools.pairwise(minutes)]
    assert max(steps) <= 0.1 * ROAD_DETOUR_FACTOR / 30 * 60 + 1e-9  # never faster than a jump


def test_travel_minutes_model_is_configurable() -> None:
    assert travel_minutes(10.0, detour_factor=1.0, speed_bands=((math.inf, 60.0),)) == 10.0


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "10", True])
def test_travel_minutes_rejects_bad_distances(bad: object) -> None:
    with pytest.raises(InvalidInput) as error:
        travel_minutes(bad)  # type: ignore[arg-type]
    assert error.value.field == "distance_km"


def test_precision_radius() -> None:
    assert precision_radius_km("exact") == 0.0
    assert precision_radius_km("street") == 0.5
    with pytest.raises(InvalidInput) as error:
        precision_radius_km("country")
    assert error.value.field == "precision"


def test_city_radius_comes_from_commune_areas(gaz: Gazetteer) -> None:
    metropolitan = [c for c in gaz.communes() if len(c.departement) == 2]
    split = {"75056", "69123", "13055"}
    places = len(metropolitan) - len(split) + len(gaz.arrondissements())
    expected = math.sqrt(METROPOLITAN_AREA_KM2 / places / math.pi)
    assert precision_radius_km("city") == pytest.approx(expected, rel=0.03)
    paris = precision_radius_km("city", "75056")
    guyane = precision_radius_km("city", "97302")
    assert paris == pytest.approx(math.sqrt(105.4 / 20 / math.pi), rel=0.05)  # 105.4 km², 20 arr.
    assert guyane > 20 * paris
    assert precision_radius_km("city", "99999") == precision_radius_km("city")
