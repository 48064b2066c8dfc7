"""Referral search, top-down (DESIGN §5).

    resolve place -> resolve text -> validate codes -> plan -> engine candidates
    -> check, score (ranking) -> widen until the nearest N that fit are certain -> near-misses
    -> cut -> explain -> facets -> keep for replay

Semantics worth knowing:

- **Eligibility** is ``ror.ranking.check`` and nothing else; the engine only prefilters.
- **Order**: score (best first), then distance, then offer id, so a page never depends on the
  page size.
- **Nearest N that fit** (no ``radius_km``): the radius grows through :data:`RADIUS_STEPS_KM`
  and stops at the first step where ``offset + limit`` eligible units are found *and* the
  ranking's upper bound for any unit beyond the step is below the last of them (or equal to
  it, the last being nearer than the step): the answer is then exactly the one a nationwide
  ranking would give. ``radius_km`` of the result is that
  step (None: the whole country was needed).
- **A territory** (a département or région as ``place``, ``Criteria.area``) is searched whole:
  the units located in it (``Offer.place.departement``) are the candidates, zone matches
  included, and all of them are counted (``total``, facets; ``radius_km`` None, and a radius
  asked with a territory is refused); the distance from the territory's point (the
  département's inner point, the région's chef-lieu) only orders them.
- **Home-based units** are matched by intervention zone when the patient's commune is known
  (from the place, or from the point by reverse geocoding), whatever their distance; they count
  in ``total`` and are ranked like the others (the ranking gives them no distance penalty).
- **Precision**: a place given as a commune or postcode is a commune centre, so the search
  runs at "city" precision at least; the ranking does not penalise distance within that
  uncertainty (``ranking.weights.PRECISION_UNCERTAINTY_KM`` added to the distance offset).
  Distances shown stay the distances from the point.
- **Near-misses**: up to :data:`NEAR_MISSES` units within the radius used that carry the
  requested codes (of every code field) and fail exactly one other hard criterion, nearest
  first (ties by id), among the nearest :data:`NEAR_MISS_CHECKS` units failing one prefiltered
  criterion (each is a near-miss unless ``open_at`` or ``colocated``, which the engines do not
  prefilter, fails too). A unit of another kind is not a near-miss.
- **total**: eligible units within the radius used, plus zone matches.
- **Groups** (``Criteria.grouping``, ``grouping.py``): grouped by bed zone or establishment,
  a match is a group ranked as its best unit, listing the group's other eligible units within
  the radius used (``Match.members``); ``total`` counts groups (``SearchResult.counted`` says
  which); a unit of a group having an eligible unit is no near-miss, and a group gives one
  near-miss at most (its nearest unit). Facets count units.
- **Audience** (``criteria.audience``, set by the API from the caller's access profile):
  sensitive units it may not see are left out by the engine before anything is counted
  (matches, total, near-misses, facets); without capacities, the ranking ignores beds.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Final

from ror import deadline, nomenclature
from ror.criteria import CODE_FIELDS, MAX_LIMIT, Criteria, Notice
from ror.dates import check_moment
from ror.errors import InvalidInput, NotFound, OutsideFrance, UnknownCode, UnknownPlace
from ror.geo import area_zone_keys, gazetteer, near_france, patient_zone_keys, reverse
from ror.geo.territory import territory_departements, territory_name, territory_phrase
from ror.model import Offer
from ror.ranking import Weights, check, explain, french, near_miss_reason
from ror.ranking import weights_for as ranking_weights
from ror.ranking.explain import grouped
from ror.ranking.hours import local
from ror.ranking.prices import price_summary, priced_once
from ror.search import ranker_rings
from ror.search.engine import Candidate, CandidateQuery, Engine, SearchRecord
from ror.search.grouping import Groups, Member, group_key, key_teller, keys_of, members
from ror.search.prefilter import Prefilter
from ror.search.ranker import (
    LOOKAHEAD,
    RADIUS_STEPS_KM,
    Merged,
    Ranked,
    Ranker,
    Ranking,
    consume,
    consume_by_zone,
    distance_of,
)
from ror.search.result import (
    Facet,
    FacetValue,
    Match,
    NearMiss,
    SearchResult,
    criteria_to_dict,
)
from ror.search.rings import IdOrder

NEAR_MISSES: Final = 5
BEYOND_CHECKS: Final = 2_000  # units read to find the nearest fitting beyond a fixed radius
NEAR_MISS_CHECKS: Final = 2_000  # units checked for near-misses (open_at, colocated unprefiltered)
FACET_FIELDS: Final = ("activity", "offer_type", "champ", "care_mode", "public")
PRECISION_ORDER: Final = {"exact": 0, "street": 1, "city": 2}
_ID_CHUNK: Final = 512  # offers looked up per step when ties are read in id order


# --- the pipeline --------------------------------------------------------------------------


def search(criteria: Criteria, engine: Engine, *, now: datetime | None = None) -> SearchResult:
    """Run one referral search; see the module docstring for what the answer means."""
    started = time.perf_counter()
    now = now or criteria.now or datetime.now(UTC)
    criteria = colocate(resolve(criteria), engine)
    zone_keys = patient_zones(criteria)
    query = plan(criteria, now, zone_keys)
    weights = ranking_weights(criteria.profile)
    with engine.snapshot(), priced_once():
        ranked = rank(engine, query, criteria, weights, now, zone_keys)
        near = near_misses(engine, ranked, criteria, now, zone_keys)
        nothing, beyond = nothing_found(engine, query, ranked, criteria, now, zone_keys)
        page = ranked.page(engine, criteria.offset, criteria.offset + criteria.limit)
        matches = explain_matches(engine, page, criteria, now, zone_keys, ranked.groups)
        facets, facet_warnings = count_facets(engine, query, ranked.radius_km, criteria)
    result = SearchResult(
        id=uuid.uuid4().hex,
        took_ms=(time.perf_counter() - started) * 1000.0,
        radius_km=ranked.radius_km,
        total=ranked.total,
        matches=matches,
        near_misses=(*beyond, *near),
        facets=facets,
        warnings=(*criteria.warnings, *nothing, *facet_warnings),
        criteria=criteria,
        strategy=ranked.strategy,
        group=criteria.grouping,
    )
    keep_for_replay(engine, result, now)
    return result


def get_offer(engine: Engine, offer_id: str) -> Offer:
    offer = engine.get(offer_id)
    if offer is None:
        raise NotFound(f"offre inconnue : {offer_id}", "id")
    return offer


def replay(engine: Engine, search_id: str) -> SearchRecord:
    """A past search: its criteria, the engine that answered, and the answer."""
    record = engine.get_search(search_id)
    if record is None:
        raise NotFound(f"recherche inconnue : {search_id}", "id")
    return record


# --- resolve -------------------------------------------------------------------------------


def resolve(criteria: Criteria) -> Criteria:
    """Place, then text resolved, then the codes validated: what the engine may be asked."""
    return validate(resolve_text(resolve_place(criteria)))


def resolve_place(criteria: Criteria) -> Criteria:
    """``place`` -> point and commune; a point alone -> its commune (for zones)."""
    if criteria.has_point:
        _check_point(criteria)
        if criteria.has_zone:
            return criteria
        area = reverse(criteria.lat, criteria.lon)  # type: ignore[arg-type]
        if area is None:
            _check_in_france(criteria)
            return _warn(
                criteria,
                "point_without_commune",
                "point hors des communes connues : les services à domicile sont cherchés "
                "par distance",
            )
        return criteria.with_(commune=area.insee)
    if not criteria.place or not criteria.place.strip():
        return criteria
    found = gazetteer().resolve(criteria.place, 2)
    if not found:
        raise UnknownPlace(f"lieu inconnu : « {criteria.place} »", "where.place")
    best = found[0]
    resolved = criteria.with_(
        lat=best.lat,
        lon=best.lon,
        commune=best.insee or None,
        area=best.area_key or None,
        precision=_coarser(criteria.precision, best.precision),
    )
    if len(found) > 1 and found[1].score >= best.score - 0.05:
        resolved = _warn(
            resolved,
            "place_ambiguous",
            f"« {criteria.place} » : retenu {best.label}, aussi possible : {found[1].label}",
        )
    return resolved


def _check_point(criteria: Criteria) -> None:
    assert criteria.lat is not None and criteria.lon is not None
    if not -90.0 <= criteria.lat <= 90.0:
        raise InvalidInput(f"latitude hors de [-90, 90] : {criteria.lat}", "where.lat")
    if not -180.0 <= criteria.lon <= 180.0:
        raise InvalidInput(f"longitude hors de [-180, 180] : {criteria.lon}", "where.lon")


def _check_in_france(criteria: Criteria) -> None:
    """A point farther than territorial waters from France is a 422 (``OutsideFrance``),
    saying so, and whether latitude and longitude look swapped."""
    lat, lon = criteria.lat, criteria.lon
    assert lat is not None and lon is not None
    if near_france(lat, lon):
        return
    message = f"point hors de France : lat {lat:g}, lon {lon:g}"
    swapped = -90.0 <= lon <= 90.0 and reverse(lon, lat)
    if swapped:
        message += (
            f" ; latitude et longitude inversées ? (lat {lon:g}, lon {lat:g} est à "
            f"{swapped.commune_name})"
        )
    raise OutsideFrance(message, "where.lat")


def _coarser(a: str, b: str) -> str:
    return a if PRECISION_ORDER.get(a, 0) >= PRECISION_ORDER.get(b, 0) else b


def _warn(criteria: Criteria, code: str, message: str) -> Criteria:
    return criteria.with_(warnings=(*criteria.warnings, Notice(code, message)))


def resolve_text(criteria: Criteria) -> Criteria:
    """Free text -> codes of the fields left empty; words not understood are warnings."""
    if not criteria.text or not criteria.text.strip():
        return criteria
    meaning = nomenclature.resolve_text(criteria.text)
    changes: dict[str, object] = {}
    warnings: list[Notice] = []
    for name, codes in meaning.codes.items():
        if name not in CODE_FIELDS:
            warnings.append(
                Notice("text_field_ignored", f"« {criteria.text} » : {name} ne sert pas de filtre")
            )
        elif getattr(criteria, name):
            warnings.append(
                Notice(
                    "text_codes_given", f"texte ignoré pour {name} : des codes sont déjà demandés"
                )
            )
        else:
            changes[name] = tuple(codes)
    ages = meaning.age_range
    if ages is not None and criteria.age is None:  # "enfant": 0-17, unless an age is given
        changes["age"], changes["age_to"] = ages[0], (None if ages[1] == ages[0] else ages[1])
    if meaning.private_practice:
        changes["prefer_private_practice"] = True
    if meaning.colocated and not criteria.colocated:
        changes["colocated"] = meaning.colocated
    if not meaning.codes and ages is None and not meaning.private_practice:
        warnings.append(
            Notice(
                "text_not_understood",
                f"« {criteria.text.strip()} » n'a pas été compris : la recherche porte sur vos "
                "autres critères",
            )
        )
    else:
        if meaning.unknown:
            words = ", ".join(f"« {w} »" for w in meaning.unknown)
            warnings.append(Notice("words_unknown", f"mot non compris, ignoré : {words}"))
        if meaning.vague:
            words = ", ".join(f"« {w} »" for w in meaning.vague)
            warnings.append(Notice("words_vague", f"mot trop vague pour filtrer : {words}"))
    resolved = criteria.with_(**changes) if changes else criteria
    return resolved.with_(warnings=(*resolved.warnings, *warnings)) if warnings else resolved


# --- validate ------------------------------------------------------------------------------


def validate(criteria: Criteria) -> Criteria:
    """Codes known in their nomenclature (normalised: "22" -> "022"), numbers in range."""
    if not 0 <= criteria.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit doit être entre 0 et {MAX_LIMIT}", "limit")
    if criteria.offset < 0:
        raise InvalidInput("offset doit être positif", "offset")
    if criteria.radius_km is not None and not criteria.radius_km > 0:
        raise InvalidInput("radius_km doit être positif", "radius_km")
    if criteria.radius_km is not None and criteria.area:
        raise InvalidInput(
            f"pas de rayon pour un territoire : {territory_name(criteria.area)} est cherché "
            "en entier",
            "radius_km",
        )
    if criteria.age is not None and not 0 <= criteria.age <= 150:
        raise InvalidInput("age doit être entre 0 et 150", "age")
    if criteria.open_at is not None:
        check_moment(criteria.open_at, "open_at")
    changes: dict[str, object] = {}
    for name in CODE_FIELDS:
        codes: tuple[str, ...] = getattr(criteria, name)
        if codes:
            key = nomenclature.FIELD_SYSTEMS[name]
            changes[name] = tuple(
                dict.fromkeys(_known(key, code, f"{name}[{i}]") for i, code in enumerate(codes))
            )
    if criteria.beds is not None:
        need = criteria.beds
        for part, key in (
            ("nature", "R329"),
            ("gender", "R332"),
            ("temporality", "R331"),
            ("assignment", "R337"),
        ):
            value = getattr(need, part)
            if value is not None:
                _known(key, value, f"beds.{part}")
        if need.min_available < 0:
            raise InvalidInput("beds.min_available doit être positif", "beds.min_available")
    colocated = []
    for i, (name, codes) in enumerate(criteria.colocated):
        if name not in CODE_FIELDS:
            raise InvalidInput(
                f"champ inconnu « {name} » (connus : {', '.join(CODE_FIELDS)})", f"colocated[{i}]"
            )
        if not codes:
            raise InvalidInput("au moins un code est attendu", f"colocated[{i}].{name}")
        key = nomenclature.FIELD_SYSTEMS[name]
        known = (_known(key, c, f"colocated[{i}].{name}[{j}]") for j, c in enumerate(codes))
        colocated.append((name, tuple(dict.fromkeys(known))))
    if colocated:
        changes["colocated"] = tuple(colocated)
    for i, item in enumerate(criteria.equipment):
        _known("R212", item.code, f"equipment[{i}].code")
        if item.feature is not None:
            _known("R340", item.feature, f"equipment[{i}].feature")
    return criteria.with_(**changes) if changes else criteria


def colocate(criteria: Criteria, engine: Engine) -> Criteria:
    """Each co-located requirement -> the establishments having it (``Criteria.colocated_egs``),
    as the caller's audience may see them."""
    if not criteria.colocated:
        return criteria
    champs = criteria.audience.sensitive_champs
    egs = tuple(
        engine.establishments_with(name, codes, champs) for name, codes in criteria.colocated
    )
    return criteria.with_(colocated_egs=egs)


