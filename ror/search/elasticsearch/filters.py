"""Hard criteria as Elasticsearch filter clauses: one small builder per criterion, each written
once for every body the engine sends (candidate streams, facets, the overview, ``referral``).

Each builder is a pure function returning a query clause, or None when its input is unset
(pelias "views"), so :func:`hard_filters` is a comprehension that drops the Nones. Every clause
is named by the ``Failure.criterion`` of :func:`ror.ranking.eligibility.check` it stands for,
and means the same thing (see each docstring), so the Python check can confirm and explain
what Elasticsearch selected. The prefiltered criteria (age, reception, social aid, price
ceiling, closed, equipment) are the clauses of their ``ror.search.prefilter`` modules; the price
ceiling's is wider than its check, which then rejects the few extra documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from functools import cache
from typing import Any, Final

from ror.criteria import BedNeed, Criteria
from ror.geo.territory import territory_departements
from ror.mappings import fields as f
from ror.mappings.dsl import Clause, all_of, any_of, exists, km, missing, nested, none_of, term
from ror.model import Place
from ror.nomenclature.named_codes import AVAILABLE, UNDIFFERENTIATED
from ror.ranking.hours import PARIS, local_zone
from ror.search.elasticsearch.documents import free_key
from ror.search.prefilter import (
    AGE,
    CLOSED,
    PRICE,
    RECEPTION,
    SOCIAL_AID,
    Criterion,
    Prefilter,
    asked,
    needs_clause,
)

Named = tuple[str, Clause]


# --- one builder per criterion ----------------------------------------------------------------


def codes_filter(field: str, codes: Sequence[str]) -> Clause | None:
    """Any of ``codes`` in ``field`` (all-of across fields comes from the enclosing bool)."""
    return {"terms": {field: list(codes)}} if codes else None


def code_clauses(codes: Sequence[tuple[str, Sequence[str]]]) -> list[Clause]:
    """One :func:`codes_filter` per criteria code field of a ``CandidateQuery.codes``."""
    clauses = (codes_filter(f.CODE_FIELDS[name], values) for name, values in codes)
    return [clause for clause in clauses if clause is not None]


def prefilter_clauses(p: Prefilter) -> list[Clause]:
    """One clause per prefilter criterion asked, holding when the unit passes it (the
    Elasticsearch form of each ``ror.search.prefilter`` criterion)."""
    return [criterion.clause(p) for criterion in asked(p)]


def zone_filter(zone_keys: Iterable[str]) -> Clause:
    """Home-based offers one of whose zones is among the patient's zone keys."""
    return {"terms": {f.ZONE_KEYS: sorted(set(zone_keys))}}


def not_home_based() -> Clause:
    """Offers with no intervention zone (matched by distance, not by zone)."""
    return missing(f.ZONE_KEYS)


def audience_filter(sensitive_champs: tuple[str, ...] | None) -> Clause | None:
    """Leaves out the sensitive units an audience may not see: those flagged sensitive that
    carry none of ``sensitive_champs`` (``Audience.sensitive_champs``; None: no filter)."""
    if sensitive_champs is None:
        return None
    hidden = [term(f.SENSITIVE, True)]
    if sensitive_champs:
        hidden.append(none_of({"terms": {f.CHAMP: list(sensitive_champs)}}))
    return none_of(all_of(*hidden))


def code_filters(criteria: Criteria) -> list[Named]:
    named = []
    for name, field in f.CODE_FIELDS.items():
        clause = codes_filter(field, getattr(criteria, name))
        if clause is not None:
            named.append((name, clause))
    return named


def gender_clause(gender: str | None) -> Clause | None:
    """The R332 rule of ``ranking.beds``: the gender asked, undifferentiated, or none given."""
    if gender is None:
        return None
    genders = sorted({gender, UNDIFFERENTIATED})
    return any_of({"terms": {f.CAP_GENDER: genders}}, missing(f.CAP_GENDER))


