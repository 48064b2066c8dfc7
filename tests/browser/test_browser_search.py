"""The public search page (``/``) in headless Chromium: suggestions picked with the keyboard,
results with their explanations identical to the JSON API's, filters, facets, paging, shared
URLs, "autour de moi", errors, a phone-width layout, labels and contrast."""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlparse

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.browser_support import (
    DESKTOP,
    PHONE,
    README_PHONE,
    Live,
    PageWatch,
    Shots,
    assert_accessible,
    contrast_failures,
)

EHPAD = "EHPAD (maison de retraite médicalisée)"
EHPAD_CODES = "21,23,24,26"


def api(server: Live, path: str, **params: Any) -> Any:
    response = httpx.get(server.url + path, params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def query_of(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def results(page: Page) -> Locator:
    return page.locator("#results > li.result")


COUNTED = {"offers": "offre", "locations": "lieu", "establishments": "établissement"}
OTHERS_SENTENCE = "aussi dans cet établissement : "


def expect_same_results(page: Page, server: Live, **params: Any) -> dict[str, Any]:
    """The page lists what ``GET /v1/search`` answers for these parameters (grouped by
    establishment unless ``group`` says otherwise, as the page asks), in its order: one card per
    establishment titled with its name and listing its fitting offers (the best first), with the
    explanation sentences (but the one naming the other offers, listed), and the map has one
    marker per establishment plus the search point (none for a département or région)."""
    params.setdefault("group", "establishment")
    answer: dict[str, Any] = api(server, "/v1/search", limit=10, **params)
    total = f"{answer['total']:,}".replace(",", "\u202f")
    expect(page.locator("#status")).to_contain_text(
        f"{total} {COUNTED[answer['counted']['total']]}"
    )
    expect(results(page)).to_have_count(len(answer["matches"]))
    titles = results(page).locator("h3").all_inner_texts()
    offset = int(params.get("offset", 0))
    for i, (title, match) in enumerate(zip(titles, answer["matches"], strict=True)):
        card = results(page).nth(i)
        establishment = match["offer"]["establishment"]
        grouped = answer["group"] == "establishment" and establishment["id"]
        name = establishment["name"] if grouped else match["offer"]["name"]
        assert title.split(maxsplit=1) == [str(offset + i + 1), name]
        offers = [match["offer"], *(m["offer"] for m in match["members"] or [])]
        links = card.locator(".members li a")
        if grouped:
            expect(links).to_have_count(len(offers))
            for link, offer in zip(links.all(), offers, strict=True):
                href = urlparse(link.get_attribute("href") or "").path
                assert href == "/offres/" + quote(offer["id"], safe="")
                assert offer["name"].startswith(link.inner_text())
        else:
            expect(links).to_have_count(0)
        sentences = card.locator(".explain li").all_inner_texts()
        assert sentences == [
            s for s in match["explain"] if not (grouped and s.startswith(OTHERS_SENTENCE))
        ]
    groups: dict[tuple[float, float], str] = {}  # point -> the establishment drawn there
    for m in answer["matches"]:
        point = (m["offer"]["place"]["lat"], m["offer"]["place"]["lon"])
        groups.setdefault(point, m["offer"]["establishment"]["id"])
    markers = page.locator(".leaflet-marker-icon.result-marker")
    expect(markers).to_have_count(len(set(groups.values())))  # one per establishment
    shown = sorted(rank for label in markers.all_inner_texts() for rank in ranks_of(label))
    assert shown == list(range(offset + 1, offset + len(answer["matches"]) + 1))
    if answer["criteria"].get("lat") is not None:  # a territory's inner point is not drawn
        drawn = 0 if answer["territory"] else 1
        expect(page.locator("path.search-point")).to_have_count(drawn)
    return answer


def ranks_of(label: str) -> list[int]:
    """The ranks a marker label stands for: "1–3, 7" -> [1, 2, 3, 7]."""
    ranks: list[int] = []
    for part in label.split(", "):
        first, _, last = part.partition("–")
        ranks.extend(range(int(first), int(last or first) + 1))
    return ranks


def pick(box: Locator, typed: str, expected_first: str, *, down: int = 1) -> None:
    """Type into a combobox, wait for its suggestions, choose one with the arrow keys + Enter."""
    box.press_sequentially(typed, delay=15)
    listbox = box.page.locator(f"#{box.get_attribute('aria-controls')}")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option").first).to_contain_text(expected_first)
    for _ in range(down):
        box.press("ArrowDown")
    box.press("Enter")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")


def test_typed_suggestions_give_the_results_of_the_api(
    watch: PageWatch, server: Live, shots: Shots
) -> None:
    page = watch.page
    page.goto("/")
    expect(page).to_have_title(re.compile("Trouver une offre de soins"))
    expect(page.locator("#status")).to_contain_text("Indiquez où et quoi chercher")

    quoi = page.get_by_role("combobox", name="Quoi ?")
    suggestions = api(server, "/v1/suggest", q="pédopsy", limit=8)["suggestions"]
    quoi.press_sequentially("pédopsy", delay=15)
    options = page.get_by_role("listbox", name="Offres proposées").get_by_role("option")
    expect(options).to_have_count(len(suggestions))
    assert [o.split("\n")[0] for o in options.all_inner_texts()] == [
        s["label"] for s in suggestions
    ]
    quoi.press("ArrowDown")
    expect(quoi).to_have_attribute("aria-activedescendant", "quoi-list-0")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    quoi.press("ArrowDown")
    expect(quoi).to_have_attribute("aria-activedescendant", "quoi-list-1")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    quoi.press("ArrowUp")
    expect(quoi).to_have_attribute("aria-activedescendant", "quoi-list-0")
    quoi.press("Enter")
    expect(quoi).to_have_value(suggestions[0]["label"])

    ou = page.get_by_role("combobox", name="Où ?")
    pick(ou, "31000", "Toulouse (31000)")
    expect(ou).to_have_value("Toulouse (31000)")
    ou.press("Enter")  # the list is closed: Enter submits the form

    expect(page).to_have_url(re.compile(r"place=31555"))
    query = query_of(page)
    assert query["activity"] == ",".join(suggestions[0]["codes"])
    assert query["quoi"] == suggestions[0]["label"]
    assert query["ou"] == "Toulouse (31000)"
    answer = expect_same_results(page, server, place="31555", activity=query["activity"])
    assert answer["matches"] and all(m["explain"] for m in answer["matches"])
    first = results(page).first
    expect(first.locator(".distance")).to_have_text(
        re.compile(r"^\d+(,\d)? km$|^Intervient à domicile$")
    )
    for code in suggestions[0]["codes"]:
        expect(page.locator(f"#facet-activity-{code}")).to_be_checked()
    expect(page.locator("#facets .facet .count").first).to_have_text(re.compile(r"^\(\d+\)$"))

    marker = page.locator(".leaflet-marker-icon.result-marker").first
    marker.focus()
    marker.press("Enter")
    expect(page.locator(".leaflet-popup-content")).to_contain_text(
        answer["matches"][0]["offer"]["name"]
    )
    expect(page.locator(".leaflet-popup-close-button")).to_have_attribute("aria-label", "Fermer")
    expect(page.locator("path.area")).to_have_count(101)  # the départements under the results
    shots.take(page, "search-results")


def test_filters_and_near_misses(watch: PageWatch, server: Live, shots: Shots) -> None:
    page = watch.page
    page.goto("/?" + urlencode({"ou": "Toulouse (31000)", "place": "31555", "text": "pédopsy"}))
    expect_same_results(page, server, place="31555", text="pédopsy")

    age = page.get_by_label("Âge du patient")
    age.fill("17")
    age.press("Enter")
    expect(page).to_have_url(re.compile(r"age=17"))
    answer = expect_same_results(page, server, place="31555", text="pédopsy", age=17)
    near = page.locator("#near-list > li")
    expect(near).to_have_count(len(answer["near_misses"]))
    assert answer["near_misses"], (
        "the fixture should give near-misses for a 17-year-old (units up to 16)"
    )
    expect(page.get_by_role("heading", name="À un critère près")).to_be_visible()
    reasons = near.locator("strong").all_inner_texts()
    assert reasons == [n["reason"] for n in answer["near_misses"]]
    shots.take(page, "search-near-misses")
    for label in ("Accueil", "Habilité à l'aide sociale", "Budget par mois (EHPAD), en €"):
        expect(page.get_by_label(label)).to_be_hidden()  # nursing-home filters only


def test_filters_follow_the_need(watch: PageWatch, server: Live) -> None:
    page = watch.page
    page.goto("/")
    expect(page.get_by_label("Budget par mois (EHPAD), en €")).to_be_hidden()
    expect(page.get_by_label("Âge du patient")).to_be_hidden()
    pick(page.get_by_role("combobox", name="Quoi ?"), "maison de retraite", EHPAD)
    budget = page.get_by_label("Budget par mois (EHPAD), en €")
    expect(budget).to_be_visible()  # as soon as the need is a nursing home
    pick(page.get_by_role("combobox", name="Où ?"), "Toulouse", "Toulouse")
    budget.fill("2500")
    page.get_by_label("Habilité à l'aide sociale").check()
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"social_aid=true.*max_monthly_price_eur=2500"))
    expect_same_results(
        page,
        server,
        place="31555",
        offer_type=EHPAD_CODES,
        max_monthly_price_eur=2500,
        social_aid="true",
    )

    quoi = page.get_by_role("combobox", name="Quoi ?")
    quoi.fill("psychologue")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"text=psychologue"))
    for left in ("max_monthly_price_eur", "social_aid", "offer_type", "reception"):
        expect(page).not_to_have_url(re.compile(left))
    answer = expect_same_results(page, server, place="31555", text="psychologue")
    assert answer["total"] > 0
    expect(budget).to_be_hidden()
    expect(page.get_by_label("Habilité à l'aide sociale")).to_be_hidden()


