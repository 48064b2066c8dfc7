"""How uncertain a searched place is, as a radius in km (DESIGN §5 "precision").

"exact" is a point; "street" a street or address interpolation; "city" a commune centre, whose
uncertainty is the radius of a disc of the commune's area, estimated per département as its
area over its number of communes (Paris, Lyon and Marseille count their arrondissements).
"""

from __future__ import annotations

from ror.errors import InvalidInput
from ror.geo.gazetteer import gazetteer

STREET_RADIUS_KM = 0.5
PRECISIONS = ("exact", "street", "city")


def precision_radius_km(precision: str, insee: str | None = None) -> float:
    """Uncertainty radius of a place of this precision. For "city", pass the commune's INSEE
    code to get its département's value (1.3 km in Paris, 35 km in Guyane); without it, the
    metropolitan France value (about 2.2 km)."""
    if precision == "exact":
        return 0.0
    if precision == "street":
        return STREET_RADIUS_KM
    if precision == "city":
        return gazetteer().city_radius_km(insee)
    raise InvalidInput(f"unknown precision {precision!r} ({', '.join(PRECISIONS)})", "precision")
