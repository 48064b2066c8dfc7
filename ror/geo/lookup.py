"""Resolve what a person types as a place: a postcode, an INSEE code, a commune name.

``resolve`` reads top-down: fold the query -> a code ("31000", "31555", "2A004")? ->
an arrondissement ("Paris 15e", "marseille 13")? -> names: exact, prefix (autocomplete),
and typos when no name matches exactly; narrowed by a postcode or a département written
beside the name ("Saint-Denis 974", "Saint-Denis La Réunion", "31000 Toulouse") -> score ->
best first.

A score is how the place matched (``BASE_SCORES``) plus up to ``POPULATION_WEIGHT`` for its
population, so that among equally good matches the bigger commune comes first.

A 5-character code can be both an INSEE code and a postcode ("13013": Marseille 13e by
postcode, Belcodène by INSEE code): both are returned, the more populous first. Callers that
hold an INSEE code for sure should use ``Gazetteer.commune`` instead. A postcode of a municipal
arrondissement means the arrondissement, not its city ("75015", "Paris 75015").

Départements and régions are places too, by name ("Haute-Garonne", "Bretagne") or by
département number ("31", "2A", "974"): ``kind`` "departement" or "region", no ``insee``, a
point inside the territory. A name that is part of another area's name ("Savoie" in
"Haute-Savoie") also gives that area, scored close enough for callers to warn.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ror.errors import InvalidInput
from ror.geo.names import alias_key, name_key, name_tokens

if TYPE_CHECKING:
    from ror.geo.gazetteer import Gazetteer

# How a place matched -> base score (the population adds at most POPULATION_WEIGHT).
BASE_SCORES = {
    "insee": 1.0,
    "postcode": 1.0,
    "arrondissement": 1.0,
    "former_code": 0.95,
    "exact_name": 0.9,
    "exact_former_name": 0.8,
    "prefix": 0.6,
    "prefix_former_name": 0.5,
    "typo": 0.6,  # minus TYPO_PENALTY per edit beyond the first
    "typo_former_name": 0.5,
    "area_code": 1.0,  # "31", "2A", "974"
    "area_name": 0.95,  # "Haute-Garonne", "Bretagne" (no population bonus)
    "area_part_name": 0.92,  # "Savoie" -> Haute-Savoie too: within a warning of the exact one
}
DEPARTEMENT, REGION = "departement", "region"
MIN_AREA_PART = 3  # letters a name needs to find the areas whose name contains it
TYPO_PENALTY = 0.1
POPULATION_WEIGHT = 0.1
CITY = "city"  # precision of a commune, postcode or arrondissement centre

_CODE = re.compile(r"\d{5}|2[ab]\d{3}")
_ARRONDISSEMENT = re.compile(
    r"(paris|lyon|marseille) (\d{1,2}) ?(?:e|er|eme|em|ieme|re)? ?(?:arrondissement|arrdt|arr)?"
)
_ARRONDISSEMENT_CODES = {"paris": ("751", 20), "lyon": ("6938", 9), "marseille": ("132", 16)}


@dataclass(frozen=True)
class Candidate:
    """A place a query may mean: a current commune or arrondissement (``insee``), or a
    département or région (``kind``; ``insee`` empty, ``departement`` empty for a région)."""

    insee: str
    name: str
    postcodes: tuple[str, ...]
    lat: float
    lon: float
    departement: str
    region: str
    precision: str  # "city": the point is a commune, postcode or arrondissement centre
    kind: str  # insee | postcode | commune | arrondissement | former_commune | departement | region
    score: float
    matched: str = ""  # for a former commune: its name and code, e.g. "Arbignieu (01015)"

    @property
    def is_area(self) -> bool:
        return self.kind in (DEPARTEMENT, REGION)

    @property
    def area_key(self) -> str:
        """The zone key of a département or région ("D:31", "R:53"), else ""."""
        if self.kind == DEPARTEMENT:
            return f"D:{self.departement}"
        return f"R:{self.region}" if self.kind == REGION else ""

    @property
    def label(self) -> str:
        """How to tell it from a namesake: "Toulouse (31)", "Savoie (département 73)"."""
        if self.kind == DEPARTEMENT:
            return f"{self.name} (département {self.departement})"
        if self.kind == REGION:
            return f"{self.name} (région)"
        return f"{self.name} ({self.departement})"


@dataclass(frozen=True, slots=True)
class Hit:
    row: int  # row of the current commune or arrondissement in the place table
    kind: str
    base: float
    former: int | None = None  # row in the former-commune table when matched through it


def resolve(gaz: Gazetteer, query: str, limit: int = 10) -> list[Candidate]:
    """Candidates for a free-text place, best first; ``[]`` when nothing matches."""
    if not isinstance(query, str):
        raise InvalidInput(f"a place must be text, got {type(query).__name__}", "place")
    tokens = name_tokens(query)
    if not tokens or limit < 1:
        return []
    code = as_code("".join(tokens))
    if code is not None:
        return rank(gaz, code_hits(gaz, code), limit)
    areas = area_candidates(gaz, tokens)
    exact_area = any(area.score >= BASE_SCORES["area_name"] for area in areas)
    hits = arrondissement_hits(gaz, tokens) or name_hits(gaz, tokens, limit, typos=not exact_area)
    return merge(areas, rank(gaz, hits, limit), limit)


def as_code(text: str) -> str | None:
    """A folded token as an INSEE code or postcode ("2a004" -> "2A004", "1000" -> "01000")."""
    if text.isdigit() and len(text) == 4:
        text = "0" + text
    return text.upper() if _CODE.fullmatch(text) else None


# --- codes ---------------------------------------------------------------------------------


def code_hits(gaz: Gazetteer, code: str) -> list[Hit]:
    """The commune with this INSEE code (current or former) and the places of this postcode.

    When a municipal arrondissement has the postcode, its city is left out ("75015" is
    Paris 15e, not Paris as a whole)."""
    hits: list[Hit] = []
    row = gaz.row_of(code)
    if row is not None:
        hits.append(Hit(row, "insee", BASE_SCORES["insee"]))
    else:
        hits.extend(former_hits(gaz, gaz.former_rows(code), BASE_SCORES["former_code"]))
    rows = gaz.postcode_rows(code)
    places = gaz.tables.places
    split = {places.parent[r] for r in rows if places.parent[r]}
    hits.extend(
        Hit(r, "postcode", BASE_SCORES["postcode"]) for r in rows if places.insee[r] not in split
    )
    return hits


def former_hits(gaz: Gazetteer, rows: Iterable[int], base: float) -> list[Hit]:
    current = gaz.tables.former.current
    hits = []
    for former in rows:
        row = gaz.row_of(current[former])
        if row is not None:
            hits.append(Hit(row, "former_commune", base, former))
    return hits


def arrondissement_hits(gaz: Gazetteer, tokens: list[str]) -> list[Hit]:
    """ "Paris 15e", "paris 15eme arrondissement", "Lyon 3e", "marseille 13" -> that
    arrondissement."""
    match = _ARRONDISSEMENT.fullmatch(" ".join(tokens))
    if match is None:
        return []
    prefix, count = _ARRONDISSEMENT_CODES[match.group(1)]
    number = int(match.group(2))
    if not 1 <= number <= count:
        return []
    row = gaz.row_of(f"{prefix}{number:0{5 - len(prefix)}d}")
    return [] if row is None else [Hit(row, "arrondissement", BASE_SCORES["arrondissement"])]


# --- names ---------------------------------------------------------------------------------


def name_hits(gaz: Gazetteer, tokens: list[str], limit: int, *, typos: bool = True) -> list[Hit]:
    """Names, narrowed by a postcode or INSEE code and by a trailing département if given.

    Typos are tried when no name matches exactly and prefixes give fewer than ``limit``
    (and ``typos``). Narrowed by an arrondissement's postcode, its city is left out."""
    codes = [code for code in (as_code(t) for t in tokens if len(t) == 5) if code]
    words = [t for t in tokens if as_code(t) is None or len(t) != 5]
    if not words:
        return code_hits(gaz, codes[0])
    readings: list[tuple[str, frozenset[str] | None]] = [("".join(words), None)]
    qualified = split_area_qualifier(gaz, words)
    if qualified is not None:
        readings.append(qualified)
    hits = [hit for key, area in readings for hit in match_name(gaz, key, area, typos=False)]
    exact = any(hit.base >= BASE_SCORES["exact_former_name"] for hit in hits)
    if typos and not exact and len({hit.row for hit in hits}) < limit:
        hits += [hit for key, area in readings for hit in match_name(gaz, key, area, typos=True)]
    if codes:
        narrowed = [hit for hit in hits if has_code(gaz, hit, codes)]
        parent = gaz.tables.places.parent
        split = {parent[hit.row] for hit in narrowed if parent[hit.row]}
        narrowed = [hit for hit in narrowed if gaz.tables.places.insee[hit.row] not in split]
        hits = narrowed or hits + code_hits(gaz, codes[0])
    return hits


