"""Every form of each prefilter criterion gives the same verdict on the same offers.

One sample of synthetic offers is written as the embedded engine writes it (``cover`` and
``offer_meta`` rows in a real SQLite database, read back as the numpy columns of the in-memory
index) and as the Elasticsearch document; each criterion (``ror.search.prefilter``) is then
judged four ways: its Python test of the offer's columns, its numpy test, its SQL fragment run
by SQLite, and its Elasticsearch clause read by the test-side clause reader
(``tests/es/es_semantics.py``). They must agree, and stand against ``ranking.check`` as the
criterion's module says (exact, or never stricter). The requests are drawn by hypothesis.
Criteria read from postings (equipment) get theirs as the engine writes them: ``codes`` rows and
one ``cover`` row per key, read back as the engine's in-memory index reads a posting.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from ror.criteria import BedNeed, Criteria, EquipmentNeed
from ror.indexer.synthetic import generate
from ror.model import Offer
from ror.ranking import check
from ror.search.elasticsearch.documents import to_document
from ror.search.embedded.rows import cover_values, field_range
from ror.search.embedded.schema import COVER_COLUMNS, STAR_CODE_ID, ensure_schema
from ror.search.prefilter import (
    CRITERIA,
    EQUIPMENT,
    EQUIPMENT_FIELD,
    PRICE,
    Criterion,
    OfferColumns,
    Prefilter,
    price_holds,
)
from tests.es.es_semantics import satisfies
from tests.search.builders import NOW

SAMPLE_SIZE = 400


@dataclass(frozen=True, repr=False)
class Sample:
    """The same offers in every engine's shape."""

    offers: list[Offer]
    columns: list[OfferColumns]
    documents: list[dict[str, Any]]
    db: sqlite3.Connection
    arrays: dict[str, NDArray[np.float64]]

    def column(self, name: str) -> NDArray[np.float64]:
        if name.startswith(f"{EQUIPMENT_FIELD}:"):  # a posting: the rows of the key's code id
            field, code = name.split(":", 1)
            rids = [
                rid
                for (rid,) in self.db.execute(
                    "SELECT c.rid FROM codes k JOIN cover c ON c.code_id = k.code_id "
                    "WHERE k.field = ? AND k.code = ?",
                    (field, code),
                )
            ]
            out = np.zeros(len(self.offers), dtype=np.float64)
            out[rids] = 1.0
            return out
        return self.arrays[name]


def closures(offers: list[Offer]) -> list[Offer]:
    """Offers closed over every shape of period around the moments the requests are judged at
    (the synthetic data closes few): from a date, until a date, between two, for good."""
    days = [timedelta(days=d) for d in (-400, -40, -1, 0, 1, 40, 400)]
    shapes: list[tuple[timedelta | None, timedelta | None]] = [
        *((d, None) for d in days),
        *((None, d) for d in days),
        *((a, b) for a in days for b in days if a < b),
    ]
    return [
        dataclasses.replace(
            offer,
            id=f"{offer.id}-closed-{i}",
            closed_from=None if start is None else NOW + start,
            reopens_at=None if end is None else NOW + end,
        )
        for i, (offer, (start, end)) in enumerate(zip(offers, shapes, strict=False))
    ]


@pytest.fixture(scope="module")
def sample() -> Iterator[Sample]:
    offers = list(generate(SAMPLE_SIZE, 11, now=NOW))
    offers += closures(offers)
    columns = [OfferColumns.of(o, NOW) for o in offers]
    db = sqlite3.connect(":memory:")
    ensure_schema(db)
    marks = ", ".join("?" * len(COVER_COLUMNS))
    code_ids: dict[str, int] = {}
    for rid, (offer, cols) in enumerate(zip(offers, columns, strict=True)):
        for key in cols.equipment:
            if key not in code_ids:
                code_ids[key] = field_range(EQUIPMENT_FIELD)[0] + 1 + len(code_ids)
                db.execute(
                    "INSERT INTO codes VALUES (?, ?, ?, 0)",
                    (code_ids[key], EQUIPMENT_FIELD, key),
                )
        for code_id in (STAR_CODE_ID, *(code_ids[key] for key in cols.equipment)):
            db.execute(
                f"INSERT INTO cover VALUES ({marks})",
                (code_id, 0, rid, *cover_values(offer, cols)),
            )
        db.execute(
            "INSERT INTO offer_meta VALUES (?, 0, '', '', '', ?, ?)",
            (rid, cols.beds_available, cols.places_available),
        )
    rows = db.execute(
        "SELECT c.*, m.beds, m.places FROM cover c JOIN offer_meta m USING (rid) "
        f"WHERE c.code_id = {STAR_CODE_ID} ORDER BY c.rid"
    ).fetchall()
    names = [*COVER_COLUMNS, "beds", "places"]
    arrays = {
        name: np.array([np.nan if r[i] is None else r[i] for r in rows], np.float64)
        for i, name in enumerate(names)
    }
    documents = [to_document(o, NOW) for o in offers]
    yield Sample(offers, columns, documents, db, arrays)
    db.close()


