"""``Location?_tag=…`` reads the engine's Location tag keys: it answers exactly as the scan does
(pages, totals, cursors, ``_offset``, alone and with names, dates and other Location
parameters, for callers who may and may not see sensitive units or capacities) after full
loads, upserts and deletes; a sensitive unit's Location never shows through it to a caller who
may not see it; it reads only its page; and an index made before the keys fills them alone when
it opens (the other look-up keys untouched)."""

from __future__ import annotations

import collections
import dataclasses
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from ror import deadline
from ror.access.profiles import audience
from ror.api.fhir import location_tags as location_tags_module
from ror.api.fhir.location_tags import location_tags
from ror.api.fhir.lookup import hidden_units
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import Hit
from ror.errors import TooLong
from ror.indexer.facts import location_tags as tags_of
from ror.indexer.facts import location_tokens, text_of, view
from ror.indexer.terms import SEP, name
from ror.model import Offer, Place
from ror.nomenclature.registry import codes
from ror.search.embedded import location_tag_pages as pages_module
from ror.search.embedded import location_tags as location_tag_keys
from ror.search.embedded.engine import EmbeddedEngine
from tests.api.fhir.location_pages import location_pages
from tests.api.fhir.test_fhir_lookup import Counting

Items = list[tuple[str, str]]
R30 = "https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM"
PROFILES = (0, 1, 3)  # anonymous (sensitive units hidden), every unit and capacities, ESMS


def pages(engine: EmbeddedEngine, items: Items, profile: int, fast: bool) -> list[object]:
    """Every page following the cursors: (total, Location ids, their offers, their tags)."""
    return location_pages(engine, items, profile, location_tags if fast else None, _shown)


def _shown(h: Hit) -> object:
    return tags_of(h.view, h.location) if h.view and h.location else []


def regions(offers: list[Offer]) -> list[str]:
    """The Locations' region tags, the most used first."""
    counted: collections.Counter[str] = collections.Counter()
    for offer in offers:
        v = view(offer)
        counted.update(code for loc in v.locations for _, _, code in tags_of(v, loc))
    return [code for code, _ in counted.most_common()]


def unused(offers: list[Offer]) -> list[str]:
    """Region codes no Location of these offers has."""
    return sorted(set(codes("R30")) - set(regions(offers)))


def queries(offers: list[Offer]) -> list[Items]:
    top, second, third = regions(offers)[:3]
    return [
        [("_tag", top), ("_count", "40")],
        [("_tag", f"{top},{second}"), ("_count", "150")],
        [("_tag", f"{R30}|{second}"), ("_count", "30"), ("_offset", "7")],
        [("_tag", f"http://other.example|{second}")],
        [("_tag", third), ("_tag", f"{third},{top}"), ("_count", "25")],
        [("_filter", f"_tag eq {third} or _tag eq {second}"), ("_count", "100")],
        [("_tag", top), ("_summary", "count")],
        [("_tag", unused(offers)[0])],
        [("_tag", top), ("name:contains", "e,a"), ("_count", "30")],
        [("_tag", second), ("_lastUpdated", "ge2026-03-01"), ("_count", "30")],
        [("_tag", second), ("_lastUpdated", "lt2026-03-01"), ("_lastUpdated", "ge2025-01-01")],
        [("_tag", top), ("address-postalcode", "3"), ("_count", "20")],
        [("_tag", top), ("address-city", "a"), ("_count", "20")],
        [("_tag", top), ("equipment-type", "003")],
        [("_tag", top), ("capacity-type", "01"), ("_count", "10")],
        *address_queries(offers),
        *city_queries(offers),
    ]


def address_queries(offers: list[Offer]) -> list[Items]:
    """Searches by postal code (a prefix, several, exact) and commune, alone and with others."""
    code, commune = postcode_and_commune(offers)
    return [
        [("address-postalcode", "3"), ("_count", "40")],
        [("address-postalcode", f"{code[:2]},3,31"), ("_count", "25"), ("_offset", "3")],
        [("address-postalcode:exact", code)],
        [("address-postalcode", code[:1]), ("_summary", "count")],
        [("address-postalcode", "3"), ("_lastUpdated", "ge2026-03-01"), ("_count", "30")],
        [("address-postalcode", "3"), ("name:contains", "e"), ("_count", "30")],
        [("address-postalcode", "9"), ("address-city", "a"), ("_count", "20")],
        [("commune-cog", commune), ("_count", "30")],
        [("commune-cog", commune), ("address-postalcode", code[:1])],
    ]


