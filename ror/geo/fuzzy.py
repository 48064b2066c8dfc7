"""Small typo tolerance for place names: a bounded edit distance.

Only used when a name has no exact or prefix match, over keys that share the first letter and
have a similar length. The distance is rapidfuzz's Levenshtein (C++, bit-parallel, stopping at
the bound), a few hundred candidates in well under a millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein


def max_typos(key: str) -> int:
    """Edits tolerated for a key of this length: none below 4 letters, 1 up to 7, then 2."""
    if len(key) < 4:
        return 0
    return 1 if len(key) < 8 else 2


def within(key: str, candidates: Sequence[str], limit: int) -> list[tuple[str, int]]:
    """The candidates 1 to ``limit`` edits (insertions, deletions, substitutions) away from
    ``key``, with their distance, in the order given.

    >>> within("toulouze", ["toulouse", "toulon", "toulouze"], 2)
    [('toulouse', 1)]
    """
    found = process.extract(
        key, candidates, scorer=Levenshtein.distance, score_cutoff=limit, limit=None
    )
    ordered = sorted(found, key=_position)
    return [(candidate, int(distance)) for candidate, distance, _ in ordered if distance > 0]


def _position(match: tuple[str, float, int]) -> int:
    return match[2]
