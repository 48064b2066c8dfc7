"""Build the gazetteer shipped in ``ror/geo/data`` from the official open data.

Inputs (``--source``, default ``<repo>/data/geo``; same formats as newer editions, each file
plain or gzipped as ``NAME.gz``):
  laposte_hexasmal.csv                       La Poste "base officielle des codes postaux" with GPS
  etalab-decoupage-administratif/*.json      INSEE COG communes, départements, régions (Etalab)
  departements_regions.csv                   a point inside each département
  departements-avec-outre-mer.geojson        département shapes, overseas included
  communes-2018-simplifiee.geojson           commune shapes (COG 2018, simplified to ~100 m)

Outputs (``--out``, default ``ror/geo/data``), deterministic so a rebuild is byte-identical:
  gazetteer.json.gz   communes, municipal arrondissements, former communes, départements, régions
  shapes.json.gz      département and région shapes (coverage-simplified GeoJSON geometries)
  communes.json.gz    commune shapes keyed by their COG 2018 code and their current commune
  SOURCES.md          attribution, licences, input checksums and counts

Scope: metropolitan France, Corsica and the five overseas départements (971-974, 976).
Collectivités d'outre-mer (975, 977, 978, 98x) are left out: the sources give them no point
and no shape.

Commune points, in order of preference (the source is recorded per commune):
  laposte          the La Poste GPS point of the commune
  etalab           the ``centre`` of the Etalab commune, in editions that have one
  arrondissements  Paris, Lyon, Marseille: mean of their municipal arrondissements' points
  former_communes  communes created after the La Poste edition: mean of their former communes
  postcode         mean of the points of the other communes sharing one of its postcodes
  departement      the département's point (last resort)
then moved into the commune: a point outside the main part of its commune's shape (the
chef-lieu's part for a commune created by merger since 2018) is replaced by that part's pole
of inaccessibility (``polygon``). Communes re-created since 2018 have no shape of their own and
keep their point.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.ops
from pyproj import Geod

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ror import source_data  # noqa: E402
from ror.geo.distance import haversine_km  # noqa: E402
from ror.geo.names import alias_key, name_key  # noqa: E402

DEFAULT_SOURCE = source_data.GEO
DEFAULT_OUT = REPO / "ror" / "geo" / "data"

FORMAT_VERSION = 1
COORD_DECIMALS = 5  # about 1 m
SHAPE_GRID_DEG = 1e-5  # shapes snapped to about 1 m
SHAPE_TOLERANCE_DEG = 0.002  # Visvalingam-Whyatt coverage simplification, about 200 m
COMMUNE_GRID = 10_000  # commune shapes snapped to 1e-4 degree, about 10 m (simplified to ~100 m)
POLE_TOLERANCE_DEG = 1e-4
NEAR_KM = 2.0  # a point this close outside its commune is a simplified border: moved just inside
INSIDE_DEG = 5e-4  # how far inside, about 50 m
CURRENT = "commune-actuelle"
ARRONDISSEMENT = "arrondissement-municipal"
FORMER_TYPES = {"commune-deleguee": "deleguee", "commune-associee": "associee"}

Row = dict[str, Any]
Point = tuple[float, float]


@dataclass
class Sources:
    communes: list[Row]
    departements: list[Row]
    regions: list[Row]
    laposte: list[dict[str, str]]
    departement_points: dict[str, Point]
    departement_shapes: dict[str, Any]  # code -> shapely geometry
    commune_shapes: dict[str, Any]  # COG 2018 code -> shapely (multi)polygon on the 1e-4° grid
    root: Path
    files: dict[str, Path]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    sources = read_sources(args.source.resolve())
    gazetteer = build_gazetteer(sources)
    shapes = build_shapes(sources, gazetteer)
    communes = build_commune_shapes(sources, gazetteer)
    args.out.mkdir(parents=True, exist_ok=True)
    write_json_gz(args.out / "gazetteer.json.gz", gazetteer)
    write_json_gz(args.out / "shapes.json.gz", shapes)
    write_json_gz(args.out / "communes.json.gz", communes)
    (args.out / "SOURCES.md").write_text(sources_note(sources, gazetteer), encoding="utf-8")
    counts = gazetteer["counts"]
    print(
        f"gazetteer: {counts['communes']} communes, {counts['arrondissements']} arrondissements, "
        f"{counts['former']} former communes, {counts['departements']} départements "
        f"-> {args.out}"
    )
    return 0


# --- reading -------------------------------------------------------------------------------


def read_sources(source: Path) -> Sources:
    files = {
        "laposte": source / "laposte_hexasmal.csv",
        "communes": source / "etalab-decoupage-administratif" / "communes.json",
        "departements": source / "etalab-decoupage-administratif" / "departements.json",
        "regions": source / "etalab-decoupage-administratif" / "regions.json",
        "departement_points": source / "departements_regions.csv",
        "departement_shapes": source / "departements-avec-outre-mer.geojson",
        "commune_shapes": source / "communes-2018-simplifiee.geojson",
    }
    missing = [str(path) for path in files.values() if source_data.stored(path) is None]
    if missing:
        raise SystemExit(f"build_gazetteer: missing source files: {', '.join(missing)}")
    laposte = read_laposte(files["laposte"])
    points = {
        row["code_departement"]: (float(row["point_lat"]), float(row["point_lon"]))
        for row in csv.DictReader(read_text(files["departement_points"]).splitlines())
    }
    collection = json.loads(read_text(files["departement_shapes"]))
    shapes = {
        feature["properties"]["code"]: shapely.from_geojson(json.dumps(feature["geometry"]))
        for feature in collection["features"]
    }
    return Sources(
        communes=json.loads(read_text(files["communes"])),
        departements=json.loads(read_text(files["departements"])),
        regions=json.loads(read_text(files["regions"])),
        laposte=laposte,
        departement_points=points,
        departement_shapes=shapes,
        commune_shapes=read_commune_shapes(files["commune_shapes"]),
        root=source,
        files=files,
    )


def read_commune_shapes(path: Path) -> dict[str, Any]:
    features = json.loads(read_text(path))["features"]
    codes = [feature["properties"]["code"] for feature in features]
    geometries = shapely.from_geojson([json.dumps(feature["geometry"]) for feature in features])
    snapped = shapely.set_precision(geometries, 1 / COMMUNE_GRID)
    return dict(sorted(zip(codes, snapped, strict=True)))


# La Poste column names across editions -> ours (headers compared lower-cased, "#" stripped).
LAPOSTE_COLUMNS = {
    "code_commune_insee": "insee",
    "nom_commune": "name",
    "nom_de_la_commune": "name",
    "code_postal": "postcode",
    "coordonnees_gps": "gps",
    "coordonnees_geographiques": "gps",
}


def read_laposte(path: Path) -> list[dict[str, str]]:
    """Rows of the La Poste file as {insee, name, postcode, gps}; UTF-8 or Latin-1 (older
    and newer editions differ), "gps" empty when the edition has no coordinates."""
    raw = source_data.read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    reader = csv.reader(text.splitlines(), delimiter=";")
    header = [LAPOSTE_COLUMNS.get(name.strip().lstrip("#").lower(), "") for name in next(reader)]
    missing = {"insee", "name", "postcode"} - set(header)
    if missing:
        raise SystemExit(f"build_gazetteer: {path.name} lacks columns {sorted(missing)}")
    rows = []
    for values in reader:
        row = {key: value.strip() for key, value in zip(header, values, strict=False) if key}
        if row.get("insee"):
            rows.append({"gps": "", **row})
    return rows


def laposte_points(rows: Iterable[Mapping[str, str]]) -> dict[str, Point]:
    """INSEE code -> (lat, lon) from the GPS column ("lat,lon")."""
    points: dict[str, Point] = {}
    for row in rows:
        lat_text, _, lon_text = row["gps"].partition(",")
        try:
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            points.setdefault(row["insee"], (lat, lon))
    return points


def etalab_centres(communes: Iterable[Row]) -> dict[str, Point]:
    """INSEE code -> (lat, lon) from a ``centre`` GeoJSON point, in editions that have one."""
    points: dict[str, Point] = {}
    for row in communes:
        coordinates = (row.get("centre") or {}).get("coordinates")
        if isinstance(coordinates, list) and len(coordinates) == 2:
            points[row["code"]] = (float(coordinates[1]), float(coordinates[0]))
    return points


def laposte_names(rows: Iterable[Mapping[str, str]]) -> dict[str, str]:
    return {row["insee"]: row["name"] for row in rows}


def laposte_postcodes(rows: Iterable[Mapping[str, str]]) -> dict[str, set[str]]:
    postcodes: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        postcodes[row["insee"]].add(row["postcode"])
    return postcodes


# --- gazetteer tables ----------------------------------------------------------------------


def build_gazetteer(src: Sources) -> dict[str, Any]:
    departements = {
        d["code"]: d
        for d in src.departements
        if d["code"] in src.departement_points and d["code"] in src.departement_shapes
    }
    regions = {r["code"]: r for r in src.regions if r["zone"] in ("metro", "drom")}
    gps = laposte_points(src.laposte)
    by_type: dict[str, list[Row]] = defaultdict(list)
    for row in src.communes:
        if row["departement"] in departements:
            by_type[row["type"]].append(row)
    current = sorted(by_type[CURRENT], key=lambda r: r["code"])
    arrondissements = sorted(by_type[ARRONDISSEMENT], key=lambda r: r["code"])
    current_codes = {r["code"] for r in current}

    known = {**etalab_centres(src.communes), **gps}  # La Poste first
    former = former_communes(by_type, current_codes, laposte_names(src.laposte), known)
    points = commune_points(
        current, arrondissements, former, gps, etalab_centres(src.communes), src.departement_points
    )
    points = points_inside(points, arrondissements, src.commune_shapes, current_of(current, former))
    fallback_postcodes = laposte_postcodes(src.laposte)

    places = [(row, "") for row in current] + [(row, row["commune"]) for row in arrondissements]
    communes = columns(
        {
            "insee": row["code"],
            "name": row["nom"],
            "key": name_key(row["nom"]),
            "alias": alias_key(row["nom"]),
            "postcodes": " ".join(postcodes_of(row, fallback_postcodes)),
            "departement": row["departement"],
            "region": row["region"],
            "population": int(row.get("population") or 0),
            "lat": points[row["code"]][0][0],
            "lon": points[row["code"]][0][1],
            "point": points[row["code"]][1],
            "parent": parent,
        }
        for row, parent in places
    )
    radius = city_radius_km(src.departement_shapes, departements, current, arrondissements)
    return {
        "format": FORMAT_VERSION,
        "communes": communes,
        "former": columns(former),
        "departements": columns(
            {
                "code": code,
                "name": d["nom"],
                "liaison": d["typeLiaison"],
                "region": d["region"],
                "lat": round(src.departement_points[code][0], COORD_DECIMALS),
                "lon": round(src.departement_points[code][1], COORD_DECIMALS),
                "city_radius_km": radius[code],
            }
            for code, d in sorted(departements.items(), key=lambda item: sort_code(item[0]))
        ),
        "regions": columns(
            {
                "code": code,
                "name": r["nom"],
                "liaison": r["typeLiaison"],
                "lat": points[r["chefLieu"]][0][0],  # its chef-lieu: a point inside it
                "lon": points[r["chefLieu"]][0][1],
            }
            for code, r in sorted(regions.items(), key=lambda item: item[0])
        ),
        "city_radius_km": radius["metropole"],
        "counts": {
            "communes": len(current),
            "arrondissements": len(arrondissements),
            "former": len(former),
            "departements": len(departements),
            "regions": len(regions),
            "points": dict(sorted(count_sources(points).items())),
        },
    }


def former_communes(
    by_type: Mapping[str, list[Row]],
    current_codes: set[str],
    laposte_name: Mapping[str, str],
    gps: Mapping[str, Point],
) -> list[Row]:
    """Delegated, associated and merged communes, each pointing to its current commune.

    A merged commune's name comes from La Poste when its edition still listed it; older
    ones keep only their code (still resolved, not searchable by name)."""
    former: dict[tuple[str, str], Row] = {}

    def add(code: str, name: str, current: str, kind: str) -> None:
        if current not in current_codes:
            return
        point = gps.get(code)
        lat, lon = (None, None) if point is None else rounded(point)
        former.setdefault(
            (code, name),
            {
                "insee": code,
                "name": name,
                "key": name_key(name),
                "alias": alias_key(name),
                "current": current,
                "kind": kind,
                "lat": lat,
                "lon": lon,
            },
        )

    for type_name, kind in FORMER_TYPES.items():
        for row in by_type[type_name]:
            add(row["code"], row["nom"], row["chefLieu"], kind)
    named = {code for code, _ in former}  # INSEE/Etalab names first, La Poste's otherwise
    for row in by_type[CURRENT]:
        for code in row.get("anciensCodes", ()):
            if code not in current_codes and code not in named:
                add(code, laposte_name.get(code, ""), row["code"], "fusionnee")
    return [former[key] for key in sorted(former)]


def commune_points(
    current: list[Row],
    arrondissements: list[Row],
    former: list[Row],
    gps: Mapping[str, Point],
    centres: Mapping[str, Point],
    departement_points: Mapping[str, Point],
) -> dict[str, tuple[Point, str]]:
    """INSEE code -> (rounded point, how it was obtained) for every commune and arrondissement."""
    points: dict[str, tuple[Point, str]] = {}
    for row in [*current, *arrondissements]:
        if row["code"] in gps:
            points[row["code"]] = (rounded(gps[row["code"]]), "laposte")
        elif row["code"] in centres:
            points[row["code"]] = (rounded(centres[row["code"]]), "etalab")

    by_parent: dict[str, list[Point]] = defaultdict(list)
    for row in arrondissements:
        if row["code"] in points:
            by_parent[row["commune"]].append(points[row["code"]][0])
    former_points: dict[str, list[Point]] = defaultdict(list)
    for row in former:
        if row["lat"] is not None:
            former_points[row["current"]].append((row["lat"], row["lon"]))
    postcode_points: dict[str, list[Point]] = defaultdict(list)
    for row in [*current, *arrondissements]:
        if row["code"] in points:
            for postcode in row.get("codesPostaux", ()):
                postcode_points[postcode].append(points[row["code"]][0])

    for row in [*current, *arrondissements]:
        code = row["code"]
        if code in points:
            continue
        shared = [p for pc in row.get("codesPostaux", ()) for p in postcode_points[pc]]
        if by_parent[code]:
            points[code] = (rounded(mean_point(by_parent[code])), "arrondissements")
        elif former_points[code]:
            points[code] = (rounded(mean_point(former_points[code])), "former_communes")
        elif shared:
            points[code] = (rounded(mean_point(shared)), "postcode")
        else:
            points[code] = (rounded(departement_points[row["departement"]]), "departement")
    return points


def current_of(current: Iterable[Row], former: Iterable[Row]) -> dict[str, str]:
    """Any code (current or former) -> the current commune's."""
    codes = {row["code"]: row["code"] for row in current}
    for row in former:
        codes.setdefault(row["insee"], row["current"])
    return codes


