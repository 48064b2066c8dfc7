"""Matching and running FHIR searches in-process: scoped semantics on hand-made offers, the
engine shortcut against full evaluation, live counters in the resources."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ror.access.profiles import audience
from ror.api.fhir import search as fhir_search
from ror.api.fhir.bundle import Links, searchset
from ror.api.fhir.evaluate import matches
from ror.api.fhir.params import parse_search
from ror.api.fhir.query import SearchRequest
from ror.api.fhir.search import plan
from ror.criteria import EVERYONE
from ror.indexer.facts import view
from ror.model import Capacity, Equipment, Establishment, Offer, Place, Price
from ror.search.embedded import planner
from ror.search.embedded.engine import EmbeddedEngine

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
ORLEANS = Place(47.9029, 1.9093, "45234", "45", "24", postal_code="45000", city="Orléans")


def counter(status: str, count: int, lid: str = "L1", **kw: str) -> Capacity:
    return Capacity("01", status, kw.pop("temporality", "01"), count, NOW, location_id=lid, **kw)


def offer(**changes: object) -> Offer:
    base = Offer(
        id="o1",
        name="Unité",
        establishment=Establishment("eg", "EG"),
        place=ORLEANS,
        activity=("356",),
        champ=("01",),
        location_ids=("L1",),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def holds(query: list[tuple[str, str]], o: Offer) -> bool:
    request = parse_search("HealthcareService", query)
    return matches(request.condition, view(o))


def test_capacity_parameters_hold_on_one_counter() -> None:
    split = offer(capacities=(counter("02", 0, gender="01"), counter("02", 3, gender="03")))
    same = [("location.capacity-status", "02"), ("location.gender-capacity-available", "01")]
    assert holds(same, split)
    assert not holds([*same, ("location.nb-capacity", "gt0")], split)
    free = offer(capacities=(counter("02", 2, gender="01"),))
    assert holds([*same, ("location.nb-capacity", "gt0")], free)
    # in _filter, one "and" is one counter too; "or" is either
    joined = "location.capacity-status eq 02 and location.gender-capacity-available eq 01"
    assert not holds([("_filter", f"{joined} and location.nb-capacity gt 0")], split)
    either = "location.gender-capacity-available eq 01 or location.nb-capacity gt 0"
    assert holds([("_filter", either)], split)


def test_negation_holds_for_every_counter() -> None:
    closed = offer(capacities=(counter("01", 10), counter("05", 2, closing_type="02")))
    assert holds([("location.capacity-status:not", "05")], offer(capacities=(counter("01", 1),)))
    assert not holds([("location.capacity-status:not", "05")], closed)  # "no closed counter"
    assert holds([("_filter", "not (location.capacity-status eq 05)")], offer())


def test_location_parameters_hold_on_one_location() -> None:
    two = offer(
        location_ids=("L1", "L2"),
        capacities=(counter("02", 4, lid="L2"),),
        equipment=(
            Equipment("088", feature="001", limit_value=250, limit_unit="kg", location_id="L1"),
        ),
    )
    assert holds([("location.capacity-status", "02"), ("location.nb-capacity", "gt3")], two)
    table_and_bed = [("location.equipment-type", "088"), ("location.capacity-status", "02")]
    assert not holds(table_and_bed, two)  # the table and the free bed are in two Locations
    assert holds([("location.equipment-type", "088"), ("location.capacity-status:not", "05")], two)


def test_equipment_and_prices_hold_on_one_element() -> None:
    rows = (
        Equipment("088", feature="001", limit_value=180, limit_unit="kg", location_id="L1"),
        Equipment("054", feature="001", limit_value=300, limit_unit="kg", location_id="L1"),
    )
    table = [("location.equipment-type", "088"), ("location.limit-value", "ge200||kg")]
    assert not holds(table, offer(equipment=rows))
    assert holds(
        [("location.equipment-type", "054"), ("location.limit-value", "ge0.2||t")],
        offer(equipment=rows),
    )
    prices = (Price("02", "2", 95.0, start_date=date(2026, 1, 1)), Price("03", "2", 6.1))
    est = Establishment("eg", "EHPAD", prices=prices)
    cheap_base = [("organization.price-type", "02"), ("organization.price-amount-value", "lt75")]
    assert not holds(cheap_base, offer(establishment=est))
    assert holds(
        [("organization.price-type", "03"), ("organization.price-amount-value", "lt75")],
        offer(establishment=est),
    )
    dated = [
        ("organization.price-validity-start-date", "ge2026"),
        ("organization.price-type", "02"),
    ]
    assert holds(dated, offer(establishment=est))
    # with a Location condition beside them, the price parameters still hold on one price
    near = ("location.near", f"{ORLEANS.lat}|{ORLEANS.lon}|5|km")
    assert not holds([near, *cheap_base], offer(establishment=est))
    assert holds([near, ("organization.price-type", "02")], offer(establishment=est))


def test_ages_and_open_bounds() -> None:
    adult = offer(age_min=18, age_max=60)
    assert holds([("age-range-low", "le35"), ("age-range-high", "ge35")], adult)
    assert not holds([("age-range-low", "le17")], adult)
    assert holds([("age-range-low", "le5"), ("age-range-high", "ge200")], offer())  # open


@pytest.fixture(scope="module")
def synthetic(db_path: Path) -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine(db_path)
    yield engine
    engine.close()


@pytest.mark.parametrize(
    "query",
    [
        [("service-type", "04"), ("_count", "30")],
        [("location.near", "43.6045|1.444|40|km"), ("specialty", "293,126"), ("_offset", "3")],
        [("location.near", "48.85|2.35|25|km"), ("service-category", "21")],
        [("location.near-insee-code", "69123|50|km"), ("characteristic", "https://mos.esante.gouv.fr/NOS/TRE_R213-ModePriseEnCharge/FHIR/TRE-R213-ModePriseEnCharge|46")],
        [("intervention-zone:above", "31555"), ("service-type", "04")],
    ],
)  # fmt: skip
def test_the_engine_shortcut_answers_as_full_evaluation(
    synthetic: EmbeddedEngine, query: list[tuple[str, str]]
) -> None:
    request = parse_search("HealthcareService", query)
    assert plan(request, EVERYONE).exact
    fast = fhir_search.run(request, synthetic, EVERYONE)
    full = fhir_search.run(request, synthetic, EVERYONE, shortcut=False)
    assert fast.total == full.total > 0
    assert [h.id for h in fast.page] == [h.id for h in full.page]
    assert [h.distance for h in fast.page] == [h.distance for h in full.page]


@pytest.mark.parametrize("strategy", ["facet-first", "spatial"])
def test_counted_pages_by_cursor_and_offset_answer_as_full_evaluation(
    synthetic: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch, strategy: str
) -> None:
    """Matches the engine decides whole are kept as arrays (ties in distance: the offers of
    one establishment share its place); every page, by cursor or offset, is the full
    evaluation's."""
    if strategy == "spatial":
        monkeypatch.setattr("ror.search.embedded.planner.FACET_FIRST_MAX", 0)
    base = [("location.near", "43.6045|1.444|80|km"), ("_count", "7")]
    request = parse_search("HealthcareService", base)
    p = plan(request, EVERYONE)
    with synthetic.snapshot():
        assert isinstance(
            fhir_search._counted_hits(synthetic.candidates(p.query), p), fhir_search._Counted
        )
    pages, cursor = 0, ""
    while True:
        query = base if not cursor else [*base, ("_cursor", cursor)]
        request = parse_search("HealthcareService", query)
        fast = fhir_search.run(request, synthetic, EVERYONE)
        full = fhir_search.run(request, synthetic, EVERYONE, shortcut=False)
        assert (fast.total, fast.next_cursor) == (full.total, full.next_cursor)
        assert [(h.id, h.distance) for h in fast.page] == [(h.id, h.distance) for h in full.page]
        pages += 1
        if fast.next_cursor is None:
            break
        cursor = fast.next_cursor
    assert pages > 3
    for offset in ("0", "5", "13", str(fast.total - 3), str(fast.total + 2)):
        request = parse_search("HealthcareService", [*base, ("_offset", offset)])
        fast = fhir_search.run(request, synthetic, EVERYONE)
        full = fhir_search.run(request, synthetic, EVERYONE, shortcut=False)
        assert [(h.id, h.distance) for h in fast.page] == [(h.id, h.distance) for h in full.page]