def beds_filter(need: BedNeed | None) -> Clause | None:
    """Free beds of the needed kind now: ``available_beds(offer, need) ≥ min_available``.

    A nested query finds one matching counter with a free bed (status, nature, temporality,
    assignment and gender on the *same* counter); when more than one bed is asked, the sum over
    matching counters (denormalised into ``free.<key>`` at index time) must reach it too.
    """
    if need is None or need.min_available <= 0:
        return None
    counter = [
        term(f.CAP_STATUS, AVAILABLE),
        term(f.CAP_NATURE, need.nature),
        term(f.CAP_TEMPORALITY, need.temporality),
        term(f.CAP_ASSIGNMENT, need.assignment),
        {"range": {f.CAP_COUNT: {"gte": 1}}},
    ]
    gender = gender_clause(need.gender)
    if gender is not None:
        counter.append(gender)
    one = nested(f.CAPACITIES, all_of(*counter))
    if need.min_available == 1:
        return one
    total = {"range": {f"{f.FREE}.{free_key(need)}": {"gte": need.min_available}}}
    return all_of(one, total)


# Opening hours: local wall-clock time, per time zone of the offers' départements.

_OVERSEAS_CODES: Final = tuple(str(n) for n in range(971, 990))


@cache
def _time_zone_groups() -> tuple[tuple[tzinfo, tuple[str, ...]], ...]:
    """Départements whose time is not Paris time, grouped by zone (from ``ranking.hours``)."""
    groups: dict[tzinfo, list[str]] = {}
    for code in _OVERSEAS_CODES:
        zone = local_zone(Place(lat=0.0, lon=0.0, commune="", departement=code, region=""))
        if zone is not PARIS:
            groups.setdefault(zone, []).append(code)
    return tuple((zone, tuple(codes)) for zone, codes in groups.items())


def _valid_on(day: date) -> Clause:
    return none_of(
        {"range": {f.OPENING_VALID_FROM: {"gt": day.isoformat()}}},
        {"range": {f.OPENING_VALID_TO: {"lt": day.isoformat()}}},
    )


def open_on_wall_clock(at: datetime) -> Clause:
    """Some opening row covers this local time (rows as ``es_documents.opening_row``)."""
    clock = at.time().replace(tzinfo=None).isoformat()
    day = at.date()
    before = day - timedelta(days=1)
    same_day = all_of(
        term(f.OPENING_DAYS, day.isoweekday()),
        _valid_on(day),
        {"range": {f.OPENING_FROM: {"lte": clock}}},
        any_of(term(f.OPENING_OVERNIGHT, True), {"range": {f.OPENING_TO: {"gt": clock}}}),
    )
    after_midnight = all_of(
        term(f.OPENING_OVERNIGHT, True),
        term(f.OPENING_DAYS, before.isoweekday()),
        _valid_on(before),
        {"range": {f.OPENING_TO: {"gt": clock}}},
    )
    return nested(f.OPENING, any_of(same_day, after_midnight))


def open_at_filter(moment: datetime | None) -> Clause | None:
    """Open at ``moment`` in each offer's own time zone; no hours published = open."""
    if moment is None:
        return None
    no_hours = none_of(nested(f.OPENING, {"match_all": {}}))
    groups = _time_zone_groups()
    elsewhere = [code for _, codes in groups for code in codes]
    per_zone = [
        all_of(
            none_of({"terms": {f.PLACE_DEPARTEMENT: elsewhere}}),
            open_on_wall_clock(moment.astimezone(PARIS)),
        )
    ]
    for zone, codes in groups:
        per_zone.append(
            all_of(
                {"terms": {f.PLACE_DEPARTEMENT: list(codes)}},
                open_on_wall_clock(moment.astimezone(zone)),
            )
        )
    return any_of(no_hours, *per_zone)