def main_parts(shapes: Mapping[str, Any], current: Mapping[str, str]) -> dict[str, Any]:
    """Current commune -> the largest polygon of its chef-lieu's 2018 shape (its own code),
    else of the shapes of the 2018 communes merged into it."""
    members: dict[str, list[str]] = defaultdict(list)
    for code in shapes:
        if code in current:
            members[current[code]].append(code)
    parts: dict[str, Any] = {}
    for code, codes in members.items():
        own = [code] if code in codes else codes
        polygons = [p for c in own for p in shapely.get_parts(shapes[c]) if not p.is_empty]
        parts[code] = max(polygons, key=lambda polygon: polygon.area)
    return parts


def points_inside(
    points: Mapping[str, tuple[Point, str]],
    arrondissements: list[Row],
    shapes: Mapping[str, Any],
    current: Mapping[str, str],
) -> dict[str, tuple[Point, str]]:
    """Each commune's point moved into its main part when it lies outside; an arrondissement's
    into its city's shape the same way."""
    mains = main_parts(shapes, current)
    city = {row["code"]: row["commune"] for row in arrondissements}
    moved = dict(points)
    for code, (point, _) in points.items():
        main = mains.get(city.get(code, code))
        if main is None or main.covers(shapely.Point(point[1], point[0])):
            continue
        moved[code] = (point_in(main, point), "polygon")
    return moved


