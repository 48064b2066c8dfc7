"""Where an offer can be found: a WGS84 point and its commune, département and région.

Inputs are a Location's ``position`` and ``ror-commune-cog``, or an EG address with the
``geolocation`` extension and the fr-core INSEE code. Rules:

- the département and région always come from the gazetteer, by commune code; when the code is
  missing (or unknown to the gazetteer) they come from a reverse lookup of the point;
- a point outside France is a reject, unless swapping latitude and longitude puts it in France
  (a common slip, reported as a warning);
- projected coordinates (values beyond ±90/±180, as FINESS publishes them) are converted from
  Lambert-93, or from the UTM zone of the overseas département the commune code names;
- with a commune but no point, the commune's point is used and marked unreliable;
- a point more than 50 km from its commune's point is kept, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ror import geo
from ror.errors import InvalidInput, UnknownPlace
from ror.model import Place

Warn = Callable[[str, str], None]

LAMBERT_93 = 2154
#: EPSG codes of the projections French sources use overseas, by département.
OVERSEAS_EPSG = {
    "971": 5490,
    "972": 5490,
    "977": 5490,
    "978": 5490,
    "973": 2972,
    "974": 2975,
    "975": 4467,
    "976": 4471,
}
#: A position farther than this from its commune's point is reported (not rejected).
FAR_FROM_COMMUNE_KM = 50.0
HUGE_COMMUNES_DEPARTEMENTS = frozenset({"973"})  # Guyane: communes larger than that
_EPSG_IN_TEXT = re.compile(r"(?<!\d)(\d{4,5})(?!\d)")


def departement_of(insee: str) -> str:
    """The département code a commune code starts with ("97411" -> "974", "2A004" -> "2A")."""
    return insee[:3] if insee[:2] in ("97", "98") else insee[:2]


def epsg_hint(text: str | None) -> int | None:
    """The EPSG code a free-text geodetic system names ("EPSG:2154", "Lambert 93", "WGS84")."""
    if not text:
        return None
    lowered = text.lower()
    if "lambert" in lowered:
        return LAMBERT_93
    if "wgs" in lowered:
        return 4326
    match = _EPSG_IN_TEXT.search(lowered)
    return int(match.group(1)) if match else None


def wgs84_point(
    lat: float, lon: float, *, commune: str | None, epsg: int | None, path: str, warn: Warn
) -> tuple[float, float]:
    """A point in France in WGS84 degrees, from degrees or projected metres."""
    projected = abs(lat) > 90 or abs(lon) > 180 or (epsg is not None and epsg != 4326)
    if projected:
        return _unproject(lat, lon, commune=commune, epsg=epsg, path=path, warn=warn)
    if geo.is_in_france(lat, lon):
        return lat, lon
    if geo.is_in_france(lon, lat):
        warn(path, f"latitude and longitude swapped ({lat}, {lon}); read as ({lon}, {lat})")
        return lon, lat
    raise InvalidInput(f"coordinates outside France: {lat}, {lon}", path)


def _unproject(
    northing: float, easting: float, *, commune: str | None, epsg: int | None, path: str, warn: Warn
) -> tuple[float, float]:
    first = epsg or OVERSEAS_EPSG.get(departement_of(commune) if commune else "", LAMBERT_93)
    candidates = [first] + [e for e in (LAMBERT_93, *OVERSEAS_EPSG.values()) if e != first]
    for code in dict.fromkeys(candidates):
        for x, y in ((easting, northing), (northing, easting)):
            lat, lon = geo.to_wgs84(x, y, code)
            if geo.is_in_france(lat, lon):
                warn(path, f"projected coordinates (EPSG:{code}) converted to WGS84")
                return lat, lon
    raise InvalidInput(f"coordinates outside France: {northing}, {easting}", path)


def _check_distance(lat: float, lon: float, known: geo.Commune, path: str, warn: Warn) -> None:
    if known.departement in HUGE_COMMUNES_DEPARTEMENTS:
        return
    km = geo.haversine_km(lat, lon, known.lat, known.lon)
    if km > FAR_FROM_COMMUNE_KM:
        warn(path, f"position is {km:.0f} km from the point of commune {known.insee}")


def make_place(
    point: tuple[float, float] | None,
    commune: str | None,
    *,
    address: str = "",
    postal_code: str = "",
    city: str = "",
    reliable: bool = False,
    point_path: str,
    commune_path: str,
    warn: Warn,
) -> Place | None:
    """The :class:`Place` of a point (WGS84, in France) and/or a commune code; None if neither."""
    known = geo.gazetteer().commune(commune) if commune else None
    if commune and known is None:
        if point is None:
            raise UnknownPlace(f"unknown commune {commune}", commune_path)
        warn(commune_path, f"unknown commune {commune}; commune taken from the position")
    if point is not None:
        lat, lon = point
        if known is not None:
            insee, dep, region, name = known.insee, known.departement, known.region, known.name
            _check_distance(lat, lon, known, point_path, warn)
        else:
            area = geo.reverse(lat, lon)
            if area is None:
                raise UnknownPlace(f"no commune at {lat}, {lon}", point_path)
            insee, dep, region, name = area.insee, area.departement, area.region, area.commune_name
    elif known is not None:
        lat, lon, reliable = known.lat, known.lon, False
        insee, dep, region, name = known.insee, known.departement, known.region, known.name
    else:
        return None
    if not postal_code and known is not None and known.postcodes:
        postal_code = known.postcodes[0]
    return Place(
        lat=lat,
        lon=lon,
        commune=insee,
        departement=dep,
        region=region,
        address=address,
        postal_code=postal_code,
        city=city or name,
        reliable=reliable,
    )
