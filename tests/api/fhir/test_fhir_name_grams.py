"""Substring name searches (``name:contains``, ``_filter=name co``, an ``or`` of them) go through
the names' trigrams the engine keeps: same pages, totals and cursors as the scan (accents, case,
apostrophes folded as the evaluator folds them), reading only the offers whose name holds the
trigrams (terms under 3 characters: the folded names held in memory, ``substrings.Names``);
pages of many matches walk the order (``lookups._among``); the index and the names held follow
upserts, deletes and full loads."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from ror.access.profiles import audience
from ror.api.fhir.lookup import lookup
from ror.api.fhir.params import parse_search
from ror.api.fhir.search import run
from ror.api.fhir.values import parse_text
from ror.indexer import terms
from ror.model import Offer
from ror.search.embedded import lookups, substrings
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.engine import Lookup
from ror.text import fold
from tests.api.fhir.test_fhir_lookup import Counting, Items, pages

# Only the tests of the index itself need it: without the tokenizer the look-up is not offered
# and the other tests check the scan that replaces it.
needs_trigram = pytest.mark.skipif(
    not lookups.TRIGRAM, reason="this SQLite library has no FTS5 trigram tokenizer (< 3.34)"
)

CO_MANY = " or ".join(f'name co "{w}"' for w in ("zzq", "xwv", "kqj", "vwx", "jjj") * 3)

QUERIES: dict[str, Items] = {
    "contains accented": [("name:contains", "HÉBERGEMENT perm")],
    "contains folded": [("name:contains", "réa")],
    "contains apostrophe": [("name:contains", "d'activités et")],
    "contains across words": [("name:contains", "ent - ehp"), ("_count", "7")],
    "contains sorted": [
        ("name:contains", "terrasses"),
        ("_sort", "-_lastUpdated"),
        ("_count", "5"),
    ],
    "contains any of": [("name:contains", "marronn,terrasses,zzqy")],
    "contains with _tag": [("name:contains", "infirm"), ("_tag", "11")],
    "organization name contains": [("organization.name:contains", "Bois jo")],
    "Location name contains": [("type", "Location"), ("name:contains", "syn loc 00001")],
    "contains short": [("name:contains", "é"), ("_count", "50")],
    "co short in or": [("_filter", 'name co "ab" or name co "terrasses"'), ("_count", "50")],
    "contains short Location": [("type", "Location"), ("name:contains", "ei"), ("_count", "50")],
    "co": [("_filter", 'name co "Aide à DOMICILE"')],
    "co or co": [("_filter", 'name co "marronniers" or name co "Pôle d\'act"')],
    "co or many": [("_filter", f'{CO_MANY} or name co "terrasses"'), ("_count", "9")],
    "co and co": [("_filter", 'name co "ehpad" and name co "temporaire"')],
    "co with sw": [("_filter", 'name co "soins" and name sw "david"')],
    "contains many short": [("name:contains", "ea,eb,ec,ed,ee,ef,eg,eh,ei,oe"), ("_count", "400")],
    "contains many short sorted": [
        ("name:contains", "ea,eb,ec,ed,ee,ef,eg,eh,ei,oe"),
        ("_sort", "-_lastUpdated"),
        ("_count", "400"),
    ],
    "contains many short at offset": [
        ("name:contains", "ea,eb,ec,ed,ee,ef,eg,eh,ei,oe"),
        ("_count", "400"),
        ("_offset", "777"),
    ],
    "location name contains": [("location.name:contains", "ei,oe,ru"), ("_count", "300")],
    "location name co": [("_filter", 'location.name co "ei" or location.name co "rue d"')],
    "location name contains and postcode": [
        ("location.name:contains", "ei,oe"),
        ("location.address-postalcode", "31"),
    ],
    "co many short": [
        ("_filter", 'name co "ab" or name co "re" or name co "on"'),
        ("_count", "500"),
    ],
}


@pytest.fixture(scope="module")
def engine(db_path: Path) -> EmbeddedEngine:
    return EmbeddedEngine(db_path)


@pytest.mark.parametrize(("small", "sort_cost"), [(lookups.SMALL, 0), (5, 10**9)])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_contains_answers_as_the_scan(
    engine: EmbeddedEngine, name: str, small: int, sort_cost: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages sorted whole (``SORT_COST`` 0), and walked in order (``SMALL`` 5 and a
    ``SORT_COST`` past any walk: any look-up finding more walks)."""
    monkeypatch.setattr(lookups, "SMALL", small)
    monkeypatch.setattr(lookups, "SORT_COST", sort_cost)
    items = QUERIES[name]
    for profile in (0, 1):
        fast = pages(engine, items, profile, fast=True)
        assert fast == pages(engine, items, profile, fast=False), (name, profile)
    assert fast[0][0] > 0, f"{name}: finds nothing"  # type: ignore[index]


