"""Which capacity counters are valid ROR indicators, checked before any push is applied.

A counter (``ror-location-supported-capacity``, ROR-MODEL §3.1) is an *indicator*: a
combination of nature (R329), status (R330), temporality (R331), the qualifiers of its status
and a temporary assignment (R337). The national push API refuses a combination it does not
know with a 400 ``business-rule`` ("Les valeurs du nouvel objet ne correspondent pas à un
indicateur valide : capacityStatus: 02 / temporalityCapacity: 01 / …"). ANS hands its list of
indicators to each provider privately; ours is derived from the published definitions (TRE
labels, the IG's cardinalities and the "used with status …" rules of the model):

===================  ==============================================  =====================
status (R330)        qualifiers it may carry (each optional)         temporalities (R331)
===================  ==============================================  =====================
01 Installé          none                                            01 Courant
02 Disponible        gender R332 (01 F, 02 H, 03 Indiff., 04 Indét.)  01, and forecasts 02–05
03 Occupé            none                                            01
04 Réservé           none (it is itself "expected within 24 h")      01
05 Fermé             closing type R333                               01, and forecasts 02–05
06 Supplémentaire    extra-bed type R334, crisis type R336           01
07, 08, 09           refused: 07 Opérationnel is computed and deprecated (never exchanged);
                     08 Installé constaté and 09 Autorisé are FINESS figures, not pushes
===================  ==============================================  =====================

Every indicator takes either nature (01 Lit, 02 Place) and any temporary assignment
(01 Aucune, 02 Covid+, 03 Covid-); the source (R335) must be a known code; the count is an
integer from 0 to :data:`MAX_COUNT`; ``updated_at`` carries its UTC offset and is not later
than the server's clock plus :data:`CLOCK_SKEW` (a counter dated in the future would make
every correct update after it look stale).

Codes are normalised as the tables spell them ("2" -> "02").

Once a push is applied, the Location's counters must stay plausible (:func:`implausible`): the
available beds now of one nature and gender (R330 02, current, summed over assignments) may not
exceed the installed (01) plus supplementary (06) beds of that nature, when an installed count
is known. A push may change both in the same request.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from ror import nomenclature
from ror.dates import FIRST_YEAR, LAST_YEAR
from ror.errors import InvalidInput
from ror.model import CAPACITY_KEY_FIELDS, Capacity
from ror.nomenclature.named_codes import CURRENT

#: The counters pushed for one Location (its id first), as the engines take them.
LocationCounters = tuple[str, Sequence[Capacity]]
MAX_COUNT: Final = 100_000
CLOCK_SKEW: Final = timedelta(minutes=5)

FORECASTS: Final = frozenset({"02", "03", "04", "05"})
PUSHABLE_STATUSES: Final = frozenset({"01", "02", "03", "04", "05", "06"})
NOT_PUSHED: Final = {
    "07": "le statut 07 Opérationnel est calculé (déprécié en 2025) et ne s'échange pas",
    "08": "le statut 08 Installé constaté est une donnée FINESS, pas un indicateur poussé",
    "09": "le statut 09 Autorisé est une donnée FINESS, pas un indicateur poussé",
}
WITH_FORECASTS: Final = frozenset({"02", "05"})  # Disponible, Fermé

# The qualifier a status may carry: Capacity attribute -> (system, the only status allowing it).
QUALIFIERS: Final = {
    "gender": ("R332", frozenset({"02"})),
    "closing_type": ("R333", frozenset({"05"})),
    "extra_bed_type": ("R334", frozenset({"06"})),
    "crisis": ("R336", frozenset({"06"})),
}
_STATUS_OF_QUALIFIER: Final = {
    "gender": "02 Disponible",
    "closing_type": "05 Fermé",
    "extra_bed_type": "06 Supplémentaire",
    "crisis": "06 Supplémentaire",
}
# The national API's names of the sub-extensions (for messages and the FHIR facade).
FHIR_NAMES: Final = {
    "nature": "capacityType",
    "status": "capacityStatus",
    "temporality": "temporalityCapacity",
    "gender": "genderCapacityAvailable",
    "closing_type": "capacityClosingType",
    "extra_bed_type": "additionalBedType",
    "crisis": "crisisType",
    "assignment": "temporaryAssignement",
    "count": "nbCapacity",
    "source": "capacitySourceType",
    "updated_at": "capacityUpdateDate",
}
SYSTEMS: Final = {
    "nature": "R329",
    "status": "R330",
    "temporality": "R331",
    "gender": "R332",
    "closing_type": "R333",
    "extra_bed_type": "R334",
    "crisis": "R336",
    "assignment": "R337",
    "source": "R335",
}


class InvalidIndicator(InvalidInput):
    """A counter that is not a valid ROR indicator (HTTP 400), naming the combination."""

    code = "invalid_indicator"

    def __init__(self, message: str, field: str | None, combination: str) -> None:
        super().__init__(message, field)
        self.combination = combination

    def to_dict(self) -> dict[str, str | None]:
        return {**super().to_dict(), "combination": self.combination}


def describe(c: Capacity) -> str:
    """The combination as the national API writes it: ``capacityType: 01 / capacityStatus: 02 /
    … / temporaryAssignement: 01`` (``null`` for an absent qualifier)."""
    parts = [f"{FHIR_NAMES[name]}: {getattr(c, name) or 'null'}" for name in CAPACITY_KEY_FIELDS]
    return " / ".join(parts)


def indicator_problem(c: Capacity) -> tuple[str, str] | None:
    """Why ``c`` (codes already normalised) is not a valid indicator: (attribute, reason), or
    None when it is one. Only the combination is judged, not the count or the date."""
    return _problem(c.key(), c.source)


@functools.lru_cache(maxsize=4096)
def _problem(combination: tuple[str, ...], source: str) -> tuple[str, str] | None:
    """:func:`indicator_problem` of a combination (combinations repeat: it is cached)."""
    nature, status, temporality, gender, closing, extra, crisis, assignment = combination
    c = Capacity(
        nature=nature,
        status=status,
        temporality=temporality,
        count=0,
        updated_at=datetime.min,
        source=source,
        gender=gender or None,
        closing_type=closing or None,
        extra_bed_type=extra or None,
        crisis=crisis or None,
        assignment=assignment,
    )
    for name in ("nature", "status", "temporality", "assignment", "source"):
        key = SYSTEMS[name]
        if not nomenclature.is_known(key, getattr(c, name)):
            return name, f"{name} : code {getattr(c, name)!r} inconnu dans {key}"
    if c.status in NOT_PUSHED:
        return "status", NOT_PUSHED[c.status]
    if c.status not in PUSHABLE_STATUSES:
        return "status", f"statut {c.status!r} non poussable"
    for name, (key, statuses) in QUALIFIERS.items():
        code = getattr(c, name)
        if code is None:
            continue
        if not nomenclature.is_known(key, code):
            return name, f"{name} : code {code!r} inconnu dans {key}"
        if c.status not in statuses:
            return name, (
                f"{name} ({key}) ne se donne qu'avec le statut {_STATUS_OF_QUALIFIER[name]}, "
                f"pas avec le statut {c.status} {nomenclature.label('R330', c.status)}"
            )
    if c.temporality != CURRENT and c.status not in WITH_FORECASTS:
        return "temporality", (
            f"une temporalité prévisionnelle ({c.temporality}) ne se donne qu'avec les statuts "
            f"02 Disponible et 05 Fermé, pas avec le statut {c.status} "
            f"{nomenclature.label('R330', c.status)}"
        )
    return None


def normalised(c: Capacity) -> Capacity:
    """``c`` with every code spelled as its table spells it ("2" -> "02")."""
    changes: dict[str, Any] = {}
    for name, key in SYSTEMS.items():
        code = getattr(c, name)
        if code is not None:
            fixed = nomenclature.normalise_code(key, code)
            if fixed != code:
                changes[name] = fixed
    return dataclasses.replace(c, **changes) if changes else c


def check_counter(c: Capacity, *, now: datetime, field: str = "") -> Capacity:
    """The counter normalised, or :class:`InvalidIndicator` naming the attribute
    (``field`` + ``.status``…) and the combination."""
    c = normalised(c)
    prefix = f"{field}." if field else ""
    combination = describe(c)
    problem = indicator_problem(c)
    if problem is not None:
        name, reason = problem
        raise InvalidIndicator(
            f"les valeurs ne correspondent pas à un indicateur valide ({combination}) : {reason}",
            prefix + name,
            combination,
        )
    for attribute, refused in (
        ("count", count_problem(c.count)),
        ("updated_at", moment_problem(c.updated_at, now)),
    ):
        if refused is not None:
            raise InvalidIndicator(refused, prefix + attribute, combination)
    return c


_NATURE_WORDS: Final = {"01": ("lit", "lits"), "02": ("place", "places")}
_GENDER_WORDS: Final = {
    "01": "femmes",
    "02": "hommes",
    "03": "indifférenciés",
    "04": "genre indéterminé",
}


def implausible(counters: Iterable[Capacity]) -> tuple[Capacity, str] | None:
    """The first available counter of a Location's current counters exceeding installed plus
    supplementary beds of its nature (module docstring), with the sentence naming both counts;
    None when every one is plausible."""
    installed: dict[str, int] = {}
    extra: dict[str, int] = {}
    available: dict[tuple[str, str], tuple[int, Capacity]] = {}
    for c in counters:
        if c.temporality != CURRENT:
            continue
        count = max(c.count, 0)
        if c.status == "01":
            installed[c.nature] = installed.get(c.nature, 0) + count
        elif c.status == "06":
            extra[c.nature] = extra.get(c.nature, 0) + count
        elif c.status == "02":
            key = (c.nature, c.gender or "")
            total, first = available.get(key, (0, c))
            available[key] = (total + count, first)
    for (nature, gender), (count, counter) in sorted(available.items()):
        if nature not in installed:
            continue
        ceiling = installed[nature] + extra.get(nature, 0)
        if count > ceiling:
            one, many = _NATURE_WORDS.get(nature, ("lit", "lits"))
            who = f" ({_GENDER_WORDS[gender]})" if gender in _GENDER_WORDS else ""
            return counter, (
                f"{count} {many if count > 1 else one} "
                f"{'disponibles' if count > 1 else 'disponible'}{who} pour "
                f"{installed[nature]} installés et {extra.get(nature, 0)} supplémentaires : "
                "plus de disponibles que de lits ouverts (mettez à jour le nombre installé "
                "dans la même requête si la capacité a changé)"
            )
    return None


def pushed_field(updates: Sequence[LocationCounters], loc: str, bad: Capacity) -> str:
    """``locations[i].counters[j].count`` of the pushed counter behind ``bad`` (its key, else
    an installed or supplementary counter of its nature)."""
    found: tuple[int, int] | None = None
    for i, (where, counters) in enumerate(updates):
        if where != loc:
            continue
        for j, c in enumerate(counters):
            if c.key() == bad.key():
                found = (i, j)
                break
            if found is None and c.nature == bad.nature and c.status in ("01", "06"):
                found = (i, j)
        if found is not None:
            break
    i, j = found or (0, 0)
    return f"locations[{i}].counters[{j}].count"


def count_problem(count: object) -> str | None:
    """Why a counter's count is refused (None: it is fine)."""
    if isinstance(count, bool) or not isinstance(count, int):
        return "count doit être un entier"
    if not 0 <= count <= MAX_COUNT:
        return f"count doit être compris entre 0 et {MAX_COUNT} (reçu {count})"
    return None


def moment_problem(updated_at: datetime, now: datetime) -> str | None:
    """Why a counter's date is refused (None: it is fine)."""
    if updated_at.tzinfo is None or updated_at.utcoffset() is None:
        return "updated_at doit préciser son décalage horaire, p. ex. 2026-11-26T14:00:00+01:00"
    if not FIRST_YEAR <= updated_at.year <= LAST_YEAR:
        return f"updated_at hors limites : années {FIRST_YEAR} à {LAST_YEAR}"
    if updated_at > now + CLOCK_SKEW:
        return (
            f"updated_at est dans le futur ({updated_at.isoformat()}, horloge du serveur "
            f"{now.isoformat(timespec='seconds')}) : un compteur daté du futur bloquerait "
            "toutes les mises à jour suivantes"
        )
    return None
