"""French formatting: comma decimals, narrow no-break spaces, French dates and durations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from ror.ranking import french

N = "\u202f"
NOW = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (2130.4, 0, f"2{N}130"),
        (4.25, 1, "4,2"),
        (70, 2, "70,00"),
        (1234567.891, 2, f"1{N}234{N}567,89"),
    ],
)
def test_number(value: float, decimals: int, expected: str) -> None:
    assert french.number(value, decimals) == expected


@pytest.mark.parametrize(
    ("km", "expected"),
    [(4.2, f"4,2{N}km"), (0.04, f"0,0{N}km"), (9.96, f"10,0{N}km"), (34.4, f"34{N}km")],
)
def test_km(km: float, expected: str) -> None:
    assert french.km(km) == expected


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0.5, "à l'instant"),
        (25, f"il y a 25{N}min"),
        (59.9, f"il y a 59{N}min"),
        (60, f"il y a 1{N}h"),
        (9 * 60 + 59, f"il y a 9{N}h"),
        (47 * 60, f"il y a 47{N}h"),
        (50 * 60, f"il y a 2{N}j"),
        (-10, "à l'instant"),
    ],
)
def test_ago(minutes: float, expected: str) -> None:
    assert french.ago(NOW - timedelta(minutes=minutes), NOW) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 2), "2 décembre"),
        (date(2026, 3, 1), "1er mars"),
        (date(2027, 8, 15), "15 août 2027"),
    ],
)
def test_day(day: date, expected: str) -> None:
    assert french.day(day, NOW.date()) == expected


def test_clock_and_weekday() -> None:
    assert french.clock(time(14)) == f"14{N}h"
    assert french.clock(time(9, 5)) == f"9{N}h{N}05"
    assert french.weekday(date(2026, 11, 26)) == "jeudi"


def test_plural_follows_the_french_rule() -> None:
    assert [french.plural(n, "lit") for n in (0, 1, 2)] == ["0 lit", "1 lit", "2 lits"]
    assert french.compact(250.0) == "250"
    assert french.compact(12.5) == "12,5"
