"""Whether a key row's term is one a :class:`~ror.search.engine.Lookup` of terms and prefixes
names (one of its ``terms``, or starting with one of its ``prefixes``): as an SQL condition on
a ``term`` column (a prefix is a range of the column's index) and on a set of terms held."""

from __future__ import annotations

from collections.abc import Set
from typing import Any, Final

from ror.search.engine import Lookup

TOP: Final = "\U0010ffff"  # after every character a term holds: ``prefix + TOP`` ends a prefix


def term_where(lookup: Lookup, column: str) -> tuple[str, list[Any]]:
    """The condition on ``column`` (a term) and its values."""
    parts = []
    params: list[Any] = []
    if lookup.terms:
        parts.append(f"{column} IN ({', '.join('?' * len(lookup.terms))})")
        params.extend(lookup.terms)
    for prefix in lookup.prefixes:
        parts.append(f"({column} >= ? AND {column} < ?)")
        params.extend((prefix, prefix + TOP))
    return "(" + (" OR ".join(parts) or "0") + ")", params


def holds(terms: Set[str], lookup: Lookup) -> bool:
    """Whether one of ``terms`` is one ``lookup`` names."""
    if not terms.isdisjoint(lookup.terms):
        return True
    return bool(lookup.prefixes) and any(t.startswith(lookup.prefixes) for t in terms)
