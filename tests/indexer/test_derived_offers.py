"""The offers derived from FHIR stay exactly what they were (the conversion's regression guard).

Every real ROR example, the invalid records and a synthetic world (written as FHIR by
``ror.api.fhir.synthesize``, fixed seed and date) are loaded by both paths, ``ror index``'s
resource store and the store-less load; each offer (its ``to_dict``, the kept source as a
digest), each reject and each warning must equal the recorded one in ``GOLDEN``.

A deliberate change to what is derived rewrites the record: ``ROR_WRITE_GOLDEN=1 pytest
tests/indexer/test_derived_offers.py``, then review its diff.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bench.sync import fhir_world
from ror.indexer.load import LoadResult, load_paths
from ror.indexer.validate import Issue
from ror.resources.load import load_into_store
from ror.resources.store import ResourceStore
from ror.source_data import ROR_JSON_EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests/fixtures/fhir"
GOLDEN = ROOT / "tests/fixtures/offers/derived-offers.jsonl.gz"
SYNTHETIC_SIZE = 1500
SYNTHETIC_NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
Json = dict[str, Any]


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    world = tmp_path_factory.mktemp("world") / "synthetic.ndjson"
    with world.open("w", encoding="utf-8") as handle:
        for resource in fhir_world(SYNTHETIC_SIZE, 7, now=SYNTHETIC_NOW):
            handle.write(json.dumps(resource, ensure_ascii=False) + "\n")
    return [
        FIXTURES / "ig-fsh",
        FIXTURES / "linked",
        *ROR_JSON_EXAMPLES,
        FIXTURES / "invalid",
        world,
    ]


def _relative(source: str) -> str:
    path = Path(source)
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _issue(kind: str, issue: Issue) -> Json:
    return {"kind": kind, **issue.to_dict(), "source": _relative(issue.source)}


def _record(result: LoadResult) -> list[Json]:
    """Offers by id (the kept source as its digest), then rejects and warnings, in order."""
    rows = []
    for offer in sorted(result.offers, key=lambda o: o.id):
        data = offer.to_dict()
        source = json.dumps(data.pop("source"), sort_keys=True, ensure_ascii=False)
        data["source_sha1"] = hashlib.sha1(source.encode()).hexdigest()
        rows.append({"kind": "offer", **data})
    rows += [_issue("reject", issue) for issue in result.report.rejects]
    rows += [_issue("warning", issue) for issue in result.report.warnings]
    return rows


def _golden() -> list[Json]:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _write_golden(rows: Iterable[Json]) -> None:
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(GOLDEN, "wb", mtime=0) as raw:
        for row in rows:
            raw.write((json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n").encode())


def _compare(rows: list[Json]) -> None:
    rows = json.loads(json.dumps(rows))  # the JSON form the record holds
    if os.environ.get("ROR_WRITE_GOLDEN"):
        _write_golden(rows)
        pytest.skip(f"ROR_WRITE_GOLDEN set by the developer: the record {GOLDEN} was rewritten")
    golden = _golden()
    for got, want in zip(rows, golden, strict=False):
        assert got == want, f"{got.get('kind')} {got.get('id') or got.get('resource')} differs"
    assert len(rows) == len(golden)


def test_the_store_load_derives_the_recorded_offers(sources: list[Path], tmp_path: Path) -> None:
    store = ResourceStore(tmp_path / "store.sqlite")
    result = load_into_store(sources, store)
    rows = _record(result)
    assert sum(r["kind"] == "offer" for r in rows) > SYNTHETIC_SIZE
    _compare(rows)


def test_the_storeless_load_derives_the_recorded_offers(sources: list[Path]) -> None:
    rows = _record(load_paths(sources))
    if os.environ.get("ROR_WRITE_GOLDEN"):
        pytest.skip("ROR_WRITE_GOLDEN set by the developer: the record is being rewritten")
    golden = {json.dumps(r, sort_keys=True) for r in _golden() if r["kind"] == "offer"}
    offers = [r for r in json.loads(json.dumps(rows)) if r["kind"] == "offer"]
    assert offers and {json.dumps(r, sort_keys=True) for r in offers} == golden