def test_sensitive_units_are_left_out_before_counting(
    synthetic: EmbeddedEngine, offers: list[Offer]
) -> None:
    hidden = next(o for o in offers if o.sensitive)
    request = parse_search("HealthcareService", [("_id", hidden.id)])
    assert fhir_search.run(request, synthetic, audience(1)).total == 1
    assert fhir_search.run(request, synthetic, audience(0)).total == 0
    assert not plan(request, EVERYONE).exact  # _id is checked in Python


@pytest.fixture()
def scenario(tmp_path: Path, scenario_offers: list[Offer]) -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine(tmp_path / "pushed.sqlite")
    engine.load(scenario_offers, replace_all=True)
    yield engine
    engine.close()


def bundle(engine: EmbeddedEngine, request: SearchRequest) -> dict[str, object]:
    links = Links("http://ror.test/fhir", request.resource, ())
    return searchset(
        request, fhir_search.run(request, engine, EVERYONE), links, profile=1, fetch=engine.get
    )


def test_pushed_counters_are_searched_and_shown_live(scenario: EmbeddedEngine) -> None:
    query = [
        ("specialty", "356"),
        ("location.gender-capacity-available", "01"),
        ("location.temporality-capacity", "01"),
        ("location.capacity-status", "02"),
        ("location.nb-capacity", "gt0"),
        ("_include", "HealthcareService:location"),
    ]
    request = parse_search("HealthcareService", query)
    before = fhir_search.run(request, scenario, EVERYONE)
    assert sorted(h.id or "" for h in before.page) == ["usinv-olivet", "usinv-orleans"]
    pushed = Capacity("01", "02", "01", 1, datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
                      source="02", gender="01", location_id="loc-usinv-tours")  # fmt: skip
    assert scenario.update_capacities("loc-usinv-tours", [pushed]).applied == 1
    answer = bundle(scenario, request)
    entries = answer["entry"]
    assert isinstance(entries, list)
    ids = [e["resource"]["id"] for e in entries if e["search"]["mode"] == "match"]
    assert ids == ["usinv-olivet", "usinv-orleans", "usinv-tours"]
    tours = next(e["resource"] for e in entries if e["resource"]["id"] == "loc-usinv-tours")
    assert tours["meta"]["lastUpdated"] == "2026-11-26T09:30:00Z"
    counters = [e for e in tours["extension"] if e["url"].endswith("supported-capacity")]
    assert len(counters) == 6  # the example's five and the closed beds, the women's one live
    women = [c for c in counters if {"url": "nbCapacity", "valueInteger": 1} in c["extension"]]
    assert len(women) == 1
    sources = [s for s in women[0]["extension"] if s["url"] == "capacitySourceType"]
    assert sources[0]["valueCodeableConcept"]["coding"][0]["code"] == "02"  # bed management
    # the counters nobody pushed are the source's, as written (displays included)
    installed = [c for c in counters if {"url": "nbCapacity", "valueInteger": 15} in c["extension"]]
    assert installed[0]["extension"][1] == {
        "url": "capacityUpdateDate",
        "valueDateTime": "2024-07-08T18:15:39Z",
    }


