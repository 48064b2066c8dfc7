"""Interaction times of the pages in headless Chromium (issue 20's target: every interaction
within 300 ms on the 100 k demo): from the user's event (key, click, change) to the last
change of the list it updates, both read in the page (``performance.now()``), so the driver's
own delays are not counted.

    ror serve --demo --db var/demo.sqlite                      # in another shell
    ror token create bench --profile 1                         # a token entitled to capacities
    python -m bench.pages --url http://127.0.0.1:8000 --token ror_… [--runs 5]

Each interaction runs ``--runs`` times at 1280 and 390 px (the first run of each is also
reported apart: cold caches); the median and the worst are printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Page, sync_playwright

WIDTHS = {"desktop": 1280, "phone": 390}
SEARCH = "/?ou=Toulouse%20(31000)&place=31555&quoi=EHPAD&offer_type=21,23,24,26"
MANY = "/?ou=Toulouse%20(31000)&place=31555&text=kin%C3%A9sith%C3%A9rapeute"
# Records the user's event (the last keystroke while typing) and the last change under a
# container after it.
PROBE = """(selector) => {
    const state = { start: null, last: null };
    window.__probe = state;
    for (const type of ["keydown", "click", "change"]) {
        document.addEventListener(type, () => {
            if (state.start === null) state.start = performance.now();
        }, true);
    }
    document.addEventListener("input", () => {
        if (state.start !== null) { state.start = performance.now(); state.last = null; }
    }, true);
    new MutationObserver(() => {
        if (state.start !== null) state.last = performance.now();
    }).observe(document.querySelector(selector),
               { childList: true, subtree: true, characterData: true });
}"""


@dataclass(frozen=True)
class Interaction:
    name: str
    url: str
    container: str  # what the interaction updates
    ready: str  # a selector visible once the page has loaded
    act: Callable[[Page, int], None]  # the user's action (run number given)


def _type_what(page: Page, run: int) -> None:
    box = page.locator("#quoi")
    box.fill("")
    page.evaluate("() => { window.__probe.start = null; window.__probe.last = null; }")
    box.press_sequentially(["pédopsy", "réa", "kiné", "ehpad", "urgences"][run % 5], delay=40)
    page.locator("#quoi-list [role=option]").first.wait_for()


def _radius(page: Page, run: int) -> None:
    page.locator("#radius_km").select_option(["10", "20", "30", "50", "5"][run % 5])


def _next_page(page: Page, run: int) -> None:
    page.locator("#pager a[rel=prev]" if run % 2 else "#pager a[rel=next]").click()


def _freshness(page: Page, run: int) -> None:
    box = page.get_by_label("plus de 24 h")
    box.uncheck() if box.is_checked() else box.check()


def _gender(page: Page, run: int) -> None:
    box = page.get_by_label("Femmes")
    box.uncheck() if box.is_checked() else box.check()


OPEN_PANELS = "() => { for (const p of document.querySelectorAll('details.panel')) p.open = true; }"

INTERACTIONS = (
    Interaction("search: typing → suggestions", SEARCH, "#quoi-list", "#results li", _type_what),
    Interaction("search: radius → results", SEARCH, "#results", "#results li", _radius),
    Interaction("search: next page → results", MANY, "#results", "#results li", _next_page),
    Interaction(
        "département 31: freshness → units",
        "/availability/departement/31",
        "#units-table",
        "#units-table tbody tr",
        _freshness,
    ),
    Interaction(
        "département 31: gender → units",
        "/availability/departement/31",
        "#units-table",
        "#units-table tbody tr",
        _gender,
    ),
)


def measure(page: Page, interaction: Interaction, runs: int) -> list[float]:
    page.goto(interaction.url)
    page.locator(interaction.ready).first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.evaluate(
        "() => { for (const p of document.querySelectorAll('details.panel')) p.open = true; }"
    )
    page.evaluate(PROBE, interaction.container)
    times = []
    for run in range(runs):
        page.evaluate("() => { window.__probe.start = null; window.__probe.last = null; }")
        interaction.act(page, run)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(250)  # later changes of the same update
        probe = page.evaluate("() => window.__probe")
        if probe["start"] is None or probe["last"] is None:
            raise RuntimeError(f"{interaction.name}: no change seen")
        times.append(probe["last"] - probe["start"])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="a token entitled to capacities")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    report = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium)
        for size, width in WIDTHS.items():
            context = browser.new_context(
                base_url=args.url,
                viewport={"width": width, "height": 900},
                locale="fr-FR",
                timezone_id="Europe/Paris",
            )
            token = json.dumps(args.token)
            context.add_init_script(f"sessionStorage.setItem('ror.token', {token})")
            page = context.new_page()
            for interaction in INTERACTIONS:
                times = measure(page, interaction, args.runs)
                report.append(
                    {
                        "interaction": interaction.name,
                        "size": size,
                        "first_ms": round(times[0]),
                        "median_ms": round(statistics.median(times)),
                        "worst_ms": round(max(times)),
                    }
                )
                row = report[-1]
                print(
                    f"{size:8} {interaction.name:40} first {row['first_ms']:5} ms  "
                    f"median {row['median_ms']:5} ms  worst {row['worst_ms']:5} ms",
                    flush=True,
                )
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
