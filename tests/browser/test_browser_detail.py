"""The detail pages (``/offres/{id}``, ``/etablissements/{id}``) in headless Chromium: reached
from a result by mouse and by keyboard, what a family needs (contacts, hours, prices, ages,
other offers, travel time), bed counts only for an entitled token, a shareable URL, a phone
width, and no axe-core violation."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import httpx
from playwright.sync_api import Browser, expect

from tests.browser.browser_support import (
    PHONE,
    README_PHONE,
    Live,
    PageWatch,
    Shots,
    Tokens,
    assert_accessible,
)

SEARCH = {"ou": "Toulouse (31000)", "place": "31555", "offer_type": "21,23,24,26"}


def api(server: Live, path: str, token: str | None = None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(server.url + path, params=params, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def first_match(server: Live) -> dict[str, Any]:
    query = {k: v for k, v in SEARCH.items() if k != "ou"}
    answer: dict[str, Any] = api(server, "/v1/search", limit=10, group="establishment", **query)
    assert answer["matches"], "the fixture should have nursing homes near Toulouse"
    return answer


def test_a_result_opens_its_page_and_the_way_back(
    watch: PageWatch, server: Live, shots: Shots
) -> None:
    answer = first_match(server)
    offer = answer["matches"][0]["offer"]
    page = watch.page
    page.goto("/?" + urlencode(SEARCH))
    link = page.locator("#results > li.result").first.get_by_role("link", name=offer["name"])
    link.click()
    expect(page).to_have_url(re.compile(rf"/offres/{offer['id']}\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text(offer["name"])
    expect(page).to_have_title(f"{offer['name']} — {offer['establishment']['name']} — ror")
    main = page.locator("#detail-main")
    expect(main).to_contain_text(offer["place"]["city"])
    for contact in offer["contacts"]:
        expect(main).to_contain_text(contact["value"])
    expect(main.locator(".open-now, .closed-now").first).to_be_visible()
    prices = main.locator("table.prices tbody tr")
    expect(prices).to_have_count(len(offer["establishment"]["prices"]))
    expect(page.locator("#travel")).to_contain_text(
        re.compile(r"Depuis Toulouse \(31000\) : environ \d+ min en voiture")
    )
    expect(main.get_by_role("heading", name="Lits et places")).to_have_count(0)  # public
    siblings = api(server, f"/v1/establishments/{offer['establishment']['finess']}")["offers"]
    others = [o["name"] for o in siblings if o["id"] != offer["id"]]
    expect(main.locator(".offer-cards h3")).to_have_text(others)
    assert_accessible(page, "offer page, desktop")
    shots.take(page, "detail-offer")
    shots.readme(page, "offer")

    page.get_by_role("link", name="← Retour à la recherche").click()
    expect(page).to_have_url(re.compile(r"/\?.*place=31555"))
    expect(page.locator("#results > li.result")).to_have_count(len(answer["matches"]))


def test_by_keyboard_from_the_map_to_the_establishment(watch: PageWatch, server: Live) -> None:
    answer = first_match(server)
    establishment = answer["matches"][0]["offer"]["establishment"]
    page = watch.page
    page.goto("/?" + urlencode(SEARCH))
    marker = page.locator(".leaflet-marker-icon.result-marker").first
    expect(marker).to_be_visible()
    marker.focus()
    marker.press("Enter")
    popup_link = (
        page.locator(".leaflet-popup-content")
        .get_by_role("link", name=establishment["name"], exact=True)
        .first
    )
    popup_link.focus()
    popup_link.press("Enter")
    key = establishment["finess"] or establishment["id"]
    expect(page).to_have_url(re.compile(rf"/etablissements/{key}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(establishment["name"])
    expect(page).to_have_title(f"{establishment['name']} — ror")
    listed = api(server, f"/v1/establishments/{key}")["offers"]
    cards = page.locator(".offer-cards h3 a")
    expect(cards).to_have_text([o["name"] for o in listed])
    cards.first.focus()
    cards.first.press("Enter")
    expect(page).to_have_url(re.compile(rf"/offres/{listed[0]['id']}"))
    assert_accessible(page, "offer page reached by keyboard")


def test_bed_counts_only_for_an_entitled_token(
    browser: Browser, server: Live, tokens: Tokens
) -> None:
    entitled = api(server, "/v1/search", tokens.capacities, limit=50, place="31555", radius_km=50)
    offer = next(m["offer"] for m in entitled["matches"] if m["offer"].get("capacities"))
    url = f"/offres/{offer['id']}"
    with PageWatch.open(browser, server.url, token=tokens.capacities) as watch:
        page = watch.page
        page.goto(url)
        beds = page.locator("#detail-main").get_by_role("table", name=re.compile("Capacités"))
        expect(beds.locator("tbody tr")).to_have_count(len(offer["capacities"]))
        expect(beds).to_contain_text(re.compile(r"il y a \d+"))
        assert_accessible(page, "offer page with bed counts")
    for token in (tokens.public, None):
        with PageWatch.open(browser, server.url, token=token) as watch:
            page = watch.page
            page.goto(url)
            expect(page.get_by_role("heading", level=1)).to_have_text(offer["name"])
            expect(page.get_by_role("heading", name="Lits et places")).to_have_count(0)
            expect(page.locator("#detail-main")).not_to_contain_text("disponible,")


def test_an_unknown_offer_is_said_so(watch: PageWatch) -> None:
    page = watch.page
    watch.expect_http_error(404, "/v1/offers/nope")
    page.goto("/offres/nope")
    expect(page.locator("#status")).to_contain_text("Cette offre n'existe pas ou n'est pas visible")
    expect(page).to_have_title("Fiche introuvable — ror")


def test_phone_width(browser: Browser, server: Live, shots: Shots) -> None:
    offer = first_match(server)["matches"][0]["offer"]
    with PageWatch.open(browser, server.url, viewport=PHONE) as watch:
        page = watch.page
        page.goto(f"/offres/{offer['id']}?lat=43.6&lon=1.44&ou=Toulouse")
        expect(page.get_by_role("heading", level=1)).to_have_text(offer["name"])
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "nothing wider than the phone"
        assert_accessible(page, "offer page, phone")
        shots.take(page, "detail-offer-phone")
        shots.readme(page, "offer-phone", README_PHONE)
        page.goto(f"/etablissements/{offer['establishment']['finess']}")
        expect(page.get_by_role("heading", level=1)).to_have_text(offer["establishment"]["name"])
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert_accessible(page, "establishment page, phone")
        shots.take(page, "detail-establishment-phone")
