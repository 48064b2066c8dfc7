"""A query over more refs than SQLite takes variables: asked once per chunk of them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

CHUNK: Final = 500  # SQLite variables per IN (…) list
MARKS: Final = "{marks}"


def rows_in(
    conn: sqlite3.Connection, sql: str, params: Sequence[Any], refs: Sequence[Any]
) -> Iterator[Any]:
    """The rows of ``sql`` for all of ``refs``: ``sql`` holds ``IN ({marks})`` once, after the
    placeholders of ``params``."""
    for i in range(0, len(refs), CHUNK):
        part = list(refs[i : i + CHUNK])
        yield from conn.execute(sql.replace(MARKS, ", ".join("?" * len(part))), [*params, *part])


def ints(text: str) -> NDArray[np.int64]:
    """``group_concat`` of integers back to an array."""
    return np.fromstring(text, dtype=np.int64, sep=",")
