"""Place-name keys: the one normalisation shared by the gazetteer build and the lookups.

A key is the folded name (``ror.text.fold``: lower case, no accents, punctuation as spaces) with
the abbreviations of the La Poste file expanded, then written without spaces, so that
"St-Étienne", "saint etienne", "SAINT ETIENNE" and "Saint-Étienne" share the key
``saintetienne`` and "L'Haÿ-les-Roses" matches "lhay les roses".
"""

from __future__ import annotations

from ror.text import fold

# Abbreviations used by La Poste and by people typing a commune name.
ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "stes": "saintes",
    "mt": "mont",
}


def name_tokens(text: str) -> list[str]:
    """Folded words of a place name, abbreviations expanded.

    >>> name_tokens("St-Étienne-du-Rouvray")
    ['saint', 'etienne', 'du', 'rouvray']
    """
    return [ABBREVIATIONS.get(word, word) for word in fold(text).split()]


ARTICLES = ("le", "la", "les", "l")


def name_key(text: str) -> str:
    """The lookup key of a place name.

    >>> name_key("L'Haÿ-les-Roses") == name_key("LHAY LES ROSES")
    True
    >>> name_key("STE MARIE")
    'saintemarie'
    """
    return "".join(name_tokens(text))


def alias_key(text: str) -> str:
    """The key of a name without its leading article ("" when it has none), so that "havre"
    finds Le Havre and "ile d yeu" L'Île-d'Yeu.

    >>> alias_key("L'Île-d'Yeu")
    'iledyeu'
    >>> alias_key("Lens")
    ''
    """
    words = name_tokens(text)
    return "".join(words[1:]) if len(words) > 1 and words[0] in ARTICLES else ""