def test_without_a_place_the_page_asks_for_one(watch: PageWatch) -> None:
    page = watch.page
    page.goto("/?" + urlencode({"text": "psychologue"}))
    expect(page.locator("#status")).to_have_text(re.compile("Indiquez où chercher"))
    ou = page.get_by_role("combobox", name="Où ?")
    expect(ou).to_have_attribute("aria-invalid", "true")
    expect(results(page)).to_have_count(0)
    expect(page).to_have_title("Où chercher ? — ror")


def test_the_radius_holds_across_pages(watch: PageWatch, server: Live) -> None:
    page = watch.page
    page.goto("/?place=31555&ou=Toulouse")
    automatic = expect_same_results(page, server, place="31555")
    expect(page.locator("#status")).to_contain_text(
        f"à moins de {automatic['radius_km']:g}".replace(".", ",")
    )
    page.get_by_role("link", name="Page suivante →").click()
    expect(page).to_have_url(re.compile(rf"radius_km={automatic['radius_km']:g}&?.*offset=10"))
    second = expect_same_results(
        page, server, place="31555", radius_km=automatic["radius_km"], offset=10
    )
    assert second["total"] == automatic["total"]  # the same question on every page

    page.get_by_label("Distance").select_option("30")
    expect(page).to_have_url(re.compile(r"radius_km=30"))
    expect(page).not_to_have_url(re.compile(r"offset="))
    wide = expect_same_results(page, server, place="31555", radius_km=30)
    expect(page.locator("#status")).to_contain_text("à moins de 30 km")
    page.get_by_role("link", name="Page suivante →").click()
    expect(page).to_have_url(re.compile(r"offset=10"))
    assert (
        expect_same_results(page, server, place="31555", radius_km=30, offset=10)["total"]
        == (wide["total"])
    )
    expect(page.get_by_label("Distance")).to_have_value("30")


