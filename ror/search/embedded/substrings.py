"""The offers whose folded name holds one of some substrings (a :class:`Lookup` with ``text``),
found in one pass as sorted refs, and kept for the other questions of the same search.

- Every substring of 3 characters or more: the FTS5 ``trigram`` table ``offer_grams`` (an
  ``OR`` of phrases; a phrase matches where it is a substring of the folded name).
- A shorter one has no trigram: one regular expression, the alternation of every substring, is
  run over that column's folded names held in memory as one ASCII text, a line per offer
  (:class:`Names`; a line matched is skipped to its end, so each offer costs one match at most).
  The names are read once per full load; offers written since are read again (``offer_changes``,
  as ``memory.store`` follows them) and tested on their own, their stale lines left out; past
  :data:`OVERLAY_MAX` of them the names are read again. A search whose read transaction is older
  than the names held scans the stored names in SQL instead (``LIKE``).

The found refs are kept by look-up and data positions (:data:`KEPT` of them), so that a search's
total, its hidden units and each of its pages read them once (``lookups.py``).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from ror.indexer.terms import NAME_FIELDS
from ror.search.embedded.cache import BoundedCache
from ror.search.embedded.memory.store import positions
from ror.search.engine import Lookup
from ror.search.rings import union

KEPT: Final = 4  # look-ups whose refs are kept (a few MB each at 1 M offers)
OVERLAY_MAX: Final = 5_000  # offers written since the names were read, before they are read again
_CHUNK: Final = 500
COLUMNS: Final = {where: where.replace(".", "_") for where in NAME_FIELDS}

Refs = NDArray[np.int64]
Positions = tuple[str, int]  # generation, last ``offer_changes`` sequence number


@dataclass(frozen=True, slots=True, eq=False)
class _Column:
    """One column's folded names as of ``at``: ``text`` holds a line per ref of ``refs``
    (ascending), starting at ``starts``; ``stale`` (sorted) are refs written since, whose lines
    are left out, and ``fresh`` their names now (a deleted offer has none)."""

    at: Positions
    text: bytes
    starts: NDArray[np.integer[Any]]
    refs: NDArray[np.integer[Any]]
    stale: Refs
    fresh: tuple[tuple[int, bytes], ...]

    def search(self, pattern: re.Pattern[bytes]) -> Refs:
        hits = np.fromiter((m.start() for m in pattern.finditer(self.text)), dtype=np.int64)
        lines = np.searchsorted(self.starts, hits, side="right") - 1
        found = self.refs[lines].astype(np.int64)
        if len(self.stale):
            found = found[~np.isin(found, self.stale)]
        more = [ref for ref, name in self.fresh if pattern.search(name)]
        return union([found, np.asarray(more, dtype=np.int64)]) if more else found


class Names:
    """The folded names of each of ``terms.NAME_FIELDS`` held by one process (read on first use)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._columns: dict[str, _Column] = {}
        self._found: BoundedCache[tuple[Lookup, Positions], Refs] = BoundedCache(KEPT)

    def found(self, conn: sqlite3.Connection, lookup: Lookup) -> Refs:
        """Sorted refs of the offers ``lookup`` (``text`` set) finds, as ``conn``'s read
        transaction sees them (``conn`` must be in one)."""
        if lookup.text not in COLUMNS:
            raise ValueError(f"no substring look-up on {lookup.text!r}")
        generation, docs, _ = positions(conn)
        key = (lookup, (generation, docs))
        held, _ = self._found.take([key])
        if key in held:
            return held[key]
        if all(len(term) >= 3 for term in lookup.contains):
            refs = _trigrams(conn, lookup)
        else:
            refs = self._scan(conn, lookup, (generation, docs))
        self._found.store({key: refs})
        return refs

    def _scan(self, conn: sqlite3.Connection, lookup: Lookup, at: Positions) -> Refs:
        assert lookup.text is not None
        column = self._column(conn, lookup.text, at)
        if column is None:
            return _like(conn, lookup)
        return column.search(pattern(lookup.contains))

    def _column(self, conn: sqlite3.Connection, where: str, at: Positions) -> _Column | None:
        """The column as of ``at`` (None: ``at`` is older than the one held)."""
        with self._lock:
            held = self._columns.get(where)
            if held is not None and held.at == at:
                return held
            if held is not None and held.at[0] == at[0] and held.at[1] > at[1]:
                return None
            if held is None or held.at[0] != at[0]:
                column = _read(conn, where, at)
            else:
                column = _advance(conn, held, where, at) or _read(conn, where, at)
            self._columns[where] = column
            return column


