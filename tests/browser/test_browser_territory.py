"""A territory's availability (``/availability/departement/{code}``, ``/availability/region/
{code}``) in headless Chromium, as a regional analyst (1280 px) and on a phone (390 px): the
units by establishment equal ``GET /v1/availability/units``, the trend is drawn and tabulated
from ``GET /v1/availability/trend``, the filters (assignment, gender, temporality, freshness)
change the figures and live in a shareable URL, the table downloads as CSV, a région lists its
départements, and nothing shows without an entitled token."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from playwright.sync_api import Browser, Page, expect

from ror.access.tokens import TokenStore
from ror.config import Settings
from tests.browser.browser_support import (
    PHONE,
    README_PHONE,
    Live,
    PageWatch,
    Shots,
    Tokens,
    contrast_failures,
)

UNITS = "/v1/availability/units"
TREND = "/v1/availability/trend"
FIGURES = ("available", "installed", "occupied", "closed", "extra")
FILTERS = ("assignment", "gender", "temporality", "freshness")


def api(server: Live, token: str, path: str, **params: str) -> dict[str, Any]:
    response = httpx.get(
        server.url + path, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def busiest_departement(server: Live, token: str) -> dict[str, Any]:
    answer = api(server, token, "/v1/availability/overview", group_by="departement")
    return max(answer["areas"], key=lambda a: a["units"])


def received(page: Page, path: str, action: Any, **wanted: str) -> dict[str, Any]:
    """The answer from ``path`` the page receives while ``action`` runs, asked with exactly
    the ``wanted`` values of the counter filters (an earlier request may still be answered)."""

    def asked(url: str) -> bool:
        if path not in url:
            return False
        query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        return all(query.get(name) == wanted.get(name) for name in FILTERS)

    with page.expect_response(lambda r: asked(r.url) and r.status == 200) as info:
        action()
    return info.value.json()  # type: ignore[no-any-return]


def expect_units(page: Page, answer: dict[str, Any]) -> None:
    """The table shows ``answer``: one row per establishment, then one per unit, in order."""
    expected: list[list[str]] = []
    for est in answer["establishments"]:
        expected.append([number(est[k]) for k in FIGURES])
        expected.extend([number(u[k]) for k in FIGURES] for u in est["locations"])
    rows = page.locator("#units-table tbody tr")
    expect(rows).to_have_count(len(expected))
    cells = page.eval_on_selector_all(
        "#units-table tbody tr",
        "rows => rows.map(r => [...r.querySelectorAll('td')].slice(0, 5).map(c => c.textContent))",
    )
    assert cells == expected
    names = page.locator("#units-table tbody tr.est-row th a").all_inner_texts()
    assert names == [e["name"] for e in answer["establishments"]]


def push_a_day_of_counts(server: Live, settings: Settings, token: str, code: str) -> int:
    """A bed manager's pushes for ten units of the area, every four hours over 44 hours (the
    history the trend reads); how many counters were applied."""
    writer = TokenStore(settings.tokens_path).create("gestion des lits", 1, ["*"])[0]
    units = api(server, token, UNITS, area=code)
    chosen = [u for e in units["establishments"] for u in e["locations"] if u["installed"] >= 4]
    chosen = [u for u in chosen if not u["location_id"].startswith("#")][:10]
    assert chosen
    now = datetime.now(UTC).replace(microsecond=0)
    applied = 0
    for step, hours in enumerate(range(44, -1, -4)):
        share = 0.2 + 0.6 * ((step * 37) % 11) / 10
        body = {
            "locations": [
                {
                    "location_id": u["location_id"],
                    "counters": [
                        {
                            "nature": "01",
                            "status": "02",
                            "gender": "03",
                            "count": int(u["installed"] * share),
                            "updated_at": (now - timedelta(hours=hours, minutes=5)).isoformat(),
                        }
                    ],
                }
                for u in chosen
            ]
        }
        answer = httpx.put(
            server.url + "/v1/capacities",
            json=body,
            headers={"Authorization": f"Bearer {writer}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        applied += answer.json()["applied"]
    return applied


def test_an_analyst_drills_into_a_departement(
    browser: Browser, server: Live, tokens: Tokens, shots: Shots, settings: Settings
) -> None:
    area = busiest_departement(server, tokens.capacities)
    pushed = push_a_day_of_counts(server, settings, tokens.capacities, area["code"])
    area = busiest_departement(server, tokens.capacities)
    with PageWatch.open(browser, server.url, token=tokens.capacities) as watch:
        page = watch.page
        page.goto("/availability?group_by=departement")
        link = page.locator(f"#area-{area['code']} a")
        answer = received(page, UNITS, link.click)
        expect(page).to_have_url(re.compile(rf"/availability/departement/{area['code']}$"))
        expect(page).to_have_title(re.compile(rf"^{re.escape(area['name'])} \({area['code']}\)"))
        assert answer["totals"]["units"] == area["units"]
        expect_units(page, answer)
        expect(page.locator("#status")).to_contain_text(f"{number(area['available'])} lit")
        crumbs = page.get_by_role("navigation", name="Fil d'Ariane").get_by_role("link")
        expect(crumbs).to_have_count(3)

        trend = api(server, tokens.capacities, TREND, group_by="departement", area=area["code"])
        assert trend["history_entries"] >= pushed
        assert len({p["available"] for p in trend["points"]}) > 3  # the pushes show
        expect(page.locator("#charts svg[role=img]")).to_have_count(2)
        expect(page.locator("#trend-title")).to_have_text("Évolution sur 2 jours")
        page.get_by_text("Les valeurs de l'évolution (tableau)").click()
        expect(page.locator("#trend-table tbody tr")).to_have_count(len(trend["points"]))
        shown_available = page.eval_on_selector_all(
            "#trend-table tbody tr", "rows => rows.map(r => r.querySelector('td').textContent)"
        )
        assert shown_available == [number(p["available"]) for p in reversed(trend["points"])]
        assert contrast_failures(page, "main") == []
        shots.readme(page, "territory")

        # filters: the answer changes with each, the URL keeps them
        older = received(
            page, UNITS, lambda: page.get_by_label("plus de 24 h").check(), freshness="older"
        )
        expect(page).to_have_url(re.compile(r"freshness=older"))
        expect_units(page, older)
        assert {u["freshness"] for e in older["establishments"] for u in e["locations"]} <= {
            "older"
        }
        assert older["totals"]["units"] == area["freshness"]["older"]
        covid = received(
            page,
            UNITS,
            lambda: page.get_by_label("Covid+").check(),
            freshness="older",
            assignment="02",
        )
        expect(page).to_have_url(re.compile(r"assignment=02"))
        assert covid["filters"]["assignment"] == ["02"] and covid["filters"]["freshness"] == [
            "older"
        ]
        expect_units(page, covid)
        if not covid["establishments"]:
            expect(page.locator("#units-status")).to_have_text(
                "Aucune unité ne répond à ces filtres."
            )
        received(page, UNITS, page.get_by_label("Covid+").uncheck, freshness="older")
        received(page, UNITS, page.get_by_label("plus de 24 h").uncheck)
        women = received(page, UNITS, page.get_by_label("Femmes").check, gender="01")
        forecast = received(
            page,
            UNITS,
            lambda: page.get_by_label("Temporalité").select_option("03"),
            gender="01",
            temporality="03",
        )
        query = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
        assert query == {"gender": "01", "temporality": "03"}
        assert forecast["filters"]["temporality"] == "03"
        assert forecast["totals"]["installed"] == women["totals"]["installed"]
        expected = api(
            server,
            tokens.capacities,
            UNITS,
            area=area["code"],
            gender="01",
            temporality="03",
        )
        assert forecast["totals"] == {
            **expected["totals"],
            "freshness": forecast["totals"]["freshness"],
        }
        expect_units(page, forecast)

        # the URL is shared: another tab opens the same view
        tab = page.context.new_page()
        tab.on("pageerror", lambda error: watch.errors.append(f"page error: {error}"))
        again = received(tab, UNITS, lambda: tab.goto(page.url), gender="01", temporality="03")
        expect(tab.get_by_label("Femmes")).to_be_checked()
        expect(tab.get_by_label("Temporalité")).to_have_value("03")
        assert again["totals"]["installed"] == forecast["totals"]["installed"]

        with tab.expect_download() as info:
            tab.get_by_role("button", name="Télécharger les unités (CSV)").click()
        download = info.value
        assert download.suggested_filename.startswith(f"disponibilites-departement-{area['code']}")
        rows = list(
            csv.reader(Path(download.path()).read_text("utf-8-sig").splitlines(), delimiter=";")
        )
        assert rows[0][:6] == [
            "FINESS",
            "établissement",
            "commune",
            "unité (Location)",
            "offres",
            "disponibles",
        ]
        units = [u for e in again["establishments"] for u in e["locations"]]
        assert [r[3] for r in rows[1:]] == [u["location_id"] for u in units]
        assert [int(r[5]) for r in rows[1:]] == [u["available"] for u in units]


def test_a_region_lists_its_departements(browser: Browser, server: Live, tokens: Tokens) -> None:
    area = busiest_departement(server, tokens.capacities)
    units = api(server, tokens.capacities, UNITS, area=area["code"])
    region = units["area"]["within"]
    with PageWatch.open(browser, server.url, token=tokens.capacities) as watch:
        page = watch.page
        page.goto(f"/availability/region/{region['code']}")
        parts = page.locator("#parts-table tbody tr")
        members = api(server, tokens.capacities, TREND, group_by="region", area=region["code"])
        expect(parts).to_have_count(len(members["area"]["parts"]))
        expect(page.locator("#units-status")).to_contain_text("Choisissez un département")
        row = page.locator("#parts-table tbody tr", has_text=f"({area['code']})")
        expect(row.locator("td").first).to_have_text(number(area["available"]))
        received(page, UNITS, lambda: row.get_by_role("link").click())
        expect(page).to_have_url(re.compile(rf"/availability/departement/{area['code']}$"))
        expect(page.get_by_role("link", name=region["name"])).to_be_visible()


def test_on_a_phone_and_without_a_token(
    browser: Browser, server: Live, tokens: Tokens, shots: Shots
) -> None:
    area = busiest_departement(server, tokens.capacities)
    with PageWatch.open(browser, server.url, viewport=PHONE, is_mobile=True) as watch:
        page = watch.page
        watch.expect_http_error(401, UNITS)
        watch.expect_http_error(401, TREND)
        page.goto(f"/availability/departement/{area['code']}")
        expect(page.locator("#token")).to_be_focused()
        expect(page.locator("#resultats")).to_be_hidden()
        expect(page.locator("#status")).to_contain_text("Accès réservé")
        assert "installed" not in page.content()
        page.locator("#token").fill(tokens.public)  # profile 5: no capacities
        watch.expect_http_error(403, UNITS)
        watch.expect_http_error(403, TREND)
        page.get_by_role("button", name="Utiliser ce jeton").click()
        expect(page.locator("#status")).to_contain_text("n'ouvre pas l'accès")
        expect(page.locator("#resultats")).to_be_hidden()
        page.locator("#token").fill(tokens.capacities)
        answer = received(
            page, UNITS, lambda: page.get_by_role("button", name="Utiliser ce jeton").click()
        )
        expect(page.locator("#units-title")).to_be_focused()
        expect_units(page, answer)
        panel = page.locator("#filters-panel")
        expect(panel).not_to_have_attribute("open", "")
        page.get_by_text("Filtres", exact=True).click()
        received(page, UNITS, lambda: page.get_by_label("moins d'1 h").check(), freshness="lt_1h")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways: {width} px"
        assert contrast_failures(page, "main") == []
        page.get_by_text("Filtres", exact=True).click()
        expect(panel).not_to_have_attribute("open", "")
        shots.readme(page, "territory-phone", README_PHONE)