@pytest.mark.parametrize("prefix", ["31", "75", "971", "974", "20", "45", "2A"])
def test_postcode_prefixes_narrow_the_engine_and_lose_nothing(
    synthetic: EmbeddedEngine, offers: list[Offer], prefix: str
) -> None:
    request = parse_search(
        "HealthcareService", [("location.address-postalcode", prefix), ("_count", "1000")]
    )
    expected = sorted(o.id for o in offers if o.place.postal_code.startswith(prefix))
    found = fhir_search.run(request, synthetic, EVERYONE)
    assert [h.id for h in found.page] == expected
    assert expected or prefix == "2A"  # Corsican postcodes are 20xxx
    bounded = plan(request, EVERYONE).query
    assert (bounded.point is not None) == prefix.isdigit()  # "2A" is no postcode prefix


def test_every_engine_strategy_gives_the_same_answers(
    synthetic: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spatial (growing-radius) strategy, used above 12,000 postings, streams ring markers
    among the units: they are no units."""
    lyon = [("location.near", "45.764|4.8357|40|km"), ("location.capacity-status", "02")]
    queries = [
        ("Location", [("near", "48.8566|2.3522|30|km"), ("_count", "1000")]),
        ("HealthcareService", lyon),
        ("HealthcareService", [("location.address-postalcode", "75"), ("_count", "1000")]),
    ]
    default = [fhir_search.run(parse_search(r, q), synthetic, EVERYONE) for r, q in queries]  # type: ignore[arg-type]
    monkeypatch.setattr(planner, "FACET_FIRST_MAX", 0)
    spatial = [fhir_search.run(parse_search(r, q), synthetic, EVERYONE) for r, q in queries]  # type: ignore[arg-type]
    for a, b in zip(default, spatial, strict=True):
        assert a.total == b.total > 0
        assert [h.id for h in a.page] == [h.id for h in b.page]


CAPACITY_GROUP = [
    ("location.capacity-type", "02"),
    ("location.capacity-status", "02"),
    ("location.temporality-capacity", "01"),
    ("location.temporary-assignement", "01"),
    ("location.nb-capacity", "gt0"),
]
R240 = "https://mos.esante.gouv.fr/NOS/TRE_R240-TypeAccueil/FHIR/TRE-R240-TypeAccueil|02"


@pytest.mark.parametrize(
    ("query", "pushed"),
    [
        ([("service-type", "04"), ("_filter", "age-range-low le 85 and age-range-high ge 85")],
         {"age": 85}),
        ([("age-range-low", "le80"), ("age-range-high", "ge80"), ("service-type", "04")],
         {"age": 80}),
        ([("characteristic", R240), ("service-type", "04")], {"reception_bit": 2}),
        ([("service-type", "04"), *CAPACITY_GROUP], {"bed_nature": "02", "bed_min": 1}),
    ],
)  # fmt: skip
def test_conditions_the_prefilter_decides_are_pushed_down_and_counted(
    synthetic: EmbeddedEngine, query: list[tuple[str, str]], pushed: dict[str, object]
) -> None:
    """Each of these is decided by the engine: nothing is left to test in Python, and the
    answer is the one full evaluation gives (the suite's parity fixture compares them)."""
    request = parse_search("HealthcareService", [*query, ("_count", "20")])
    p = plan(request, EVERYONE)
    assert p.exact
    assert {k: getattr(p.query.prefilter, k) for k in pushed} == pushed
    assert fhir_search.run(request, synthetic, EVERYONE).total > 0


@pytest.mark.parametrize(
    "query",
    [
        [("_filter", "age-range-low le 10 and age-range-high ge 12")],  # not one age
        [("_filter", "age-range-low lt 10 and age-range-high ge 10")],  # lt is not the test
        [("age-range-low", "le10"), ("age-range-high", "ge10|http://unitsofmeasure.org|mo")],
        [("age-range-low", "le10")],  # half of the pair
        [("characteristic", R240.replace("|02", "|02,") + "01")],  # two codes: either one
        [*CAPACITY_GROUP[:-1], ("location.nb-capacity", "gt1")],  # one counter ≥ 2 ≠ sum ≥ 2
        [*CAPACITY_GROUP, ("location.gender-capacity-available", "01")],  # a gender counter
        [*CAPACITY_GROUP, ("location.address-postalcode", "31")],  # on the same Location
        [*CAPACITY_GROUP[1:], ("location.capacity-type", "01,02")],
    ],
)
def test_conditions_the_prefilter_does_not_decide_stay_in_the_residual(
    synthetic: EmbeddedEngine, query: list[tuple[str, str]]
) -> None:
    request = parse_search("HealthcareService", [("service-type", "04"), *query])
    p = plan(request, EVERYONE)
    assert not p.exact
    assert p.query.prefilter.age is None and p.query.prefilter.bed_nature is None
    fhir_search.run(request, synthetic, EVERYONE)  # the parity fixture compares both ways
