"""Issue 19 case 4: an empty answer says why, over the API.

A kind of offer that no unit in France carries gets a ``none_listed`` warning naming it; with a
fixed radius and nothing fitting inside, the nearest unit beyond it that fits every other
criterion comes back as the first near-miss (criterion ``radius_km``) with its distance, and a
``none_within_radius`` warning names it.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.referral.world import TOULOUSE


def warnings_of(answer: dict[str, Any], code: str) -> list[str]:
    return [w["message"] for w in answer["warnings"] if w["code"] == code]


@pytest.mark.parametrize(
    "asked",
    [
        {"offer_type": ["212"]},  # no private rheumatology practice in this world
        {"activity": ["004"]},
        {"activity": ["126"], "offer_type": ["212"]},  # ICUs exist, not of that type
    ],
)
def test_a_kind_listed_nowhere_says_so(samu: httpx.Client, asked: dict[str, Any]) -> None:
    answer = samu.post("/v1/referrals/search", json={"where": {"place": "Albi"}, **asked})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == 0 and body["radius_km"] is None
    (message,) = warnings_of(body, "none_listed")
    assert message.startswith("aucune offre de ce type n'est répertoriée en France")
    for codes in asked.values():
        assert all(code in message for code in codes)


def test_a_kind_listed_elsewhere_is_not_called_unlisted(samu: httpx.Client) -> None:
    body = samu.post(
        "/v1/referrals/search",
        json={**TOULOUSE.where(radius_km=0.5), "activity": ["126"]},
    ).json()
    assert body["total"] == 0
    assert not warnings_of(body, "none_listed")


def test_the_nearest_fitting_unit_beyond_a_fixed_radius(samu: httpx.Client) -> None:
    body = samu.post(
        "/v1/referrals/search",
        json={
            **TOULOUSE.where(radius_km=5),
            "activity": ["126"],
            "beds": {"nature": "01", "min_available": 1},
        },
    ).json()
    assert body["total"] == 0 and body["matches"] == []
    first = body["near_misses"][0]
    assert first["offer"]["id"] == "three-far" and first["criterion"] == "radius_km"
    assert 34.5 < first["distance_km"] < 35.5
    assert first["reason"] == "à 35\u202fkm, au-delà du rayon de 5\u202fkm"
    (message,) = warnings_of(body, "none_within_radius")
    assert "Réanimation three-far" in message and "35\u202fkm" in message
    assert [n["offer"]["id"] for n in body["near_misses"][1:]] == ["full-near"]  # it is full


def test_nothing_anywhere_says_so_too(samu: httpx.Client) -> None:
    body = samu.post(
        "/v1/referrals/search",
        json={
            **TOULOUSE.where(radius_km=5),
            "activity": ["126"],
            "beds": {"nature": "01", "min_available": 50},
        },
    ).json()
    (message,) = warnings_of(body, "none_within_radius")
    assert message.endswith("ni au-delà")
