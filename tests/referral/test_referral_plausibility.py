"""Issue 19 case 5: implausible input is refused over the API with a 422 that says why.

A push making the available beds of a nature and gender exceed installed plus supplementary
beds names both counts; the same push may raise the installed count. A point outside France,
or with latitude and longitude swapped, is a 422 saying so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

PATH = "/v1/locations/loc-plaus/capacities"


def counter(count: int, *, status: str = "02", minutes_ago: float = 1) -> dict[str, Any]:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    item = {"nature": "01", "status": status, "count": count, "updated_at": at.isoformat()}
    if status == "02":
        item["gender"] = "03"
    return item


def test_more_available_than_installed_is_refused_naming_both(
    samu: httpx.Client, writer_header: dict[str, str]
) -> None:
    answer = samu.put(PATH, json={"counters": [counter(40)]}, headers=writer_header)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "implausible"
    assert error["field"] == "counters[0].count"
    assert "40 lits disponibles" in error["message"] and "17 installés" in error["message"]
    found = samu.post(
        "/v1/referrals/search",
        json={"where": {"lat": 47.2184, "lon": -1.5536}, "radius_km": 10, "activity": ["126"]},
    ).json()
    (match,) = found["matches"]
    assert not any("40 lits" in s for s in match["explain"])  # nothing of it was kept


def test_the_same_push_may_raise_the_installed_count(
    samu: httpx.Client, writer_header: dict[str, str]
) -> None:
    pushed = {"counters": [counter(40, minutes_ago=0.5), counter(45, status="01", minutes_ago=0.5)]}
    answer = samu.put(PATH, json=pushed, headers=writer_header)
    assert answer.status_code == 200, answer.text
    assert answer.json()["applied"] == 2


def test_a_batch_names_the_location_and_the_counter(
    samu: httpx.Client, writer_header: dict[str, str]
) -> None:
    pushed = {
        "locations": [{"location_id": "loc-plaus", "counters": [counter(500, minutes_ago=0.1)]}]
    }
    answer = samu.put("/v1/capacities", json=pushed, headers=writer_header)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == "locations[0].counters[0].count"
    assert "500 lits disponibles" in error["message"]


@pytest.mark.parametrize(
    ("lat", "lon", "words"),
    [
        (1.95, 43.3, ("hors de France", "inversées", "lat 43.3, lon 1.95")),  # Ariège, swapped
        (4.83, 45.76, ("hors de France", "inversées")),  # Lyon, swapped
        (40.4, -3.7, ("hors de France",)),  # Madrid
        (46.0, -8.0, ("hors de France",)),  # the Atlantic, far from the coast
    ],
)
def test_a_point_outside_france_is_a_422(
    samu: httpx.Client, lat: float, lon: float, words: tuple[str, ...]
) -> None:
    answer = samu.post(
        "/v1/referrals/search", json={"where": {"lat": lat, "lon": lon}, "activity": ["126"]}
    )
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "outside_france" and error["field"] == "where.lat"
    for word in words:
        assert word in error["message"]
    by_query = samu.get("/v1/search", params={"lat": lat, "lon": lon, "activity": "126"})
    assert by_query.status_code == 422


def test_a_point_just_off_the_coast_is_still_searched(samu: httpx.Client) -> None:
    answer = samu.post(  # 8 km off Les Sables-d'Olonne, in territorial waters
        "/v1/referrals/search", json={"where": {"lat": 46.48, "lon": -1.90}, "activity": ["126"]}
    )
    assert answer.status_code == 200, answer.text
