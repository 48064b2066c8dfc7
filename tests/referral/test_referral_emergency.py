"""Issue 19 case 3: the emergency ranking policy, as a table over the HTTP API.

The policy (README "Emergency ranking"): within 50 km, a unit with one bed counted free within
the hour outranks a full unit, however near; a count older than 12 h is unknown, worth no more
than a full unit; more free beds outrank fewer a little nearer; the explanation dates the figure
it quotes.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.referral.world import BORDEAUX, LILLE, LYON, PARIS, RENNES, STRASBOURG, TOULOUSE, Centre

EMERGENCY_TABLE = [
    ("a free bed at 35 km beats a full unit at 0.9 km", TOULOUSE, ["three-far", "full-near"]),
    ("a 54-min-old count at 52 km beats a 3-day-old one at 43 km", LYON, ["fresh-52", "old-43"]),
    ("a bed counted 1 h ago at 50 km beats a full unit at 0.5 km", PARIS, ["one-50", "full-0"]),
    ("beyond the trade-off (65 km) the nearer full unit comes first", RENNES, ["full-1", "one-65"]),
    (
        "a stale count is unknown: the nearer unknown unit comes first",
        STRASBOURG,
        ["unknown", "stale-10"],
    ),
    ("two fresh beds at 10 km beat one at 8 km", BORDEAUX, ["two-10", "one-8"]),
]


def emergency(samu: httpx.Client, centre: Centre, **extra: Any) -> dict[str, Any]:
    body = {**centre.where(), "profile": "emergency", "activity": ["126"], **extra}
    answer = samu.post("/v1/referrals/search", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("case", "centre", "order"), EMERGENCY_TABLE, ids=[r[0] for r in EMERGENCY_TABLE]
)
def test_emergency_ranking_table(
    samu: httpx.Client, case: str, centre: Centre, order: list[str]
) -> None:
    answer = emergency(samu, centre)
    assert [m["offer"]["id"] for m in answer["matches"]] == order, case


def test_a_stale_count_is_explained_as_unknown(samu: httpx.Client) -> None:
    (match,) = [m for m in emergency(samu, STRASBOURG)["matches"] if m["offer"]["id"] == "stale-10"]
    assert match["stale"] is True
    assert any(
        s.startswith("disponibilité inconnue : dernier chiffre (10 lits") for s in match["explain"]
    )


def test_the_explanation_dates_the_counter_it_quotes(samu: httpx.Client) -> None:
    (match,) = emergency(samu, LILLE)["matches"]
    sentence = next(s for s in match["explain"] if "lits disponibles" in s)
    assert sentence.startswith("2 lits disponibles, mis à jour il y a ")
    assert sentence.endswith("min") and "h" not in sentence.split("il y a ")[1]