def point_in(part: Any, point: Point) -> Point:
    """The point of the polygon ``part`` just inside its border nearest ``point`` when that is
    within ``NEAR_KM``, else the pole of inaccessibility (a centroid at sea is not the town)."""
    outside = shapely.Point(point[1], point[0])
    inner = part.buffer(-INSIDE_DEG)
    nearest = shapely.ops.nearest_points(inner if not inner.is_empty else part, outside)[0]
    if haversine_km(point[0], point[1], nearest.y, nearest.x) <= NEAR_KM:
        found = rounded((nearest.y, nearest.x))
        if part.contains(shapely.Point(found[1], found[0])):
            return found
    pole = shapely.ops.polylabel(part, POLE_TOLERANCE_DEG)
    return rounded((pole.y, pole.x))


def postcodes_of(row: Row, laposte: Mapping[str, set[str]]) -> list[str]:
    """The commune's postcodes from INSEE/Etalab, else from La Poste."""
    postcodes: Iterable[str] = row.get("codesPostaux") or laposte.get(row["code"], set())
    return sorted(postcodes)


def city_radius_km(
    shapes: Mapping[str, Any],
    departements: Mapping[str, Row],
    current: list[Row],
    arrondissements: list[Row],
) -> dict[str, float]:
    """Radius of a disc of the mean commune area, per département and for metropolitan France.

    Paris, Lyon and Marseille count as their arrondissements.
    """
    geod = Geod(ellps="WGS84")
    split = {row["commune"] for row in arrondissements}
    places: dict[str, int] = defaultdict(int)
    for row in [*current, *arrondissements]:
        if row["code"] not in split:
            places[row["departement"]] += 1
    radius: dict[str, float] = {}
    metro_area, metro_places = 0.0, 0
    for code in departements:
        area_km2 = abs(geod.geometry_area_perimeter(shapes[code])[0]) / 1e6
        radius[code] = round(math.sqrt(area_km2 / places[code] / math.pi), 2)
        if len(code) == 2:
            metro_area += area_km2
            metro_places += places[code]
    radius["metropole"] = round(math.sqrt(metro_area / metro_places / math.pi), 2)
    return radius


