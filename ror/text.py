"""French text folding shared by the gazetteer, the nomenclatures and free-text search."""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case, strip accents, turn punctuation into single spaces.

    >>> fold("  Saint-Étienne (Loire) ")
    'saint etienne loire'
    >>> fold("Cœur")
    'coeur'
    """
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _NON_WORD.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """The folded words of a text."""
    return fold(text).split()
