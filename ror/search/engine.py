"""The engine interface: what the search pipeline needs from a storage backend.

Two implementations share it: the embedded SQLite engine (``embedded.py``, the default) and the
Elasticsearch backend. The pipeline (``pipeline.py``) is written against this module only.

The contract that makes results exact: :meth:`Engine.candidates` streams every unit that passes
the query's code filters, with the number of *prefilter* criteria it fails (``fails``), in
increasing distance. Units failing two or more prefilter criteria may be left out (they can be
neither matches nor near-misses). The pipeline then decides eligibility with
``ror.ranking.check`` (the one source of truth), scores, and stops widening when the ranking's
upper bound says no farther unit can enter the results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

from ror.availability.history import DEFAULT_PAGE, HistoryPage
from ror.availability.indicators import LocationCounters as LocationCounters
from ror.availability.overview import Overview, OverviewQuery
from ror.model import Capacity, Offer
from ror.search.prefilter import Prefilter

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ror.search.rings import RingStream

Progress = Callable[[int], None]  # called with the number of offers loaded so far
OrderKeys = tuple[str, datetime | None]  # an offer's id and last_updated

# Rings of a distance stream: radius steps of the pipeline (from 2 km), so that a search can
# stop at a step without reading the next ring.
ANNULI_KM: Final = (2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)


@dataclass(frozen=True, slots=True)
class LoadStats:
    """What a bulk load did."""

    loaded: int
    seconds: float
    replaced_all: bool
    rejected: tuple[tuple[str, str], ...] = ()  # (offer id, reason) of offers that could not land

    @property
    def per_second(self) -> float:
        return self.loaded / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True, slots=True)
class CounterOutcome:
    """What happened to one pushed counter."""

    key: tuple[str, ...]  # Capacity.key()
    applied: bool
    reason: str  # "applied", "stale" (older or same updated_at as the stored one)
    stored_updated_at: datetime | None  # the updated_at kept after the update


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """Answer to a capacity push for one Location."""

    location_id: str
    applied: int
    ignored_stale: int
    offers: tuple[str, ...]  # ids of the offers that use the Location (all see the new counts)
    results: tuple[CounterOutcome, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "location_id": self.location_id,
            "applied": self.applied,
            "ignored_stale": self.ignored_stale,
            "offers": list(self.offers),
            "results": [
                {
                    "key": list(r.key),
                    "applied": r.applied,
                    "reason": r.reason,
                    "stored_updated_at": r.stored_updated_at.isoformat()
                    if r.stored_updated_at
                    else None,
                }
                for r in self.results
            ],
        }


# --- availability: pushes, owners, overview, history -------------------------------------


@dataclass(frozen=True, slots=True)
class LocationInfo:
    """Who owns a Location and what uses it: write rights and capacity access are decided on
    it (``ror.api.access.require_writer``, ``require_capacities``)."""

    location_id: str
    finess: frozenset[str]  # FINESS of the establishments (EG) of its offers, upper case
    establishment_ids: frozenset[str]  # FHIR ids of those EG
    champs: frozenset[str]  # R227 codes of its offers
    offers: tuple[str, ...]  # ids of the offers using it, sorted


# Pushes for several Locations at once: (Location id, its counters).


@dataclass(frozen=True, slots=True)
class CandidateQuery:
    """The engine-level query: hard code filters, prefilter criteria and geometry.

    ``codes`` holds only the requested code fields (any-of within a field, all-of across).
    ``zone_keys`` are the patient's zone keys: when not empty, home-based offers are matched by
    intervention zone (returned in :attr:`Candidates.by_zone`, whatever their distance) and
    count one prefilter failure in the distance stream unless matched.
    ``max_radius_km`` bounds the distance stream (None: nationwide).
    ``departements``: when not empty, only units located in one of these départements are
    candidates, zone matches included (a territory searched as a whole; ``Offer.place``).
    ``sensitive_champs`` (``Audience.sensitive_champs``): when not None, units flagged
    sensitive are left out of candidates and facets unless they carry one of these champ codes.
    ``strict``: only units failing no prefilter criterion are wanted (no near-misses), so the
    engine may leave out every unit that fails one (the FHIR facade's query).
    ``colocated_egs`` (``Criteria.colocated_egs``): the establishments having each co-located
    requirement; an engine that decides them counts one failure per requirement a unit's
    establishment is not among (``Candidates.decides_colocated``), else ``check`` does.
    """

    point: tuple[float, float] | None
    codes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    prefilter: Prefilter = field(default_factory=Prefilter)
    zone_keys: frozenset[str] = frozenset()
    max_radius_km: float | None = None
    sensitive_champs: tuple[str, ...] | None = None
    strict: bool = False
    departements: tuple[str, ...] = ()
    colocated_egs: tuple[frozenset[str], ...] = ()

    def codes_of(self, name: str) -> tuple[str, ...]:
        return dict(self.codes).get(name, ())


@dataclass(frozen=True, slots=True)
class Candidate:
    """A unit that passed the code filters. ``ref`` is the engine's handle to load it."""

    ref: int
    distance_km: float | None
    fails: int  # prefilter criteria failed (0 or 1 in streams)
    # ``fails`` is exactly ``prefilter.fails`` (selected prices included): a unit with none
    # may then be counted eligible without ``check``. False (the safe default): always checked.
    sure: bool = False


@dataclass(frozen=True, slots=True)
class RingMark:
    """In a distance stream: every unit within ``covered_km`` has been streamed. The pipeline
    can then stop widening there without making the engine read farther."""

    covered_km: float


Streamed = Candidate | RingMark  # what a distance stream yields
REPLAY_KEEP_DAYS: Final = 30  # ROR_REPLAY_DAYS: a replay record older than this is deleted
REPLAY_PRUNE_EVERY: Final = 1000  # records saved between two deletions of old ones (per process)


@dataclass(slots=True)
class Candidates:
    """Candidates of a query: zone matches (any distance) and the distance-ordered stream.

    ``by_zone`` may hold units failing one prefilter criterion too (near-miss material).
    """

    by_zone: list[Candidate]
    stream: Iterator[Streamed]
    strategy: str  # how the engine produced them ("facet-first", "spatial", "scan", …)
    # The same stream readable ring by ring as arrays (``rings.RingStream``), with the zone
    # matches as arrays: an engine capability the ranker uses to rank many units at once.
    rings: RingStream | None = None
    # The stream gives refs and distances without reading a document: its units can be
    # counted for less than reading them (False: every unit read costs a document).
    counts_without_reading: bool = False
    # ``fails`` (and ``sure``) count the co-located requirements (``CandidateQuery.colocated_egs``)
    # too: a sure unit needs no check for them.
    decides_colocated: bool = False


@dataclass(frozen=True, slots=True)
class FacetCounts:
    """Per facet field: code -> number of units (see ``Engine.facets``)."""

    counts: Mapping[str, Mapping[str, int]]
    population: str  # what was counted, in words
    incomplete: tuple[str, ...] = ()  # fields left out: too many units to count in time


@dataclass(frozen=True, slots=True)
class SearchRecord:
    """A search kept for replay: what was asked, by which engine, and what was answered."""

    id: str
    created_at: datetime
    engine: str
    engine_version: str
    criteria: dict[str, Any]
    result: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "engine": self.engine,
            "engine_version": self.engine_version,
            "criteria": self.criteria,
            "result": self.result,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchRecord:
        return cls(
            id=data["id"],
            created_at=datetime.fromisoformat(data["created_at"]),
            engine=data["engine"],
            engine_version=data["engine_version"],
            criteria=data["criteria"],
            result=data["result"],
        )


ESTABLISHMENT_OFFERS_MAX: Final = 500  # the largest synthetic EG has about 150
AREA_OFFERS_MAX: Final = 20_000  # the largest synthetic région at 100 k holds about 19,000


@runtime_checkable
class Listings(Protocol):
    """What an engine that can list in key order offers (a capability: the FHIR facade pages a
    listing or a lookup by id through it, reading only the page; without it, it scans)."""

    def offer_refs(self, offer_ids: Sequence[str]) -> dict[str, int]:
        """Refs of the offers with these ids (unknown ids left out)."""
        ...

    def offers_in_id_order(self, after: str, limit: int) -> list[tuple[int, str]]:
        """(ref, id) of the offers whose id sorts after ``after``, in id order."""
        ...

    def locations_in_id_order(self, after: str, limit: int) -> list[tuple[str, tuple[int, ...]]]:
        """(Location id, refs of the offers using it) after ``after``, in Location id order."""
        ...

    def location_count(self) -> int:
        """How many Locations the offers use."""
        ...

    def sensitive_units(self) -> dict[int, tuple[str, ...]]:
        """Refs of the sensitive units, with their champ (R227) codes."""
        ...


#: A bound of a number range: (value, inclusive); None for an open end.
Bound = tuple[float, bool] | None


@dataclass(frozen=True, slots=True)
class CounterTest:
    """One test on a counter (:class:`~ror.model.Capacity`): its code ``field`` (``nature``,
    ``status``… as ``Capacity.key`` names them) is one of ``codes`` (``any_code``: any code it
    has), or its ``count`` lies in one of ``spans`` (low, high)."""

    field: str
    codes: tuple[str, ...] = ()
    any_code: bool = False
    spans: tuple[tuple[Bound, Bound], ...] = ()


@dataclass(frozen=True, slots=True)
class PriceTest:
    """One price of the establishment (:class:`~ror.model.Price`) passing every test: its
    ``type`` is one of ``types``, its ``amount_eur`` lies in one of ``amounts`` (every amount
    when empty), its ``start_date`` (midnight UTC, microseconds since 1970) in one of
    ``starts`` (any, even none, when empty)."""

    types: tuple[str, ...]
    amounts: tuple[tuple[Bound, Bound], ...] = ()
    starts: tuple[tuple[int | None, int | None], ...] = ()


@dataclass(frozen=True, slots=True)
class EquipmentTest:
    """One equipment item of one of the offer's Locations passing every test: of type ``code``,
    of ``feature`` when given; when ``spans`` is given, its limit in its kind's unit
    (``model.measure_unit``: masses in kg) lies in one of them, its unit being ``unit`` or none
    when ``unit`` is given."""

    code: str
    feature: str | None = None
    spans: tuple[tuple[Bound, Bound], ...] | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class NameTest:
    """A condition on a Location's folded name (``terms.folded``): it holds one of
    ``contains`` or starts with one of ``starts`` (folded, none empty)."""

    contains: tuple[str, ...] = ()
    starts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Lookup:
    """Offers by key (``ror.indexer.terms``): having one of ``terms``, or a term starting with
    one of ``prefixes``; or (``field`` set) a date of ``field`` in one of ``ranges``, each
    ``[low, high)`` in microseconds since 1970, None for an open end; or (``text`` set, one of
    ``terms.NAME_FIELDS``) whose folded ``text`` holds one of ``contains`` (folded; for a
    Location-scope name, some Location's); or (``counters`` set) one of whose Locations has a
    current counter passing every one of ``counters``; or (``either`` set) that one of the
    look-ups ``either`` finds (their union, each offer once); or (``price`` set) whose
    establishment has a price passing it; or (``equipment`` set) having an equipment item
    passing it."""

    terms: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    field: str | None = None
    ranges: tuple[tuple[int | None, int | None], ...] = ()
    text: str | None = None
    contains: tuple[str, ...] = ()
    counters: tuple[CounterTest, ...] = ()
    either: tuple[Lookup, ...] = ()
    price: PriceTest | None = None
    equipment: EquipmentTest | None = None


#: A page row of :meth:`Lookups.lookup_page`: (ref, offer id, sort key: a date key, a price
#: amount, or None).
SortValue = int | float | str | None
LookupRow = tuple[int, str, SortValue]


@runtime_checkable
class Lookups(Protocol):
    """What an engine that keeps the offers' look-up keys offers (a capability: the FHIR facade
    asks it for the offers having an identifier, a tag, a commune, a date… and for a page of
    them in ``_id`` or ``_lastUpdated`` order, reading only that page; without it, it scans)."""

    def lookup_ready(self) -> bool:
        """The keys are in step with the offers (False while they are being built)."""
        ...

    def lookup_contains(self) -> bool:
        """Look-ups with ``contains`` are answered (the engine keeps the names' trigrams)."""
        ...

    def lookup_counters(self) -> bool:
        """Look-ups with ``counters`` are answered (the engine keeps the counters' keys)."""
        ...

    def lookup_names_order(self) -> bool:
        """Pages are given in the name orders ``sort:name`` / ``sort:-name`` (the engine keeps
        the offers' folded names in key order)."""
        ...

    def lookup_among(self) -> bool:
        """:meth:`lookup_page` pages a set of refs (``among``)."""
        ...

    def lookup_prices(self) -> bool:
        """Look-ups with ``price`` are answered, and paged in the price orders
        (``sort:price-start``… :data:`ror.indexer.terms.PRICE_ORDERS`: the newest start date
        or the lowest amount of the prices passing it) with it; False while the price keys
        are being filled."""
        ...

    def lookup_equipment(self) -> bool:
        """Look-ups with ``equipment`` are answered (False while their keys are being filled)."""
        ...

    def lookup_refs(self, lookup: Lookup, limit: int, among: Sequence[int] = ()) -> set[int] | None:
        """Refs of the offers the look-up finds (only those of ``among`` when given); None when
        there are more than ``limit``."""
        ...

    def lookup_count(self, lookup: Lookup | None) -> int:
        """How many offers the look-up finds (None: every offer)."""
        ...

    def lookup_page(
        self,
        lookup: Lookup | None,
        order: str,
        after: tuple[SortValue, str] | None,
        limit: int,
        among: Sequence[int] | NDArray[np.int64] = (),
    ) -> list[LookupRow]:
        """The offers the look-up finds (None: every offer; ``among`` given: those offers, the
        look-up not asked) in ``order`` (``_id``, the date sort keys ``sort:_lastUpdated`` /
        ``sort:-_lastUpdated``, or the folded names ``sort:name`` / ``sort:-name``; then id),
        strictly after ``after`` ((key, id); key None in ``_id`` order), at most ``limit``.
        In a price order (:meth:`lookup_prices`) the look-up has a ``price`` and gives the
        key, even with ``among``."""
        ...


@runtime_checkable
class KeptCandidates(Protocol):
    """What an engine that keeps the answer of a query without a position offers (a
    capability: the FHIR facade pages a search the engine decides whole, or narrows further by
    its look-ups, without gathering the candidates again while the data stay the same)."""

    def candidate_refs(self, query: CandidateQuery) -> NDArray[np.int64] | None:
        """Sorted refs of the candidates failing no prefilter criterion of a ``strict`` query
        without ``point`` or zones, as the current data state has them (None: not kept)."""
        ...


#: A row of :class:`LocationDates`: (date key, Location id, ref of an offer using it).
LocationDateRow = tuple[int, str, int]


@runtime_checkable
class LocationDates(Protocol):
    """What an engine that keeps each Location's ``meta.lastUpdated`` as a key offers (a
    capability: ``Location?_lastUpdated=…`` reads only its page; without it, it scans). A key
    is the Location's date as one offer using it shows it, with its counters' dates
    (``counters``) or without; ``descending`` keys are negated; a missing date is
    ``ror.indexer.terms.MISSING``. ``span``: ``[low, high)`` of keys, None for an open end."""

    def location_dates_ready(self) -> bool: ...

    def location_dates_by_date(
        self,
        counters: bool,
        descending: bool,
        after: LocationDateRow | None,
        span: tuple[int | None, int | None],
        limit: int,
    ) -> list[LocationDateRow]:
        """Rows in (key, Location id, ref) order, strictly after ``after``."""
        ...

    def location_dates_by_id(
        self,
        counters: bool,
        after: tuple[str, int],
        span: tuple[int | None, int | None],
        limit: int,
    ) -> list[LocationDateRow]:
        """Rows in (Location id, ref) order, strictly after ``after``."""
        ...

    def location_dates_count(self, counters: bool, span: tuple[int | None, int | None]) -> int:
        """How many Locations have, through their first offer (the lowest ref using them), an
        ascending key in ``span``."""
        ...

    def location_dates_first(self, counters: bool, refs: Sequence[int]) -> list[LocationDateRow]:
        """The ascending key rows of the Locations whose first offer is one of ``refs``."""
        ...

    def location_dates_first_in(
        self, counters: bool, span: tuple[int | None, int | None]
    ) -> list[LocationDateRow]:
        """The ascending key rows in ``span`` of every Location's first offer (one pass over
        the key, for a search that tests most Locations)."""
        ...

    def location_users(self, location_ids: Sequence[str]) -> dict[str, list[int]]:
        """Refs of the offers using each Location, ascending."""
        ...


@runtime_checkable
class RankingOffers(Protocol):
    """What an engine that reads units for ranking alone offers (a capability: the units ranked
    above a deep page, which the prefilter is sure of, are read cheaply; the page is read
    whole)."""

    def ranking_offers(self, refs: Sequence[int], counters: bool) -> list[Offer]:
        """The offers behind ``refs`` holding at least what ``ranking.score`` and
        ``grouping.group_key`` read (id, establishment, place, champ, care_mode, location_ids,
        zones, and the capacities when ``counters``: a bed need is scored or units are grouped
        by Location); other fields may be empty. Never checked nor shown."""
        ...


@runtime_checkable
class LocationNames(Protocol):
    """What an engine that keeps each Location's folded name as a key offers (a capability:
    ``Location?name:contains=…`` reads only its page; without it, it scans)."""

    def location_names_ready(self) -> bool: ...

    def location_names_found(
        self, tests: Sequence[NameTest], hidden: set[int]
    ) -> list[tuple[str, int]]:
        """The Locations whose name (``terms.folded``), as their first offer (the lowest ref)
        not in ``hidden`` shows it, passes each of ``tests``, in Location id order, each with
        the ref of that offer."""
        ...

    def location_names_in_order(
        self, descending: bool, after: tuple[str, str, int] | None, limit: int
    ) -> list[tuple[str, str, int]]:
        """Up to ``limit`` rows (the Location's folded name as one offer using it shows it, ""
        without one; the Location id; that offer's ref), one per Location and offer, in (name,
        Location id, ref) order, names descending when asked, after the row ``after``; the
        rows without a name last."""
        ...

    def location_names_of(self, rows: Sequence[tuple[str, int]]) -> list[str]:
        """The folded name ("" without one) of each Location as the offer of its row (Location
        id, ref) shows it."""
        ...


@runtime_checkable
class LocationTags(Protocol):
    """What an engine that keeps each Location's tags (``meta.tag``, the source region) as keys
    offers (a capability: ``Location?_tag=…`` reads only its page; without it, the look-up keys
    narrow or it scans)."""

    def location_tags_ready(self) -> bool: ...

    def location_tags_found(
        self, conditions: Sequence[Lookup], hidden: set[int]
    ) -> list[tuple[str, int]]:
        """The Locations that have, as their first offer (the lowest ref) not in ``hidden``
        shows them, a term (``ror.indexer.terms.location_terms`` of ``region_tag`` and
        ``commune``, ``location_texts`` of ``postal_code`` and ``city``) each of ``conditions``
        names (one of its ``terms``, one starting with one of its ``prefixes``, or one of the
        string field ``text`` whose folded value holds one of its ``contains``), in Location
        id order, each with the ref of that offer."""
        ...

    def location_tags_hold(
        self, conditions: Sequence[Lookup], hidden: set[int], rows: Sequence[tuple[str, int]]
    ) -> list[bool]:
        """Whether each Location of ``rows`` (Location id, its first offer not in ``hidden``)
        has, as that offer shows it, a term each of ``conditions`` names."""
        ...

    def location_tags_search(
        self,
        terms: Sequence[str],
        hidden: set[int],
        after: str,
        limit: int,
        dated: tuple[bool, tuple[int | None, int | None]] | None,
    ) -> tuple[int, list[tuple[str, int]]]:
        """How many Locations have, as their first offer not in ``hidden`` shows them, one of
        ``terms`` (and, with ``dated`` (``counters``, ``span``), a date key in ``span`` as that
        offer shows it, as :class:`LocationDates` keeps it), and the first ``limit`` of them
        (none: 0) whose id is after ``after``, in Location id order, each with the ref of that
        offer; without listing them all."""
        ...


@runtime_checkable
class Counts(Protocol):
    """What an engine that counts a query's matches without listing them offers (a capability:
    the FHIR facade answers ``_summary=count`` through it when the engine decides everything)."""

    def count_candidates(self, query: CandidateQuery) -> int | None:
        """How many units of a strict query without zone keys fail no prefilter criterion and
        lie within ``max_radius_km`` of its point (every unit when there is no radius); None
        when the engine cannot count this query so."""
        ...


@runtime_checkable
class Engine(Protocol):
    """A storage and retrieval backend for offers (embedded SQLite or Elasticsearch)."""

    name: str  # "embedded" | "elasticsearch"
    version: str

    def load(
        self,
        offers: Iterable[Offer],
        *,
        replace_all: bool,
        progress: Progress | None = None,
    ) -> LoadStats:
        """Bulk load. ``replace_all`` builds a new index and swaps it in atomically."""
        ...

    def upsert(self, offers: Iterable[Offer]) -> int: ...

    def delete(self, ids: Iterable[str]) -> int: ...

    def get(self, offer_id: str) -> Offer | None: ...

    def establishment_offers(self, establishment: str) -> list[Offer]:
        """The offers of one establishment (EG), named by FINESS, IdNatStruct or FHIR id, in
        id order, at most ``ESTABLISHMENT_OFFERS_MAX``; empty when none."""
        ...

    def establishments_with(
        self, field: str, codes: Sequence[str], sensitive_champs: tuple[str, ...] | None
    ) -> frozenset[str]:
        """Ids of the establishments (EG) having an offer that carries one of ``codes`` in the
        criteria code field ``field``; sensitive units count only for an audience that may see
        every one of them (``sensitive_champs`` None)."""
        ...

    def snapshot(self) -> AbstractContextManager[None]:
        """A consistent view for the duration of one search (a read transaction)."""
        ...

    def offers(self, refs: Sequence[int]) -> list[Offer]:
        """The offers behind candidate refs, in the same order."""
        ...

    def order_keys(self, refs: Sequence[int]) -> list[OrderKeys]:
        """(id, last_updated) of the offers behind candidate refs, in the same order: what a
        listing sorts by, read without building whole offers where the engine can."""
        ...

    def candidates(self, query: CandidateQuery) -> Candidates: ...

    def facets(
        self, query: CandidateQuery, radius_km: float | None, fields: Sequence[str]
    ) -> FacetCounts: ...

    def update_capacities(self, location_id: str, counters: Sequence[Capacity]) -> UpdateResult: ...

    # --- availability ------------------------------------------------------------------------

    def update_capacities_many(self, updates: Sequence[LocationCounters]) -> list[UpdateResult]:
        """Pushes for several Locations, each as :meth:`update_capacities`; the embedded engine
        applies them in one transaction (an unknown Location: ``NotFound``, nothing applied)."""
        ...

    def locations_info(self, location_ids: Sequence[str]) -> dict[str, LocationInfo]:
        """Owners and champs of these Locations (unknown ones are left out)."""
        ...

    def find_locations(self, establishment: str, code: str) -> list[str]:
        """Locations a bed-management identifier ``<establishment>/<code>`` names: the
        establishment by FINESS, IdNatStruct ("1" + FINESS) or FHIR id; the code by Location id
        or the provider's synchro id (``idExterneSynchro``). Sorted; empty when none."""
        ...

    def availability_overview(self, query: OverviewQuery, now: datetime) -> Overview:
        """Beds per area (``ror.availability.overview`` says what is counted)."""
        ...

    def area_offers(self, query: OverviewQuery, area: str) -> list[Offer]:
        """The offers placed in one région or département (``query.group_by``, INSEE code) that
        match the overview's code filters, in id order, with their Locations' current counters;
        at most ``AREA_OFFERS_MAX + 1`` (one more says the area holds too many)."""
        ...

    def capacity_history(
        self,
        location_id: str,
        *,
        since: datetime | None = None,
        after: int | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> HistoryPage:
        """Accepted pushed counters of a Location in acceptance order (``availability.history``):
        those dated ``since`` or later, after sequence number ``after``."""
        ...

    def save_search(self, record: SearchRecord) -> None: ...

    def get_search(self, search_id: str) -> SearchRecord | None: ...

    def count(self) -> int: ...

    def warm_up(self) -> None:
        """Read now what the first search of this process would otherwise wait for (a server
        calls it before it takes requests)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class GroupKeys(Protocol):
    """What an engine that can tell the group of a unit without reading it offers (a
    capability: a grouped search counts its groups through it; without it, it reads the
    offers)."""

    def group_keys(self, refs: Sequence[int], by: str) -> list[str]:
        """``grouping.group_key`` of the offers behind ``refs``, in the same order."""
        ...
