"""Commune outlines and names for the pages' maps at city zoom (``GET /v1/geo/communes``).

The outlines are the gazetteer's commune shapes (``ror.geo.area_shape("communes", insee)``,
IGN Admin Express COG 2018 simplified to about 100 m, shipped in ``ror/geo/data``), rounded to
0.001° for the screen; the names and the point where a map writes them are the gazetteer's
(current communes, the point inside the commune). A département's communes are built on its
first request and kept ready to send (about 70 kB gzipped for the Haute-Garonne's 586).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import shapely

from ror.api.pages.shapes import Payload, ready, rounded
from ror.errors import UnknownCode
from ror.geo import area_shape, gazetteer


def feature_collection(departement: str) -> dict[str, Any]:
    """The communes of ``departement`` as GeoJSON: ``code``, ``name`` and ``label`` ([lat, lon]
    inside the commune, where the map writes the name)."""
    gaz = gazetteer()
    if departement not in gaz.departements():
        raise UnknownCode(f"département {departement!r} inconnu", "departement")
    features = []
    for commune in gaz.communes():
        if commune.departement != departement:
            continue
        shape = area_shape("communes", commune.insee)
        if shape is None:
            continue
        features.append(
            {
                "type": "Feature",
                "id": commune.insee,
                "properties": {
                    "code": commune.insee,
                    "name": commune.name,
                    "label": [commune.lat, commune.lon],
                },
                "geometry": rounded(json.loads(shapely.to_geojson(shape))),
            }
        )
    return {"type": "FeatureCollection", "departement": departement, "features": features}


@functools.lru_cache(maxsize=32)
def payload(departement: str) -> Payload:
    return ready(feature_collection(departement))
