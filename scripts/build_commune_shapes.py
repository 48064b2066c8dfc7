"""Build the commune outlines the pages' maps draw at city zoom (``ror/geo/data/communes.zip``).

Input (``--source``, default ``<repo>/data/geo/communes-2018-simplifiee.geojson.gz``, the
repository's copy of IGN Admin Express COG 2018 commune polygons; ``properties = {code, nom}``).

Output (``--out``, default ``ror/geo/data/communes.zip``), deterministic: one member per
département (``31.json``, read alone when a map needs it): ``{"format", "scale", "communes"}``,
its communes as ``[code, name, [label_lon, label_lat], polygons]``, each polygon a list of rings,
each ring a flat list of integers: the first point then the differences from the previous one,
in units of 1 / ``SCALE`` degree. The communes of a département are simplified as one coverage
(shared borders stay shared). ``ror.api.pages.communes`` decodes it into GeoJSON. Beside it,
``COMMUNES.md`` gives the source, its checksum and the licence.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ror.source_data import GEO  # noqa: E402

DEFAULT_SOURCE = GEO / "communes-2018-simplifiee.geojson.gz"
DEFAULT_OUT = REPO / "ror" / "geo" / "data" / "communes.zip"

FORMAT_VERSION = 1
TOLERANCE_DEG = 0.002  # coverage simplification, about 200 m: outlines, not boundaries
SCALE = 1000  # coordinates on a grid of 0.001°, about 100 m


def departement_of(insee: str) -> str:
    return insee[:3] if insee[:2] in ("97", "98") else insee[:2]


def delta_ring(ring: list[list[float]]) -> list[int]:
    out: list[int] = []
    last_x = last_y = 0
    for lon, lat in ring:
        x, y = round(lon * SCALE), round(lat * SCALE)
        if out and x == last_x and y == last_y:
            continue
        out += [x - last_x, y - last_y]
        last_x, last_y = x, y
    return out


def build(source: Path) -> dict[str, list[Any]]:
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for feature in features:
        grouped[departement_of(str(feature["properties"]["code"]))].append(feature)
    out: dict[str, list[Any]] = {}
    for dep in sorted(grouped):
        communes = sorted(grouped[dep], key=lambda f: str(f["properties"]["code"]))
        geometries = shapely.from_geojson([json.dumps(f["geometry"]) for f in communes])
        simplified = shapely.coverage_simplify(geometries, TOLERANCE_DEG)
        rows = []
        for feature, shape, original in zip(communes, simplified, geometries, strict=True):
            label = shapely.point_on_surface(original)
            geometry = json.loads(shapely.to_geojson(shape))
            polygons = (
                [geometry["coordinates"]]
                if geometry["type"] == "Polygon"
                else geometry["coordinates"]
            )
            rings = [[delta_ring(ring) for ring in polygon] for polygon in polygons]
            rows.append(
                [
                    str(feature["properties"]["code"]),
                    str(feature["properties"]["nom"]),
                    [round(label.x * SCALE), round(label.y * SCALE)],
                    [p for p in rings if len(p[0]) >= 8],  # a ring needs 4 points
                ]
            )
        out[dep] = rows
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"build_commune_shapes: no {args.source}", file=sys.stderr)
        return 1
    data = build(args.source)
    with zipfile.ZipFile(args.out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for dep, rows in data.items():
            member = {"format": FORMAT_VERSION, "scale": SCALE, "communes": rows}
            body = json.dumps(member, ensure_ascii=False, separators=(",", ":"))
            info = zipfile.ZipInfo(f"{dep}.json", (1980, 1, 1, 0, 0, 0))  # no build date
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body, compresslevel=9)
    communes = sum(len(rows) for rows in data.values())
    digest = hashlib.sha256(args.source.read_bytes()).hexdigest()[:16]
    notes = args.out.with_name("COMMUNES.md")
    notes.write_text(
        f"""# Commune outlines: source and licence

Built by `scripts/build_commune_shapes.py` (rebuild with `make data`); derived (simplified,
re-encoded), not a copy.

- `{args.out.name}`: the outlines of {communes} communes (COG 2018) of {len(data)} départements,
  one member per département, simplified as one coverage per département ({TOLERANCE_DEG}°,
  about 200 m) on a grid of 1/{SCALE}°, with a point inside each commune for its name. The
  pages' maps draw them at city zoom (`GET /v1/geo/communes`).
- Source: `data/geo/{args.source.name}` (sha256 `{digest}…`).
- **IGN** Admin Express COG 2018 + INSEE COG (via gregoiredavid/france-geojson): Licence
  Ouverte / Open Licence (Etalab) 2.0.
""",
        encoding="utf-8",
    )
    print(f"{communes} communes, {len(data)} départements -> {args.out}, {notes.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
