"""Searches with a position go through the engine's near candidates and the look-up keys: each
answers exactly as the plain path and the evaluator do (totals, distance order and its ties,
cursor pages, for callers who may and may not see the sensitive units and the counters), and
a search the keys decide whole reads only its page."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ror.access.profiles import audience
from ror.api.fhir.lookup import as_lookup, price_group
from ror.api.fhir.near_lookup import near_lookup
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import Result, flat, run
from ror.model import Offer
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.embedded.key_refs import RANGE_PER_PROBE
from ror.search.engine import Lookup
from tests.api.fhir.test_fhir_lookup import Counting

Items = list[tuple[str, str]]
R211 = "https://mos.esante.gouv.fr/NOS/TRE_R211-ActiviteOperationnelle/FHIR/TRE-R211-ActiviteOperationnelle"


def pages(engine: EmbeddedEngine, items: Items, profile: int, how: str) -> list[object]:
    """Every page following the cursors: (total, ids, distances)."""
    out: list[object] = []
    cursor = None
    while True:
        request = parse_search(
            "HealthcareService", [*items, *([("_cursor", cursor)] if cursor else [])]
        )
        seen_by = audience(profile)
        result: Result | None
        if how == "keys":
            result = near_lookup(request, engine, seen_by)
            assert result is not None, f"{items}: not looked up"
        else:
            result = run(request, engine, seen_by, shortcut=how == "plain")
        out.append(
            (
                result.total,
                [h.id for h in result.page],
                [round(h.distance or 0.0, 9) for h in result.page],
            )
        )
        cursor = result.next_cursor
        if cursor is None:
            return out


def centre(offers: list[Offer]) -> Offer:
    """The sensitive unit: within every radius around it, some callers may not see it."""
    return next(o for o in offers if o.sensitive)


def queries(offers: list[Offer]) -> dict[str, Items]:
    o = centre(offers)
    near = ("location.near", f"{o.place.lat}|{o.place.lon}|120|km")
    wide = ("location.near", f"{o.place.lat}|{o.place.lon}|600|km")
    dates = sorted(x.last_updated for x in offers if x.last_updated)
    middle = dates[len(dates) // 2].isoformat()
    other = next(x for x in offers if x.place.commune != o.place.commune)
    finess = str(o.establishment.finess)
    since = f"(_lastUpdated ge {middle} or organization._lastUpdated:above ge {middle})"
    early = dates[len(dates) // 5].isoformat()  # the own date's part finds most offers
    most = f"(_lastUpdated ge {early} or organization._lastUpdated:above ge {early})"
    return {
        "everything since": [near, ("_filter", since), ("_count", "9")],
        "everything since, most": [wide, ("_filter", most), ("_count", "40")],
        "everything since, wide": [wide, ("_filter", since), ("_count", "40")],
        "closed re-openable beds": [
            near,
            ("location.capacity-type", "01"),
            ("location.capacity-closing-type", "01"),
            ("location.capacity-status", "05"),
            ("location.nb-capacity", "gt0"),
            ("_count", "5"),
        ],
        "capacity status": [wide, ("location.capacity-status", "02"), ("_count", "30")],
        "communes": [near, ("location.commune-cog", f"{o.place.commune},{other.place.commune}")],
        "postcode prefix": [wide, ("location.address-postalcode", o.place.postal_code[:2])],
        "region tag": [wide, ("_tag", str(o.region_tag)), ("_count", "25")],
        "region tag, offset": [wide, ("_tag", str(o.region_tag)), ("_offset", "13")],
        "region tag, count only": [wide, ("_tag", str(o.region_tag)), ("_summary", "count")],
        "region tag and specialty": [
            wide,
            ("_tag", str(o.region_tag)),
            ("specialty", f"{R211}|{o.activity[0] if o.activity else '356'}"),
        ],
        "region tag by date": [
            wide,
            ("_tag", str(o.region_tag)),
            ("_sort", "-_lastUpdated"),
            ("_count", "25"),
        ],
        "region tag by name": [wide, ("_tag", str(o.region_tag)), ("_sort", "name")],
        "region tag and capacity": [
            wide,
            ("_tag", str(o.region_tag)),
            ("location.capacity-status", "05"),
        ],
        "organisation identifier": [wide, ("organization.identifier", finess)],
        "name contains": [wide, ("name:contains", (o.name or "xx")[1:4]), ("_count", "7")],
        "two Location conditions (tested)": [
            wide,
            ("location.commune-cog", o.place.commune),
            ("location.address-postalcode", o.place.postal_code),
        ],
        "name exact (tested)": [wide, ("name:exact", o.name or "x")],
        "price (tested)": [
            wide,
            ("organization.price-type", "02"),
            ("organization.price-amount-value", "lt75"),
        ],
        "price, newest start first": [
            wide,
            ("organization.price-type", "02"),
            ("organization.price-amount-value", "lt75"),
            ("_sort", "-organization.price-validity-start-date"),
            ("_count", "40"),
        ],
        "price, oldest start first": [
            near,
            ("organization.price-type", "02"),
            ("organization.price-amount-value", "lt75"),
            ("_sort", "organization.price-validity-start-date"),
            ("_count", "6"),
        ],
        "price type by amount, offset": [
            wide,
            ("organization.price-type", "02,03"),
            ("_sort", "-organization.price-amount-value"),
            ("_offset", "7"),
            ("_count", "30"),
        ],
        "price and tag by id": [
            wide,
            ("_tag", str(o.region_tag)),
            ("organization.price-type", "02"),
            ("organization.price-amount-value", "ge60"),
            ("_sort", "_id"),
            ("_count", "25"),
        ],
        "price, count only": [
            wide,
            ("organization.price-type", "02"),
            ("organization.price-amount-value", "lt75"),
            ("_sort", "-organization.price-validity-start-date"),
            ("_summary", "count"),
        ],
        "price and age by start (tested)": [
            wide,
            ("organization.price-type", "02"),
            ("organization.price-amount-value", "lt75"),
            ("_filter", "(age-range-low le 70 and age-range-high ge 70)"),
            ("_sort", "-organization.price-validity-start-date"),
        ],
        "tag and age (tested)": [
            wide,
            ("_tag", str(o.region_tag)),
            ("_filter", "(age-range-low le 35 and age-range-high ge 35)"),
        ],
    }


@pytest.fixture(scope="module")
def synthetic(db_path: Path) -> EmbeddedEngine:
    return EmbeddedEngine(db_path)


def test_positioned_searches_answer_as_the_plain_path_and_the_evaluator(
    synthetic: EmbeddedEngine, offers: list[Offer]
) -> None:
    found_any = set()
    for name, items in queries(offers).items():
        for profile in (0, 1, 3):
            keys = pages(synthetic, items, profile, "keys")
            assert keys == pages(synthetic, items, profile, "plain"), (name, profile)
            assert keys == pages(synthetic, items, profile, "evaluator"), (name, profile)
            if keys[0][0]:  # type: ignore[index]
                found_any.add(name)
    assert len(found_any) >= len(queries(offers)) - 3, found_any


def test_the_sensitive_unit_is_counted_only_for_callers_who_see_it(
    synthetic: EmbeddedEngine, offers: list[Offer]
) -> None:
    o = centre(offers)
    items = [("location.near", f"{o.place.lat}|{o.place.lon}|1|km"), ("_tag", str(o.region_tag))]
    seen = {p: pages(synthetic, items, p, "keys")[0] for p in (0, 1)}
    assert o.id in seen[1][1] and o.id not in seen[0][1]  # type: ignore[index]
    assert seen[1][0] == seen[0][0] + 1  # type: ignore[index]


@pytest.mark.parametrize(
    "name",
    [
        "everything since, wide",
        "region tag",
        "postcode prefix",
        "capacity status",
        "price, newest start first",
        "region tag by date",
    ],
)
def test_decided_by_the_keys_reads_only_the_page(
    db_path: Path, offers: list[Offer], name: str
) -> None:
    """A search the keys decide whole reads its page (and the ids of ties at its ends), not
    the offers within the radius."""
    items = [(k, v) for k, v in queries(offers)[name] if k != "_count"] + [("_count", "20")]
    engine = Counting(db_path)
    try:
        result = near_lookup(parse_search("HealthcareService", items), engine, audience(1))
        assert result is not None and len(result.page) == 20 and result.total > 60
        assert engine.streams == 1
        assert engine.read <= 45, (name, engine.read)
    finally:
        engine.close()


def test_a_key_asked_among_offers_finds_the_same_read_whole_or_probed(
    synthetic: EmbeddedEngine, offers: list[Offer]
) -> None:
    """A look-up asked of some offers (``among``) finds those of them it finds alone, whether
    the engine reads the key whole (many offers asked) or probes it offer by offer (few)."""
    o = centre(offers)
    dates = sorted(x.last_updated for x in offers if x.last_updated)
    middle = dates[len(dates) // 2].isoformat()
    everyone = sorted(synthetic.offer_refs([x.id for x in offers]).values())
    looked: dict[str, Lookup] = {}
    for name, value in [
        ("_tag", str(o.region_tag)),
        ("location.address-postalcode", o.place.postal_code[:2]),
        ("location.commune-cog", o.place.commune),
        ("_lastUpdated", f"ge{middle}"),
    ]:
        (node,) = flat(parse_search("HealthcareService", [(name, value)]).condition)
        found = as_lookup(node, [node], True)
        assert found is not None, name
        looked[name] = found[0]
    price = [("organization.price-type", "02"), ("organization.price-amount-value", "lt75")]
    priced = price_group(parse_search("HealthcareService", price))
    assert priced is not None
    looked["price"] = priced[0]
    for name, one in looked.items():
        whole = synthetic.lookup_refs(one, len(everyone))
        assert whole, name
        few = [*sorted(whole)[:1], *everyone[7::1500]]  # some it finds, some not
        many = everyone[::2]
        assert len(whole) > RANGE_PER_PROBE * len(few) or name == "location.commune-cog"
        assert len(whole) <= RANGE_PER_PROBE * len(many)
        for among in (few, many, everyone):
            assert synthetic.lookup_refs(one, 1, among=among) == whole & set(among), name


def test_a_key_read_whole_is_read_again_after_offers_are_written(
    tmp_path: Path, offers: list[Offer]
) -> None:
    """The refs of a key read whole are kept for the next searches until an offer is written:
    then an offer given the tag, one losing it and one deleted are seen at once (by this
    engine and by another one holding the same file)."""
    engine = EmbeddedEngine(tmp_path / "keys.sqlite")
    other = None
    try:
        engine.load(offers[:600], replace_all=True)
        other = EmbeddedEngine(tmp_path / "keys.sqlite")
        tag = str(offers[0].region_tag)
        (node,) = flat(parse_search("HealthcareService", [("_tag", tag)]).condition)
        found = as_lookup(node, [node], True)
        assert found is not None
        everyone = sorted(engine.offer_refs([o.id for o in offers[:600]]).values())

        def among(e: EmbeddedEngine) -> set[int]:
            got = e.lookup_refs(found[0], 1, among=everyone)
            assert got is not None
            return got

        before = among(engine)
        assert before == among(engine) == among(other) == engine.lookup_refs(found[0], 10**6)
        losing = next(o for o in offers[:600] if str(o.region_tag) == tag)
        gaining = next(o for o in offers[:600] if str(o.region_tag) != tag)
        deleted = next(o for o in offers[:600] if str(o.region_tag) == tag and o is not losing)
        other.upsert(
            [
                dataclasses.replace(losing, region_tag=str(gaining.region_tag)),
                dataclasses.replace(gaining, region_tag=tag),
            ]
        )
        other.delete([deleted.id])
        everyone = sorted(engine.offer_refs([o.id for o in offers[:600]]).values())
        after = among(engine)
        assert after == engine.lookup_refs(found[0], 10**6) == among(other)
        refs = engine.offer_refs([losing.id, gaining.id])
        assert refs[gaining.id] in after and refs[losing.id] not in after
        assert len(after) == len(before) - 1
    finally:
        engine.close()
        if other is not None:
            other.close()