def verdicts(sample: Sample, criterion: Criterion, p: Prefilter) -> dict[str, list[bool]]:
    """Which offers fail ``criterion``, per form."""
    fragment, params = criterion.sql(p)
    sql = [
        bool(f)
        for (f,) in sample.db.execute(
            f"SELECT {fragment} FROM cover c WHERE c.code_id = {STAR_CODE_ID} ORDER BY c.rid",
            params,
        )
    ]
    clause = criterion.clause(p)
    return {
        "python": [criterion.fails(c, p) for c in sample.columns],
        "numpy": criterion.array(p)(sample.column).tolist(),
        "sql": sql,
        "elasticsearch": [not satisfies(doc, clause) for doc in sample.documents],
    }


def exact_against_check(
    criterion: Criterion, p: Prefilter, columns: OfferColumns, criteria: Criteria
) -> bool:
    """Whether the module says this criterion decides exactly what ``ranking.check`` does."""
    if criterion is PRICE:
        return p.price_column is not None and price_holds(columns, p.now)
    if criterion is EQUIPMENT:
        return all(need.min_value is None for need in criteria.equipment)
    return p.exact or criterion.name != "beds"


requests = st.builds(
    Criteria,
    age=st.none() | st.integers(0, 110),
    age_to=st.none() | st.integers(0, 110),
    reception=st.sampled_from([None, "permanent", "temporary"]),
    social_aid=st.booleans(),
    max_monthly_price_eur=st.none() | st.floats(500.0, 6000.0).map(lambda x: round(x, 2)),
    beds=st.none()
    | st.builds(
        BedNeed,
        nature=st.sampled_from(["01", "02"]),
        min_available=st.integers(0, 6),
        gender=st.sampled_from([None, "01", "02"]),
    ),
    equipment=st.lists(
        st.builds(
            EquipmentNeed,
            # types the sample has (one with weight limits, R340 001) and one it lacks
            code=st.sampled_from(["107", "009", "088", "072", "003"]),
            feature=st.sampled_from([None, None, "001", "002"]),
            min_value=st.none() | st.sampled_from([200.0, 250.0, 400.0]),
        ),
        max_size=3,
    ).map(tuple),
)
moments = st.sampled_from([-400, -40, 0, 1, 40, 200, 400, 3000]).map(
    lambda days: NOW + timedelta(days=days)
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(criteria=requests, moment=moments)
def test_every_form_of_a_criterion_gives_the_same_verdict(
    sample: Sample, criteria: Criteria, moment: datetime
) -> None:
    p = Prefilter.from_criteria(criteria, moment)
    for criterion in CRITERIA:
        if not criterion.asked(p):
            continue
        forms = verdicts(sample, criterion, p)
        python = forms.pop("python")
        elasticsearch = forms.pop("elasticsearch")
        for form, verdict in forms.items():
            assert verdict == python, (criterion.name, form, p)
        if criterion is PRICE:  # the cheapest base price only: never stricter than Python
            assert all(py or not es for py, es in zip(python, elasticsearch, strict=True)), p
            if p.price_column is None:
                assert elasticsearch == python, p
        else:
            assert elasticsearch == python, (criterion.name, p)
        for offer, columns, fails in zip(sample.offers, sample.columns, python, strict=True):
            failed = any(f.criterion == criterion.name for f in check(offer, criteria, now=moment))
            assert failed or not fails, (criterion.name, offer.id, p)  # never stricter
            if exact_against_check(criterion, p, columns, criteria):
                assert failed == fails, (criterion.name, offer.id, p)


COVERING: list[tuple[Criteria, int]] = [  # (request, days after NOW)
    (Criteria(age=8, age_to=12, reception="permanent", social_aid=True), 0),
    (Criteria(age=85, reception="temporary", social_aid=True, max_monthly_price_eur=2400), 0),
    (Criteria(age=40, max_monthly_price_eur=2400, beds=BedNeed(nature="02")), 0),
    (Criteria(equipment=(EquipmentNeed("088", "001"),)), 0),
    (Criteria(beds=BedNeed(min_available=2)), 400),
    (Criteria(), -40),
]


def test_the_sample_gives_each_criterion_both_verdicts(sample: Sample) -> None:
    """The parity above is not vacuous: every criterion both passes and fails some offers."""
    seen: dict[str, set[bool]] = {c.name: set() for c in CRITERIA}
    for criteria, days in COVERING:
        p = Prefilter.from_criteria(criteria, NOW + timedelta(days=days))
        for criterion in CRITERIA:
            if criterion.asked(p):
                seen[criterion.name] |= set(verdicts(sample, criterion, p)["python"])
    assert all(both == {True, False} for both in seen.values()), seen