def match_name(gaz: Gazetteer, key: str, area: frozenset[str] | None, *, typos: bool) -> list[Hit]:
    """Exact and prefix matches of a name key, or typo matches (``typos=True``)."""
    if not key:
        return []
    names, former_names = gaz.names(), gaz.former_names()
    hits: list[Hit]
    if typos:
        hits = [
            Hit(row, place_kind(gaz, row), BASE_SCORES["typo"] - TYPO_PENALTY * (distance - 1))
            for distance, rows in names.similar(key)
            for row in rows
        ]
        for distance, rows in former_names.similar(key):
            base = BASE_SCORES["typo_former_name"] - TYPO_PENALTY * (distance - 1)
            hits.extend(former_hits(gaz, rows, base))
    else:
        hits = [
            Hit(row, place_kind(gaz, row), BASE_SCORES["exact_name"]) for row in names.exact(key)
        ]
        hits.extend(former_hits(gaz, former_names.exact(key), BASE_SCORES["exact_former_name"]))
        if len(key) >= 2:
            hits.extend(
                Hit(row, place_kind(gaz, row), BASE_SCORES["prefix"])
                for _, rows in names.prefixed(key)
                for row in rows
            )
            for _, rows in former_names.prefixed(key):
                hits.extend(former_hits(gaz, rows, BASE_SCORES["prefix_former_name"]))
    if area is not None:
        departement = gaz.tables.places.departement
        hits = [hit for hit in hits if departement[hit.row] in area]
    return hits