def test_nursing_home_budget_and_social_aid(watch: PageWatch, server: Live) -> None:
    page = watch.page
    page.goto("/")
    pick(page.get_by_role("combobox", name="Quoi ?"), "maison de retraite", EHPAD)
    expect(page.get_by_label("Type d'offre")).to_have_value(EHPAD_CODES)
    ou = page.get_by_role("combobox", name="Où ?")
    pick(ou, "Toulouse", "Toulouse")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile("offer_type=21%2C23%2C24%2C26"))
    base = {"place": "31555", "offer_type": EHPAD_CODES}
    expect_same_results(page, server, **base)

    page.get_by_label("Habilité à l'aide sociale").check()
    expect(page).to_have_url(re.compile(r"social_aid=true"))
    answer = expect_same_results(page, server, **base, social_aid="true")
    assert all("habilité à l'aide sociale" in m["explain"] for m in answer["matches"])
    priced = 0
    for i, match in enumerate(answer["matches"]):  # the monthly price as families compare it
        price = match.get("price")
        if price and price["kind"] == "residential":
            priced += 1
            lowest = min([price["monthly_eur"], *(r["monthly_eur"] for r in price["rooms"])])
            euros = f"{round(lowest):,}".replace(",", "\u202f")
            expect(results(page).nth(i).locator(".members li").first).to_contain_text(
                f"{euros} € par mois"
            )
    assert priced, "the fixture's nursing homes should have prices"

    budget = page.get_by_label("Budget par mois (EHPAD), en €")
    budget.fill("2200")
    budget.press("Enter")
    expect(page).to_have_url(re.compile(r"max_monthly_price_eur=2200"))
    expect_same_results(page, server, **base, social_aid="true", max_monthly_price_eur=2200)


