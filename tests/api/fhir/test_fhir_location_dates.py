"""``Location?_lastUpdated=…`` (the incremental capacity synchronisation) reads the engine's
Location date keys: it answers exactly as the scan does (pages, totals, cursors, for callers who
may and may not see capacities and sensitive units) after full loads, upserts, deletes and
capacity pushes, never shows a caller a counter's date it may not see, and reads only its page."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ror.access.profiles import audience
from ror.api.fhir import location_lookup as location_lookup_module
from ror.api.fhir.location_lookup import location_lookup
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import Hit
from ror.model import Capacity, Offer
from ror.search.embedded import key_days
from ror.search.embedded import location_names as store_names
from ror.search.embedded.engine import EmbeddedEngine
from tests.api.fhir.location_pages import location_pages
from tests.api.fhir.test_fhir_lookup import Counting

Items = list[tuple[str, str]]
PUSHED = datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC)


def pages(engine: EmbeddedEngine, items: Items, profile: int, fast: bool) -> list[object]:
    """Every page following the cursors: (total, Location ids, their offers, their dates)."""
    return location_pages(engine, items, profile, location_lookup if fast else None, _shown)


def _shown(h: Hit) -> object:
    return h.location.last_updated if h.location else None


def queries(offers: list[Offer]) -> list[Items]:
    dates = sorted(x.last_updated for x in offers if x.last_updated)
    middle = dates[len(dates) // 2].isoformat()
    late = dates[-len(dates) // 20].isoformat()
    day = dates[len(dates) // 3].date().isoformat()
    out: list[Items] = []
    for sort in ([], [("_sort", "_lastUpdated")], [("_sort", "-_lastUpdated")]):
        out += [
            [("_lastUpdated", f"ge{late}"), ("_count", "7"), *sort],
            [("_lastUpdated", f"gt{middle}"), ("_count", "40"), *sort],
            [("_lastUpdated", f"lt{middle}"), ("_count", "60"), *sort],
            [("_lastUpdated", f"le{day}"), ("_count", "60"), *sort],
            [("_lastUpdated", day), *sort],
            [("_lastUpdated", f"ge{day}"), ("_lastUpdated", f"lt{late}"), ("_count", "50"), *sort],
            [("_lastUpdated", "ge2030-01-01"), *sort],
            [("_lastUpdated", f"lt{middle}"), ("_count", "60"), ("_offset", "45"), *sort],
        ]
    for sort in ([("_sort", "_lastUpdated")], [("_sort", "-_lastUpdated")]):  # no condition
        out += [[("_count", "90"), *sort], [("_count", "20"), ("_offset", "30"), *sort]]
    for sort in ([("_sort", "name")], [("_sort", "-name")]):
        out += [
            [("_count", "90"), *sort],
            [("_count", "20"), ("_offset", "30"), *sort],
            [("_lastUpdated", f"gt{middle}"), ("_count", "40"), *sort],
            [("_lastUpdated", f"ge{late}"), ("_count", "7"), *sort],
        ]
    return out


def assert_parity(engine: EmbeddedEngine, offers: list[Offer]) -> None:
    for items in queries(offers):
        for profile in (0, 1):
            fast = pages(engine, items, profile, fast=True)
            assert fast == pages(engine, items, profile, fast=False), (items, profile)


@pytest.fixture()
def engine(tmp_path: Path, offers: list[Offer]) -> EmbeddedEngine:
    made = EmbeddedEngine(tmp_path / "locdates.sqlite")
    made.load(offers[:500], replace_all=True)
    return made


def test_answers_as_the_scan_after_loads_pushes_upserts_and_deletes(
    engine: EmbeddedEngine, offers: list[Offer]
) -> None:
    subset = offers[:500]
    shared = Counter(loc for o in subset for loc in o.location_ids)
    assert any(n > 1 for n in shared.values())  # Locations with several offers
    assert engine.sensitive_units()  # and units some callers may not see
    assert_parity(engine, subset)
    pushed = [o.location_ids[0] for o in subset[40:60] if o.location_ids]
    for i, loc in enumerate(pushed):
        counter = Capacity("01", "02", "01", 3, PUSHED + timedelta(minutes=i), location_id=loc)
        engine.update_capacities(loc, [counter])
    changed = dataclasses.replace(subset[70], last_updated=PUSHED - timedelta(days=3))
    engine.upsert([changed])
    engine.delete([subset[80].id, subset[81].id])
    assert_parity(engine, subset)
    engine.load(subset[100:400], replace_all=True)  # renumbered: the keys are filled again
    assert_parity(engine, subset[100:400])


def test_pushed_dates_reach_only_callers_entitled_to_capacities(
    engine: EmbeddedEngine, offers: list[Offer]
) -> None:
    loc = next(o.location_ids[0] for o in offers[:500] if o.location_ids)
    counter = Capacity("01", "02", "01", 3, PUSHED, location_id=loc)
    engine.update_capacities(loc, [counter])
    since = [("_lastUpdated", "ge2031-01-01")]
    assert pages(engine, since, 1, fast=False)[0][0] == 1  # type: ignore[index]
    for sort in ([], [("_sort", "-_lastUpdated")]):
        entitled = pages(engine, [*since, *sort], 1, fast=True)
        assert entitled == [(1, [loc], entitled[0][2], [PUSHED])]  # type: ignore[index]
        assert pages(engine, [*since, *sort], 0, fast=True) == [(0, [], [], [])]
    every = pages(engine, [("_lastUpdated", "ge1970-01-01"), ("_count", "1000")], 0, fast=True)
    dates = [d for page in every for d in page[3]]  # type: ignore[index]
    assert dates and PUSHED not in dates


def test_sensitive_units_stay_hidden(engine: EmbeddedEngine, offers: list[Offer]) -> None:
    hidden = set(engine.sensitive_units())
    by_ref = dict(zip(sorted(hidden), engine.offers(sorted(hidden)), strict=True))
    hidden_ids = {o.id for o in by_ref.values()}
    every = pages(engine, [("_lastUpdated", "ge1970-01-01"), ("_count", "1000")], 0, fast=True)
    seen = {offer_id for page in every for via in page[2] for offer_id in via}  # type: ignore[index]
    assert seen and not seen & hidden_ids
    allowed = pages(engine, [("_lastUpdated", "ge1970-01-01"), ("_count", "1000")], 1, fast=True)
    assert {i for p in allowed for v in p[2] for i in v} & hidden_ids  # type: ignore[index]


def test_name_order_in_a_wide_date_span_walks_the_names(
    engine: EmbeddedEngine, offers: list[Offer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``FEW`` Locations in the span, the name key is walked and each page's Locations
    tested on their date; the same pages as the scan."""
    monkeypatch.setattr(location_lookup_module, "FEW", 0)
    monkeypatch.setattr(location_lookup_module, "BATCH", 16)
    dates = sorted(x.last_updated for x in offers[:500] if x.last_updated)
    middle = dates[len(dates) // 2].isoformat()
    for sort in ("name", "-name"):
        for profile in (0, 1):
            items = [("_lastUpdated", f"gt{middle}"), ("_count", "30"), ("_sort", sort)]
            fast = pages(engine, items, profile, fast=True)
            assert fast == pages(engine, items, profile, fast=False), (items, profile)


def test_the_name_key_in_order_across_batches(tmp_path: Path) -> None:
    """Names ascending or descending, Location ids and refs ascending within a name, the
    Locations without a name last, resumed after any row."""
    conn = sqlite3.connect(tmp_path / "names.sqlite")
    store_names.ensure_tables(conn)
    rows = [("b", "l1", 1), ("a", "l3", 2), ("b", "l2", 3), ("", "l0", 4), ("c", "l4", 5)]
    rows += [("b", "l1", 6), ("", "l5", 7), ("a", "l3", 8)]
    conn.executemany(
        "INSERT INTO location_names VALUES (?, ?, ?)", [(loc, r, n) for n, loc, r in rows]
    )
    for down in (False, True):
        named = sorted((r for r in rows if r[0]), key=lambda r: r[1:])
        named.sort(key=lambda r: r[0], reverse=down)
        wanted = named + sorted((r for r in rows if not r[0]), key=lambda r: r[1:])
        for size in (1, 2, 3, 100):
            got: list[tuple[str, str, int]] = []
            after = None
            while batch := store_names.in_name_order(conn, down, after, size):
                got += batch
                after = batch[-1]
            assert got == wanted, (down, size)


def test_reads_only_the_page(db_path: Path, offers: list[Offer]) -> None:
    """No candidate stream; the offers read are the page's Locations' users. A scan reads
    every one of the 2,000 offers."""
    dates = sorted(x.last_updated for x in offers if x.last_updated)
    for sort in ([], [("_sort", "-_lastUpdated")], [("_sort", "_lastUpdated")]):
        for since in (dates[-len(dates) // 20], dates[0]):
            engine = Counting(db_path)
            try:
                items = [("_lastUpdated", f"ge{since.isoformat()}"), ("_count", "20"), *sort]
                result = location_lookup(parse_search("Location", items), engine, audience(1))
                assert result is not None and len(result.page) == 20
                assert engine.streams == 0
                assert engine.read == sum(len(h.users) for h in result.page), engine.read
            finally:
                engine.close()
    for sort in ([("_sort", "-_lastUpdated")], [("_sort", "_lastUpdated")], [("_sort", "name")]):
        engine = Counting(db_path)
        try:
            request = parse_search("Location", [("_count", "20"), *sort])
            result = location_lookup(request, engine, audience(1))
            assert result is not None and len(result.page) == 20
            assert engine.streams == 0
            assert engine.read == sum(len(h.users) for h in result.page), engine.read
        finally:
            engine.close()


def test_totals_when_a_locations_first_offer_is_hidden(
    engine: EmbeddedEngine, offers: list[Offer]
) -> None:
    """The total is counted on each Location's first offer; where a caller may not see that
    offer, the Location counts through the first offer it may see (or not at all)."""
    subset = offers[:500]
    hidden = set(engine.sensitive_units())
    first = next(o for o in engine.offers(sorted(hidden)) if o.location_ids)
    shared = first.location_ids[0]
    shown = next(o for o in subset if o.id != first.id and not o.sensitive and o.location_ids)
    later = dataclasses.replace(
        shown,
        id="shares-a-hidden-location",
        location_ids=(shared, *shown.location_ids),
        last_updated=PUSHED - timedelta(days=400),
    )
    engine.upsert([later])
    assert engine.location_users([shared])[shared][0] in hidden
    assert_parity(engine, [*subset, later])


def test_date_key_counts_follow_every_write(engine: EmbeddedEngine, offers: list[Offer]) -> None:
    """The per-span counts of the date keys (``key_days``) count what the keys hold, for any
    range, after pushes, upserts, deletes and a full load (the keys filled again)."""

    def check() -> None:
        conn = engine.db.conn()
        fields = conn.execute(
            "SELECT DISTINCT 'offer_dates', field FROM offer_dates UNION "
            "SELECT DISTINCT 'location_dates', field FROM location_dates"
        ).fetchall()
        assert len(fields) > 8
        for table, field in fields:
            keys = sorted(
                int(r) for (r,) in conn.execute(f"SELECT ts FROM {table} WHERE field = ?", (field,))
            )
            edges = [None, keys[0], keys[len(keys) // 3], keys[len(keys) // 2] + 1, keys[-1]]
            for low in edges:
                for high in edges:
                    want = sum(
                        1 for k in keys if (low is None or k >= low) and (high is None or k < high)
                    )
                    assert key_days.count(conn, table, field, low, high) == want, (field, low, high)

    check()
    loc = next(o.location_ids[0] for o in offers[:500] if o.location_ids)
    engine.update_capacities(loc, [Capacity("01", "02", "01", 3, PUSHED, location_id=loc)])
    engine.upsert([dataclasses.replace(offers[7], last_updated=PUSHED - timedelta(days=9))])
    engine.delete([offers[8].id, offers[9].id])
    check()
    engine.load(offers[100:300], replace_all=True)
    check()
