"""``Location?name:contains=…`` reads the engine's Location name keys: it answers exactly as the
scan does (pages, totals, cursors, ``_offset``, for callers who may and may not see sensitive
units) after full loads, upserts and deletes, and reads only its page (an index made before the
keys fills them alone when it opens: ``tests/search/test_key_fill.py``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from ror.access.profiles import audience
from ror.api.fhir.location_names import location_names
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import Hit
from ror.model import Offer
from ror.search.embedded import location_names as held_names
from ror.search.embedded.engine import EmbeddedEngine
from tests.api.fhir.location_pages import location_pages
from tests.api.fhir.test_fhir_lookup import Counting

Items = list[tuple[str, str]]


def pages(engine: EmbeddedEngine, items: Items, profile: int, fast: bool) -> list[object]:
    """Every page following the cursors: (total, Location ids, their offers, their names)."""
    return location_pages(engine, items, profile, location_names if fast else None, _shown)


def _shown(h: Hit) -> object:
    return h.location.name if h.location else None


QUERIES: list[Items] = [
    [("name:contains", "e"), ("_count", "200")],
    [("name:contains", ",".join(f"e{chr(97 + i)}" for i in range(20))), ("_count", "150")],
    [("name:contains", "Kinési,HAD"), ("_count", "30")],
    [("name:contains", "lieu syn loc 00000"), ("_count", "40"), ("_offset", "25")],
    [("name:contains", "ab,cabinet"), ("name:contains", "ie"), ("_count", "25")],
    [("name:contains", "zz,qx")],
    [("name:contains", "de"), ("_summary", "count")],
    [("_filter", 'name co "ass" or name co "oc"'), ("_count", "100")],
    *(
        PREFIXES := [
            [("name", "c"), ("_count", "40")],
            [
                ("name", "LIEU SYN,Cab,é"),
                ("name:contains", "e"),
                ("_count", "25"),
                ("_offset", "3"),
            ],
            [("_filter", 'name sw "ca" or name co "oc"'), ("_count", "50")],
            [("name", "l"), ("_summary", "count")],
            [("name", "zzq")],
        ]
    ),
]


def assert_parity(engine: EmbeddedEngine) -> None:
    for items in QUERIES:
        for profile in (0, 1, 5):
            fast = pages(engine, items, profile, fast=True)
            assert fast == pages(engine, items, profile, fast=False), (items, profile)


@pytest.fixture()
def engine(tmp_path: Path, offers: list[Offer]) -> EmbeddedEngine:
    made = EmbeddedEngine(tmp_path / "locnames.sqlite")
    made.load(offers[:500], replace_all=True)
    return made


def test_answers_as_the_scan_after_loads_upserts_and_deletes(
    engine: EmbeddedEngine, offers: list[Offer], monkeypatch: pytest.MonkeyPatch
) -> None:
    subset = offers[:500]
    assert engine.sensitive_units()  # units some callers may not see
    firsts = [pages(engine, q, 1, fast=True)[0] for q in PREFIXES]
    assert sum(1 for first in firsts if isinstance(first, tuple) and first[0]) >= 4, firsts
    assert_parity(engine)
    reads: list[object] = []
    whole = held_names._read

    def reading(*args: Any) -> Any:
        reads.append(args)
        return whole(*args)

    monkeypatch.setattr(held_names, "_read", reading)
    renamed = dataclasses.replace(subset[70], name="Équipe Mobile ZZQX")
    moved = dataclasses.replace(subset[90], location_ids=subset[3].location_ids)
    engine.upsert([renamed, moved])
    engine.delete([subset[80].id, subset[81].id, subset[3].id])
    assert_parity(engine)
    assert not reads  # the Locations written since were read on their own
    engine.load(subset[100:400], replace_all=True)  # renumbered: the keys are filled again
    assert_parity(engine)


def test_a_location_whose_first_offer_is_hidden_shows_through_the_next(
    engine: EmbeddedEngine, offers: list[Offer]
) -> None:
    hidden = set(engine.sensitive_units())
    first = next(o for o in engine.offers(sorted(hidden)) if o.location_ids)
    shared = first.location_ids[0]
    shown = next(o for o in offers[:500] if o.id != first.id and not o.sensitive and o.location_ids)
    later = dataclasses.replace(
        shown, id="shares-a-hidden-location", location_ids=(shared, *shown.location_ids)
    )
    engine.upsert([later])
    assert engine.location_users([shared])[shared][0] in hidden
    assert_parity(engine)
    every = pages(engine, [("name:contains", "e,a,i,o,u"), ("_count", "1000")], 0, fast=True)
    assert shared in {loc for page in every for loc in page[1]}  # type: ignore[index]
    ref = next(r for r in engine.location_users([shared])[shared] if r not in hidden)
    name = engine.location_names_of([(shared, ref)])[0]
    assert name
    items = [("name", name[:4].upper()), ("_count", "1000")]
    for profile in (0, 1, 5):
        assert pages(engine, items, profile, True) == pages(engine, items, profile, False)
    every = pages(engine, items, 0, fast=True)
    assert shared in {loc for page in every for loc in page[1]}  # type: ignore[index]


def test_reads_only_the_page(db_path: Path) -> None:
    """No candidate stream; the offers read are the page's Locations' users (a scan reads
    every one of the 2,000 offers)."""
    engine = Counting(db_path)
    try:
        for terms in ("e", "ea,eb,ec,ed,ee,ef", "lieu syn"):
            engine.read = 0
            items = [("name:contains", terms), ("_count", "20")]
            result = location_names(parse_search("Location", items), engine, audience(1))
            assert result is not None and len(result.page) == 20 and result.total > 100
            assert engine.streams == 0
            assert engine.read == sum(len(h.users) for h in result.page), engine.read
    finally:
        engine.close()


def test_a_prefix_folding_to_nothing_is_left_to_the_scan(engine: EmbeddedEngine) -> None:
    """A Location without a name has no prefix, one whose name folds to nothing has the empty
    one: the keys hold both as "", so ``name=-`` is not answered on them."""
    for items in ([("name", "-")], [("name", "-,c")], [("name", "c"), ("name:exact", "Cab")]):
        assert location_names(parse_search("Location", items), engine, audience(1)) is None
