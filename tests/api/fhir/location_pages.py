"""Every page of a Location search, through one of the Location key paths or the plain scan,
for the parity tests of those paths."""

from __future__ import annotations

from collections.abc import Callable

from ror.access.profiles import audience
from ror.api.fhir.params import parse_search
from ror.api.fhir.query import SearchRequest
from ror.api.fhir.search import Hit, Result, run
from ror.criteria import Audience
from ror.search.embedded.engine import EmbeddedEngine

Items = list[tuple[str, str]]
Path = Callable[[SearchRequest, EmbeddedEngine, Audience], Result | None]


def location_pages(
    engine: EmbeddedEngine,
    items: Items,
    profile: int,
    path: Path | None,
    shown: Callable[[Hit], object],
) -> list[object]:
    """Every page following the cursors, through ``path`` (which must answer) or the scan
    (None): (total, Location ids, their offers, ``shown`` of each hit)."""
    out: list[object] = []
    cursor = None
    while True:
        request = parse_search("Location", [*items, *([("_cursor", cursor)] if cursor else [])])
        seen_by = audience(profile)
        result: Result | None
        if path is not None:
            result = path(request, engine, seen_by)
            assert result is not None, f"{items}: not looked up"
        else:
            result = run(request, engine, seen_by, shortcut=False)
        out.append(
            (
                result.total,
                [h.id for h in result.page],
                [h.via for h in result.page],
                [shown(h) for h in result.page],
            )
        )
        cursor = result.next_cursor
        if cursor is None:
            return out
