"""Issue 19 case 6: lay words keep their meaning, over the API.

"enfant" means an age of 0-17 unless an age is given (a unit for adults only is left out);
"libéral", "cabinet" and a practitioner ("pédiatre") put private practices first; "réa" does
not suggest rehabilitation before the kinds of intensive care; a word not understood gets one
plain warning.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.referral.world import MARSEILLE


def search(samu: httpx.Client, text: str, **extra: Any) -> dict[str, Any]:
    body = {**MARSEILLE.where(radius_km=30), "text": text, "profile": "consultation", **extra}
    answer = samu.post("/v1/referrals/search", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def ids(answer: dict[str, Any]) -> list[str]:
    return [m["offer"]["id"] for m in answer["matches"]]


@pytest.mark.parametrize(
    "text", ["psy pour enfant", "psychologue pour enfant", "psychologue enfant"]
)
def test_a_child_leaves_out_units_for_adults(samu: httpx.Client, text: str) -> None:
    answer = search(samu, text)
    assert "psy-adults" not in ids(answer)
    assert {"psy-all", "psy-children"} <= set(ids(answer))
    assert answer["criteria"]["age"] == 0 and answer["criteria"]["age_to"] == 17
    assert ("psy-adults", "age") in {
        (n["offer"]["id"], n["criterion"]) for n in answer["near_misses"]
    }


def test_an_age_given_wins_over_the_word(samu: httpx.Client) -> None:
    answer = search(samu, "psychologue pour enfant", age=30)
    assert "psy-adults" in ids(answer) and "psy-children" not in ids(answer)


@pytest.mark.parametrize("text", ["pédiatre", "pediatre", "médecin pour enfant"])
def test_a_paediatrician_is_the_private_practice_first(samu: httpx.Client, text: str) -> None:
    answer = search(samu, text)
    assert ids(answer)[0] == "paediatrician", ids(answer)
    assert "exercice libéral (cabinet de ville)" in answer["matches"][0]["explain"]


@pytest.mark.parametrize("text", ["psychologue libéral", "psychologue en cabinet", "psy libéral"])
def test_liberal_or_cabinet_puts_private_practices_first(samu: httpx.Client, text: str) -> None:
    answer = search(samu, text)
    assert answer["criteria"]["prefer_private_practice"] is True
    assert [[c["code"] for c in m["offer"]["champ"]] for m in answer["matches"]][:3] == [["05"]] * 3
    assert ids(answer)[-1] == "psy-hospital"  # the nearest, but not a private practice
    assert not answer["warnings"], answer["warnings"]  # "libéral" was understood


def test_rea_suggests_intensive_care_before_rehabilitation(samu: httpx.Client) -> None:
    for q in ("réa", "rea", "REA"):
        got = samu.get("/v1/suggest", params={"q": q}).json()["suggestions"]
        labels = [s["label"] for s in got]
        assert labels[0] == "Réanimation"
        ssr = next(i for i, s in enumerate(got) if s["codes"] == ["02"] and s["field"] == "champ")
        assert all("éanimation" in label for label in labels[:ssr]) and ssr >= 3, labels


def test_a_word_not_understood_gets_one_plain_warning(samu: httpx.Client) -> None:
    answer = search(samu, "zorglubium")
    (warning,) = answer["warnings"]
    assert warning["code"] == "text_not_understood"
    assert warning["message"] == (
        "« zorglubium » n'a pas été compris : la recherche porte sur vos autres critères"
    )
    partly = search(samu, "psychologue zorglubium")
    (warning,) = partly["warnings"]
    assert warning == {
        "code": "words_unknown",
        "message": "mot non compris, ignoré : « zorglubium »",
    }
    assert "psy-all" in ids(partly)
