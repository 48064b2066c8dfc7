"""Where synthetic establishments go: communes by population, anchor cities, jitter, zones.

The commune table comes from the package gazetteer (``ror.geo``), restricted to the areas the
ROR covers (metropolitan France, Corsica and the five overseas départements: the régions of
TRE_R30). Paris, Marseille and Lyon are whole communes, as the gazetteer lists them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from ror.geo import Commune, gazetteer, haversine_km
from ror.model import Zone

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# TRE_R30-RegionOM: the régions the ROR is organised by (overseas 01–06, then INSEE codes).
ROR_REGIONS = frozenset(
    {"01", "02", "03", "04", "06", "11", "24", "27", "28", "32", "44", "52", "53", "75", "76"}
    | {"84", "93", "94"}
)

KM_PER_DEGREE_LAT = 110.57
KM_PER_DEGREE_LON_EQUATOR = 111.32


@dataclass(frozen=True, eq=False)
class CommuneTable:
    """The communes as parallel columns (lists for names, numpy arrays for numbers)."""

    insee: list[str]
    name: list[str]
    postcode: list[str]
    departement: list[str]
    region: list[str]
    population: FloatArray
    lat: FloatArray
    lon: FloatArray
    zones: list[Zone] = field(default_factory=list)  # the commune as an intervention zone

    @classmethod
    def from_communes(cls, communes: Iterable[Commune]) -> CommuneTable:
        rows = sorted((c for c in communes if c.region in ROR_REGIONS), key=lambda c: c.insee)
        postcodes = [sorted(c.postcodes) for c in rows]
        return cls(
            insee=[c.insee for c in rows],
            name=[c.name for c in rows],
            postcode=[p[0] if p else "" for p in postcodes],
            departement=[c.departement for c in rows],
            region=[c.region for c in rows],
            population=np.array([float(c.population) for c in rows]),
            lat=np.array([c.lat for c in rows]),
            lon=np.array([c.lon for c in rows]),
            zones=[Zone(code=c.insee, type="3") for c in rows],
        )

    def __len__(self) -> int:
        return len(self.insee)

    def probabilities(self, min_population: int, exponent: float) -> FloatArray:
        """Sampling weights: population**exponent over communes of at least min_population."""
        pop = self.population
        weights = np.where(pop >= min_population, np.power(np.maximum(pop, 1.0), exponent), 0.0)
        total = weights.sum()
        if total <= 0:  # a tiny gazetteer: fall back to every commune
            weights = np.maximum(pop, 1.0)
            total = weights.sum()
        return weights / total  # type: ignore[no-any-return]

    def largest_by(self, keys: list[str], exclude: frozenset[int] = frozenset()) -> dict[str, int]:
        """Index of the most populous commune for each key (département or région)."""
        best: dict[str, int] = {}
        pop = self.population
        for i in np.argsort(-pop, kind="stable").tolist():
            if i in exclude:
                continue
            best.setdefault(keys[i], i)
        return best


@lru_cache(maxsize=1)
def commune_table() -> CommuneTable:
    """The package gazetteer's communes, loaded once."""
    return CommuneTable.from_communes(gazetteer().communes())


# --- Anchor cities -------------------------------------------------------------------------

UNIVERSITY_CITY_POPULATION = 150_000
PEOPLE_PER_UNIVERSITY_SITE = 450_000


def university_hospital_anchors(table: CommuneTable) -> list[int]:
    """Communes that hold a CHU site: each région's largest city and every city over 150 k.

    Very large cities hold several sites (Paris about one per 450 k people). Ordered by
    population, largest first.
    """
    chosen = set(table.largest_by(table.region).values())
    chosen |= set(np.flatnonzero(table.population >= UNIVERSITY_CITY_POPULATION).tolist())
    ranked = sorted(chosen, key=lambda i: (-table.population[i], table.insee[i]))
    anchors: list[int] = []
    for i in ranked:
        anchors.extend([i] * max(1, round(table.population[i] / PEOPLE_PER_UNIVERSITY_SITE)))
    return anchors


def general_hospital_anchors(table: CommuneTable, taken: Iterable[int]) -> list[int]:
    """One CH per département: its largest commune not already a CHU city."""
    best = table.largest_by(table.departement, exclude=frozenset(taken))
    return sorted(best.values(), key=lambda i: (-table.population[i], table.insee[i]))


