"""French text folding shared by the gazetteer, the nomenclatures and free-text search."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NON_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """Lower-case, strip accents, turn punctuation into single spaces (the same names, cities
    and labels come back for offer after offer: the last ones are kept).

    >>> fold("  Saint-Étienne (Loire) ")
    'saint etienne loire'
    >>> fold("Cœur")
    'coeur'
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
        text = "".join(c for c in text if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", text.lower()).strip()


def words(text: str) -> list[str]:
    """The folded words of a text."""
    return fold(text).split()