def city_queries(offers: list[Offer]) -> list[Items]:
    """Searches by city (a prefix, accents and case ignored, several, exact, substrings, in a
    ``_filter``), alone and with others."""
    city = cities(offers)[0]
    accented = next(c for c in cities(offers) if not c.isascii())
    upper = accented[: next(i for i, c in enumerate(accented) if not c.isascii()) + 1].upper()
    top = regions(offers)[0]
    return [
        [("address-city", "a"), ("_count", "40")],
        [("address-city", upper), ("_count", "7")],
        [("address-city", f"{city[:4]},évry,p"), ("_count", "25"), ("_offset", "3")],
        [("address-city:exact", city)],
        [("address-city:exact", f"{city.lower()},{city}"), ("address-city", city[0].lower())],
        [("address-city", "a"), ("_summary", "count")],
        [("address-city", "s"), ("_lastUpdated", "ge2026-03-01"), ("_count", "30")],
        [("address-city", "s"), ("name:contains", "e"), ("_count", "30")],
        [("address-city", "s"), ("name", "c")],
        [("address-city", "s,m"), ("address-postalcode", "9"), ("_count", "20")],
        [("address-city", "v"), ("_tag", top), ("_count", "20")],
        [("_filter", f"address-city sw van or address-city eq {city}"), ("_count", "20")],
        [("address-city", "qqqq")],
        [("address-city:contains", "a"), ("_count", "40")],
        [("address-city:contains", f"{city[1:4].upper()},ÉV"), ("_count", "9"), ("_offset", "2")],
        [("address-city:contains", "-"), ("_summary", "count")],
        [("address-city:contains", "e"), ("_tag", top), ("_lastUpdated", "ge2026-03-01")],
        [("_filter", f"address-city co {city[2:5]} or address-city sw b"), ("_count", "20")],
        [("address-city:contains", "on"), ("address-city", "s"), ("name", "c")],
    ]


def cities(offers: list[Offer]) -> list[str]:
    """The Locations' cities, the most used first."""
    counted: collections.Counter[str] = collections.Counter()
    for offer in offers:
        v = view(offer)
        counted.update(t for loc in v.locations for t in [text_of(v, loc, "location", "city")] if t)
    return [city for city, _ in counted.most_common()]


def postcode_and_commune(offers: list[Offer]) -> tuple[str, str]:
    """The most used postal code and commune code of the Locations."""
    codes_: collections.Counter[str] = collections.Counter()
    communes: collections.Counter[str] = collections.Counter()
    for offer in offers:
        v = view(offer)
        for loc in v.locations:
            codes_.update([t for t in [text_of(v, loc, "location", "postal_code")] if t])
            communes.update(code for _, _, code in location_tokens(v, loc, "commune"))
    return codes_.most_common(1)[0][0], communes.most_common(1)[0][0]


def assert_parity(engine: EmbeddedEngine, offers: list[Offer]) -> None:
    for items in queries(offers):
        for profile in PROFILES:
            fast = pages(engine, items, profile, fast=True)
            assert fast == pages(engine, items, profile, fast=False), (items, profile)


@pytest.fixture()
def engine(tmp_path: Path, offers: list[Offer]) -> EmbeddedEngine:
    made = EmbeddedEngine(tmp_path / "loctags.sqlite")
    made.load(offers[:500], replace_all=True)
    return made


