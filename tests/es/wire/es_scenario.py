"""Everything the Elasticsearch engine does, driven once against the recording server.

Each step uses the engine through its public interface (or the HTTP API over it) and returns
what the tests check beside the wire validation. The requests each step sent are kept apart
(``Scenario.sent``) so a test can say which step sent what.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx

from ror.api.app import create_app
from ror.availability.overview import OverviewQuery
from ror.config import Settings
from ror.criteria import Audience, BedNeed, Criteria, EquipmentNeed, Profile
from ror.errors import Implausible
from ror.indexer.synthetic import generate
from ror.mappings import fields as f
from ror.mappings.fields import CODE_FIELDS
from ror.mappings.template import index_body
from ror.model import Capacity, Offer
from ror.ranking.weights import PROFILE_WEIGHTS
from ror.search import pipeline
from ror.search.elasticsearch import ElasticsearchEngine
from ror.search.engine import SearchRecord
from tests.es.es_builders import full_offer
from tests.es.wire.es_recorder import Captured, Recorder
from tests.live_server import LiveServer

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
SIZE = 700  # more than one page (500) of the engine's sorted reads: search_after is used
TOULOUSE = (43.6045, 1.4440)


@dataclass
class Scenario:
    recorder: Recorder
    engine: ElasticsearchEngine
    offers: list[Offer]
    sent: dict[str, list[Captured]] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    called: set[str] = field(default_factory=set)  # the engine's public methods used

    def step(self, name: str, run: Callable[[], Any]) -> None:
        start = len(self.recorder.captured)
        self.results[name] = run()
        self.sent[name] = self.recorder.captured[start:]


def dataset() -> list[Offer]:
    offers = list(generate(SIZE, seed=11, now=NOW))
    i = next(i for i, o in enumerate(offers) if o.capacities and not o.home_based)
    offers[i] = dataclasses.replace(offers[i], sensitive=True)
    return [*offers, full_offer()]


def small(offers: list[Offer]) -> list[Offer]:
    """A few dozen offers of every kind (one with counters on two Locations): the recorder
    evaluates no query, so every search reads every document; the criteria matrix runs on
    these."""
    home = [o for o in offers if o.home_based and o.zones][:4]
    kept = {o.id: o for o in [*offers[:20], *home, two_locations(offers)]}
    kept.update((o.id, o) for o in offers if o.sensitive)
    kept[offers[-1].id] = offers[-1]
    return list(kept.values())


def two_locations(offers: list[Offer]) -> Offer:
    """An offer with counters on a second Location too (as real ROR units may have)."""
    base = next(o for o in offers[20:] if any(c.location_id for c in o.capacities))
    second = f"{base.location_ids[0]}-bis"
    copies = [replace(c, location_id=second) for c in base.capacities if c.location_id]
    return replace(
        base,
        location_ids=(*base.location_ids, second),
        capacities=(*base.capacities, *copies),
    )


def criteria_cases(offers: list[Offer]) -> Iterator[Criteria]:
    """Every criterion, alone and together, for each ranking profile."""
    home = next(o for o in offers if o.home_based and o.zones)
    near = {"lat": TOULOUSE[0], "lon": TOULOUSE[1]}
    singles: list[dict[str, Any]] = [{}]
    for name in CODE_FIELDS:
        codes = [code for o in offers for code in getattr(o, name)]
        if codes:
            singles.append({name: tuple(dict.fromkeys(codes))[:2]})
    singles += [
        {"reception": "permanent"},
        {"reception": "temporary"},
        {"age": 8},
        {"text": "ehpad"},
        {"social_aid": True},
        {"social_aid": True, "reception": "temporary"},
        {"max_monthly_price_eur": 2500.0},
        {"equipment": (EquipmentNeed("088", "001", 200.0), EquipmentNeed("088"))},
        {"beds": BedNeed("01", 1)},
        {"beds": BedNeed("01", 3, gender="02")},
        {"open_at": NOW + timedelta(hours=30)},
        {"radius_km": 25.0},
        {"audience": Audience(sensitive_champs=())},
        {"audience": Audience(sensitive_champs=("04",))},
        {"offset": 3, "limit": 5},
        {"age": 0, "age_to": 17},  # a range of ages ("enfant")
        {"prefer_private_practice": True},
        {"colocated": (("activity", tuple(dict.fromkeys(offers[0].activity))[:2]),)},
    ]
    for extra in singles:
        yield Criteria(**near, now=NOW, **extra)  # type: ignore[arg-type]
    for name in PROFILE_WEIGHTS:
        profile = cast(Profile, name)
        yield Criteria(
            **near,  # type: ignore[arg-type]
            profile=profile,
            now=NOW,
            age=85,
            reception="permanent",
            social_aid=True,
            max_monthly_price_eur=2600.0,
            champ=("04",),
            beds=BedNeed("02", 2),
            open_at=NOW,
        )
        yield Criteria(place=home.place.commune, profile=profile, now=NOW, age=80)  # by zone
        yield Criteria(profile=profile, now=NOW, champ=("04",))  # no point: a scan
    yield Criteria(place="Haute-Garonne", now=NOW, champ=("04",))  # a territory, counted whole
    yield Criteria(place="Occitanie", now=NOW, age=80)


AGE_8 = {
    "bool": {
        "should": [
            {"term": {"age_range": 8}},
            {"bool": {"must_not": [{"exists": {"field": "age_range"}}]}},
        ],
        "minimum_should_match": 1,
    }
}
AGE_80 = {
    "bool": {
        "should": [
            {"term": {"age_range": 80}},
            {"bool": {"must_not": [{"exists": {"field": "age_range"}}]}},
        ],
        "minimum_should_match": 1,
    }
}
R240 = "https://mos.esante.gouv.fr/NOS/TRE_R240-TypeAccueil/FHIR/TRE-R240-TypeAccueil|02"
BED_GROUP = (
    "location.capacity-type=02&location.capacity-status=02&location.temporality-capacity=01"
    "&location.temporary-assignement=01&location.nb-capacity=gt0"
)
TOULOUSE_100 = "location.near=43.6045|1.4440|100|km"
#: Each FHIR search of the scenario, with the clauses (as the Elasticsearch reference spells
#: them) that every one of its candidate requests must carry in ``bool.filter``.
FHIR_SEARCHES: dict[str, list[dict[str, Any]]] = {
    "/fhir/HealthcareService?service-category=21&_count=5": [{"terms": {"offer_type": ["21"]}}],
    "/fhir/HealthcareService?location.near=43.6045|1.4440|30|km&_count=20": [],
    "/fhir/HealthcareService?location.near-insee-code=31555|15|km"
    "&_include=HealthcareService:location": [],
    "/fhir/HealthcareService?_filter=(age-range-low le 8|https://unitsofmeasure.org|a and "
    "age-range-high ge 8|https://unitsofmeasure.org|a)&_count=10": [AGE_8],
    f"/fhir/HealthcareService?{TOULOUSE_100}&age-range-low=le80&age-range-high=ge80&_count=5": [
        AGE_80
    ],
    f"/fhir/HealthcareService?_summary=count&{TOULOUSE_100}&age-range-low=le80"
    "&age-range-high=ge80": [
        {"geo_distance": {"distance": "100km", "location": {"lat": 43.6045, "lon": 1.444}}},
        AGE_80,
    ],
    f"/fhir/HealthcareService?characteristic={R240}&service-type=04&_count=5": [
        {"terms": {"champ": ["04"]}},
        {"term": {"reception": "02"}},
    ],
    f"/fhir/HealthcareService?service-type=04&{BED_GROUP}&_count=5": [
        {"terms": {"champ": ["04"]}},
        {"range": {"free.02_01_01_all": {"gte": 1}}},
    ],
    "/fhir/HealthcareService?location.capacity-status=02&location.nb-capacity=gt0": [],
    "/fhir/HealthcareService?_summary=count&service-type=04": [{"terms": {"champ": ["04"]}}],
    "/fhir/HealthcareService?service-type=04&_count=5&_offset=10": [{"terms": {"champ": ["04"]}}],
    "/fhir/Location?capacity-status=02&_count=10": [],
}
#: Listings in id order: read by key, a page at a time (``Listings``).
FHIR_LISTINGS = (
    "/fhir/HealthcareService?_count=5",
    "/fhir/HealthcareService?_id=syn-hs-0000003,syn-hs-0000001,no-such-offer",
    "/fhir/Location?_count=4",
)
#: Searches without a position the look-up keys answer (``Lookups``), with the key clause
#: each sends; ``True``: one exact look-up, counted and paged by the engine.
FHIR_LOOKUPS: dict[str, tuple[dict[str, Any], bool]] = {
    "/fhir/HealthcareService?_sort=-_lastUpdated&_count=7": ({"match_all": {}}, True),
    "/fhir/HealthcareService?identifier=27/0000004": (
        {"terms": {"lookup_terms": ["offer.identifiers\x1fany\x1f27/0000004"]}},
        True,
    ),
    "/fhir/HealthcareService?_lastUpdated=ge2026-01-01&_sort=_lastUpdated&_count=4": (
        {"range": {"lookup_dates.offer_updated": {"gte": 1767225600000000}}},
        True,
    ),
    "/fhir/HealthcareService?_tag=27,76&_count=3": (
        {
            "terms": {
                "lookup_terms": [
                    "offer.region_tag\x1fk:R30\x1f27",
                    "offer.region_tag\x1fk:R30\x1f76",
                ]
            }
        },
        True,
    ),
    "/fhir/HealthcareService?_tag=27,76&_sort=name&_count=3": (
        {
            "terms": {
                "lookup_terms": [
                    "offer.region_tag\x1fk:R30\x1f27",
                    "offer.region_tag\x1fk:R30\x1f76",
                ]
            }
        },
        False,
    ),
    "/fhir/HealthcareService?name=julie&_count=3": (
        {"prefix": {"lookup_terms": {"value": "offer.name\x1ff\x1fjulie"}}},
        True,
    ),
    "/fhir/HealthcareService?name:contains=fontaine": (
        {"wildcard": {"lookup_names.offer": {"value": "*fontaine*"}}},
        True,
    ),
    "/fhir/HealthcareService?location.address-postalcode=39&_count=3": (
        {"terms": {"lookup_terms": ["location.postal_code\x1fp\x1f39"]}},
        True,
    ),
    "/fhir/HealthcareService?organization.identifier:above=nope"
    "&organization.price-amount-value=gt0": (
        {"terms": {"lookup_terms": ["organization.identifiers:above\x1fany\x1fnope"]}},
        False,
    ),
    "/fhir/HealthcareService?_filter=(_lastUpdated%20ge%202026-01-01%20or%20"
    "organization._lastUpdated:above%20ge%202026-01-01)&_count=3": (
        {
            "bool": {
                "should": [
                    {"range": {"lookup_dates.offer_updated": {"gte": 1767225600000000}}},
                    {
                        "range": {
                            "lookup_dates.organization_updated_above": {"gte": 1767225600000000}
                        }
                    },
                ],
                "minimum_should_match": 1,
            }
        },
        True,
    ),
    "/fhir/HealthcareService?_filter=identifier%20eq%2027/0000004%20or%20_tag%20eq%2076&_count=3": (
        {
            "bool": {
                "should": [
                    {"terms": {"lookup_terms": ["offer.identifiers\x1fany\x1f27/0000004"]}},
                    {"terms": {"lookup_terms": ["offer.region_tag\x1fk:R30\x1f76"]}},
                ],
                "minimum_should_match": 1,
            }
        },
        True,
    ),
    "/fhir/Location?address-postalcode=31&_count=10": (
        {"terms": {"lookup_terms": ["location.postal_code\x1fp\x1f31"]}},
        False,
    ),
}
FHIR_QUERIES = (*FHIR_SEARCHES, *FHIR_LISTINGS, *FHIR_LOOKUPS)


def _bundle(answer: httpx.Response) -> tuple[int, list[str]]:
    """The status of a FHIR search and the ids of its matches."""
    entries = answer.json().get("entry", []) if answer.status_code == 200 else []
    matches = [e["resource"]["id"] for e in entries if e["search"]["mode"] == "match"]
    return answer.status_code, matches


def implausible_push(offers: list[Offer], avoid: str) -> tuple[str, list[Capacity]]:
    """A Location with installed beds, and a push of far more available beds of that nature."""
    for o in offers:
        for c in o.capacities:
            if c.location_id == avoid or c.status != "02" or c.temporality != "01":
                continue
            if any(
                d.location_id == c.location_id and d.status == "01" and d.nature == c.nature
                for d in o.capacities
            ):
                return c.location_id, [
                    replace(c, count=10_000, updated_at=NOW + timedelta(hours=1))
                ]
    raise AssertionError("no Location with installed and available beds")


def refusal(push: Callable[[], Any]) -> Implausible:
    try:
        push()
    except Implausible as exc:
        return exc
    raise AssertionError("the push was accepted")


def counters_of(offer: Offer) -> tuple[str, list[Capacity]]:
    loc = next(c.location_id for c in offer.capacities if c.location_id)
    counters = [c for c in offer.capacities if c.location_id == loc]
    return loc, counters


def public_methods(engine: ElasticsearchEngine) -> set[str]:
    return {
        name
        for name, value in inspect.getmembers(type(engine), callable)
        if not name.startswith("_")
    }


def _watch(s: Scenario) -> None:
    """Note each public method of the engine as it is called (by the scenario or by the
    pipeline, the API and the engine itself)."""
    for name in public_methods(s.engine):
        method = getattr(s.engine, name)

        def watched(*args: Any, _name: str = name, _method: Any = method, **kwargs: Any) -> Any:
            s.called.add(_name)
            return _method(*args, **kwargs)

        setattr(s.engine, name, watched)


def run(recorder: Recorder, engine: ElasticsearchEngine, tmp: Any) -> Scenario:
    offers = dataset()
    s = Scenario(recorder, engine, offers)
    _watch(s)
    s.results["refused"] = refused = offers[5].id
    recorder.bulk_refusals[refused] = (400, "document_parsing_exception", "[1:2] failed to parse")

    s.step("first load", lambda: engine.load(offers, replace_all=True))
    everyone = Criteria(now=NOW, limit=3, facets=False)  # no point: one scan, page after page
    s.step(
        "paging",
        lambda: (pipeline.search(everyone, engine, now=NOW), engine.rank_natively(everyone)),
    )
    offers = s.offers = small(offers)
    s.step("reload", lambda: engine.load(offers, replace_all=True))  # alias swap, old dropped
    changed = [replace(o, name=o.name + " (modifié)") for o in offers[:10]]
    s.step("upsert", lambda: engine.upsert(changed))
    s.step("delete", lambda: engine.delete([offers[-2].id, "no-such-offer"]))
    s.step(
        "count and get",
        lambda: (
            engine.count(),
            engine.get(offers[0].id),
            engine.get("x"),
            engine.establishment_offers(offers[0].establishment.finess or "x"),
            engine.establishments_with("activity", offers[0].activity, None),
            engine.establishments_with("offer_type", offers[1].offer_type, ("04",)),
            engine.warm_up(),  # type: ignore[func-returns-value]
        ),
    )

    cases = list(criteria_cases(offers))
    s.step("referral searches", lambda: [pipeline.search(c, engine, now=NOW) for c in cases])
    s.step("native referral", lambda: [engine.rank_natively(c, now=NOW) for c in cases])

    shared = next(o for o in offers[:40] if any(c.location_id for c in o.capacities))
    loc, counters = counters_of(shared)
    newer = [replace(c, count=c.count + 1, updated_at=NOW + timedelta(minutes=5)) for c in counters]
    s.step("capacity push", lambda: engine.update_capacities(loc, newer))
    multi = next(o for o in offers if len({c.location_id for c in o.capacities} - {""}) > 1)
    first, counters_1 = counters_of(multi)
    pushed_1 = [replace(c, updated_at=NOW + timedelta(minutes=7)) for c in counters_1]
    s.step("push to one of two Locations", lambda: engine.update_capacities(first, pushed_1))
    s.results["pushed offer"], s.results["after push"] = multi, engine.get(multi.id)
    sharing = replace(
        multi,
        id=f"{multi.id}-sharing",
        location_ids=(first,),
        capacities=tuple(c for c in multi.capacities if c.location_id == first),
    )
    s.step("upsert sharing one Location", lambda: engine.upsert([sharing]))
    s.results["after upsert"] = engine.get(multi.id)
    s.step("delete the sharing offer", lambda: engine.delete([sharing.id]))
    s.step("stale push", lambda: engine.update_capacities(loc, counters))
    recorder.conflict_once.add(shared.id)  # a concurrent writer between read and write
    later = [replace(c, updated_at=NOW + timedelta(minutes=9)) for c in counters]
    s.step("raced push", lambda: engine.update_capacities_many([(loc, later)]))
    bad_loc, bad = implausible_push(offers, avoid=loc)
    s.step("implausible push", lambda: refusal(lambda: engine.update_capacities(bad_loc, bad)))
    fine = [replace(c, updated_at=NOW + timedelta(minutes=20)) for c in counters]
    s.step(
        "implausible batch",
        lambda: refusal(lambda: engine.update_capacities_many([(loc, fine), (bad_loc, bad)])),
    )
    s.step("owners", lambda: (engine.locations_info([loc]), engine.find_locations("x", loc)))
    s.step("history", lambda: engine.capacity_history(loc, since=NOW - timedelta(days=1)))
    s.step(
        "overview",
        lambda: [
            engine.availability_overview(OverviewQuery(group_by=g, champ=champ), NOW)
            for g in ("region", "departement")
            for champ in ((), ("04",))
        ],
    )
    area = shared.place.departement
    s.step(
        "area offers",
        lambda: [
            engine.area_offers(OverviewQuery("departement", activity=shared.activity), area),
            engine.area_offers(OverviewQuery("region"), shared.place.region),
        ],
    )
    _over_http(s, tmp, loc, area)
    s.step("index made before the look-up keys", lambda: _old_index(s, offers[:3]))
    s.step("replay retention", lambda: _retention(engine))
    return s


def _old_index(s: Scenario, offers: list[Offer]) -> dict[str, Any]:
    """An index whose mapping predates the look-up keys, behind an alias of its own: an
    engine opened on it adds their fields (its upserts fit the strict mapping) and says the
    keys are not ready until a full load has written every document again."""
    engine = s.engine
    alias = f"{engine.alias}-old"
    name = f"{alias}-1"
    body = index_body([])
    mappings = body["mappings"]
    del mappings["_meta"]
    for key in (f.LOOKUP_TERMS, f.LOOKUP_DATES, f.LOOKUP_NAMES):
        del mappings["properties"][key]
    engine.client.indices.create(index=name, settings=body["settings"], mappings=mappings)
    engine.client.indices.update_aliases(actions=[{"add": {"index": name, "alias": alias}}])
    old = ElasticsearchEngine(engine.client, alias, refresh=True)
    old.store.drop_grace_seconds = 0.0
    ready = [old.lookup_ready()]
    old.upsert(offers)
    ready.append(old.lookup_ready())
    after_put = {
        "mapping": dict(s.recorder.mappings[name]),
        "docs": [d.source for d in s.recorder.indices[name].values()],
    }
    old.load(offers, replace_all=True)
    ready.append(old.lookup_ready())
    return {"name": name, "ready": ready, **after_put}


def _retention(engine: ElasticsearchEngine) -> tuple[int, bool, bool]:
    """A record past the retention and a recent one; the prune deletes the first only."""
    keep = engine.replay_keep
    old = SearchRecord("old-search", NOW - keep - timedelta(hours=1), "elasticsearch", "v", {}, {})
    recent = SearchRecord(
        "recent-search", NOW - keep + timedelta(hours=1), "elasticsearch", "v", {}, {}
    )
    engine.save_search(old)
    engine.save_search(recent)
    deleted = engine.prune_searches(NOW)
    return (
        deleted,
        engine.get_search("old-search") is None,
        engine.get_search("recent-search") is not None,
    )


def _over_http(s: Scenario, tmp: Any, loc: str, area: str) -> None:
    """The API over the engine, over HTTP: a search (recorded for replay) and its replay, the
    FHIR queries (a step each), availability."""
    settings = Settings.from_env(
        {
            "ROR_TOKENS": str(tmp / "tokens.json"),
            "ROR_AUDIT_LOG": str(tmp / "audit.jsonl"),
            "ROR_RATE_LIMIT": "0",
        }
    )
    app = create_app(settings, engine=s.engine, anonymous_profile=1)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=60) as http:

        def search_and_replay() -> tuple[int, int, int]:
            query = {"place": "Toulouse", "text": "ehpad", "facets": "true"}
            found = http.get("/v1/search", params=query)
            replayed = http.get(f"/v1/referrals/{found.json()['id']}")
            missing = http.get("/v1/referrals/no-such-search")
            return found.status_code, replayed.status_code, missing.status_code

        s.step("http search", search_and_replay)
        for query in FHIR_QUERIES:
            s.step(query, lambda query=query: _bundle(http.get(query)))  # type: ignore[misc]
        s.step(
            "http availability",
            lambda: (
                http.get("/v1/availability/overview?group_by=departement").status_code,
                http.get(f"/v1/availability/history?location={loc}").status_code,
                http.get(f"/v1/availability/units?area={area}").status_code,
                http.get(f"/v1/availability/trend?area={area}").status_code,
            ),
        )