def place_kind(gaz: Gazetteer, row: int) -> str:
    return "arrondissement" if gaz.tables.places.parent[row] else "commune"


def split_area_qualifier(gaz: Gazetteer, words: list[str]) -> tuple[str, frozenset[str]] | None:
    """ "saint denis 974" / "saint denis la reunion" -> ("saintdenis", {"974"})."""
    if len(words) < 2:
        return None
    areas = gaz.area_keys()
    for size in range(min(4, len(words) - 1), 0, -1):
        tail = words[-size:]
        departement = departement_code(tail[0]) if size == 1 else None
        if departement is not None and gaz.departement_name(departement):
            return "".join(words[:-size]), frozenset({departement})
        if "".join(tail) in areas:
            return "".join(words[:-size]), areas["".join(tail)]
    return None


def departement_code(token: str) -> str | None:
    """A folded token as a département code ("13", "2a", "974"), else None."""
    if token in ("2a", "2b"):
        return token.upper()
    if token.isdigit() and len(token) in (2, 3):
        return token
    return None


def area_names(name: str) -> set[str]:
    """Keys a département or région name is written with: with and without its article."""
    return {key for key in (name_key(name), alias_key(name)) if key}


def has_code(gaz: Gazetteer, hit: Hit, codes: list[str]) -> bool:
    places = gaz.tables.places
    own = {places.insee[hit.row], *places.postcodes[hit.row]}
    if hit.former is not None:
        own.add(gaz.tables.former.insee[hit.former])
    return any(code in own for code in codes)


