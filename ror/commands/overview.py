"""``ror overview``: the availability overview as a table, or as the API's JSON."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from ror.availability.overview import OverviewQuery, format_table


def overview_command(
    engine: Any,
    *,
    group_by: str = "region",
    activity: Sequence[str] = (),
    offer_type: Sequence[str] = (),
    champ: Sequence[str] = (),
    bed_nature: str = "01",
    as_json: bool = False,
    out: TextIO | None = None,
) -> int:
    """``ror overview``: print the overview of ``engine`` (an :class:`~ror.search.engine.Engine`)
    as a table, or as the API's JSON with ``as_json``. Returns the exit status (0)."""
    query = OverviewQuery(
        group_by,  # type: ignore[arg-type]  # checked() refuses anything else
        tuple(_split(activity)),
        tuple(_split(offer_type)),
        tuple(_split(champ)),
        bed_nature,
    ).checked()
    result = engine.availability_overview(query, datetime.now(UTC))
    stream = out or sys.stdout
    if as_json:
        stream.write(orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        stream.write(format_table(result) + "\n")
    return 0


def _split(values: Iterable[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]