def _known(key: str, code: str, where: str) -> str:
    if not nomenclature.has_table(key):
        return code
    normal = nomenclature.normalise_code(key, code)
    if not nomenclature.is_known(key, normal):
        title = nomenclature.system_title(key)
        raise UnknownCode(f"code inconnu « {code} » dans {key} ({title})", where)
    return normal


def patient_zones(criteria: Criteria) -> frozenset[str]:
    """Zone keys of the patient's commune and its parent areas, or of a territory searched as
    a whole (empty when unknown)."""
    if criteria.area:
        try:
            return area_zone_keys(criteria.area)
        except UnknownPlace as exc:
            raise UnknownPlace(exc.message, "area") from None
    if not criteria.commune:
        return frozenset()
    try:
        return patient_zone_keys(criteria.commune)
    except UnknownPlace as exc:
        raise UnknownPlace(exc.message, "commune") from None


# --- plan and rank -------------------------------------------------------------------------


def plan(criteria: Criteria, now: datetime, zone_keys: frozenset[str]) -> CandidateQuery:
    point = (criteria.lat, criteria.lon) if criteria.has_point else None
    return CandidateQuery(
        point=point,  # type: ignore[arg-type]
        codes=tuple(
            (name, getattr(criteria, name)) for name in CODE_FIELDS if getattr(criteria, name)
        ),
        prefilter=Prefilter.from_criteria(criteria, now),
        zone_keys=zone_keys,
        max_radius_km=criteria.radius_km,
        sensitive_champs=criteria.audience.sensitive_champs,
        departements=territory_departements(criteria.area) if criteria.area else (),
        colocated_egs=criteria.colocated_egs or (),
    )