# --- départements and régions ------------------------------------------------------------


def area_candidates(gaz: Gazetteer, tokens: list[str]) -> list[Candidate]:
    """The départements and régions a query names: by number (one token), by name, or as a
    part of their name (whole words, ``MIN_AREA_PART`` letters at least)."""
    if len(tokens) == 1:
        number = departement_code(tokens[0])
        if number is not None:
            known = gaz.departement_name(number) is not None
            return [area_candidate(gaz, DEPARTEMENT, number, "area_code")] if known else []
    key = "".join(tokens)
    found = []
    for kind, code, keys, words in gaz.area_names(key, tokens[0]):
        if key in keys:
            found.append(area_candidate(gaz, kind, code, "area_name"))
        elif len(key) >= MIN_AREA_PART and contains_words(words, tokens):
            found.append(area_candidate(gaz, kind, code, "area_part_name"))
    exact = {area.name for area in found if area.kind == DEPARTEMENT}
    return [area for area in found if not (area.kind == REGION and area.name in exact)]


def contains_words(words: tuple[str, ...], tokens: list[str]) -> bool:
    size = len(tokens)
    return any(list(words[i : i + size]) == tokens for i in range(len(words) - size + 1))


def area_candidate(gaz: Gazetteer, kind: str, code: str, how: str) -> Candidate:
    lat, lon = gaz.area_point(kind, code)
    departement = code if kind == DEPARTEMENT else ""
    region = gaz.region_of_departement(code) if kind == DEPARTEMENT else code
    name = gaz.departement_name(code) if kind == DEPARTEMENT else gaz.region_name(code)
    return Candidate(
        insee="",
        name=name or code,
        postcodes=(),
        lat=lat,
        lon=lon,
        departement=departement,
        region=region or "",
        precision=CITY,
        kind=kind,
        score=BASE_SCORES[how],
    )


def merge(areas: list[Candidate], places: list[Candidate], limit: int) -> list[Candidate]:
    """Areas and communes, best first; a département named as its own commune (Paris) is
    left to the commune."""
    towns = {(name_key(place.name), place.departement) for place in places}
    kept = [area for area in areas if (name_key(area.name), area.departement) not in towns]
    return sorted([*kept, *places], key=lambda candidate: -candidate.score)[:limit]


# --- ranking -------------------------------------------------------------------------------


def rank(gaz: Gazetteer, hits: list[Hit], limit: int) -> list[Candidate]:
    """The best hit per place, scored, best first, cut to ``limit``."""
    population = gaz.tables.places.population
    scale = math.log10(1 + max(int(population.max()), 1))
    best: dict[int, tuple[float, Hit]] = {}
    for hit in hits:
        score = hit.base + POPULATION_WEIGHT * math.log10(1 + int(population[hit.row])) / scale
        if hit.row not in best or score > best[hit.row][0]:
            best[hit.row] = (score, hit)
    places = gaz.tables.places
    ordered = sorted(best.values(), key=lambda item: (-item[0], places.insee[item[1].row]))
    return [candidate(gaz, hit, score) for score, hit in ordered[:limit]]


def candidate(gaz: Gazetteer, hit: Hit, score: float) -> Candidate:
    commune = gaz.commune_at(hit.row)
    lat, lon, matched = commune.lat, commune.lon, ""
    if hit.former is not None:
        former = gaz.tables.former
        name, code = former.name[hit.former], former.insee[hit.former]
        matched = f"{name} ({code})" if name else code
        own_lat, own_lon = former.lat[hit.former], former.lon[hit.former]
        if own_lat is not None and own_lon is not None:
            lat, lon = own_lat, own_lon
    return Candidate(
        insee=commune.insee,
        name=commune.name,
        postcodes=commune.postcodes,
        lat=lat,
        lon=lon,
        departement=commune.departement,
        region=commune.region,
        precision=CITY,
        kind=hit.kind,
        score=round(score, 4),
        matched=matched,
    )
