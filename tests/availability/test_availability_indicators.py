"""Which counters are valid ROR indicators (``ror.availability.indicators``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ror.availability.indicators import InvalidIndicator, check_counter, describe, indicator_problem
from ror.model import Capacity

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def cap(status: str, **kw: object) -> Capacity:
    fields: dict[str, object] = {
        "nature": "01",
        "status": status,
        "temporality": "01",
        "count": 3,
        "updated_at": NOW,
        "source": "02",
    }
    fields.update(kw)
    return Capacity(**fields)  # type: ignore[arg-type]


VALID = [
    cap("01"),
    cap("02", gender="03"),
    cap("02", gender="01", temporality="03"),  # a +24 h forecast of free beds
    cap("02", nature="02"),  # places, no gender
    cap("03", assignment="02"),  # Covid+ beds
    cap("04"),
    cap("05", closing_type="01"),
    cap("05", temporality="05"),  # beds planned to close within 7 days
    cap("06", extra_bed_type="03", crisis="02"),  # the IG example's extra beds
]
INVALID = [
    (cap("03", gender="01"), "gender"),
    (cap("01", closing_type="01"), "closing_type"),
    (cap("02", crisis="01"), "crisis"),
    (cap("05", extra_bed_type="01"), "extra_bed_type"),
    (cap("01", temporality="02"), "temporality"),
    (cap("06", temporality="04"), "temporality"),
    (cap("07"), "status"),
    (cap("08"), "status"),
    (cap("09"), "status"),
    (cap("02", nature="03"), "nature"),
    (cap("02", gender="05"), "gender"),
    (cap("02", assignment="04"), "assignment"),
    (cap("02", source="05"), "source"),
    (cap("02", temporality="06"), "temporality"),
]


@pytest.mark.parametrize("counter", VALID, ids=describe)
def test_valid_indicators(counter: Capacity) -> None:
    assert indicator_problem(counter) is None
    assert check_counter(counter, now=NOW) == counter


@pytest.mark.parametrize(("counter", "field"), INVALID, ids=[describe(c) for c, _ in INVALID])
def test_invalid_indicators_name_the_attribute(counter: Capacity, field: str) -> None:
    with pytest.raises(InvalidIndicator) as refused:
        check_counter(counter, now=NOW, field="counters[2]")
    assert refused.value.field == f"counters[2].{field}"
    assert refused.value.combination == describe(counter)
    assert refused.value.to_dict()["combination"] == describe(counter)


def test_codes_are_normalised() -> None:
    assert check_counter(cap("2", nature="1", gender="3"), now=NOW) == cap("02", gender="03")


def test_counts_and_dates() -> None:
    with pytest.raises(InvalidIndicator) as negative:
        check_counter(cap("01", count=-1), now=NOW)
    assert negative.value.field == "count"
    with pytest.raises(InvalidIndicator) as naive:
        check_counter(cap("01", updated_at=datetime(2026, 11, 26, 12)), now=NOW)
    assert naive.value.field == "updated_at"
    check_counter(cap("01", updated_at=NOW + timedelta(minutes=4)), now=NOW)  # clock skew
    with pytest.raises(InvalidIndicator) as future:
        check_counter(cap("01", updated_at=NOW + timedelta(minutes=6)), now=NOW)
    assert future.value.field == "updated_at" and "futur" in future.value.message


def test_the_combination_as_the_national_api_writes_it() -> None:
    assert describe(cap("02", gender="03")) == (
        "capacityType: 01 / capacityStatus: 02 / temporalityCapacity: 01 / "
        "genderCapacityAvailable: 03 / capacityClosingType: null / additionalBedType: null / "
        "crisisType: null / temporaryAssignement: 01"
    )
