"""French geography for ``ror``: gazetteer, reverse lookup, projections, distances, zones.

Everything runs offline from the tables in ``ror/geo/data`` (built by
``scripts/build_gazetteer.py`` from La Poste, INSEE/Etalab and IGN open data).
"""

from ror.geo.crs import SUPPORTED_EPSG, to_wgs84
from ror.geo.distance import (
    EARTH_RADIUS_KM,
    chord_for_km,
    dot_for_km,
    haversine_km,
    km_for_dot,
    unit_vector,
)
from ror.geo.gazetteer import Commune, Gazetteer, gazetteer
from ror.geo.lookup import Candidate
from ror.geo.precision import precision_radius_km
from ror.geo.reverse import (
    Area,
    area_shape,
    departement_at,
    is_in_france,
    near_france,
    reverse,
)
from ror.geo.travel import travel_minutes
from ror.geo.zones import area_zone_keys, patient_zone_keys, zone_key

__all__ = [
    "EARTH_RADIUS_KM",
    "SUPPORTED_EPSG",
    "Area",
    "Candidate",
    "Commune",
    "Gazetteer",
    "area_shape",
    "area_zone_keys",
    "chord_for_km",
    "departement_at",
    "dot_for_km",
    "gazetteer",
    "haversine_km",
    "is_in_france",
    "km_for_dot",
    "near_france",
    "patient_zone_keys",
    "precision_radius_km",
    "reverse",
    "to_wgs84",
    "travel_minutes",
    "unit_vector",
    "zone_key",
]
