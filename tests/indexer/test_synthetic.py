"""The synthetic national dataset: deterministic, realistic in mix and place, consistent, valid."""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from ror.errors import InvalidInput
from ror.geo import gazetteer, haversine_km
from ror.indexer import synthetic, synthetic_offers
from ror.indexer.synthetic import (
    BENCH_SIZE,
    DEFAULT_DEMO_SIZE,
    demo_dataset_size,
    generate,
    generate_blocks,
)
from ror.indexer.synthetic_catalogue import (
    PRACTICES,
    SERVICE_KINDS,
    SITE_PROFILES,
    all_templates,
)
from ror.indexer.synthetic_plan import KINDS, offer_budgets
from ror.model import Offer
from ror.nomenclature import FIELD_SYSTEMS, PART_SYSTEMS, codes

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SIZE = 20_000
HOSPITAL_CATEGORIES = {"101", "355", "106", "128", "129", "109", "292"}
HOME_BASED_MODES = {"49", "31"}


@pytest.fixture(scope="module")
def offers() -> list[Offer]:
    return list(generate(SIZE, seed=0, now=NOW))


def _sites(offers: list[Offer]) -> dict[str, list[Offer]]:
    by_site: dict[str, list[Offer]] = defaultdict(list)
    for offer in offers:
        by_site[offer.establishment.id].append(offer)
    return by_site


# --- determinism and ids ------------------------------------------------------------------


def test_same_seed_gives_the_same_offers_in_the_same_order() -> None:
    first = list(generate(1000, seed=3, now=NOW))
    again = list(generate(1000, seed=3, now=NOW))
    assert first == again
    assert [o.to_dict() for o in first] == [o.to_dict() for o in again]


def test_another_seed_gives_another_dataset() -> None:
    one = list(generate(1000, seed=3, now=NOW))
    two = list(generate(1000, seed=4, now=NOW))
    assert [o.name for o in one] != [o.name for o in two]
    assert {(o.place.lat, o.place.lon) for o in one} != {(o.place.lat, o.place.lon) for o in two}