def test_a_term_folded_to_nothing_keeps_the_scan(engine: EmbeddedEngine) -> None:
    request = parse_search("HealthcareService", [("name:contains", "-"), ("_count", "5")])
    assert lookup(request, engine, audience(1)) is None


@needs_trigram
@pytest.mark.parametrize(
    "name", ["contains folded", "co or co", "co or many", "co and co", "co short in or"]
)
def test_reads_only_the_names_holding_the_terms(db_path: Path, name: str) -> None:
    """Offers read are about those whose name holds a term (a scan reads all 2,000)."""
    request = parse_search("HealthcareService", QUERIES[name])
    engine = Counting(db_path)
    try:
        matching = run(request, engine, audience(1), shortcut=False).total
        assert 0 < matching < 300
        engine.read, engine.streams = 0, 0
        result = lookup(request, engine, audience(1))
        assert result is not None and result.page
        assert engine.streams == 0
        assert engine.read <= 2 * matching, (name, engine.read, matching)
    finally:
        engine.close()


@needs_trigram
def test_trigrams_follow_upserts_deletes_and_full_loads(
    tmp_path: Path, offers: list[Offer]
) -> None:
    engine = EmbeddedEngine(tmp_path / "grams.sqlite")
    try:
        engine.load(offers[:300], replace_all=True)

        def found(term: str) -> list[str | None]:
            request = parse_search("HealthcareService", [("name:contains", term)])
            result = lookup(request, engine, audience(1))
            assert result is not None
            return [h.id for h in result.page]

        first = offers[10]
        engine.upsert([dataclasses.replace(first, name="Unité de réanimation Œdipe")])
        assert found("REANIMATION oedi") == [first.id]
        engine.upsert([dataclasses.replace(first, name="Consultation")])
        assert found("réanimation") == []
        engine.delete([first.id])
        assert first.id not in found("consultation")
        engine.load(offers[300:400], replace_all=True)  # renumbered: the trigrams are filled again
        assert engine.lookup_ready()
        assert offers[350].id in found(fold(offers[350].name or ""))
        assert offers[20].id not in found(fold(offers[20].name or ""))
    finally:
        engine.close()


@needs_trigram
def test_an_index_without_trigrams_gets_them(tmp_path: Path, offers: list[Offer]) -> None:
    path = tmp_path / "old.sqlite"
    engine = EmbeddedEngine(path)
    engine.load(offers[:200], replace_all=True)
    with engine.db.writing() as conn:
        conn.execute("DROP TABLE offer_grams")
    engine.close()
    engine = EmbeddedEngine(path)
    try:
        assert engine.lookup_ready()
        items: Items = [("name:contains", "terrasses")]
        assert pages(engine, items, 1, fast=True) == pages(engine, items, 1, fast=False)
    finally:
        engine.close()


def test_without_the_trigram_tokenizer_substrings_are_scanned(
    engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lookups, "TRIGRAM", False)
    assert not engine.lookup_contains()
    request = parse_search("HealthcareService", QUERIES["co or co"])
    assert lookup(request, engine, audience(1)) is None
    assert run(request, engine, audience(1), shortcut=False).total > 0


