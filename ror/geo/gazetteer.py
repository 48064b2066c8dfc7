"""The gazetteer: communes, municipal arrondissements, former communes, départements, régions.

``gazetteer()`` loads the built tables once (about 0.1 s) and caches them; shapes for reverse
lookups are loaded separately, on first use (``ror.geo.reverse``).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ror.geo.lookup import DEPARTEMENT, REGION, Candidate, area_names, resolve
from ror.geo.name_index import NameIndex
from ror.geo.names import name_tokens
from ror.geo.tables import Tables, load_tables


@dataclass(frozen=True)
class Commune:
    """A current commune (or a municipal arrondissement of Paris, Lyon or Marseille)."""

    insee: str  # INSEE COG code: "31555", "2A004", "97411"; arrondissements "75115"
    name: str  # official name with accents: "Saint-Étienne"
    postcodes: tuple[str, ...]
    departement: str  # "31", "2A", "971"
    region: str  # "76"; overseas "01".."06"
    population: int
    lat: float
    lon: float


def normalise_code(code: str) -> str:
    """INSEE or postcode as typed -> canonical form ("2a004" -> "2A004")."""
    return code.strip().upper()


class Gazetteer:
    """Lookups over the built tables. Build it with ``gazetteer()`` (cached)."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        places, former = tables.places, tables.former
        self._row_of = {code: row for row, code in enumerate(places.insee)}
        self._former_rows: dict[str, list[int]] = defaultdict(list)
        for row, code in enumerate(former.insee):
            self._former_rows[code].append(row)
        self._postcode_rows: dict[str, list[int]] = defaultdict(list)
        for row, postcodes in enumerate(places.postcodes):
            for postcode in postcodes:
                self._postcode_rows[postcode].append(row)
        deps = tables.departements
        self._departements = dict(zip(deps.code, deps.name, strict=True))
        self._region_of = dict(zip(deps.code, deps.region, strict=True))
        self._city_radius = dict(zip(deps.code, deps.city_radius_km, strict=True))
        self._regions = dict(zip(tables.regions.code, tables.regions.name, strict=True))
        self._liaison = {
            DEPARTEMENT: dict(zip(deps.code, deps.liaison, strict=True)),
            REGION: dict(zip(tables.regions.code, tables.regions.liaison, strict=True)),
        }
        self._communes: tuple[Commune, ...] | None = None
        self._names: NameIndex | None = None
        self._former_names: NameIndex | None = None
        self._area_keys: dict[str, frozenset[str]] | None = None
        self._area_names: (
            dict[str, list[tuple[str, str, frozenset[str], tuple[str, ...]]]] | None
        ) = None
        self._points = {
            DEPARTEMENT: {
                c: (la, lo) for c, la, lo in zip(deps.code, deps.lat, deps.lon, strict=True)
            },
            REGION: {
                c: (la, lo)
                for c, la, lo in zip(
                    tables.regions.code, tables.regions.lat, tables.regions.lon, strict=True
                )
            },
        }

    # --- communes ----------------------------------------------------------------------------

    def commune(self, insee: str) -> Commune | None:
        """The current commune or municipal arrondissement with this INSEE code, else None.

        Former communes are not returned here: ``current_insee`` maps them first.
        """
        row = self._row_of.get(normalise_code(insee))
        return None if row is None else self.commune_at(row)

    def communes(self) -> Sequence[Commune]:
        """All current communes (Paris, Lyon and Marseille whole, not their arrondissements)."""
        if self._communes is None:
            parents = self.tables.places.parent
            self._communes = tuple(
                self.commune_at(row) for row in range(len(parents)) if not parents[row]
            )
        return self._communes

    def arrondissements(self) -> Sequence[Commune]:
        """The 45 municipal arrondissements of Paris, Lyon and Marseille."""
        parents = self.tables.places.parent
        return tuple(self.commune_at(row) for row in range(len(parents)) if parents[row])

    def current_insee(self, insee: str) -> str | None:
        """The code to use today: itself for a current commune or arrondissement, the current
        commune for a delegated, associated or merged one, None when unknown."""
        code = normalise_code(insee)
        if code in self._row_of:
            return code
        rows = self._former_rows.get(code)
        return self.tables.former.current[rows[0]] if rows else None

    def parent_insee(self, insee: str) -> str | None:
        """The commune of a municipal arrondissement ("75115" -> "75056"), else None."""
        row = self._row_of.get(normalise_code(insee))
        return (self.tables.places.parent[row] or None) if row is not None else None

    def point_source(self, insee: str) -> str | None:
        """How the commune's point was obtained: "laposte" (the La Poste point), a fallback
        ("arrondissements", "former_communes", "postcode", "departement"), or "polygon" when
        that point lay outside the commune's main part and was moved into it."""
        row = self._row_of.get(normalise_code(insee))
        return None if row is None else self.tables.places.point_source[row]

    def city_radius_km(self, insee: str | None = None) -> float:
        """Radius of a disc of the mean commune area of the commune's département (metropolitan
        France when the commune is unknown or not given)."""
        commune = self.commune(insee) if insee else None
        if commune is None:
            return self.tables.city_radius_km
        return self._city_radius.get(commune.departement, self.tables.city_radius_km)

    # --- départements and régions ------------------------------------------------------------

    def departement_name(self, code: str) -> str | None:
        return self._departements.get(normalise_code(code))

    def region_name(self, code: str) -> str | None:
        return self._regions.get(normalise_code(code))

    def departements(self) -> dict[str, str]:
        """Département code -> name, 101 départements ("01".."95", "2A", "2B", "971".."976")."""
        return dict(self._departements)

    def regions(self) -> dict[str, str]:
        """Région code -> name, 18 régions ("11".."94"; overseas "01".."06")."""
        return dict(self._regions)

    def region_of_departement(self, code: str) -> str | None:
        return self._region_of.get(normalise_code(code))

    def area_point(self, kind: str, code: str) -> tuple[float, float]:
        """A point inside a département (``kind="departement"``) or région ("region"): the
        département's inner point, the région's chef-lieu. KeyError for an unknown code."""
        return self._points[kind][normalise_code(code)]

    def area_liaison(self, kind: str, code: str) -> int | None:
        """The INSEE "type de nom en clair" of a département or région name (3: "la"), or
        None for an unknown code."""
        return self._liaison[kind].get(normalise_code(code))

    def area_communes(self, kind: str, code: str) -> list[str]:
        """INSEE codes of the communes and arrondissements of a département or région."""
        column = (
            self.tables.places.departement if kind == DEPARTEMENT else self.tables.places.region
        )
        wanted = normalise_code(code)
        return [
            insee
            for insee, area in zip(self.tables.places.insee, column, strict=True)
            if area == wanted
        ]

    # --- search ------------------------------------------------------------------------------

    def resolve(self, query: str, limit: int = 10) -> list[Candidate]:
        """Places matching a postcode, an INSEE code or a commune name, best first.

        See ``ror.geo.lookup``; an empty list when nothing matches.
        """
        return resolve(self, query, limit)

    # --- for ror.geo.lookup and ror.geo.reverse ----------------------------------------------

    def commune_at(self, row: int) -> Commune:
        places = self.tables.places
        return Commune(
            insee=places.insee[row],
            name=places.name[row],
            postcodes=places.postcodes[row],
            departement=places.departement[row],
            region=places.region[row],
            population=int(places.population[row]),
            lat=float(places.lat[row]),
            lon=float(places.lon[row]),
        )

    def row_of(self, insee: str) -> int | None:
        return self._row_of.get(insee)

    def former_rows(self, insee: str) -> list[int]:
        return self._former_rows.get(insee, [])

    def postcode_rows(self, postcode: str) -> list[int]:
        return self._postcode_rows.get(postcode, [])

    def names(self) -> NameIndex:
        if self._names is None:
            places = self.tables.places
            self._names = NameIndex(index_entries(places.key, places.alias))
        return self._names

    def former_names(self) -> NameIndex:
        if self._former_names is None:
            former = self.tables.former
            self._former_names = NameIndex(index_entries(former.key, former.alias))
        return self._former_names

    def area_names(self, *lookups: str) -> list[tuple[str, str, frozenset[str], tuple[str, ...]]]:
        """(kind, code, name keys, name words) of the départements and régions one of whose
        name keys or name words is in ``lookups``, in code order."""
        if self._area_names is None:
            named = [(DEPARTEMENT, self._departements), (REGION, self._regions)]
            index: dict[str, list[tuple[str, str, frozenset[str], tuple[str, ...]]]] = defaultdict(
                list
            )
            for kind, names in named:
                for code, name in names.items():
                    entry = (kind, code, frozenset(area_names(name)), tuple(name_tokens(name)))
                    for word in {*entry[2], *entry[3]}:
                        index[word].append(entry)
            self._area_names = dict(index)
        found = {entry: None for lookup in lookups for entry in self._area_names.get(lookup, ())}
        return sorted(found, key=lambda entry: (entry[0], entry[1]))

    def area_keys(self) -> dict[str, frozenset[str]]:
        """Name keys of départements and régions -> their département codes
        ("lareunion" and "reunion" -> {"974"}, "corse" -> {"2A", "2B"})."""
        if self._area_keys is None:
            areas: dict[str, set[str]] = defaultdict(set)
            for code, name in self._departements.items():
                for key in area_names(name):
                    areas[key].add(code)
            for departement, region in self._region_of.items():
                for key in area_names(self._regions[region]):
                    areas[key].add(departement)
            self._area_keys = {key: frozenset(codes) for key, codes in areas.items()}
        return self._area_keys


def index_entries(keys: list[str], aliases: list[str]) -> list[tuple[str, int]]:
    """(key, row) pairs for a name index: each row's key, then its article-less alias."""
    return [*((key, row) for row, key in enumerate(keys)), *((a, r) for r, a in enumerate(aliases))]


@functools.cache
def gazetteer() -> Gazetteer:
    """The shipped gazetteer, loaded once per process."""
    return Gazetteer(load_tables())