def test_answers_as_the_scan_after_loads_upserts_and_deletes(
    engine: EmbeddedEngine, offers: list[Offer]
) -> None:
    subset = offers[:500]
    assert engine.sensitive_units()  # units some callers may not see
    firsts = [pages(engine, q, 0, fast=True)[0] for q in queries(subset)]
    totals = [first[0] for first in firsts if isinstance(first, tuple)]
    assert sum(1 for t in totals if t) >= 8, totals
    found = [pages(engine, q, 1, fast=True)[0] for q in address_queries(subset)]
    assert sum(1 for first in found if isinstance(first, tuple) and first[0]) >= 7, found
    found = [pages(engine, q, 1, fast=True)[0] for q in city_queries(subset)]
    assert sum(1 for first in found if isinstance(first, tuple) and first[0]) >= 16, found
    assert_parity(engine, subset)
    top = regions(subset)[0]
    retagged = dataclasses.replace(subset[70], region_tag=top)
    moved = dataclasses.replace(subset[90], location_ids=subset[3].location_ids)
    engine.upsert([retagged, moved])
    engine.delete([subset[80].id, subset[81].id, subset[3].id])
    assert_parity(engine, subset)
    engine.load(subset[100:400], replace_all=True)  # renumbered: the keys are filled again
    assert_parity(engine, subset[100:400])


def test_a_sensitive_unit_shows_its_location_only_to_who_may_see_it(
    engine: EmbeddedEngine, offers: list[Offer]
) -> None:
    """A Location whose first offer is a sensitive unit shows through the next offer to an
    anonymous caller (that offer's tags decide); one only a sensitive unit uses never shows."""
    hidden = set(engine.sensitive_units())
    mine, theirs = unused(offers[:500])[:2]
    unit = next(o for o in engine.offers(sorted(hidden)) if o.location_ids)
    shared, alone = unit.location_ids[0], "loctag-only-sensitive"
    unit = dataclasses.replace(unit, location_ids=(shared, alone), region_tag=mine)
    engine.upsert([unit])

    def shown(code: str, profile: int) -> set[str]:
        every = pages(engine, [("_tag", code), ("_count", "1000")], profile, fast=True)
        return {loc for page in every for loc in page[1]}  # type: ignore[index]

    assert shared not in shown(mine, 0) | shown(theirs, 0)  # held until offers are written
    later = dataclasses.replace(
        next(o for o in offers[:500] if not o.sensitive and o.location_ids and o.id != unit.id),
        id="shares-a-hidden-location",
        location_ids=(shared,),
        region_tag=theirs,
    )
    engine.upsert([later])
    assert engine.location_users([shared])[shared][0] in hidden
    for items in (
        [("_tag", mine)],
        [("_tag", theirs)],
        [("_tag", f"{mine},{theirs}"), ("_count", "1")],
        [("_tag", f"{mine},{theirs}"), ("_lastUpdated", "ge2000-01-01"), ("_count", "1")],
        [("_tag", theirs), ("_lastUpdated", "lt2000-01-01")],
        [("_tag", f"{mine},{theirs}"), ("_summary", "count")],
    ):
        for profile in PROFILES:
            fast = pages(engine, items, profile, fast=True)
            assert fast == pages(engine, items, profile, fast=False), (items, profile)

    for offer, code in ((unit, mine), (later, theirs)):
        place = view(offer).location(shared)
        assert place is not None and tags_of(view(offer), place) == [("R30", None, code)]
    assert alone not in shown(mine, 0) and alone in shown(mine, 1)
    assert shared not in shown(mine, 0) and shared in shown(theirs, 0)
    assert shared in shown(mine, 1) and shared not in shown(theirs, 1)


def test_reads_only_the_page(db_path: Path, offers: list[Offer]) -> None:
    """No candidate stream; the offers read are the page's Locations' users (the look-ups
    read every offer of the region, the scan every offer)."""
    engine = Counting(db_path)
    try:
        top, second = regions(offers)[:2]
        for items in (
            [("_tag", top)],
            [("_tag", f"{top},{second}")],
            [("_tag", second), ("_lastUpdated", "ge2020-01-01")],
        ):
            engine.read = 0
            request = parse_search("Location", [*items, ("_count", "20")])
            result = location_tags(request, engine, audience(0))
            assert result is not None and len(result.page) == 20 and result.total > 100
            assert engine.streams == 0
            assert engine.read == sum(len(h.users) for h in result.page), engine.read
    finally:
        engine.close()


