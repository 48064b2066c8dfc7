"""Keyset paging: a ``next`` link carries ``_cursor``, the sort values of the last entry it
showed, and the next page starts strictly after them in the search's total order (its
``_sort`` keys, then ``_id``).

Offers added, changed or removed between two page requests therefore never make a client skip
or see again an entry whose sort values did not change: an offset would shift with every entry
added or removed before it. An entry whose own sort value changes between pages (a newer
``_lastUpdated``) may move past the cursor or behind it, as in any keyset paging.

The cursor is opaque to clients (base64url of a small JSON document): it names the sort it was
made for, and a cursor given with another ``_sort`` is a 400.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import orjson

from ror.api.fhir.query import SortKey
from ror.errors import InvalidInput

Values = tuple[object, ...]


def encode(sort: Sequence[SortKey], values: Values) -> str:
    document = {"s": _signature(sort), "v": [_plain(v) for v in values]}
    return base64.urlsafe_b64encode(orjson.dumps(document)).decode("ascii").rstrip("=")


def decode(sort: Sequence[SortKey], raw: str) -> Values:
    """The sort values a cursor holds; ``InvalidInput`` naming ``_cursor`` otherwise."""
    try:
        document = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        signature, values = document["s"], document["v"]
        if not isinstance(values, list):
            raise TypeError
        decoded = tuple(_typed(v) for v in values)
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("curseur illisible : reprendre au lien next reçu", "_cursor") from exc
    if signature != _signature(sort) or len(decoded) != len(sort):
        raise InvalidInput(
            "ce curseur a été donné pour un autre _sort : garder le même _sort", "_cursor"
        )
    return decoded


def compare(a: Values, b: Values, sort: Sequence[SortKey]) -> int:
    """-1, 0 or 1: ``a`` before, with or after ``b`` (missing values last whatever the
    direction)."""
    for x, y, key in zip(a, b, sort, strict=True):
        if x == y:
            continue
        if x is None or y is None:
            return 1 if x is None else -1
        less = x < y  # type: ignore[operator]
        return (1 if less else -1) if key.descending else (-1 if less else 1)
    return 0


def _signature(sort: Sequence[SortKey]) -> str:
    return ",".join(("-" if k.descending else "") + k.key for k in sort)


def _plain(value: object) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _typed(value: Any) -> object:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        return date.fromisoformat(value["d"])
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(value)