# --- shapes --------------------------------------------------------------------------------


def build_shapes(src: Sources, gazetteer: Mapping[str, Any]) -> dict[str, Any]:
    """Département shapes simplified as one coverage (shared borders stay shared), and régions
    dissolved from them."""
    codes = list(gazetteer["departements"]["code"])
    regions = list(gazetteer["departements"]["region"])
    original = [src.departement_shapes[code] for code in codes]
    simplified = shapely.coverage_simplify(original, SHAPE_TOLERANCE_DEG)
    simplified = shapely.set_precision(simplified, SHAPE_GRID_DEG)
    if not all(shapely.is_valid(simplified)):
        raise SystemExit("build_gazetteer: simplified département shapes are not valid")
    members: dict[str, list[Any]] = defaultdict(list)
    for region, geometry in zip(regions, simplified, strict=True):
        members[region].append(geometry)
    region_codes = sorted(members)
    region_shapes = [shapely.make_valid(shapely.union_all(members[code])) for code in region_codes]
    return {
        "format": FORMAT_VERSION,
        "departements": {
            "code": codes,
            "geometry": [shapely.to_geojson(g) for g in simplified],
        },
        "regions": {
            "code": region_codes,
            "geometry": [shapely.to_geojson(g) for g in region_shapes],
        },
    }


