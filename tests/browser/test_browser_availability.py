"""The availability overview (``/availability``) in headless Chromium: refused without a token
entitled to capacities, then the map, table, totals and freshness equal to
``GET /v1/availability/overview``, by région and by département, for an activity, with links
to each area's own units (the territory's page)."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.browser.browser_support import PHONE, Live, PageWatch, Shots, Tokens, contrast_failures

OVERVIEW = "/v1/availability/overview"
FRESHNESS = ("lt_1h", "lt_3h", "lt_6h", "lt_12h", "lt_24h", "older")
LABELS = ("moins d'1 h", "1 à 3 h", "3 à 6 h", "6 à 12 h", "12 à 24 h", "plus de 24 h")


def overview(server: Live, token: str, **params: str) -> dict[str, Any]:
    response = httpx.get(
        server.url + OVERVIEW,
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


FIGURES = ("available", "installed", "occupied", "closed", "extra")


def shown(page: Page, action: Callable[[], object]) -> dict[str, Any]:
    """The overview answer the page receives while ``action`` runs."""
    with page.expect_response(lambda r: OVERVIEW in r.url and r.status == 200) as info:
        action()
    return info.value.json()  # type: ignore[no-any-return]


def expect_same_figures(page: Page, answer: dict[str, Any], expected: dict[str, Any]) -> None:
    """The page shows ``answer`` (what it received): table rows, totals, freshness legend and
    map areas; and it asked what ``expected`` (the test's own call) answers: the same figures
    (freshness buckets move with the clock, figures do not)."""
    for mine, theirs in zip(answer["areas"], expected["areas"], strict=True):
        assert [mine[k] for k in ("code", *FIGURES, "units")] == [
            theirs[k] for k in ("code", *FIGURES, "units")
        ]
    assert answer["filters"] == expected["filters"]
    rows = page.locator("#areas tbody tr")
    expect(rows).to_have_count(len(answer["areas"]))
    for area in answer["areas"]:
        cells = page.locator(f"#area-{area['code']} td").all_inner_texts()
        figures = [area[k] for k in FIGURES]
        assert cells[:6] == [number(v) for v in (*figures, area["units"])], area["code"]
        bar = page.locator(f"#area-{area['code']} .freshness-cell .visually-hidden")
        if area["units"]:
            for key, label in zip(FRESHNESS, LABELS, strict=True):
                if area["freshness"][key]:
                    expect(bar).to_contain_text(f"{label} : {number(area['freshness'][key])}")
    totals = answer["totals"]
    foot = page.locator("#areas tfoot td").all_inner_texts()
    assert foot[:6] == [number(totals[k]) for k in (*FIGURES, "units")]
    legend = page.locator("#freshness-legend li").all_inner_texts()
    assert [t.split(" (")[0] for t in legend] == [
        f"{label} : {number(totals['freshness'][key])}"
        for key, label in zip(FRESHNESS, LABELS, strict=True)
    ]
    expect(page.locator("#status")).to_contain_text(f"{number(totals['available'])} lit")
    shapes = 18 if answer["group_by"] == "region" else 101
    expect(page.locator("path.choropleth")).to_have_count(shapes)
    coloured = page.locator("path.choropleth:not(.fill-cnone)")
    expect(coloured).to_have_count(sum(1 for a in answer["areas"] if a["units"] > 0))
    expect(page.locator("path.inset-frame")).to_have_count(5)


def test_refused_without_an_entitled_token_then_shown_with_one(
    watch: PageWatch, server: Live, tokens: Tokens, shots: Shots
) -> None:
    page = watch.page
    watch.expect_http_error(401, OVERVIEW)  # no token: 401 with the Bearer challenge
    page.goto("/availability")
    expect(page).to_have_title(re.compile("Lits et places disponibles"))
    expect(page.locator("#status")).to_have_text(
        "Accès réservé : saisissez un jeton d'accès habilité à voir les capacités."
    )
    expect(page.locator("#overview")).to_be_hidden()
    token_box = page.get_by_label("Jeton d'accès")
    expect(token_box).to_be_focused()
    expect(token_box).to_have_attribute("type", "password")
    shots.take(page, "availability-without-token")

    watch.expect_http_error(401, OVERVIEW)
    token_box.fill("ror_000000000000_not-a-real-token")
    token_box.press("Enter")
    expect(page.locator("#status")).to_contain_text("Ce jeton n'est pas reconnu")

    watch.expect_http_error(403, OVERVIEW)
    token_box.fill(tokens.public)  # profile 5: no capacities
    page.get_by_role("button", name="Utiliser ce jeton").click()
    expect(page.locator("#status")).to_contain_text("Ce jeton n'ouvre pas l'accès")

    token_box.fill(tokens.capacities)
    answer = shown(page, lambda: token_box.press("Enter"))
    expect(page.locator("#overview")).to_be_visible()
    assert "ror_" not in page.url  # the token never goes into the address
    expect_same_figures(page, answer, overview(server, tokens.capacities, group_by="region"))
    expect(page.get_by_role("button", name="Oublier le jeton")).to_be_visible()
    shots.take(page, "availability-regions")
    shots.readme(page, "availability")

    page.reload()  # kept for the tab
    expect(page.locator("#overview")).to_be_visible()
    watch.expect_http_error(401, OVERVIEW)  # forgotten token: anonymous again
    page.get_by_role("button", name="Oublier le jeton").click()
    expect(page.locator("#overview")).to_be_hidden()
    expect(page.get_by_label("Jeton d'accès")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('ror.token')") is None


def test_departements_for_an_activity_and_the_units_of_an_area(
    browser: Browser, server: Live, tokens: Tokens, shots: Shots
) -> None:
    with PageWatch.open(browser, server.url, token=tokens.capacities) as watch:
        page = watch.page
        page.goto("/availability")
        expect(page.locator("#overview")).to_be_visible()
        answer = shown(
            page, lambda: page.get_by_label("Territoires", exact=True).select_option("departement")
        )
        expect(page).to_have_url(re.compile(r"group_by=departement"))
        expect_same_figures(
            page, answer, overview(server, tokens.capacities, group_by="departement")
        )

        quoi = page.get_by_role("combobox", name="Activité ou type d'offre")
        quoi.press_sequentially("réanimation", delay=15)
        options = page.locator("#quoi-list [role=option]")
        expect(options.first).to_contain_text("Réanimation")
        for detail in page.locator("#quoi-list .option-detail").all_inner_texts():
            assert detail in ("Activité", "Type d'offre")
        quoi.press("ArrowDown")
        quoi.press("Enter")
        answer = shown(page, lambda: quoi.press("Enter"))
        expect(page).to_have_url(re.compile(r"activity="))
        query = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
        assert query["quoi"] == "Réanimation"
        expected = overview(
            server, tokens.capacities, group_by="departement", activity=query["activity"]
        )
        assert answer["totals"]["units"] > 0
        expect_same_figures(page, answer, expected)
        expect(page.locator("#areas-caption")).to_have_text("Lits par département — Réanimation")
        assert contrast_failures(page, "main") == []
        shots.take(page, "availability-departements-reanimation")

        busiest = max(answer["areas"], key=lambda a: a["units"])
        link = page.locator(f"#area-{busiest['code']} a")
        expect(link).to_have_text(str(busiest["units"]))
        link.click()
        expect(page).to_have_url(re.compile(rf"/availability/departement/{busiest['code']}\?"))
        opened = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
        assert opened == {"quoi": "Réanimation", "activity": query["activity"], "bed_nature": "01"}
        expect(page.get_by_role("combobox", name="Activité ou type d'offre")).to_have_value(
            "Réanimation"
        )
        # the territory's own units (by zone, not a circle): as many as the overview's row
        rows = page.locator("#units-table tbody tr:not(.est-row)")
        expect(rows).to_have_count(busiest["units"])


def test_a_shared_overview_url_and_a_phone(
    browser: Browser, server: Live, tokens: Tokens, shots: Shots
) -> None:
    with PageWatch.open(
        browser, server.url, token=tokens.capacities, viewport=PHONE, is_mobile=True
    ) as watch:
        page = watch.page
        page.goto(
            "/availability?group_by=departement&bed_nature=02&offer_type=21,23,24,26"
            "&quoi=EHPAD%20(maison%20de%20retraite%20m%C3%A9dicalis%C3%A9e)"
        )
        expect(page.get_by_label("Territoires", exact=True)).to_have_value("departement")
        expect(page.get_by_label("Capacité", exact=True)).to_have_value("02")
        expect(page.get_by_role("combobox", name="Activité ou type d'offre")).to_have_value(
            "EHPAD (maison de retraite médicalisée)"
        )
        answer = overview(
            server,
            tokens.capacities,
            group_by="departement",
            bed_nature="02",
            offer_type="21,23,24,26",
        )
        expect(page.locator("#areas tbody tr")).to_have_count(len(answer["areas"]))
        expect(page.locator("#status")).to_contain_text("place")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways: {width} px"
        shots.take(page, "availability-phone-375", full_page=False)


def test_occupancy_colours_and_the_table_as_csv(
    browser: Browser, server: Live, tokens: Tokens, shots: Shots
) -> None:
    with PageWatch.open(browser, server.url, token=tokens.capacities) as watch:
        page = watch.page
        page.goto("/availability?group_by=region")
        expect(page.locator("#areas tbody tr").first).to_be_visible()
        answer = shown(
            page, lambda: page.get_by_label("Couleur de la carte").select_option("occupation")
        )
        expect(page).to_have_url(re.compile(r"couleur=occupation"))
        expect(page.locator("#legend li").first).to_have_text("occupation moins de 50 %")
        for area in answer["areas"]:
            rate = round(100 * area["occupied"] / area["installed"]) if area["installed"] else None
            cell = page.locator(f"#area-{area['code']} td").nth(6)
            expect(cell).to_have_text(f"{rate} %" if rate is not None else "—")
        coloured = page.locator("path.choropleth:not(.fill-cnone)")
        expect(coloured).to_have_count(sum(1 for a in answer["areas"] if a["installed"] > 0))
        shots.take(page, "availability-occupancy", full_page=False)

        with page.expect_download() as info:
            page.get_by_role("button", name="Télécharger le tableau (CSV)").click()
        download = info.value
        assert download.suggested_filename.startswith("disponibilites-regions-")
        text = Path(download.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.reader(text.splitlines(), delimiter=";"))
        assert rows[0][:8] == [
            "code",
            "région",
            "disponibles",
            "installés",
            "occupés",
            "fermés",
            "supplémentaires",
            "unités",
        ]
        by_code = {row[0]: row for row in rows[1:-1]}
        assert len(by_code) == len(answer["areas"])
        for area in answer["areas"]:
            row = by_code[area["code"]]
            assert [int(v) for v in row[2:8]] == [
                area[k] for k in ("available", "installed", "occupied", "closed", "extra", "units")
            ]
        assert rows[-1][1] == "Total" and int(rows[-1][2]) == answer["totals"]["available"]
