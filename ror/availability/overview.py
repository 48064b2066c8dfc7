"""The national availability overview: beds per région or département, with freshness (DESIGN §5).

``GET /v1/availability/overview`` and ``ror overview`` answer the same :class:`Overview`. What is
counted, exactly:

- **Which units.** The Locations (lieux de réalisation: the bed zones that carry counters) used
  by at least one offer matching the filters: ``activity`` (R211), ``offer_type`` (R244),
  ``champ`` (R227), any-of within a filter, all-of across filters. A Location shared by several
  matching offers is counted **once**: counters are summed per Location, never per offer.
- **Where.** A Location belongs to the area (région or département, INSEE codes of today) of
  the place of the first offer (in index order) that uses it; offers sharing a Location share
  its place in practice.
- **Which counters.** Nature ``bed_nature`` (R329: 01 Lit by default, 02 Place), temporality
  **01 Courant** only (forecasts are not summed with the present), **every temporary assignment**
  (R337 01 Aucune, 02 Covid+, 03 Covid-: they split a unit's beds into disjoint parts, so their
  sum is the unit) and every gender (R332 splits available beds likewise).
- **Figures.** Per status (R330): ``installed`` 01, ``available`` 02, ``occupied`` 03,
  ``reserved`` 04, ``closed`` 05 (réactivable or not), ``extra`` 06 (supplementary beds); counts
  below zero are read as zero. ``units`` = Locations having at least one counted counter.
- **Freshness.** Each counted Location falls in one bucket by the age of its *latest* counted
  counter (``updated_at`` as the source dated it, against ``generated_at``): ``lt_1h``,
  ``lt_3h``, ``lt_6h``, ``lt_12h``, ``lt_24h``, ``older``. The buckets of an area add up to its
  ``units``; a date ahead of the server clock counts as fresh.
- **Areas.** Every région (or département) of the gazetteer is listed, sorted by code, zeros
  included, plus any other code found in the data; ``totals`` adds them up.

Capacities are restricted data: the API answers only callers whose profile may see them
(403 for profiles 0 and 5; profile 3 must ask ``champ=04`` alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from ror import nomenclature
from ror.errors import InvalidInput
from ror.nomenclature.named_codes import CURRENT

GroupBy = Literal["region", "departement"]
GROUPINGS: Final[tuple[GroupBy, ...]] = ("region", "departement")
METRICS: Final = ("installed", "available", "occupied", "reserved", "closed", "extra")
STATUS_METRIC: Final = {
    "01": "installed",
    "02": "available",
    "03": "occupied",
    "04": "reserved",
    "05": "closed",
    "06": "extra",
}
METRIC_STATUS: Final = {m: s for s, m in STATUS_METRIC.items()}
BUCKETS: Final = ("lt_1h", "lt_3h", "lt_6h", "lt_12h", "lt_24h", "older")
BUCKET_LIMITS_HOURS: Final = (1.0, 3.0, 6.0, 12.0, 24.0)  # upper bounds, exclusive
FILTER_FIELDS: Final = ("activity", "offer_type", "champ")
BED_NATURES: Final = ("01", "02")


@dataclass(frozen=True, slots=True)
class OverviewQuery:
    """What to aggregate. Codes are normalised by :meth:`checked`."""

    group_by: GroupBy = "region"
    activity: tuple[str, ...] = ()
    offer_type: tuple[str, ...] = ()
    champ: tuple[str, ...] = ()
    bed_nature: str = "01"

    def checked(self) -> OverviewQuery:
        """Codes normalised and known; ``InvalidInput``/``UnknownCode`` naming the field."""
        if self.group_by not in GROUPINGS:
            raise InvalidInput(
                f"group_by doit valoir region ou departement (reçu {self.group_by!r})", "group_by"
            )
        nature = nomenclature.normalise_code("R329", self.bed_nature)
        if nature not in BED_NATURES:
            raise InvalidInput(
                f"bed_nature doit valoir 01 (lits) ou 02 (places) (reçu {self.bed_nature!r})",
                "bed_nature",
            )
        codes = {
            name: tuple(
                dict.fromkeys(
                    nomenclature.require(nomenclature.FIELD_SYSTEMS[name], code, name)
                    for code in getattr(self, name)
                )
            )
            for name in FILTER_FIELDS
        }
        return OverviewQuery(self.group_by, bed_nature=nature, **codes)

    def codes(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The filters given, as ``CandidateQuery.codes`` spells them."""
        return tuple((name, getattr(self, name)) for name in FILTER_FIELDS if getattr(self, name))

    def to_dict(self) -> dict[str, Any]:
        return {
            "activity": list(self.activity),
            "offer_type": list(self.offer_type),
            "champ": list(self.champ),
            "bed_nature": self.bed_nature,
            "temporality": CURRENT,
            "assignment": "all",
        }


