"""Whether a key row's term is one a :class:`~ror.search.engine.Lookup` of terms, prefixes and
substrings names (one of its ``terms``; starting with one of its ``prefixes``; a term of the
string field ``text`` whose folded value holds one of its ``contains``): as an SQL condition on
a ``term`` column (a prefix, and a field's terms, are a range of the column's index) and on a
set of terms held."""

from __future__ import annotations

from collections.abc import Set
from typing import Any, Final

from ror.indexer.terms import text_term
from ror.search.engine import Lookup

TOP: Final = "\U0010ffff"  # after every character a term holds: ``prefix + TOP`` ends a prefix


def term_where(lookup: Lookup, column: str) -> tuple[str, list[Any]]:
    """The condition on ``column`` (a term) and its values."""
    parts = term_parts(lookup, column)
    where = " OR ".join(part for part, _ in parts) or "0"
    return f"({where})", [value for _, values in parts for value in values]


def term_parts(lookup: Lookup, column: str) -> list[tuple[str, list[Any]]]:
    """The conditions on ``column`` whose union :func:`term_where` is, each read on one range
    (or list) of the column's index, with their values: read apart, they spare SQLite an
    ``OR`` of ranges, which it answers by a set of the rows found."""
    parts: list[tuple[str, list[Any]]] = []
    if lookup.terms:
        marks = ", ".join("?" * len(lookup.terms))
        parts.append((f"{column} IN ({marks})", list(lookup.terms)))
    for prefix in lookup.prefixes:
        parts.append((f"({column} >= ? AND {column} < ?)", [prefix, prefix + TOP]))
    if lookup.text is not None and lookup.contains:
        field = _field(lookup.text)
        held = " OR ".join(f"instr(substr({column}, ?), ?) > 0" for _ in lookup.contains)
        values: list[Any] = [field, field + TOP]
        for part in lookup.contains:
            values.extend((len(field) + 1, part))
        parts.append((f"({column} >= ? AND {column} < ? AND ({held}))", values))
    return parts


def holds(terms: Set[str], lookup: Lookup) -> bool:
    """Whether one of ``terms`` is one ``lookup`` names."""
    if not terms.isdisjoint(lookup.terms):
        return True
    if lookup.prefixes and any(t.startswith(lookup.prefixes) for t in terms):
        return True
    if lookup.text is None or not lookup.contains:
        return False
    field = _field(lookup.text)
    values = [t[len(field) :] for t in terms if t.startswith(field)]
    return any(part in value for value in values for part in lookup.contains)


def _field(text: str) -> str:
    """How the terms of the string field ``text`` begin (``terms.text_term``)."""
    return text_term(text, "")