def rank(
    engine: Engine,
    query: CandidateQuery,
    criteria: Criteria,
    weights: Weights,
    now: datetime,
    zone_keys: frozenset[str],
) -> Ranking:
    """The best ``offset + limit`` eligible units, exactly, widening the radius as needed."""
    candidates = engine.candidates(query)
    p = query.prefilter
    exact = p.exact or (candidates.decides_colocated and p.exact_but_colocated)
    ranker = Ranker(engine, criteria, weights, now, zone_keys, exact)
    stream, rings = candidates.stream, candidates.rings
    if rings is None:
        consume_by_zone(ranker, candidates.by_zone)

    steps: tuple[float | None, ...] = (*RADIUS_STEPS_KM, None)
    if query.point is None or query.departements:
        steps = (None,)  # no point, or a territory counted whole: radii do not apply
    elif criteria.radius_km is not None:
        steps = (criteria.radius_km,)
    more_pool: Iterator[Candidate] = iter(())
    try:
        if rings is not None:  # arrays: ranked many at once
            ranker.in_id_order = rings.in_id_order
            radius, more_pool = ranker_rings.consume(ranker, rings.rings(), steps, rings.by_zone)
        else:
            radius = consume(ranker, stream, steps)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    zoned = {c.ref for c in candidates.by_zone}
    return Ranking(
        ranker.top,
        ranker.group_total(),
        radius,
        candidates.strategy,
        ranker.pool,
        ranker.known,
        zoned,
        more_pool,
        ranker.in_id_order,
        ranker.groups,
        ranker.partial,
    )


