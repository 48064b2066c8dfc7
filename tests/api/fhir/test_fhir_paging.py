"""Paging while offers change: following ``next`` links never skips nor repeats an entry, when
offers are added, removed and renamed between page requests (keyset cursor); an ``_offset``
client under the same changes does skip (what the cursor is for)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from ror.api.app import create_app
from ror.config import Settings
from ror.model import Offer
from ror.search.embedded import EmbeddedEngine
from tests.api.fhir.fhir_checks import bundle_of, link, matches, outcome_of
from tests.live_server import LiveServer

TOULOUSE = "43.6045|1.4440|300|km"


@pytest.fixture()
def changing(tmp_path: Path, offers: list[Offer]) -> Iterator[tuple[httpx.Client, EmbeddedEngine]]:
    engine = EmbeddedEngine(tmp_path / "changing.sqlite")
    engine.load(offers[:400], replace_all=True)
    settings = Settings.from_env({"ROR_DB": str(tmp_path / "changing.sqlite")})
    with (
        LiveServer(create_app(settings, engine=engine, anonymous_profile=1)) as live,
        httpx.Client(base_url=live.url + "/fhir", timeout=30) as client,
    ):
        yield client, engine
    engine.close()


def walk(client: httpx.Client, first: str, between: Callable[[int, list[str]], None]) -> list[str]:
    """Every match id met following ``next`` from ``first``; ``between(n, seen)`` after page n."""
    seen: list[str] = []
    url: str | None = first
    pages = 0
    while url is not None:
        bundle = bundle_of(client.get(url), sample=3)
        seen += matches(bundle)
        url = link(bundle, "next")
        pages += 1
        if url is not None:
            between(pages, seen)
    return seen


def churn(engine: EmbeddedEngine, offers: list[Offer]) -> Callable[[int, list[str]], None]:
    """Between pages: remove two offers already shown, add two copies of one (ids sorting
    before and after everything), rename one not shown yet."""
    extra = iter(offers[400:])
    state = {"removed": set[str](), "added": set[str]()}

    def change(page: int, seen: list[str]) -> None:
        gone = [i for i in seen if i not in state["removed"]][:2]
        engine.delete(gone)
        state["removed"] |= set(gone)
        new = [
            dataclasses.replace(next(extra), id=f"0-added-{page}"),
            dataclasses.replace(next(extra), id=f"zz-added-{page}"),
        ]
        engine.upsert(new)
        state["added"] |= {o.id for o in new}

    change.state = state  # type: ignore[attr-defined]
    return change


@pytest.mark.parametrize(
    "query",
    [
        "/HealthcareService?_count=80",
        f"/HealthcareService?_count=80&location.near={TOULOUSE}",
        "/HealthcareService?_count=80&_sort=name",
        "/HealthcareService?_count=80&_sort=-_lastUpdated",
    ],
)
def test_next_links_neither_skip_nor_repeat(
    changing: tuple[httpx.Client, EmbeddedEngine], offers: list[Offer], query: str
) -> None:
    client, engine = changing
    before = set(
        matches(bundle_of(client.get(query.replace("_count=80", "_count=1000")), sample=3))
    )
    change = churn(engine, offers)
    seen = walk(client, query, change)
    state = change.state  # type: ignore[attr-defined]
    assert len(seen) == len(set(seen))  # nothing twice
    kept = before - state["removed"]
    assert kept <= set(seen)  # every offer there all along was met
    assert set(seen) - before <= state["added"]


def test_an_offset_client_skips_under_the_same_changes(
    changing: tuple[httpx.Client, EmbeddedEngine], offers: list[Offer]
) -> None:
    client, engine = changing
    before = set(matches(bundle_of(client.get("/HealthcareService?_count=1000"), sample=3)))
    change = churn(engine, offers)
    seen: list[str] = []
    for page in range(0, 6):
        bundle = bundle_of(
            client.get(f"/HealthcareService?_count=80&_offset={page * 80}"), sample=3
        )
        seen += matches(bundle)
        change(page + 1, seen)
    assert before - change.state["removed"] - set(seen)  # type: ignore[attr-defined]


def test_a_cursor_belongs_to_its_sort(changing: tuple[httpx.Client, EmbeddedEngine]) -> None:
    client, _ = changing
    bundle = bundle_of(client.get("/HealthcareService?_count=5&_sort=name"))
    nxt = link(bundle, "next")
    assert nxt is not None and "_cursor=" in nxt and "_offset" not in nxt
    cursor = nxt.split("_cursor=")[1]
    issues = outcome_of(client.get(f"/HealthcareService?_count=5&_cursor={cursor}"), 400)
    assert issues[0]["expression"] == ["_cursor"]
    outcome_of(client.get("/HealthcareService?_cursor=not-a-cursor"), 400)
