"""Travel time, estimated from the great-circle distance: an estimate, not a route.

Model: road distance = ``ROAD_DETOUR_FACTOR`` × great-circle distance, driven at a speed that
depends on how far along the trip you are (``SPEED_BANDS``: town streets first, then main
roads, then expressways). Continuous and increasing in the distance. No traffic, ferries or
terrain: mountain and island trips are underestimated.
"""

from __future__ import annotations

import math
from numbers import Real

from ror.errors import InvalidInput

# Road distance / great-circle distance: about 1.3 for French roads at these ranges.
ROAD_DETOUR_FACTOR = 1.3
# (road km covered up to, average km/h over that stretch); the last band is open-ended.
SPEED_BANDS: tuple[tuple[float, float], ...] = (
    (5.0, 30.0),  # leaving town
    (30.0, 60.0),  # departmental roads
    (math.inf, 90.0),  # main roads and motorways
)


def travel_minutes(
    distance_km: float,
    *,
    detour_factor: float = ROAD_DETOUR_FACTOR,
    speed_bands: tuple[tuple[float, float], ...] = SPEED_BANDS,
) -> float:
    """Estimated driving minutes for a great-circle distance in km.

    >>> round(travel_minutes(10.0), 1)  # 13 road km: 5 at 30 km/h, 8 at 60 km/h
    18.0
    """
    if isinstance(distance_km, bool) or not isinstance(distance_km, Real):
        raise InvalidInput(f"distance must be a number, got {distance_km!r}", "distance_km")
    if not math.isfinite(distance_km) or distance_km < 0:
        raise InvalidInput(f"distance must be finite and >= 0, got {distance_km}", "distance_km")
    road_km = distance_km * detour_factor
    minutes, start = 0.0, 0.0
    for end, speed_kmh in speed_bands:
        stretch = min(road_km, end) - start
        if stretch <= 0:
            break
        minutes += stretch / speed_kmh * 60.0
        start = end
    return minutes