@pytest.mark.parametrize(
    "since", ["ge2000-01-01", "lt2000-01-01", "ge2026-03-01", "lt2026-03-01", "ge2025-06-01"]
)
def test_many_locations_are_dated_in_one_pass_over_the_key(
    engine: EmbeddedEngine, offers: list[Offer], monkeypatch: pytest.MonkeyPatch, since: str
) -> None:
    """Past ``FEW`` Locations found, their dates are the key's rows in the span (or out of it
    when most Locations are in it), read in one pass: the same pages as the scan."""
    monkeypatch.setattr(location_tags_module, "FEW", 0)
    spans: list[tuple[int | None, int | None]] = []
    read = engine.location_dates_first_in

    def first_in(counters: bool, span: tuple[int | None, int | None]) -> list[tuple[int, str, int]]:
        spans.append(span)
        return read(counters, span)

    monkeypatch.setattr(engine, "location_dates_first_in", first_in)
    top, second = regions(offers[:500])[:2]
    for profile in PROFILES:
        items = [("_tag", f"{top},{second}"), ("_tag", f"{second},{top}"), ("_lastUpdated", since)]
        items.append(("_count", "25"))  # two _tag conditions: the Locations found are listed
        assert pages(engine, items, profile, True) == pages(engine, items, profile, False)
    assert spans, "the one-pass path was not taken"