def test_a_shared_url_reopens_the_search_with_paging_and_history(
    browser: Browser, server: Live, shots: Shots
) -> None:
    shared = {
        "ou": "Toulouse (31000)",
        "place": "31555",
        "quoi": EHPAD,
        "offer_type": EHPAD_CODES,
        "social_aid": "true",
        "max_monthly_price_eur": "2500",
        "age": "80",
    }
    with PageWatch.open(browser, server.url) as watch:  # a new visitor: nothing in the context
        page = watch.page
        page.goto("/?" + urlencode(shared))
        expect(page.get_by_role("combobox", name="Où ?")).to_have_value("Toulouse (31000)")
        expect(page.get_by_role("combobox", name="Quoi ?")).to_have_value(EHPAD)
        expect(page.get_by_label("Habilité à l'aide sociale")).to_be_checked()
        expect(page.get_by_label("Budget par mois (EHPAD), en €")).to_have_value("2500")
        expect(page.get_by_label("Âge du patient")).to_have_value("80")
        expect(page.get_by_label("Type d'offre")).to_have_value(EHPAD_CODES)
        criteria = {k: v for k, v in shared.items() if k not in ("ou", "quoi")}
        expect_same_results(page, server, **criteria)
        shots.readme(page, "search")

    with PageWatch.open(browser, server.url) as watch:
        page = watch.page
        page.goto("/?place=31555&ou=Toulouse")
        answer = expect_same_results(page, server, place="31555")
        assert answer["total"] > 10
        expect(page.locator("#pager")).to_contain_text("Page 1 sur")
        page.get_by_role("link", name="Page suivante →").click()
        expect(page).to_have_url(re.compile(r"offset=10"))
        expect(page.locator("#r-11")).to_be_visible()
        expect(page.locator("#results-title")).to_be_focused()
        expect_same_results(
            page, server, place="31555", radius_km=answer["radius_km"], offset=10
        )  # the link holds the radius of page 1
        page.go_back()
        expect(page.locator("#r-1")).to_be_visible()
        expect(page).not_to_have_url(re.compile(r"offset="))