def pattern(contains: Sequence[str], starts: Sequence[str] = ()) -> re.Pattern[bytes]:
    """One regular expression finding a line holding one of ``contains`` or starting with one
    of ``starts`` (folded, ASCII), then skipping to the line's end: each line is matched once
    at most."""
    alternation = b"|".join(
        [
            *(re.escape(term.encode("ascii")) for term in contains),
            *(b"^" + re.escape(term.encode("ascii")) for term in starts),
        ]
    )
    return re.compile(b"(?:" + alternation + b")[^\n]*", re.MULTILINE)


def column(at: Positions, refs: Sequence[int], names: Sequence[str]) -> _Column:
    """Folded names held as one text, a line each, for :meth:`_Column.search` (``refs``
    ascending, one per name)."""
    lines = [name.encode("ascii") + b"\n" for name in names]
    sizes = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    ends = np.cumsum(sizes)
    starts = (ends - sizes).astype(_small(int(ends[-1]) if lines else 0))
    small = np.asarray(refs, dtype=_small(max(refs, default=0)))
    return _Column(at, b"".join(lines), starts, small, np.empty(0, dtype=np.int64), ())


def _read(conn: sqlite3.Connection, where: str, at: Positions) -> _Column:
    rows = conn.execute(f"SELECT rowid, {COLUMNS[where]} FROM offer_grams ORDER BY rowid")
    refs: list[int] = []
    names: list[str] = []
    for ref, name in rows:
        refs.append(ref)
        names.append(str(name or ""))
    return column(at, refs, names)


def _small(largest: int) -> type[np.integer[Any]]:
    """The narrower integer type holding ``largest`` (half the memory at 1 M offers)."""
    return np.uint32 if largest < 2**32 else np.int64


def _advance(conn: sqlite3.Connection, held: _Column, where: str, at: Positions) -> _Column | None:
    """``held`` brought to ``at`` by the offers written since (None: too many of them)."""
    written = conn.execute(
        "SELECT DISTINCT rid FROM offer_changes WHERE seq > ? AND seq <= ?", (held.at[1], at[1])
    )
    stale = union([held.stale, np.fromiter((r for (r,) in written), dtype=np.int64)])
    if len(stale) > OVERLAY_MAX:
        return None
    fresh: list[tuple[int, bytes]] = []
    listed: Sequence[int] = stale.tolist()
    for i in range(0, len(listed), _CHUNK):
        part = listed[i : i + _CHUNK]
        sql = (
            f"SELECT rowid, {COLUMNS[where]} FROM offer_grams "
            f"WHERE rowid IN ({', '.join('?' * len(part))})"
        )
        fresh += [(int(r), str(n or "").encode("ascii")) for r, n in conn.execute(sql, part)]
    return _Column(at, held.text, held.starts, held.refs, stale, tuple(fresh))


def _trigrams(conn: sqlite3.Connection, lookup: Lookup) -> Refs:
    assert lookup.text is not None
    phrases = " OR ".join(f'"{term}"' for term in lookup.contains)
    rows = conn.execute(
        "SELECT rowid FROM offer_grams WHERE offer_grams MATCH ?",
        [f"{COLUMNS[lookup.text]} : ({phrases})"],
    )
    return union([np.fromiter((r for (r,) in rows), dtype=np.int64)])


def _like(conn: sqlite3.Connection, lookup: Lookup) -> Refs:
    assert lookup.text is not None
    column = COLUMNS[lookup.text]
    likes = " OR ".join(f"{column} LIKE ?" for _ in lookup.contains)
    rows = conn.execute(
        f"SELECT rowid FROM offer_grams WHERE {likes}", [f"%{t}%" for t in lookup.contains]
    )
    return union([np.fromiter((r for (r,) in rows), dtype=np.int64)])