# --- near-misses, cut, explain, facets -----------------------------------------------------


def near_misses(
    engine: Engine,
    ranked: Ranking,
    criteria: Criteria,
    now: datetime,
    zone_keys: frozenset[str],
) -> tuple[NearMiss, ...]:
    """The nearest units within the radius used failing exactly one hard criterion (grouped:
    one per group, none of a group that has a match)."""
    found: list[tuple[float, str, NearMiss]] = []
    pool = ranked.nearest_pool()
    grouping = criteria.grouping
    held: dict[str, tuple[float, str, NearMiss]] = {}  # group -> its entry in ``found``
    group_of: dict[str, str] = {}  # offer id -> group, of the entries in ``found``
    tells_keys = bool(ranked.groups) and key_teller(engine) is not None
    checked = 0

    def add(batch: Sequence[Candidate]) -> bool:
        """Check ``batch`` (within :data:`NEAR_MISS_CHECKS`); False once that many were."""
        nonlocal checked
        deadline.check()
        batch = batch[: NEAR_MISS_CHECKS - checked]
        checked += len(batch)
        missing = [c.ref for c in batch if c.ref not in ranked.known]
        if missing and tells_keys:
            # a unit of a group having a match is no near-miss: not read
            keys = keys_of(engine, missing, grouping)
            taken = {r for r, k in zip(missing, keys, strict=True) if k in ranked.groups}
            if taken:
                batch = [c for c in batch if c.ref not in taken]
                missing = [r for r in missing if r not in taken]
        if missing:
            ranked.known.update(zip(missing, engine.offers(missing), strict=True))
        for c in batch:
            if len(found) >= NEAR_MISSES and distance_of(c) > found[NEAR_MISSES - 1][0]:
                break
            offer = ranked.known[c.ref]
            failures = check(
                offer, criteria, now=now, patient_zone_keys=zone_keys, distance_km=c.distance_km
            )
            failure = near_miss_reason(failures)
            if failure is None:
                continue
            miss = NearMiss(offer, c.distance_km, failure.criterion, failure.reason)
            entry = (c.distance_km or 0.0, offer.id, miss)
            if grouping != "offer":
                group = group_key(offer, grouping)
                if group in ranked.groups:
                    continue
                before = held.get(group)
                if before is not None:
                    if before[:2] <= entry[:2]:
                        continue
                    found.remove(before)
                held[group], group_of[offer.id] = entry, group
            bisect.insort(found, entry, key=lambda t: t[:2])
            for dropped in found[NEAR_MISSES:]:
                held.pop(group_of.pop(dropped[1], ""), None)
            del found[NEAR_MISSES:]
        return checked < NEAR_MISS_CHECKS

    while checked < NEAR_MISS_CHECKS:  # as many as still wanted (each a near-miss if exact)
        batch = list(itertools.islice(pool, max(NEAR_MISSES - len(found), 1)))
        if not batch:
            break
        if len(found) >= NEAR_MISSES:
            last = found[NEAR_MISSES - 1]
            if distance_of(batch[0]) > last[0]:
                break
            if ranked.in_id_order is not None and distance_of(batch[0]) == last[0]:
                # a run at the last one's distance: only smaller ids may enter, read by id
                tied = Merged({c.ref: c for c in batch}, pool.at(last[0]))
                _tied_by_id(engine, ranked.in_id_order, tied, found, add)
                break
        add(batch)
    return tuple(t[2] for t in found[:NEAR_MISSES])


