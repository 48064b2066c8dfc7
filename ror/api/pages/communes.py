"""Commune outlines and names for the pages' maps at city zoom (``GET /v1/geo/communes``).

The outlines are built once by ``scripts/build_commune_shapes.py`` from the repository's copy
of the IGN Admin Express commune polygons (``data/geo``) into ``ror/geo/data/communes.zip``:
one member per département, delta-encoded integer rings (about 2 MB for the 35,000 communes).
A département's member is read and decoded into GeoJSON on its first request and kept ready to
send (about 65 kB gzipped for the Haute-Garonne's 586 communes).
"""

from __future__ import annotations

import functools
import json
import zipfile
from typing import Any

from ror.api.pages.shapes import Payload, ready
from ror.errors import UnknownCode
from ror.geo.tables import DATA_DIR

COMMUNES_FILE = "communes.zip"


@functools.cache
def departements() -> frozenset[str]:
    with zipfile.ZipFile(DATA_DIR / COMMUNES_FILE) as archive:
        return frozenset(name.removesuffix(".json") for name in archive.namelist())


def _member(departement: str) -> dict[str, Any]:
    with zipfile.ZipFile(DATA_DIR / COMMUNES_FILE) as archive:
        return json.loads(archive.read(f"{departement}.json"))  # type: ignore[no-any-return]


def feature_collection(departement: str) -> dict[str, Any]:
    """The communes of ``departement`` as GeoJSON: ``code``, ``name`` and ``label`` ([lat, lon]
    of a point inside, where the map writes the name)."""
    if departement not in departements():
        raise UnknownCode(
            f"département {departement!r} inconnu (pas de contours de communes)", "departement"
        )
    member = _member(departement)
    rows, scale = member["communes"], float(member["scale"])
    features = []
    for code, name, (x, y), polygons in rows:
        coordinates = [[_ring(ring, scale) for ring in polygon] for polygon in polygons]
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code, "name": name, "label": [y / scale, x / scale]},
                "geometry": {"type": "MultiPolygon", "coordinates": coordinates},
            }
        )
    return {"type": "FeatureCollection", "departement": departement, "features": features}


def _ring(deltas: list[int], scale: float) -> list[list[float]]:
    points: list[list[float]] = []
    x = y = 0
    for i in range(0, len(deltas), 2):
        x += deltas[i]
        y += deltas[i + 1]
        points.append([x / scale, y / scale])
    return points


@functools.lru_cache(maxsize=32)
def payload(departement: str) -> Payload:
    return ready(feature_collection(departement))