def test_ids_are_sequential_unique_and_do_not_depend_on_now() -> None:
    early = list(generate(800, seed=5, now=NOW))
    later = list(generate(800, seed=5, now=NOW + timedelta(days=30)))
    assert [o.id for o in early] == [f"syn-hs-{i:07d}" for i in range(1, 801)]
    assert [o.id for o in early] == [o.id for o in later]
    assert [o.location_ids for o in early] == [o.location_ids for o in later]
    assert [o.name for o in early] == [o.name for o in later]
    shift = {
        later_cap.updated_at - cap.updated_at
        for a, b in zip(early, later, strict=True)
        for cap, later_cap in zip(a.capacities, b.capacities, strict=True)
    }
    assert shift == {timedelta(days=30)}  # every date is relative to ``now``


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_blocks_built_apart_and_interleaved_give_the_offers_of_generate(
    parts: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in (synthetic, synthetic_offers):  # small blocks: many of them
        monkeypatch.setattr(module, "BLOCK", 50)
    whole = list(generate(2000, seed=6, now=NOW))
    by_part = [
        [list(block) for block in generate_blocks(2000, 6, now=NOW, part=k, parts=parts)]
        for k in range(parts)
    ]
    assert sum(len(p) for p in by_part) > 10
    interleaved = [
        offer
        for number in range(max(len(p) for p in by_part) * parts)
        if number // parts < len(by_part[number % parts])
        for offer in by_part[number % parts][number // parts]
    ]
    assert interleaved == whole


def test_locations_are_named_after_their_establishment(offers: list[Offer]) -> None:
    owners: dict[str, str] = {}
    for offer in offers:
        for capacity in offer.capacities:
            owners.setdefault(capacity.location_id, offer.establishment.id)
            assert owners[capacity.location_id] == offer.establishment.id
    assert len(owners) > 1000
    for location, establishment in owners.items():
        site, number = location.removeprefix("syn-loc-").split("-")
        assert establishment == f"syn-eg-{site}" and 1 <= int(number) <= 999


@pytest.mark.parametrize("size", [0, 1, 7, 333, 2_001])
def test_exactly_size_offers(size: int) -> None:
    assert sum(1 for _ in generate(size, seed=1, now=NOW)) == size


def test_budgets_sum_to_size_and_follow_the_shares() -> None:
    for size in (0, 5, 999, 100_000, 1_234_567):
        budgets = offer_budgets(size)
        assert sum(budgets) == size
        assert all(b >= 0 for b in budgets)
    ehpad = offer_budgets(100_000)[[k.name for k in KINDS].index("ehpad")]
    assert ehpad == round(100_000 * next(k.share for k in KINDS if k.name == "ehpad"))


def test_generation_is_lazy() -> None:
    stream = generate(BENCH_SIZE, seed=0, now=NOW)  # only the plan is drawn up front
    first = next(stream)
    assert first.id == "syn-hs-0000001"


def test_bad_arguments_are_rejected_naming_the_field() -> None:
    for size in (-1, 2.5, "100", True):
        with pytest.raises(InvalidInput) as error:
            generate(size)  # type: ignore[arg-type]
        assert error.value.field == "size"
    with pytest.raises(InvalidInput) as error:
        generate(10, seed=-3)
    assert error.value.field == "seed"
    with pytest.raises(InvalidInput) as error:
        generate(10, now="2026-01-01")  # type: ignore[arg-type]
    assert error.value.field == "now"
    for part, parts, field in (
        (0, 0, "parts"),
        (2, 2, "part"),
        (-1, 3, "part"),
        (0, True, "parts"),
    ):
        with pytest.raises(InvalidInput) as error:
            generate_blocks(10, part=part, parts=parts)
        assert error.value.field == field


def test_naive_now_is_taken_as_utc() -> None:
    naive = list(generate(50, seed=2, now=NOW.replace(tzinfo=None)))
    assert naive == list(generate(50, seed=2, now=NOW))


def test_sizes_for_demo_and_benchmark() -> None:
    assert demo_dataset_size() == DEFAULT_DEMO_SIZE == 100_000
    assert BENCH_SIZE == 1_000_000


# --- national mix ---------------------------------------------------------------------------


def test_ehpad_count_scales_to_about_7500_nationally(offers: list[Offer]) -> None:
    ehpad = {o.establishment.id for o in offers if o.establishment.category == "500"}
    national = len(ehpad) * DEFAULT_DEMO_SIZE / SIZE
    assert 6_800 <= national <= 8_200
    share = sum(1 for o in offers if o.establishment.category == "500") / SIZE
    assert 0.17 <= share <= 0.24


def test_hospital_sites_have_many_units_sharing_their_establishment(offers: list[Offer]) -> None:
    sites = _sites(offers)
    units = {
        category: [len(v) for v in sites.values() if v[0].establishment.category == category]
        for category in ("101", "355", "292", "128")
    }
    assert statistics.mean(units["101"]) > 50
    assert statistics.mean(units["355"]) > 15
    assert statistics.mean(units["292"]) > 8
    assert min(units["128"]) >= 1 and statistics.mean(units["128"]) > 4
    for site in sites.values():
        assert len({o.establishment for o in site}) == 1  # one EG object per site
        assert len({o.place.commune for o in site}) == 1


def test_kinds_of_units_needed_by_the_scenarios_exist(offers: list[Offer]) -> None:
    def having(activity: str = "", offer_type: str = "") -> list[Offer]:
        return [
            o
            for o in offers
            if (not activity or activity in o.activity)
            and (not offer_type or offer_type in o.offer_type)
        ]

    for activity in ("126", "127", "130", "373", "354", "356", "157", "159", "160", "249"):
        assert having(activity), activity
    for activity in ("025", "145", "227", "228", "229", "170", "172", "437", "289"):
        assert having(activity), activity
    assert all(o.care_mode == ("33",) for o in having(offer_type="20") if o.care_mode != ("13",))
    maternity_levels = {e for o in having("100") for e in o.expertise}
    assert maternity_levels == {"01", "02", "03", "04"}
    icu_with_free_bed = [
        o
        for o in having(offer_type="121")
        if any(c.status == "02" and c.temporality == "01" and c.count > 0 for c in o.capacities)
    ]
    assert len(icu_with_free_bed) >= 20
    child_psychologists = [
        o
        for o in having("289", "209")
        if "93" in o.professions and o.age_min is not None and o.age_min <= 8 <= (o.age_max or 0)
    ]
    assert len(child_psychologists) >= 50
    cmp = having(offer_type="10")
    assert {"227", "229"} <= {a for o in cmp for a in o.activity}
    assert having(offer_type="11")


def test_every_kind_of_establishment_appears(offers: list[Offer]) -> None:
    categories = {o.establishment.category for o in offers}
    expected = {p.category for p in SITE_PROFILES.values()}
    expected |= {v.category for variants in SERVICE_KINDS.values() for v in variants}
    expected |= {"SA07", "SA08", "603", "124"}
    assert expected <= categories
    assert {p.offer_type for p in PRACTICES} <= {t for o in offers for t in o.offer_type}


def test_practices_are_city_offers(offers: list[Offer]) -> None:
    practices = [o for o in offers if "05" in o.champ]
    assert 0.15 <= len(practices) / SIZE <= 0.35
    for offer in practices:
        assert offer.establishment.category in {"SA07", "SA08", "603", "124"}
        assert len(offer.professions) == 1
        assert offer.care_mode == ("32",)
        assert offer.hours and all(h.kind in {"06", "07"} for h in offer.hours)
        assert not offer.capacities and not offer.zones


# --- places ---------------------------------------------------------------------------------


def test_every_region_and_departement_appears(offers: list[Offer]) -> None:
    gaz = gazetteer()
    assert {o.place.region for o in offers} == set(gaz.regions())
    assert {o.place.departement for o in offers} == set(gaz.departements())
    assert {o.region_tag for o in offers} == set(gaz.regions())


def test_places_match_their_commune_and_stay_close_to_it(offers: list[Offer]) -> None:
    gaz = gazetteer()
    for offer in offers[::7]:
        place = offer.place
        commune = gaz.commune(place.commune)
        assert commune is not None
        assert (place.departement, place.region) == (commune.departement, commune.region)
        assert place.city == commune.name and place.postal_code in commune.postcodes
        assert haversine_km(place.lat, place.lon, commune.lat, commune.lon) < 1.0
        assert offer.region_tag == place.region


def test_offers_follow_population(offers: list[Offer]) -> None:
    by_region = Counter(o.place.region for o in offers)
    assert by_region["11"] == max(by_region.values())  # Île-de-France, 18 % of the people
    assert 0.14 <= by_region["11"] / SIZE <= 0.25
    assert by_region["94"] < by_region["84"] / 10  # Corsica vs Auvergne-Rhône-Alpes


def test_big_cities_get_university_hospitals(offers: list[Offer]) -> None:
    chu_cities = {o.place.commune for o in offers if o.establishment.category == "101"}
    assert {"75056", "13055", "69123", "31555"} <= chu_cities


# --- home-based services --------------------------------------------------------------------


def test_home_care_offers_have_intervention_zones_around_their_seat(offers: list[Offer]) -> None:
    gaz = gazetteer()
    home = [o for o in offers if set(o.care_mode) & HOME_BASED_MODES]
    assert len(home) > 0.08 * SIZE
    assert {"28", "30", "128"} <= {t for o in home for t in o.offer_type}
    by_type = Counter(z.type for o in home for z in o.zones)
    assert by_type["3"] > 10 * by_type["2"] > 0
    points = {c.insee: (c.lat, c.lon) for c in gaz.communes()}
    pairs: set[tuple[str, str]] = set()
    for offer in home:
        assert offer.home_based
        zones = offer.zones
        if zones[0].type == "2":
            assert zones == ((zones[0]),) and zones[0].code == offer.place.departement
            continue
        assert zones[0].code == offer.place.commune  # the seat first
        assert all(z.type == "3" for z in zones) and len({z.code for z in zones}) == len(zones)
        pairs.update((offer.place.commune, z.code) for z in zones)
    for seat, commune in pairs:
        assert haversine_km(*points[seat], *points[commune]) <= 40.0
    assert not any(o.zones for o in offers if not set(o.care_mode) & HOME_BASED_MODES)


# --- capacities -----------------------------------------------------------------------------


def test_counters_are_consistent_on_every_location(offers: list[Offer]) -> None:
    checked = 0
    for offer in offers:
        by_location: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
        for cap in offer.capacities:
            assert cap.location_id in offer.location_ids
            assert cap.count >= 0 and cap.assignment == "01"
            assert (cap.gender is not None) == (cap.status == "02")
            assert (cap.closing_type is not None) == (cap.status == "05")
            assert (cap.extra_bed_type is not None) == (cap.status == "06")
            by_location[cap.location_id].append(cap)
        for caps in by_location.values():
            assert len({c.nature for c in caps}) == 1
            assert len({c.key() for c in caps}) == len(caps)  # no duplicate indicator
            now = [c for c in caps if c.temporality == "01"]
            total = {
                s: sum(c.count for c in now if c.status == s) for s in ("01", "02", "03", "05")
            }
            assert total["02"] + total["03"] + total["05"] <= total["01"]
            forecast = [c.count for c in caps if c.temporality == "03"]
            assert all(f <= total["01"] - total["05"] for f in forecast)
            checked += 1
    assert checked > 0.5 * SIZE


def test_some_units_are_full_and_some_have_room(offers: list[Offer]) -> None:
    available = [
        sum(c.count for c in o.capacities if c.status == "02" and c.temporality == "01")
        for o in offers
        if o.capacities
    ]
    full = sum(1 for a in available if a == 0) / len(available)
    assert 0.2 <= full <= 0.7


def test_closed_offers_report_nothing_available(offers: list[Offer]) -> None:
    closed = [o for o in offers if o.closed_from is not None and o.closed_from <= NOW]
    assert 0.003 * SIZE <= len(closed) <= 0.02 * SIZE
    for offer in closed:
        assert offer.reopens_at is None or offer.reopens_at > NOW
        assert all(c.count == 0 for c in offer.capacities if c.status == "02")
    planned = [
        (o.closed_from, o.reopens_at)
        for o in offers
        if o.closed_from is not None and o.closed_from > NOW
    ]
    assert planned
    assert all(end is not None and end > start for start, end in planned)


def test_locations_shared_by_offers_carry_the_same_counters(offers: list[Offer]) -> None:
    seen: dict[str, tuple] = {}  # type: ignore[type-arg]
    shared = 0
    for offer in offers:
        for location in offer.location_ids:
            mine = tuple(c for c in offer.capacities if c.location_id == location)
            if location in seen:
                shared += 1
                assert seen[location] == mine
            else:
                seen[location] = mine
    assert shared > 0.02 * SIZE


def test_freshness_follows_the_source(offers: list[Offer]) -> None:
    ages: dict[str, list[float]] = defaultdict(list)
    for offer in offers:
        for cap in offer.capacities:
            assert cap.updated_at.tzinfo is not None and cap.updated_at <= NOW
            ages[cap.source].append((NOW - cap.updated_at).total_seconds() / 3600)
    assert set(ages) == {"01", "02", "03", "04"}
    assert max(ages["02"]) <= 48 and statistics.median(ages["02"]) < 2
    assert (
        statistics.median(ages["02"])
        < statistics.median(ages["04"])
        < statistics.median(ages["01"])
    )
    stale = sum(1 for age in ages["01"] if age > 48) / len(ages["01"])
    assert 0.02 <= stale <= 0.2
    assert (
        sum(1 for values in ages.values() for age in values if age <= 48)
        / sum(len(v) for v in ages.values())
        > 0.9
    )


def test_bed_management_counters_split_availability_by_gender(offers: list[Offer]) -> None:
    icu = [
        o for o in offers if "121" in o.offer_type and any(c.source == "02" for c in o.capacities)
    ]
    assert icu
    for offer in icu:
        genders = {c.gender for c in offer.capacities if c.status == "02" and c.temporality == "01"}
        assert genders == {"01", "02", "03"}
    assert any(c.status == "06" and c.crisis == "02" for o in icu for c in o.capacities)


# --- EHPAD ----------------------------------------------------------------------------------


def test_ehpad_offers_prices_and_social_aid(offers: list[Offer]) -> None:
    ehpad = [o for o in offers if o.establishment.category == "500"]
    establishments = {o.establishment.id: o.establishment for o in ehpad}
    for offer in ehpad:
        assert offer.champ == ("04",) and offer.public == ("01",)
        assert (offer.age_min, offer.age_max) == (60, 120)
        assert set(offer.offer_type) <= {"21", "23", "24", "25"}
        assert all(c.nature == "02" for c in offer.capacities)
    hosting = [o for o in ehpad if o.care_mode == ("46",)]
    assert {r for o in hosting for r in o.reception} == {"01", "02"}
    habilitated = [e for e in establishments.values() if e.social_aid]
    assert 0.65 <= len(habilitated) / len(establishments) <= 0.85
    assert all((e.social_aid_places_permanent or 0) > 0 for e in habilitated)
    assert not any(
        e.social_aid_places_permanent for e in establishments.values() if not e.social_aid
    )
    base: dict[str, list[float]] = defaultdict(list)
    for offer in ehpad:
        for price in offer.establishment.prices:
            public_single_room = (price.condition, price.reception, price.residential_type)
            if price.type == "02" and public_single_room == ("01", "02", "02"):
                base[offer.place.region].append(price.amount_eur)
    for establishment in establishments.values():
        socle = [p for p in establishment.prices if p.type == "02"]
        assert socle and all(p.unit == "2" and 52 <= p.amount_eur <= 160 for p in socle)
        assert any(p.condition == "02" for p in socle) == establishment.social_aid
        keys = [(p.under_60, p.residential_type, p.reception, p.condition) for p in socle]
        assert len(keys) == len(set(keys))  # RG_EXP_026: one forfait socle per combination
    national = statistics.mean(v for values in base.values() for v in values)
    assert 60 <= national <= 85
    assert statistics.mean(base["11"]) > national + 10  # Île-de-France is dearer


# --- confidentiality, hours, equipment ----------------------------------------------------------


def test_contacts_have_every_confidentiality_level_and_fictional_numbers(
    offers: list[Offer],
) -> None:
    contacts = [c for o in offers for c in o.contacts]
    assert {c.confidentiality for c in contacts} == {"1", "2", "3"}
    phones = [c.value for c in contacts if c.channel in ("2", "4")]
    fiction = ("01 99 00", "02 61 91", "03 53 01", "04 65 71", "05 36 49", "06 39 98")
    assert all(p.startswith(fiction) and len(p) == 14 for p in phones)
    assert all(c.value.endswith(".example") for c in contacts if c.channel == "3")


def test_a_few_units_are_sensitive(offers: list[Offer]) -> None:
    sensitive = [o for o in offers if o.sensitive]
    assert 0.0005 * SIZE <= len(sensitive) <= 0.01 * SIZE
    assert all(o.champ[0] in {"01", "03"} for o in sensitive)


def test_equipment_with_weight_limits(offers: list[Offer]) -> None:
    equipment = [e for o in offers for e in o.equipment]
    tables = [e for e in equipment if e.code == "088"]
    assert tables and all(e.feature == "001" and e.limit_unit == "kg" for e in tables)
    assert all(200 <= (e.limit_value or 0) <= 250 for e in tables)
    assert {"054", "107", "009"} <= {e.code for e in equipment}
    assert all(e.location_id for e in equipment)


def test_age_ranges_are_ordered(offers: list[Offer]) -> None:
    for offer in offers:
        assert offer.age_min is not None and offer.age_max is not None
        assert 0 <= offer.age_min <= offer.age_max <= 150
    children = [o for o in offers if o.age_max is not None and o.age_max <= 18]
    assert len(children) > 0.02 * SIZE


# --- validity -------------------------------------------------------------------------------


def _code_values(offer: Offer) -> list[tuple[str, str]]:
    """Every (system key, code) pair of an offer, by the nomenclature's field map."""
    pairs = [(key, code) for field, key in FIELD_SYSTEMS.items() for code in _codes(offer, field)]
    parts = {
        "Capacity": offer.capacities,
        "Price": offer.establishment.prices,
        "Establishment": (offer.establishment,),
        "Equipment": offer.equipment,
        "Zone": offer.zones,
        "OpeningHours": offer.hours,
        "Contact": offer.contacts,
        "Offer": (offer,),
    }
    for part, items in parts.items():
        for item in items:
            for field, key in PART_SYSTEMS[part].items():
                value = getattr(item, field)
                for code in value if isinstance(value, tuple) else (value,):
                    if code is not None and not (part == "Equipment" and field == "limit_unit"):
                        pairs.append((key, code))
    return pairs


def _codes(offer: Offer, field: str) -> tuple[str, ...]:
    if field == "category":
        return (offer.establishment.category,) if offer.establishment.category else ()
    if field == "financial_help":
        return offer.establishment.financial_help
    if field == "equipment":
        return tuple(e.code for e in offer.equipment)
    value = getattr(offer, field)
    assert isinstance(value, tuple)
    return value


def test_every_code_is_in_its_nomenclature(offers: list[Offer]) -> None:
    unknown = Counter(
        (key, code)
        for offer in offers[::2]
        for key, code in _code_values(offer)
        if code not in codes(key)
    )
    assert not unknown, unknown.most_common(10)


def test_every_template_code_is_in_its_nomenclature() -> None:
    for template in all_templates():
        values = {
            "R211": template.activity,
            "R244": (template.offer_type,),
            "R227": (template.champ,),
            "R213": (template.care_mode,),
            "R329": (template.nature,),
            "R239": template.public,
            "R240": template.reception,
            "J227": template.expertise,
            "R245": template.specialisations,
            "R338": template.modalities,
            "G15": template.professions,
            "R212": tuple(e.code for e in template.equipment),
        }
        for key, values_of_key in values.items():
            for code in values_of_key:
                assert code in codes(key), (template.name, key, code)
    for practice in PRACTICES:
        assert practice.offer_type in codes("R244") and practice.profession in codes("G15")
        assert all(a in codes("R211") for a in practice.activity)


def test_offers_round_trip_through_json(offers: list[Offer]) -> None:
    for offer in offers[::40]:
        text = json.dumps(offer.to_dict(), ensure_ascii=False)
        assert Offer.from_dict(json.loads(text)) == offer


# --- speed ----------------------------------------------------------------------------------


def test_generation_speed_is_sane() -> None:
    started = time.process_time()
    count = sum(1 for _ in generate(10_000, seed=9, now=NOW))
    elapsed = time.process_time() - started
    assert count == 10_000
    assert count / elapsed > 4_000  # measured ~30 000 offers/s on one core
