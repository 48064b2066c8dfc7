"""A département or région searched as a whole: the départements it is, how to say "in it".

A territory is written as its zone key: "D:31" (Haute-Garonne), "R:76" (Occitanie). A search
over it selects the units located in one of its départements (``territory_departements``), and
says where in French (``territory_phrase``: "en Haute-Garonne (31)", "dans le Nord (59)",
"en Occitanie", "à La Réunion (974)"), the preposition following the INSEE "type de nom en
clair" of the name.
"""

from __future__ import annotations

import functools
from typing import Any, Final

from ror.errors import UnknownPlace
from ror.geo.gazetteer import gazetteer

# INSEE "type de nom en clair" -> preposition: 0 no article (consonant): "en Bretagne",
# "en Maine-et-Loire"; 1 no article (vowel): "en Île-de-France"; 2 Le: "dans le Nord"; 3 La:
# "en Haute-Garonne"; 4 Les: "dans les Landes"; 5 L': "dans l'Ain".
_PREPOSITIONS: Final = {0: "en ", 1: "en ", 2: "dans le ", 3: "en ", 4: "dans les ", 5: "dans l'"}
# A city and islands take "à", whatever their type of name.
_AT: Final = frozenset({"Paris", "Mayotte", "La Réunion"})


def _split(key: str) -> tuple[str, str]:
    prefix, _, code = key.partition(":")
    gaz = gazetteer()
    if prefix == "D" and gaz.departement_name(code):
        return "departement", code.upper()
    if prefix == "R" and gaz.region_name(code):
        return "region", code
    raise UnknownPlace(f"territoire inconnu : {key!r} (D:code ou R:code)", "area")


@functools.cache
def territory_departements(key: str) -> tuple[str, ...]:
    """The codes of the départements of a territory, in code order ("D:31" -> ("31",))."""
    kind, code = _split(key)
    if kind == "departement":
        return (code,)
    gaz = gazetteer()
    return tuple(d for d in gaz.departements() if gaz.region_of_departement(d) == code)


@functools.cache
def territory_name(key: str) -> str:
    """ "Haute-Garonne (31)", "Occitanie"."""
    kind, code = _split(key)
    gaz = gazetteer()
    if kind == "departement":
        return f"{gaz.departement_name(code)} ({code})"
    return gaz.region_name(code) or code


@functools.cache
def territory_phrase(key: str) -> str:
    """Where, in French: "en Haute-Garonne (31)", "dans les Landes (40)", "en Occitanie"."""
    kind, code = _split(key)
    gaz = gazetteer()
    name = gaz.departement_name(code) if kind == "departement" else gaz.region_name(code)
    liaison = gaz.area_liaison(kind, code)
    preposition = "à " if name in _AT else _PREPOSITIONS.get(liaison or 0, "en ")
    return f"{preposition}{territory_name(key)}"


def departement_phrase(code: str) -> str:
    """Where a unit of this département is ("dans le Tarn (81)"); "" for an unknown code."""
    try:
        return territory_phrase(f"D:{code}")
    except UnknownPlace:
        return ""


def territory_summary(key: str | None) -> dict[str, Any] | None:
    """A territory as answers give it: code, name, where (in French), départements; None for
    no territory."""
    if not key:
        return None
    return {
        "code": key,
        "name": territory_name(key),
        "where": territory_phrase(key),
        "departements": list(territory_departements(key)),
    }
