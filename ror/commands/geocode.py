"""``ror geocode QUERY``: show what a place query resolves to, best first."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import TextIO

from ror.geo.gazetteer import gazetteer
from ror.geo.lookup import Candidate

JSON_FIELDS = (
    "insee",
    "name",
    "postcodes",
    "lat",
    "lon",
    "departement",
    "region",
    "precision",
    "kind",
    "score",
    "matched",
)


def geocode_command(query: str, as_json: bool, limit: int, out: TextIO | None = None) -> int:
    """Print the candidates for ``query`` (JSON list or a table); 0 if any, else 1."""
    stream = sys.stdout if out is None else out
    candidates = gazetteer().resolve(query, limit=max(limit, 1))
    if as_json:
        stream.write(json.dumps([candidate_json(c) for c in candidates], ensure_ascii=False))
        stream.write("\n")
    elif candidates:
        stream.write(table(candidates))
    if not candidates:
        print(f"ror: no commune, postcode or INSEE code matches {query!r}", file=sys.stderr)
        return 1
    return 0


def candidate_json(candidate: Candidate) -> dict[str, object]:
    data = asdict(candidate)
    data["postcodes"] = list(candidate.postcodes)
    return {name: data[name] for name in JSON_FIELDS}


def table(candidates: list[Candidate]) -> str:
    gaz = gazetteer()
    header = ("INSEE", "commune", "postcodes", "département", "lat", "lon", "match")
    rows = [
        (
            c.insee,
            c.name + (f" (ancienne commune {c.matched})" if c.matched else ""),
            " ".join(c.postcodes[:3]) + (" …" if len(c.postcodes) > 3 else ""),
            f"{c.departement} {gaz.departement_name(c.departement) or ''}".strip(),
            f"{c.lat:.5f}",
            f"{c.lon:.5f}",
            c.kind,
        )
        for c in candidates
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"
