"""Issue 22: the numpy phases of a search (the rings of candidates, the facet populations) check
the request's deadline, so a search past it stops there with ``TooLong`` (a 503) instead of
finishing the phase. The deadline reads an injected clock: no timing in these tests."""

from __future__ import annotations

import pytest

from ror import deadline
from ror.criteria import Criteria
from ror.errors import TooLong
from ror.search.embedded.engine import EmbeddedEngine
from ror.search.pipeline import FACET_FIELDS
from tests.search.test_search_memory import engine_query


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("memory", [True, False], ids=["memory", "sql"])
def test_facets_stop_once_the_deadline_has_passed(
    synthetic_engine: EmbeddedEngine, synthetic_sql_engine: EmbeddedEngine, memory: bool
) -> None:
    engine = synthetic_engine if memory else synthetic_sql_engine
    _, query = engine_query(Criteria(place="Paris", activity=("126", "127", "157")))
    clock = Clock()
    with deadline.within(10.0, clock=clock):
        assert engine.facets(query, 50.0, FACET_FIELDS).counts  # within the budget: counted
        clock.now = 10.5
        with pytest.raises(TooLong):
            engine.facets(query, 50.0, FACET_FIELDS)


def test_the_rings_of_candidates_stop_once_the_deadline_has_passed(
    synthetic_engine: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ror.search.embedded.planner.FACET_FIRST_MAX", 0)  # rings, not one read
    _, query = engine_query(Criteria(place="Toulouse"))
    clock = Clock()
    with deadline.within(10.0, clock=clock):
        stream = synthetic_engine.candidates(query).rings
        assert stream is not None
        rings = stream.rings()
        assert len(next(rings))  # the nearest ring, within the budget
        clock.now = 10.5
        with pytest.raises(TooLong):
            next(rings)


def test_without_a_request_there_is_no_deadline(synthetic_engine: EmbeddedEngine) -> None:
    _, query = engine_query(Criteria(place="Paris"))
    assert synthetic_engine.facets(query, 50.0, FACET_FIELDS).counts