@dataclass(slots=True)
class Figures:
    """Summed counters of some Locations and their freshness buckets."""

    installed: int = 0
    available: int = 0
    occupied: int = 0
    reserved: int = 0
    closed: int = 0
    extra: int = 0
    units: int = 0
    freshness: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))

    def add(self, other: Figures) -> None:
        for name in (*METRICS, "units"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.freshness = [a + b for a, b in zip(self.freshness, other.freshness, strict=True)]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: getattr(self, name) for name in (*METRICS, "units")}
        out["freshness"] = dict(zip(BUCKETS, self.freshness, strict=True))
        return out


@dataclass(frozen=True, slots=True)
class AreaFigures:
    code: str
    name: str | None
    figures: Figures

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, **self.figures.to_dict()}


@dataclass(frozen=True, slots=True)
class Overview:
    """The answer: one entry per area, and the totals."""

    query: OverviewQuery
    generated_at: datetime
    areas: tuple[AreaFigures, ...]
    totals: Figures
    offers: int  # matching offers (each Location is still counted once)

    def to_dict(self) -> dict[str, Any]:
        return {
            "group_by": self.query.group_by,
            "generated_at": self.generated_at.isoformat(),
            "filters": self.query.to_dict(),
            "areas": [a.to_dict() for a in self.areas],
            "totals": self.totals.to_dict(),
            "offers": self.offers,
        }


def freshness_bucket(age_hours: float) -> int:
    """Index in :data:`BUCKETS` of a counter ``age_hours`` old (negative ages are fresh)."""
    for i, limit in enumerate(BUCKET_LIMITS_HOURS):
        if age_hours < limit:
            return i
    return len(BUCKET_LIMITS_HOURS)


def area_names(group_by: GroupBy) -> dict[str, str]:
    """Every région (or département) of the gazetteer: code -> name."""
    from ror.geo import gazetteer

    g = gazetteer()
    return dict(g.regions() if group_by == "region" else g.departements())


def area_ref(group_by: GroupBy, code: str) -> dict[str, Any]:
    """An area as the drill-down names it: code, name, the région a département is ``within``,
    the départements a région is made of (``parts``)."""
    from ror.geo import gazetteer

    g = gazetteer()
    if group_by == "departement":
        region = g.region_of_departement(code)
        within = {"code": region, "name": g.region_name(region)} if region else None
        return {"code": code, "name": g.departement_name(code), "within": within, "parts": []}
    parts = [
        {"code": dep, "name": name}
        for dep, name in sorted(g.departements().items(), key=lambda item: _area_order(item[0]))
        if g.region_of_departement(dep) == code
    ]
    return {"code": code, "name": g.region_name(code), "within": None, "parts": parts}


def assemble(
    query: OverviewQuery,
    generated_at: datetime,
    per_area: dict[str, Figures],
    offers: int,
) -> Overview:
    """The answer from figures per area code: every known area listed, sorted by code."""
    names = area_names(query.group_by)
    codes = sorted(set(names) | set(per_area), key=_area_order)
    areas = tuple(
        AreaFigures(code, names.get(code), per_area.get(code, Figures())) for code in codes
    )
    totals = Figures()
    for area in areas:
        totals.add(area.figures)
    return Overview(query, generated_at, areas, totals, offers)


def _area_order(code: str) -> tuple[int, str]:
    return (len(code) if code[:1].isdigit() else 9, code)


# --- ror overview ---------------------------------------------------------------------------

_COLUMNS: Final = (
    ("installed", "installés"),
    ("available", "dispo."),
    ("occupied", "occupés"),
    ("closed", "fermés"),
    ("extra", "suppl."),
    ("units", "unités"),
)


def format_table(overview: Overview, *, all_areas: bool = False) -> str:
    """The overview as a text table (areas without units left out unless ``all_areas``)."""
    title = "région" if overview.query.group_by == "region" else "département"
    header = [title, *(label for _, label in _COLUMNS), *BUCKETS]
    rows: list[list[str]] = []
    for area in overview.areas:
        if not all_areas and area.figures.units == 0:
            continue
        rows.append(_row(f"{area.code} {area.name or ''}".strip(), area.figures))
    rows.append(_row("total", overview.totals))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        )
        for row in [header, *rows]
    ]
    filters = overview.query.to_dict()
    what = ", ".join(f"{name}={','.join(filters[name])}" for name in FILTER_FIELDS if filters[name])
    nature = "lits" if overview.query.bed_nature == "01" else "places"
    lines.insert(
        0,
        f"{nature}, temporalité courante, au {overview.generated_at:%Y-%m-%d %H:%M} UTC"
        + (f" ; {what}" if what else "")
        + f" ; {overview.offers} offres",
    )
    return "\n".join(lines)


def _row(label: str, f: Figures) -> list[str]:
    return [label, *(f"{getattr(f, name):,}".replace(",", " ") for name, _ in _COLUMNS)] + [
        str(n) for n in f.freshness
    ]
