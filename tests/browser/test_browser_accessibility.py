"""axe-core (vendored, ``tests/browser/vendor/axe-core``) on every page state, desktop (1280)
and phone (390): no violation at all, the rules axe leaves off by default that issue 20 found
included. Focus follows the visual order, and titles say what is shown."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.browser_support import DESKTOP, PHONE, Live, PageWatch, Tokens, assert_accessible

SEARCH = {"ou": "Toulouse (31000)", "place": "31555", "text": "pédopsy", "age": "17"}
NURSING = {"ou": "Toulouse (31000)", "place": "31555", "offer_type": "21,23,24,26"}
SIZES = {"desktop": DESKTOP, "phone": PHONE}


def settled(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # map animations


def search_empty(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#status")).to_contain_text("Indiquez où et quoi chercher")


def search_results(page: Page) -> None:
    page.goto("/?" + urlencode(SEARCH))
    expect(page.locator("#results > li.result").first).to_be_visible()
    expect(page.locator("#near-list > li").first).to_be_visible()
    expect(page).to_have_title(
        re.compile(r"^pédopsy autour de Toulouse \(31000\) : \d+ établissements? trouvés?")
    )


def search_nursing_homes_popup(page: Page) -> None:
    page.goto("/?" + urlencode(NURSING))
    marker = page.locator(".leaflet-marker-icon.result-marker").first
    expect(marker).to_be_visible()
    marker.focus()
    marker.press("Enter")
    expect(page.locator(".leaflet-popup-content")).to_be_visible()


def search_without_place(page: Page) -> None:
    page.goto("/?text=psychologue")
    expect(page.locator("#status")).to_contain_text("Indiquez où chercher")


def detail_offer(page: Page) -> None:
    page.goto("/?" + urlencode(NURSING))
    page.locator("#results > li.result .members a").first.click()
    expect(page.locator("#detail-main table.prices").first).to_be_visible()


def detail_establishment(page: Page) -> None:
    page.goto("/?" + urlencode(NURSING))
    page.locator("#results > li.result h3 a").first.click()  # the establishment's card
    expect(page.locator(".offer-cards li").first).to_be_visible()


def overview_refused(page: Page) -> None:
    page.goto("/availability")  # the 401 is announced by the test below
    expect(page.locator("#token")).to_be_visible()


def overview_regions(page: Page) -> None:
    page.goto("/availability?group_by=region")
    expect(page.locator("#areas tbody tr").first).to_be_visible()


def overview_departements(page: Page) -> None:
    page.goto("/availability?group_by=departement")
    expect(page.locator("path.choropleth")).to_have_count(101)


def territory_departement(page: Page) -> None:
    page.goto("/availability?group_by=departement")
    page.locator("#areas tbody a").first.click()
    expect(page.locator("#units-table tbody tr").first).to_be_visible()
    page.get_by_text("Les valeurs de l'évolution (tableau)").click()
    expect(page.locator("#trend-table tbody tr").first).to_be_visible()


def territory_filtered(page: Page) -> None:
    page.goto("/availability/departement/31?assignment=02,03&freshness=lt_1h&gender=01")
    expect(page.locator("#units-status")).not_to_be_empty()


def territory_region(page: Page) -> None:
    page.goto("/availability/region/76")
    expect(page.locator("#parts-table tbody tr").first).to_be_visible()
    expect(page.locator("#charts svg").first).to_be_visible()


def territory_refused(page: Page) -> None:
    page.goto("/availability/departement/31")  # the 401s are announced by the test below
    expect(page.locator("#token")).to_be_visible()


STATES = {
    "search-empty": (search_empty, False),
    "search-results": (search_results, False),
    "search-popup": (search_nursing_homes_popup, False),
    "search-without-place": (search_without_place, False),
    "offer": (detail_offer, True),
    "establishment": (detail_establishment, True),
    "overview-refused": (overview_refused, False),
    "overview-regions": (overview_regions, True),
    "overview-departements": (overview_departements, True),
    "territory-departement": (territory_departement, True),
    "territory-filtered": (territory_filtered, True),
    "territory-region": (territory_region, True),
    "territory-refused": (territory_refused, False),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", STATES)
def test_no_axe_violation(
    browser: Browser, server: Live, tokens: Tokens, state: str, size: str
) -> None:
    action, with_token = STATES[state]
    with PageWatch.open(
        browser,
        server.url,
        viewport=SIZES[size],
        token=tokens.capacities if with_token else None,
    ) as watch:
        if not with_token and state.startswith("overview"):
            watch.expect_http_error(401, "/v1/availability/overview")
        if not with_token and state.startswith("territory"):
            watch.expect_http_error(401, "/v1/availability/units")
            watch.expect_http_error(401, "/v1/availability/trend")
        action(watch.page)
        settled(watch.page)
        assert_accessible(watch.page, f"{state}, {size}")


def tab_until(page: Page, selector: str, limit: int = 80) -> list[str]:
    """Press Tab until an element matching ``selector`` has focus; what got focus on the way."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                """() => {
                    const n = document.activeElement;
                    const where = n.closest("#facets, #resultats, #map, form, header, #overview");
                    return `${where ? where.id || where.tagName : "?"}:${n.tagName}`;
                }"""
            )
        )
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return seen
    raise AssertionError(f"{selector} never got focus: {seen}")


def test_focus_follows_the_visual_order(watch: PageWatch) -> None:
    page = watch.page
    page.goto("/?" + urlencode(SEARCH))
    expect(page.locator("#results > li.result").first).to_be_visible()
    page.get_by_role("button", name="Rechercher").focus()
    seen = tab_until(page, "#results > li.result h3 a")
    assert any(s.startswith("facets:") for s in seen), seen  # the filters on the left first
    assert not any(s.startswith("map:") for s in seen), seen  # the map on the right after


def test_focus_after_the_token_and_no_map_tab_stops(watch: PageWatch, tokens: Tokens) -> None:
    page = watch.page
    watch.expect_http_error(401, "/v1/availability/overview")
    page.goto("/availability?group_by=departement")
    token = page.get_by_label("Jeton d'accès")
    token.fill(tokens.capacities)
    token.press("Enter")
    expect(page.locator("path.choropleth")).to_have_count(101)
    expect(page.get_by_role("heading", name="Chiffres", exact=True)).to_be_focused()
    page.get_by_role("button", name="Afficher").focus()
    seen = tab_until(page, "#overview .table-wrap")
    assert len(seen) <= 8, seen  # zoom buttons and attribution links, no area