def test_dating_many_locations_stops_at_the_deadline(
    engine: EmbeddedEngine, offers: list[Offer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(location_tags_module, "FEW", 0)
    top = regions(offers[:500])[0]
    for items in (
        [("_tag", top), ("_tag", top), ("_lastUpdated", "ge2000-01-01")],
        [("_tag", top), ("_lastUpdated", "ge2000-01-01")],
        [("address-city", "a,b,c")],
    ):
        with deadline.within(-1.0), pytest.raises(TooLong):
            location_tags(parse_search("Location", items), engine, audience(1))


def test_an_index_made_before_the_keys_fills_them_alone_on_open(
    engine: EmbeddedEngine, offers: list[Offer]
) -> None:
    reopened = reopened_after(engine, ["DROP TABLE location_tags"])
    try:
        assert_parity(reopened, offers[:500])
    finally:
        reopened.close()


def reopened_after(engine: EmbeddedEngine, statements: Sequence[str]) -> EmbeddedEngine:
    """``engine``'s index opened again after ``statements`` and without the Location keys'
    mark: the keys filled again alone (marked, the same rows as before), the other keys
    untouched."""
    path = engine.path
    engine.close()
    conn = sqlite3.connect(path)
    full = sorted(conn.execute("SELECT * FROM location_tags"))
    for statement in statements:
        conn.execute(statement)
    conn.execute("DELETE FROM meta WHERE key = ?", (location_tag_keys.KEYS.name,))
    conn.commit()
    before = dict(conn.execute("SELECT key, value FROM meta"))
    names_rows = sorted(conn.execute("SELECT * FROM location_names"))
    terms = conn.execute("SELECT count(*) FROM offer_terms").fetchone()
    conn.close()
    reopened = EmbeddedEngine(path)
    assert reopened.location_tags_ready()
    conn = sqlite3.connect(path)
    after = dict(conn.execute("SELECT key, value FROM meta"))
    assert after[location_tag_keys.KEYS.name] == "1"
    assert after["terms_version"] == before["terms_version"]  # not filled again
    assert after.get("terms_fill") == before.get("terms_fill")
    assert conn.execute("SELECT count(*) FROM offer_terms").fetchone() == terms
    assert sorted(conn.execute("SELECT * FROM location_names")) == names_rows
    assert sorted(conn.execute("SELECT * FROM location_tags")) == full
    conn.close()
    return reopened


def test_not_ready_or_not_a_tag_search_is_left_to_the_others(engine: EmbeddedEngine) -> None:
    conn = sqlite3.connect(engine.path)
    conn.execute("DELETE FROM meta WHERE key = ?", (location_tag_keys.KEYS.name,))
    conn.commit()
    conn.close()
    seen_by = audience(1)
    tag = [("_tag", "11")]
    assert location_tags(parse_search("Location", tag), engine, seen_by) is None
    for items in (
        [("name:contains", "e")],
        [*tag, ("_sort", "name")],
        [*tag, ("near", "45|2|9")],
    ):
        assert location_tags(parse_search("Location", items), engine, seen_by) is None
    assert location_tags(parse_search("HealthcareService", tag), engine, seen_by) is None


#: Searches by one ``_tag`` condition, with dates or not (counted and paged on the keys).
def keyed_queries(offers: list[Offer]) -> list[Items]:
    top, second, third = regions(offers)[:3]
    every = ",".join(regions(offers))
    return [
        [("_tag", top), ("_count", "30")],
        [("_tag", f"{top},{second}"), ("_count", "70"), ("_offset", "5")],
        [("_tag", f"{R30}|{second},{second},{third}"), ("_count", "40")],
        [("_tag", every), ("_count", "90")],
        [("_tag", every), ("_summary", "count")],
        [("_tag", every), ("_lastUpdated", "ge2026-03-01"), ("_count", "60")],
        [("_tag", f"{top},{third}"), ("_lastUpdated", "lt2026-03-01"), ("_count", "50")],
        [("_tag", second), ("_lastUpdated", "ge2025-01-01"), ("_lastUpdated", "lt2026-03-01")],
        [("_tag", every), ("_lastUpdated", "ge2000-01-01"), ("_summary", "count")],
        [("_tag", every), ("_lastUpdated", "lt2000-01-01")],
        [("_tag", unused(offers)[0]), ("_lastUpdated", "ge2000-01-01")],
    ]


WAYS = ("along", "merged", "listed", "tags", "inside", "outside", "by date", "by id")


@pytest.mark.parametrize("way", WAYS)
def test_one_tag_condition_is_counted_and_paged_on_the_keys_each_way(
    engine: EmbeddedEngine, offers: list[Offer], monkeypatch: pytest.MonkeyPatch, way: str
) -> None:
    """Each way of counting (on the tag rows, on the date rows in or out of the span, in date
    or id order) and of paging (along the tag key, each term's rows merged, the date rows in the
    span listed) gives the scan's pages, totals and cursors, to each audience."""
    taken: list[str] = []
    chosen = pages_module.cheapest

    def forced(costs: Mapping[str, float]) -> str:
        found = way if way in costs else chosen(costs)
        taken.append(found)
        return found

    monkeypatch.setattr(pages_module, "cheapest", forced)
    for items in keyed_queries(offers[:500]):
        for profile in (*PROFILES, 5):
            fast = pages(engine, items, profile, fast=True)
            assert fast == pages(engine, items, profile, fast=False), (items, profile)
    assert way in taken


def test_a_location_tagged_with_two_codes_is_counted_once(
    engine: EmbeddedEngine, offers: list[Offer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Location whose resource carries two region codes is found once by a ``_tag`` naming
    both, each way of counting, to each audience."""
    top, second = regions(offers[:500])[:2]
    users = [o for o in offers[:500] if o.location_ids and not o.sensitive][:3]
    tagged = []
    for i, offer in enumerate(users):
        loc = f"loctag-two-codes-{i}"
        resource = {
            "resourceType": "Location",
            "id": loc,
            "meta": {"tag": [{"system": R30, "code": top}, {"system": R30, "code": second}]},
        }
        tagged.append(
            dataclasses.replace(
                offer,
                location_ids=(loc, *offer.location_ids),
                source={"resourceType": "Bundle", "entry": [{"resource": resource}]},
            )
        )
    engine.upsert(tagged)
    chosen = pages_module.cheapest
    for way in WAYS:
        monkeypatch.setattr(pages_module, "cheapest", lambda c, w=way: w if w in c else chosen(c))
        for items in (
            [("_tag", f"{top},{second}"), ("_count", "100")],
            [("_tag", f"{top},{second}"), ("_lastUpdated", "ge2000-01-01"), ("_summary", "count")],
            [("_tag", f"{second},{R30}|{top}"), ("_lastUpdated", "lt2030-01-01")],
        ):
            for profile in (0, 1):
                fast = pages(engine, items, profile, fast=True)
                assert fast == pages(engine, items, profile, fast=False), (way, items, profile)
    every = pages(engine, [("_tag", f"{top},{second}"), ("_count", "1000")], 1, fast=True)
    shown = [loc for page in every for loc in page[1]]  # type: ignore[index]
    assert shown.count("loctag-two-codes-0") == 1


def test_city_searches_answer_as_the_scan_to_each_audience_after_upserts_and_deletes(
    engine: EmbeddedEngine, offers: list[Offer]
) -> None:
    """Searches by city through the keys (a prefix a range of the folded cities) give the
    scan's pages to the anonymous, entitled, ESMS and profile-5 callers, also once Locations
    change city or lose their first offer."""
    subset = offers[:500]

    def parity() -> None:
        for items in city_queries(subset):
            for profile in (*PROFILES, 5):
                fast = pages(engine, items, profile, fast=True)
                assert fast == pages(engine, items, profile, fast=False), (items, profile)

    parity()
    city = cities(subset)[0]
    used = [o for o in subset[60:200] if o.location_ids][:6]
    moved = [dataclasses.replace(o, place=dataclasses.replace(o.place, city=city)) for o in used]
    engine.upsert(moved)
    firsts = [o.id for o in subset[:60] if o.location_ids][:4]
    engine.delete(firsts)
    parity()


def test_a_sensitive_units_city_shows_only_to_who_may_see_it(
    engine: EmbeddedEngine, offers: list[Offer]
) -> None:
    """A Location whose first offer is a sensitive unit is found by that unit's city only by
    who may see the unit; others find it by the city the next offer shows."""
    hidden = set(engine.sensitive_units())
    unit = next(o for o in engine.offers(sorted(hidden)) if o.location_ids)
    shared = unit.location_ids[0]
    unit = dataclasses.replace(
        unit, location_ids=(shared,), source=None, place=_city(unit, "Zyzzyva-Sensible")
    )
    later = next(o for o in offers[:500] if not o.sensitive and o.location_ids and o.id != unit.id)
    later = dataclasses.replace(
        later,
        id="shares-a-hidden-city",
        location_ids=(shared,),
        source=None,
        place=_city(later, "Zythum-Suivant"),
    )
    engine.upsert([unit, later])
    assert engine.location_users([shared])[shared][0] in hidden

    def shown(items: Items, profile: int) -> set[str]:
        every = pages(engine, items, profile, fast=True)
        assert every == pages(engine, items, profile, fast=False), (items, profile)
        return {loc for page in every for loc in page[1]}  # type: ignore[index]

    ref = engine.location_users([shared])[shared][0]
    seeing = {p: ref not in hidden_units(engine, audience(p)) for p in (*PROFILES, 5)}
    assert set(seeing.values()) == {False, True}, seeing
    for profile, sees in seeing.items():
        own, next_ = ("zyzz", "zyth") if sees else ("zyth", "zyzz")
        assert shared in shown([("address-city", own)], profile)
        assert shared not in shown([("address-city", next_)], profile)
        assert shared in shown([("address-city:contains", own[1:])], profile)
        assert shared not in shown([("address-city:contains", f"{next_[1:]},qqq")], profile)
        assert shared in shown([("address-city", "ZYTH,zyzz"), ("_count", "1")], profile)
        exact = [("address-city:exact", "Zythum-Suivant")]
        assert (shared in shown(exact, profile)) != sees
        shown([("address-city", "zy"), ("_summary", "count")], profile)  # the scan's count


def _city(offer: Offer, city: str) -> Place:
    return dataclasses.replace(offer.place, city=city)


def test_an_index_with_the_earlier_keys_fills_the_cities_alone_on_open(
    engine: EmbeddedEngine, offers: list[Offer]
) -> None:
    """An index whose Location keys were complete before they held the cities (its own mark,
    no city rows) fills them again alone when it opens: the same rows, the other keys
    untouched."""
    city = name("location", "city") + SEP
    with sqlite3.connect(engine.path) as conn:
        (held,) = conn.execute(
            "SELECT count(*) FROM location_tags WHERE term >= ? AND term < ?", (city, city + "~")
        ).fetchone()
    assert held > 0
    reopened = reopened_after(
        engine,
        [
            f"DELETE FROM location_tags WHERE term >= '{city}' AND term < '{city}~'",
            "INSERT INTO meta VALUES ('location_tags_addresses', '1')",
        ],
    )
    try:
        for items in city_queries(offers[:500]):
            for profile in PROFILES:
                fast = pages(reopened, items, profile, fast=True)
                assert fast == pages(reopened, items, profile, fast=False), (items, profile)
    finally:
        reopened.close()