def _tied_by_id(
    engine: Engine,
    in_id_order: IdOrder,
    tied: Merged,
    found: list[tuple[float, str, NearMiss]],
    add: Callable[[Sequence[Candidate]], bool],
) -> None:
    """Near-miss the units of a run tied at the last one's distance in id order, up to the
    last one's id: the engine's offers walked in id order while that has read fewer offers
    than the run holds (a long run: its first ids come soon), then the run's own ids, read
    and sorted (a short run: as many offers as it holds, wherever their ids lie)."""
    refs = tied.all_refs()
    after, walked = "", 0
    while walked + _ID_CHUNK <= len(refs):
        chunk, last = in_id_order(after, found[NEAR_MISSES - 1][1], _ID_CHUNK)
        if not chunk:
            return
        walked += len(chunk)
        after = last
        if not add([tied[rid] for rid in tied.having(chunk)]):
            return
        if len(chunk) < _ID_CHUNK:
            return
    ids = [oid for oid, _ in engine.order_keys(refs.tolist())]
    rest = sorted(
        (oid, int(rid)) for oid, rid in zip(ids, refs.tolist(), strict=True) if oid > after
    )
    for i in range(0, len(rest), _ID_CHUNK):
        part = [
            (oid, rid) for oid, rid in rest[i : i + _ID_CHUNK] if oid < found[NEAR_MISSES - 1][1]
        ]
        if not part or not add([tied[rid] for _, rid in part]):
            return