def geo_distance_filter(lat: float, lon: float, radius_km: float) -> Clause:
    return {"geo_distance": {"distance": km(radius_km), f.LOCATION: {"lat": lat, "lon": lon}}}


def where_filter(
    criteria: Criteria, radius_km: float | None, patient_zone_keys: Iterable[str] = ()
) -> Named | None:
    """Home-based offers by intervention zone when the patient's zones are known, whatever the
    distance; every other offer within ``radius_km`` of the point (when both are given)."""
    keys = frozenset(patient_zone_keys)
    within = None
    if radius_km is not None and criteria.lat is not None and criteria.lon is not None:
        within = geo_distance_filter(criteria.lat, criteria.lon, radius_km)
    if keys:
        by_distance = not_home_based()
        if within is not None:
            by_distance = {"bool": {"must_not": [exists(f.ZONE_KEYS)], "filter": [within]}}
        return "zone", any_of(zone_filter(keys), by_distance)
    return ("radius_km", within) if within is not None else None


def departements_filter(codes: Sequence[str]) -> Clause | None:
    """Located in one of these départements (``CandidateQuery.departements``), None: anywhere."""
    return {"terms": {f.PLACE_DEPARTEMENT: list(codes)}} if codes else None


def territory_filter(area: str | None) -> Clause | None:
    """Located in the territory searched (a département or région, ``Criteria.area``)."""
    return departements_filter(territory_departements(area)) if area else None


def hard_filters(
    criteria: Criteria,
    *,
    now: datetime,
    radius_km: float | None,
    patient_zone_keys: Iterable[str] = (),
) -> list[Named]:
    """Every hard criterion of ``criteria`` as ``(criterion, clause)``, in the check's order."""
    p = Prefilter.from_criteria(criteria, now)

    def prefiltered(criterion: Criterion) -> Named | None:
        return (criterion.name, criterion.clause(p)) if criterion.asked(p) else None

    named: list[tuple[str, Clause | None] | None] = [
        *code_filters(criteria),
        prefiltered(AGE),
        prefiltered(RECEPTION),
        prefiltered(SOCIAL_AID),
        prefiltered(PRICE),
        ("equipment", needs_clause(criteria.equipment)),
        ("beds", beds_filter(criteria.beds)),
        ("open_at", open_at_filter(criteria.open_at)),
        prefiltered(CLOSED),
        ("colocated", colocated_filter(criteria.colocated_egs)),
        ("area", territory_filter(criteria.area)),
    ]
    where = where_filter(criteria, radius_km, patient_zone_keys)
    if where is not None:
        named.append(where)
    return [(item[0], item[1]) for item in named if item is not None and item[1] is not None]


def establishments_query(
    field: str,
    codes: Sequence[str],
    sensitive_champs: tuple[str, ...] | None,
    after: dict[str, Any] | None = None,
    page: int = 1000,
) -> dict[str, Any]:
    """The search body listing the EG ids having an offer with one of ``codes`` in the criteria
    field ``field`` (``Engine.establishments_with``): a composite aggregation on
    ``establishment.id``, paged by ``after``; sensitive units only for an unrestricted audience."""
    filters: list[Clause] = [{"terms": {f.CODE_FIELDS[field]: list(codes)}}]
    if sensitive_champs is not None:
        filters.append(none_of(term(f.SENSITIVE, True)))
    composite: dict[str, Any] = {"size": page, "sources": [{"eg": {"terms": {"field": f.EST_ID}}}]}
    if after is not None:
        composite["after"] = after
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {"bool": {"filter": filters}},
        "aggs": {"egs": {"composite": composite}},
    }


def colocated_filter(egs: Sequence[frozenset[str]] | None) -> Clause | None:
    """The unit's establishment is among those having each co-located requirement's codes
    (``Criteria.colocated_egs``): one ``terms`` on ``establishment.id`` per requirement."""
    if not egs:
        return None
    return all_of(*({"terms": {f.EST_ID: sorted(ids)}} for ids in egs))