@needs_trigram
def test_a_page_of_matches_lying_further_on_is_sorted_after_the_walk(
    engine: EmbeddedEngine,
) -> None:
    """The walk gives up past four times the rows a page needs on average, and the rest of the
    page comes from the matches sorted (they all lie at the end of the order here)."""
    with engine.db.snapshot() as conn:
        ordered = conn.execute("SELECT rid, id FROM offers ORDER BY id").fetchall()
        last = np.array(sorted(rid for rid, _ in ordered[-300:]), dtype=np.int64)
        spread = np.array(sorted(rid for rid, _ in ordered[::4]), dtype=np.int64)
        for found, expected in ((last, ordered[-300:]), (spread, ordered[::4])):
            for after in (None, (None, expected[40][1])):
                start = 41 if after else 0
                page = lookups._among(conn, found, "_id", after, 7)
                assert [(r, i) for r, i, _ in page] == expected[start : start + 7]


@needs_trigram
def test_short_terms_follow_upserts_deletes_and_full_loads(
    tmp_path: Path, offers: list[Offer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The names held are brought up to date by the offers written since (and read again past
    ``OVERLAY_MAX`` of them, or after a full load); a search whose read transaction is older
    than the names held is answered from the stored names."""
    engine = EmbeddedEngine(tmp_path / "short.sqlite")
    monkeypatch.setattr(substrings, "OVERLAY_MAX", 3)
    try:
        engine.load(offers[:300], replace_all=True)
        items: Items = [("name:contains", "oe,zq"), ("_count", "50")]

        def same() -> list[object]:
            fast = pages(engine, items, 1, fast=True)
            assert fast == pages(engine, items, 1, fast=False)
            return fast

        before = same()
        engine.upsert([dataclasses.replace(offers[10], name="Œuvre zq")])
        engine.upsert([dataclasses.replace(offers[11], name="Sans rien")])
        engine.delete([offers[12].id])
        after = same()
        assert after != before and offers[10].id in after[0][1]  # type: ignore[index]
        for i in range(20, 26):  # past OVERLAY_MAX: read again
            engine.upsert([dataclasses.replace(offers[i], name=f"zq {i}")])
        assert offers[25].id in same()[0][1]  # type: ignore[index]

        older = sqlite3.connect(engine.path)
        older.execute("BEGIN")
        lookup_ = Lookup(text="offer.name", contains=("zq",))
        was = substrings.Names().found(older, lookup_).tolist()
        engine.upsert([dataclasses.replace(offers[30], name="zq encore")])
        assert offers[30].id in [h for h in same()[0][1]]  # type: ignore[index]
        assert engine._names.found(older, lookup_).tolist() == was  # older than the names held
        older.execute("COMMIT")
        older.close()

        engine.load(offers[300:400], replace_all=True)
        assert engine.lookup_ready()
        same()
    finally:
        engine.close()


def test_the_evaluator_folds_as_the_keys(
    offers: list[Offer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One folding (``terms.folded``) for the keys kept, the search's values and the values
    the evaluator tests: a look-up finds exactly what the evaluator matches."""
    seen: list[str] = []
    real = terms.folded

    def spy(value: str) -> str:
        seen.append(value)
        return real(value)

    monkeypatch.setattr(terms, "folded", spy)
    assert parse_text("RÉA", "contains").test("Unité de réanimation")
    assert seen == ["RÉA", "Unité de réanimation"]
    offer = offers[0]
    assert terms.offer_names(offer)[0] == real(offer.name or "")
    assert offer.name in seen


@needs_trigram
def test_the_trigram_index_is_merged_after_a_fill(tmp_path: Path, offers: list[Offer]) -> None:
    """A fill writes the trigrams in many segments (a look-up reads each); they are merged into
    one after it, and on opening an index filled before that."""
    path = tmp_path / "merged.sqlite"
    engine = EmbeddedEngine(path)
    try:
        monkey = pytest.MonkeyPatch()
        monkey.setattr(lookups, "BATCH", 50)
        monkey.setattr(lookups, "merge_grams", lambda conn, lock: None)
        engine.load(offers[:400], replace_all=True)
        monkey.undo()

        def segments() -> int:
            with engine.db.snapshot() as conn:
                sql = "SELECT count(DISTINCT segid) FROM offer_grams_idx"
                return int(conn.execute(sql).fetchone()[0])

        assert segments() > 1
    finally:
        engine.close()
    engine = EmbeddedEngine(path)
    try:
        assert segments() == 1
        items: Items = [("name:contains", "terrasses,ei")]
        assert pages(engine, items, 1, fast=True) == pages(engine, items, 1, fast=False)
    finally:
        engine.close()