def nothing_found(
    engine: Engine,
    query: CandidateQuery,
    ranked: Ranking,
    criteria: Criteria,
    now: datetime,
    zone_keys: frozenset[str],
) -> tuple[tuple[Notice, ...], tuple[NearMiss, ...]]:
    """When nothing fits: say whether any unit of the kind asked is listed in France at all
    (``none_listed``), and with a fixed radius, the nearest unit beyond it that fits every
    criterion, as a near-miss with its distance (``none_within_radius``)."""
    if ranked.total or (not query.codes and criteria.radius_km is None and not criteria.area):
        return (), ()
    wide = dataclasses.replace(query, max_radius_km=None)
    france = dataclasses.replace(wide, prefilter=Prefilter(), departements=(), colocated_egs=())
    if query.codes and not _any_listed(engine, france):
        asked = " ; ".join(
            ", ".join(_code_label(name, code) for code in codes) for name, codes in query.codes
        )
        return (
            Notice("none_listed", f"aucune offre de ce type n'est répertoriée en France ({asked})"),
        ), ()
    if criteria.area:
        where = territory_phrase(criteria.area)
        return (Notice("none_in_territory", f"aucune offre ne convient {where}"),), ()
    if criteria.radius_km is None or query.point is None:
        return (), ()
    radius = f"{french.compact(criteria.radius_km)}{french.NNBSP}km"
    nearest = _nearest_fitting(engine, wide, criteria, now, zone_keys)
    if nearest is None:
        message = f"aucune offre ne convient dans un rayon de {radius}, ni au-delà"
        return (Notice("none_within_radius", message),), ()
    where = nearest.offer.place.city or nearest.offer.establishment.name
    notice = Notice(
        "none_within_radius",
        f"aucune offre ne convient dans un rayon de {radius} ; la plus proche qui convient : "
        f"{nearest.offer.name} ({where}), à {french.km(nearest.distance_km or 0.0)}",
    )
    return (notice,), (nearest,)


def _code_label(name: str, code: str) -> str:
    label = nomenclature.label(nomenclature.FIELD_SYSTEMS[name], code)
    return f"{code} {label}" if label else code


