"""Small typo tolerance for place names: a bounded edit distance.

Only used when a name has no exact or prefix match, over keys that share the first letter and
have a similar length, so a pure-Python distance stays fast (a few ms per query).
"""

from __future__ import annotations


def max_typos(key: str) -> int:
    """Edits tolerated for a key of this length: none below 4 letters, 1 up to 7, then 2."""
    if len(key) < 4:
        return 0
    return 1 if len(key) < 8 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` as soon as it exceeds ``limit``.

    >>> edit_distance("toulouze", "toulouse", 2)
    1
    >>> edit_distance("lyon", "paris", 1)
    2
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    start = 0  # a shared prefix and suffix cost nothing: most names share "saint"
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    a, b = a[start:], b[start:]
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        row_min = i
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            current.append(value)
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)
