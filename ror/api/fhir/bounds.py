"""A circle holding every place with a postcode prefix, so that the engine can narrow a
``address-postalcode`` search geographically (it has no postcode index).

The circle holds the points of every commune with such a postcode, plus :data:`MARGIN_KM`
for Locations placed away from their commune's point. It only narrows the candidates: each
one is then tested on its own postcode. A Location placed farther than that from its commune
(the indexer warns beyond 50 km) would be missed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from ror.api.fhir.values import Near
from ror.geo import gazetteer
from ror.geo.distance import great_circle_km

MARGIN_KM: Final = 15.0
_PREFIX: Final = re.compile(r"\d{2,5}")


def postcode_circle(prefixes: tuple[str, ...]) -> Near | None:
    """The circle around every commune whose postcode starts with one of ``prefixes`` (None
    when a prefix is too short to narrow anything, or matches no commune)."""
    if not prefixes or not all(_PREFIX.fullmatch(p) for p in prefixes):
        return None
    return _circle(tuple(sorted(set(prefixes))))


@lru_cache(maxsize=512)
def _circle(prefixes: tuple[str, ...]) -> Near | None:
    gaz = gazetteer()
    points = [
        (c.lat, c.lon)
        for c in (*gaz.communes(), *gaz.arrondissements())
        if any(code.startswith(prefixes) for code in c.postcodes)
    ]
    if not points:
        return None
    lat = sum(p[0] for p in points) / len(points)
    lon = sum(p[1] for p in points) / len(points)
    reach = max(great_circle_km(lat, lon, a, b) for a, b in points)
    return Near(lat, lon, reach + MARGIN_KM)