def _any_listed(engine: Engine, query: CandidateQuery) -> bool:
    """Does the engine hold any unit carrying the codes of ``query`` (anywhere)?"""
    candidates = engine.candidates(query)
    if candidates.by_zone:
        return True
    if candidates.rings is not None:  # arrays: no unit made one by one
        try:
            return any(len(ring) for ring in candidates.rings.rings())
        finally:
            candidates.rings.close()
    stream = candidates.stream
    try:
        return any(isinstance(c, Candidate) for c in stream)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _nearest_fitting(
    engine: Engine,
    query: CandidateQuery,
    criteria: Criteria,
    now: datetime,
    zone_keys: frozenset[str],
) -> NearMiss | None:
    """The nearest unit beyond ``criteria.radius_km`` fitting every other criterion, as a
    near-miss on the radius (at most :data:`BEYOND_CHECKS` units read)."""
    radius = criteria.radius_km or 0.0
    candidates = engine.candidates(query)
    stream = candidates.stream
    read = 0
    try:
        pending = (
            c
            for c in stream
            if isinstance(c, Candidate) and c.fails == 0 and (c.distance_km or 0.0) > radius
        )
        while read < BEYOND_CHECKS:
            batch = list(itertools.islice(pending, LOOKAHEAD))
            if not batch:
                return None
            read += len(batch)
            for c, offer in zip(batch, engine.offers([c.ref for c in batch]), strict=True):
                failures = check(
                    offer, criteria, now=now, patient_zone_keys=zone_keys, distance_km=c.distance_km
                )
                if len(failures) == 1 and failures[0].criterion == "radius_km":
                    return NearMiss(offer, c.distance_km, "radius_km", failures[0].reason)
        return None
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def explain_matches(
    engine: Engine,
    page: list[Ranked],
    criteria: Criteria,
    now: datetime,
    zone_keys: frozenset[str],
    groups: Groups,
) -> tuple[Match, ...]:
    """The page's matches, explained; grouped, each with the other eligible units of its
    group (``groups``: the refs of each group's eligible units, ``grouping.members``)."""
    weights = ranking_weights(criteria.profile)
    refs = groups.members({r.group for r in page if r.group})
    wanted = [ref for group in refs.values() for ref in group]
    read = iter(engine.offers(wanted) if wanted else ())
    offers = {group: list(itertools.islice(read, len(part))) for group, part in refs.items()}
    out = []
    for r in page:
        others: tuple[Member, ...] = ()
        if r.group:
            others = members(
                r.offer,
                offers[r.group],
                criteria,
                now=now,
                weights=weights,
                zone_keys=zone_keys,
            )
        sentences: tuple[str, ...] = ()
        if criteria.explain:
            sentences = explain(r.offer, criteria, r.scored, distance_km=r.distance_km, now=now)
            sentences += grouped(criteria.grouping, [m.offer for m in others])
        price = price_summary(r.offer, criteria, local(r.offer, now).date())
        out.append(
            Match(
                r.offer,
                r.distance_km,
                r.score,
                r.scored.parts,
                sentences,
                r.scored.stale,
                r.by_zone,
                price,
                r.group,
                others,
            )
        )
    return tuple(out)


def count_facets(
    engine: Engine,
    query: CandidateQuery,
    radius_km: float | None,
    criteria: Criteria,
) -> tuple[tuple[Facet, ...], tuple[Notice, ...]]:
    """Facets with labels; see ``Engine.facets`` for exactly what they count."""
    if not criteria.facets:
        return (), ()
    counted = engine.facets(query, radius_km, FACET_FIELDS)
    facets = []
    for name in FACET_FIELDS:
        counts = counted.counts.get(name)
        if counts is None:
            continue
        selected = set(getattr(criteria, name))
        key = nomenclature.FIELD_SYSTEMS[name]
        values = tuple(
            FacetValue(code, nomenclature.label(key, code), n, code in selected)
            for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        facets.append(Facet(name, values))
    warnings = tuple(
        Notice("facet_incomplete", f"facette {name} non calculée : trop d'unités dans le rayon")
        for name in counted.incomplete
    )
    return tuple(facets), warnings


# --- replay --------------------------------------------------------------------------------


def keep_for_replay(engine: Engine, result: SearchResult, now: datetime) -> None:
    """Keep the criteria, the engine and the answer (ids, scores, reasons) under the id."""
    summary = {
        "took_ms": round(result.took_ms, 3),
        "radius_km": result.radius_km,
        "total": result.total,
        "group": result.group,
        "strategy": result.strategy,
        "warnings": [w.to_dict() for w in result.warnings],
        "matches": [
            {
                "offer_id": m.offer.id,
                "name": m.offer.name,
                "distance_km": None if m.distance_km is None else round(m.distance_km, 3),
                "score": round(m.score, 6),
                "parts": {k: round(v, 6) for k, v in m.parts.items()},
                "explain": list(m.explain),
                "stale": m.stale,
                "by_zone": m.by_zone,
                **({"members": [o.offer.id for o in m.members]} if m.group else {}),
            }
            for m in result.matches
        ],
        "near_misses": [
            {
                "offer_id": n.offer.id,
                "name": n.offer.name,
                "distance_km": None if n.distance_km is None else round(n.distance_km, 3),
                "criterion": n.criterion,
                "reason": n.reason,
            }
            for n in result.near_misses
        ],
        "facets": [f.to_dict() for f in result.facets],
    }
    engine.save_search(
        SearchRecord(
            id=result.id,
            created_at=now,
            engine=engine.name,
            engine_version=engine.version,
            criteria=criteria_to_dict(result.criteria),
            result=summary,
        )
    )