def test_a_readable_map_at_city_zoom(watch: PageWatch, server: Live, shots: Shots) -> None:
    page = watch.page
    page.goto("/?" + urlencode({"ou": "Toulouse", "place": "31555", "offer_type": EHPAD_CODES}))
    expect_same_results(page, server, place="31555", offer_type=EHPAD_CODES)
    expect(page.locator("path.commune").first).to_be_attached()  # outlines, not a blank map
    expect(page.locator(".point-legend")).to_have_text("Recherche : Toulouse")
    zoom_in = page.get_by_role("button", name="Zoomer", exact=True)
    while page.locator(".commune-name").count() == 0:
        zoom_in.click()
        page.wait_for_timeout(400)
    expect(page.locator(".commune-name").first).to_be_visible()
    assert page.locator(".commune-name").count() <= 150
    boxes = [
        box
        for marker in page.locator(".leaflet-marker-icon.result-marker").all()
        if (box := marker.bounding_box())
    ]
    for a, b in itertools.combinations(boxes, 2):  # no marker covers another
        apart_x = a["x"] + a["width"] <= b["x"] + 1 or b["x"] + b["width"] <= a["x"] + 1
        apart_y = a["y"] + a["height"] <= b["y"] + 1 or b["y"] + b["height"] <= a["y"] + 1
        assert apart_x or apart_y, (a, b)
    shots.take(page, "search-map-city-zoom", full_page=False)


def test_a_facet_narrows_to_its_count(watch: PageWatch, server: Live) -> None:
    page = watch.page
    page.goto("/?place=31555&ou=Toulouse")
    expect(results(page)).to_have_count(10)
    facet = page.locator("#facets input[data-field=care_mode]").first
    code = facet.get_attribute("data-code")
    label = page.locator(f"label[for=facet-care_mode-{code}]").inner_text()
    count = int(re.search(r"\((\d+)\)$", label).group(1))  # type: ignore[union-attr]
    facet.check()
    expect(page).to_have_url(re.compile(rf"care_mode={code}"))
    answer = expect_same_results(page, server, place="31555", care_mode=code)
    assert answer["total"] == count  # a facet's counts ignore its own selection
    expect(page.locator(f"#facet-care_mode-{code}")).to_be_checked()
    page.locator(f"#facet-care_mode-{code}").uncheck()
    expect(page).not_to_have_url(re.compile(r"care_mode="))