# --- Points --------------------------------------------------------------------------------


def jitter(
    rng: np.random.Generator, lat: FloatArray, lon: FloatArray, max_km: float
) -> tuple[FloatArray, FloatArray]:
    """Move each point uniformly within a disc of max_km (kept small so points stay on land)."""
    n = len(lat)
    radius = max_km * np.sqrt(rng.random(n))
    angle = rng.random(n) * 2 * math.pi
    dlat = radius * np.sin(angle) / KM_PER_DEGREE_LAT
    coslat = np.maximum(np.cos(np.radians(lat)), 0.2)
    dlon = radius * np.cos(angle) / (KM_PER_DEGREE_LON_EQUATOR * coslat)
    return np.round(lat + dlat, 6), np.round(lon + dlon, 6)


# --- Intervention zones --------------------------------------------------------------------


class ZoneFinder:
    """Communes around a seat, nearest first (great-circle distance, candidates from a grid).

    The neighbours of a seat within a reach (20 or 40 km) are sorted once and kept; any
    smaller radius is a prefix of that list.
    """

    CELL_DEG = 0.25
    REACHES_KM = (20, 40)
    MAX_RADIUS_KM = REACHES_KM[-1]

    def __init__(self, table: CommuneTable) -> None:
        self._table = table
        self._cy = np.floor(table.lat / self.CELL_DEG).astype(np.int64)
        self._cx = np.floor(table.lon / self.CELL_DEG).astype(np.int64)
        order = np.lexsort((self._cx, self._cy))
        keys = list(zip(self._cy[order].tolist(), self._cx[order].tolist(), strict=True))
        self._cells: dict[tuple[int, int], IntArray] = {}
        start = 0
        for pos in range(1, len(keys) + 1):
            if pos == len(keys) or keys[pos] != keys[start]:
                self._cells[keys[start]] = order[start:pos]
                start = pos
        self._neighbours: dict[tuple[int, int], tuple[list[int], FloatArray]] = {}
        self._cache: dict[tuple[int, int, int], tuple[Zone, ...]] = {}

    def around(self, commune: int, radius_km: int, limit: int) -> tuple[Zone, ...]:
        """The seat commune and its neighbours within radius_km (at most ``limit``)."""
        if radius_km > self.MAX_RADIUS_KM:
            raise ValueError(f"radius_km must be at most {self.MAX_RADIUS_KM}, got {radius_km}")
        key = (commune, radius_km, limit)
        cached = self._cache.get(key)
        if cached is None:
            reach = next(r for r in self.REACHES_KM if radius_km <= r)
            near, km = self._sorted_neighbours(commune, reach)
            count = min(int(np.searchsorted(km, radius_km, side="right")), limit)
            zones = self._table.zones
            cached = self._cache[key] = tuple(zones[i] for i in near[: max(count, 1)])
        return cached

    def _sorted_neighbours(self, commune: int, reach: int) -> tuple[list[int], FloatArray]:
        found = self._neighbours.get((commune, reach))
        if found is not None:
            return found
        table = self._table
        lat0, lon0 = float(table.lat[commune]), float(table.lon[commune])
        cy, cx = int(self._cy[commune]), int(self._cx[commune])
        coslat = max(math.cos(math.radians(lat0)), 0.2)
        ry = math.ceil(reach / (KM_PER_DEGREE_LAT * self.CELL_DEG))
        rx = math.ceil(reach / (KM_PER_DEGREE_LON_EQUATOR * coslat * self.CELL_DEG))
        parts = [
            cell
            for y in range(cy - ry, cy + ry + 1)
            for x in range(cx - rx, cx + rx + 1)
            if (cell := self._cells.get((y, x))) is not None
        ]
        candidates = np.concatenate(parts)
        km = haversine_km(lat0, lon0, table.lat[candidates], table.lon[candidates])
        km[candidates == commune] = -1.0  # the seat first, even if another point coincides
        inside = km <= reach
        order = np.argsort(km[inside], kind="stable")
        near = candidates[inside][order].tolist()
        found = self._neighbours[commune, reach] = (near, np.maximum(km[inside][order], 0.0))
        return found