def build_commune_shapes(src: Sources, gazetteer: Mapping[str, Any]) -> dict[str, Any]:
    """The 2018 commune shapes with the current commune each belongs to, as one ragged array
    of MultiPolygons: integer coordinates on the ``grid`` (lon, lat interleaved), each the
    difference from the previous one, and the ring, polygon and geometry offsets."""
    communes, former = gazetteer["communes"], gazetteer["former"]
    current = {code: code for code in communes["insee"]}
    for code, now in zip(former["insee"], former["current"], strict=True):
        current.setdefault(code, now)
    codes = [code for code in src.commune_shapes if code in current]
    geometries = [
        shapely.MultiPolygon(
            [
                p
                for p in shapely.get_parts(src.commune_shapes[code])
                if isinstance(p, shapely.Polygon)
            ]
        )
        for code in codes
    ]
    _, coords, (rings, polygons, multipolygons) = shapely.to_ragged_array(geometries)
    grid = np.rint(coords * COMMUNE_GRID).astype(np.int64)
    deltas = np.diff(grid, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return {
        "format": FORMAT_VERSION,
        "grid": COMMUNE_GRID,
        "code": codes,
        "insee": [current[code] for code in codes],
        "coords": deltas.ravel().tolist(),
        "ring_offsets": rings.tolist(),
        "polygon_offsets": polygons.tolist(),
        "geometry_offsets": multipolygons.tolist(),
    }


# --- helpers -------------------------------------------------------------------------------


def rounded(point: Point) -> Point:
    return (round(point[0], COORD_DECIMALS), round(point[1], COORD_DECIMALS))


def mean_point(points: list[Point]) -> Point:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def sort_code(code: str) -> tuple[int, str]:
    """Département order: 01..19, 2A, 2B, 21..95, 971..976."""
    return (len(code), code.replace("2A", "20A").replace("2B", "20B"))


def columns(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Rows -> column lists (smaller and faster to load than a list of objects)."""
    table: dict[str, list[Any]] = {}
    for row in rows:
        for name, value in row.items():
            table.setdefault(name, []).append(value)
    return table


def count_sources(points: Mapping[str, tuple[Point, str]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for _, source in points.values():
        counts[source] += 1
    return counts


def write_json_gz(path: Path, data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(text.encode("utf-8"))


def read_text(path: Path) -> str:
    return source_data.read_text(path)


def sha256(path: Path) -> str:
    """Of the content, so that compressing a source file does not change it."""
    return hashlib.sha256(source_data.read_bytes(path)).hexdigest()


def sources_note(src: Sources, gazetteer: Mapping[str, Any]) -> str:
    counts = gazetteer["counts"]
    checksums = "\n".join(
        f"| `{path.relative_to(src.root)}` | `{sha256(path)[:16]}` |" for path in src.files.values()
    )
    points = ", ".join(f"{source} {n}" for source, n in counts["points"].items())
    return f"""# Gazetteer data: sources and licences

Built by `scripts/build_gazetteer.py` from official open data; these files are derived
(compact, re-keyed, simplified), not copies. Rebuild with `python scripts/build_gazetteer.py`.

- `gazetteer.json.gz`: {counts["communes"]} current communes,
  {counts["arrondissements"]} municipal arrondissements (Paris, Lyon, Marseille),
  {counts["former"]} former (delegated, associated, merged) communes pointing to their
  current commune, {counts["departements"]} départements, {counts["regions"]} régions.
- `communes.json.gz`: {len(src.commune_shapes)} commune shapes of IGN Admin Express COG 2018
  (simplified to about 100 m, snapped to {1 / COMMUNE_GRID}°), each with the current commune it
  is part of (communes merged since 2018 have several). Read with
  `ror.geo.tables.load_commune_shapes`; also the outlines the pages' maps draw at city zoom
  (`GET /v1/geo/communes`).
- `shapes.json.gz`: département shapes simplified as one coverage (shared borders stay
  shared; Visvalingam-Whyatt {SHAPE_TOLERANCE_DEG}°, snapped to {SHAPE_GRID_DEG}°) and région
  shapes dissolved from them.

Commune points: {points} (see the build script for the fallbacks).
Collectivités d'outre-mer (975, 977, 978, 98x) are not included: no point and no shape in the
sources.

## Attribution and licences

- **La Poste**, "Base officielle des codes postaux" (edition with GPS coordinates): commune
  points and postcodes. Licence: Open Database License (ODbL) 1.0. The gazetteer is a
  derived database of it and is therefore distributed under the **ODbL 1.0** as well.
- **INSEE** Code officiel géographique 2026 via **Etalab** `@etalab/decoupage-administratif`
  6.0.0: communes, types, names, départements, régions, postcodes, populations. Data under the
  Licence Ouverte / Open Licence (Etalab) 2.0; the package is MIT (© 2018-2019 Etalab).
- **IGN** Admin Express COG + INSEE COG (via gregoiredavid/france-geojson, simplified):
  département, région and commune shapes. Licence Ouverte / Open Licence (Etalab) 2.0.
- Département points (`departements_regions.csv`): derived from the IGN/INSEE shapes above,
  Licence Ouverte.

## Inputs (SHA-256, first 16 hex digits)

| file | sha256 |
|---|---|
{checksums}
"""


if __name__ == "__main__":
    sys.exit(main())