def test_keyboard_only(watch: PageWatch, server: Live) -> None:
    page = watch.page
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller aux résultats")).to_be_focused()
    ou = page.get_by_role("combobox", name="Où ?")
    for _ in range(6):
        page.keyboard.press("Tab")
        if ou.evaluate("node => node === document.activeElement"):
            break
    expect(ou).to_be_focused()
    page.keyboard.type("toulouse", delay=15)
    options = page.locator("#ou-list [role=option]")
    expect(options.first).to_be_visible()
    page.keyboard.press("ArrowUp")  # from nowhere, Up goes to the last option
    count = options.count()
    expect(ou).to_have_attribute("aria-activedescendant", f"ou-list-{count - 1}")
    page.keyboard.press("Escape")
    expect(page.locator("#ou-list")).to_be_hidden()
    expect(ou).to_have_value("toulouse")
    page.keyboard.press("Escape")
    expect(ou).to_have_value("")
    page.keyboard.type("31000", delay=15)
    expect(options.first).to_contain_text("Toulouse (31000)")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Autour de moi")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Distance")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("combobox", name="Quoi ?")).to_be_focused()
    page.keyboard.type("ehpad", delay=15)
    expect(page.locator("#quoi-list [role=option]").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect_same_results(page, server, place="31555", offer_type=EHPAD_CODES)


def test_around_me_uses_the_browser_position(browser: Browser, server: Live) -> None:
    toulouse = {"latitude": 43.6045, "longitude": 1.444, "accuracy": 50}
    with PageWatch.open(
        browser, server.url, geolocation=toulouse, permissions=["geolocation"]
    ) as watch:
        page = watch.page
        page.goto("/")
        page.get_by_role("button", name="Autour de moi").click()
        expect(page).to_have_url(re.compile(r"lat=43\.60450&lon=1\.44400"))
        expect(page.get_by_role("combobox", name="Où ?")).to_have_value("Autour de moi")
        expect_same_results(page, server, lat="43.60450", lon="1.44400", precision="exact")


def test_a_departement_by_name_or_number(watch: PageWatch, server: Live) -> None:
    page = watch.page
    page.goto("/")
    ou = page.get_by_role("combobox", name="Où ?")
    pick(ou, "Haute-Garonne", "Haute-Garonne (31)", down=1)
    ou.press("Enter")
    expect(page).to_have_url(re.compile(r"place=31(&|$)"))
    answer = expect_same_results(page, server, place="31")
    assert answer["total"] > 0 and answer["radius_km"] is None
    assert answer["territory"]["where"] == "en Haute-Garonne (31)"
    expect(page).to_have_title(re.compile(r"en Haute-Garonne \(31\) : "))
    status = page.locator("#status")
    expect(status).to_contain_text(
        re.compile(r"établissements? trouvés? en Haute-Garonne \(31\)\.")
    )
    expect(status).not_to_contain_text("à moins de")
    expect(page.get_by_label("Distance")).to_be_disabled()  # searched whole
    ou.fill("")
    pick(ou, "31", "Haute-Garonne (31)", down=1)
    expect(ou).to_have_value("Haute-Garonne (31)")


def test_an_unknown_place_is_explained(watch: PageWatch) -> None:
    page = watch.page
    watch.expect_http_error(422, "/v1/search")
    page.goto("/")
    ou = page.get_by_role("combobox", name="Où ?")
    ou.fill("Zzzqxw")
    ou.press("Enter")
    expect(page.locator("#status")).to_have_text("lieu inconnu : « Zzzqxw »")
    expect(ou).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#ou-error")).to_have_text("lieu inconnu : « Zzzqxw »")
    ou.fill("Toulouse")
    expect(ou).not_to_have_attribute("aria-invalid", "true")


def test_phone_width(browser: Browser, server: Live, shots: Shots) -> None:
    with PageWatch.open(
        browser, server.url, viewport=PHONE, is_mobile=True, has_touch=True
    ) as watch:
        page = watch.page
        page.goto("/?" + urlencode({"ou": "Toulouse (31000)", "place": "31555", "text": "pédopsy"}))
        expect(results(page).first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways: {width} px"
        box = page.locator("#map").bounding_box()
        last = results(page).last.bounding_box()
        assert box and last and box["width"] <= PHONE["width"] and box["y"] > last["y"]
        for control in page.locator("form :is(input, select, button, summary):visible").all():
            size = control.bounding_box()
            assert size and size["height"] >= 24, control.evaluate("n => n.outerHTML")
        filters = page.locator("#filters-panel")
        expect(filters).not_to_have_attribute("open", "")  # a closed panel above the results
        facets = page.locator("#facets-panel")
        expect(facets).not_to_have_attribute("open", "")
        assert (facets.bounding_box() or {"y": 1e9})["y"] < (last["y"])
        shots.take(page, "search-phone-390")
        shots.readme(page, "search-phone", README_PHONE)
        page.get_by_role("button", name="Rechercher").click()  # results brought into view
        expect(page.locator("#results-title")).to_be_in_viewport()
        ou = page.get_by_role("combobox", name="Où ?")
        ou.fill("")
        ou.press_sequentially("st eti", delay=15)
        listbox = page.locator("#ou-list")
        expect(listbox.get_by_role("option").first).to_contain_text("Saint-Étienne")
        bounds = listbox.bounding_box()
        assert bounds and bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= PHONE["width"]
        shots.take(page, "search-phone-390-suggestions", full_page=False)


def test_french_labels_and_contrast(watch: PageWatch) -> None:
    page = watch.page
    page.goto(
        "/?"
        + urlencode({"ou": "Toulouse (31000)", "place": "31555", "text": "pédopsy", "age": "17"})
    )
    expect(results(page).first).to_be_visible()
    expect(page.locator("#near-list > li").first).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "fr"
    for label in ("Où ?", "Quoi ?", "Âge du patient", "Type d'offre", "Distance"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input, select, textarea')]
             .filter(n => n.type !== 'hidden' && !n.labels.length && !n.getAttribute('aria-label'))
             .map(n => n.outerHTML)"""
    )
    assert unlabelled == []
    expect(page.get_by_role("search", name="Recherche d'offres")).to_be_visible()
    expect(
        page.get_by_role("region", name="Carte des résultats et du point de recherche")
    ).to_be_visible()
    assert contrast_failures(page) == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_a_family_sees_one_card_per_nursing_home(
    browser: Browser, server: Live, shots: Shots, viewport: dict[str, int]
) -> None:
    phone = viewport["width"] < 1000
    with PageWatch.open(
        browser, server.url, viewport=viewport, is_mobile=phone, has_touch=phone
    ) as watch:
        page = watch.page
        page.goto("/")
        pick(page.get_by_role("combobox", name="Quoi ?"), "maison de retraite", EHPAD)
        pick(page.get_by_role("combobox", name="Où ?"), "Toulouse", "Toulouse")
        page.get_by_role("button", name="Rechercher").click()
        expect(page).to_have_url(re.compile("offer_type=21%2C23%2C24%2C26"))
        assert "group" not in query_of(page)  # the page's default: the shared URL stays short
        answer = expect_same_results(page, server, place="31555", offer_type=EHPAD_CODES)
        assert answer["counted"]["total"] == "establishments"
        expect(page.locator("#status")).to_contain_text(
            re.compile(r"^\d+ établissements? trouvés? à moins de")
        )
        expect(page).to_have_title(re.compile(r"établissements? trouvés? — ror$"))
        establishments = [m["offer"]["establishment"]["id"] for m in answer["matches"]]
        assert len(set(establishments)) == len(establishments)  # never the same place twice
        several = next(i for i, m in enumerate(answer["matches"]) if m["members"])
        card = results(page).nth(several)
        expect(card.locator(".members li")).to_have_count(
            1 + len(answer["matches"][several]["members"])
        )
        expect(card.locator(".members")).to_contain_text("Hébergement permanent")
        expect(card.locator(".members")).to_contain_text(re.compile(r"€ par (mois|jour)"))
        expect(card.locator(".facts")).to_contain_text("dépendance GIR 5-6 comprise")
        expect(
            card.get_by_role(
                "link",
                name=answer["matches"][several]["offer"]["establishment"]["name"],
                exact=True,
            )
        ).to_have_attribute("href", re.compile(r"^/etablissements/"))
        if phone:
            expect(page.locator("#results-title")).to_be_in_viewport()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"the page scrolls sideways: {width} px"
        assert_accessible(page, f"cards by establishment, {viewport['width']} px")
        card.scroll_into_view_if_needed()
        shots.take(page, f"search-establishment-cards-{viewport['width']}", full_page=False)
        marker = page.locator(".leaflet-marker-icon.result-marker").first
        marker.focus()
        marker.press("Enter")
        expect(page.locator(".leaflet-popup-content")).to_contain_text(
            answer["matches"][0]["offer"]["establishment"]["name"]
        )
        page.wait_for_timeout(400)  # the popup's fade-in
        assert_accessible(page, f"establishment popup, {viewport['width']} px")
