"""Helpers of the browser tests (a module name no other test folder uses): the live server,
a page that records every console and page error, screenshots, and a WCAG contrast check."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect

from tests.live_server import LiveServer

TIMEOUT_MS = 10_000  # actions and assertions: the pages wait on a live server, on a shared machine
expect.set_options(timeout=TIMEOUT_MS)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
README_SIZE: ViewportSize = {"width": 1280, "height": 1350}
README_PHONE: ViewportSize = {"width": 390, "height": 844}
FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


Live = LiveServer


@dataclass(frozen=True)
class Tokens:
    capacities: str  # profile 1: may see capacities
    public: str  # profile 5: may not


@dataclass
class PageWatch:
    """A page whose console errors and uncaught exceptions fail the test at teardown, except
    HTTP error answers the test announced with :meth:`expect_http_error`."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)
    expected: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    @contextmanager
    def open(
        cls,
        browser: Browser,
        base_url: str,
        *,
        viewport: dict[str, int] | None = None,
        token: str | None = None,
        **options: Any,
    ) -> Iterator[PageWatch]:
        """A fresh context; ``token`` is put in the tab's session storage, as the availability
        page does once a visitor gave it."""
        context = browser.new_context(
            base_url=base_url,
            locale="fr-FR",
            timezone_id="Europe/Paris",
            viewport=viewport or DESKTOP,  # type: ignore[arg-type]
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        if token is not None:
            context.add_init_script(f"sessionStorage.setItem('ror.token', {json.dumps(token)})")
        page = context.new_page()
        watch = cls(page, base_url)
        page.on("console", watch._console)
        page.on("pageerror", lambda error: watch.errors.append(f"page error: {error}"))
        try:
            yield watch
        finally:
            context.close()
        assert not watch.errors, "errors in the browser:\n" + "\n".join(watch.errors)

    def expect_http_error(self, status: int, path: str) -> None:
        """The next console report of an HTTP ``status`` answer from ``path`` is expected."""
        self.expected.append((status, path))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        failed = FAILED_LOAD.match(message.text)
        url = message.location.get("url", "")
        if failed:
            for i, (status, path) in enumerate(self.expected):
                if status == int(failed.group(1)) and path in url:
                    del self.expected[i]
                    return
        self.errors.append(f"console error: {message.text} ({url})")


@dataclass(frozen=True)
class Shots:
    """Screenshots under ``folder``; with ``ROR_README_SCREENSHOTS=1`` the ones named for the
    README are also written to ``docs/screenshots`` (viewport size, committed)."""

    folder: Path
    readme_folder: Path | None = None

    def take(self, page: Page, name: str, *, full_page: bool = True) -> Path:
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 5_000, f"{path} looks empty"
        return path

    def readme(self, page: Page, name: str, window: ViewportSize = README_SIZE) -> None:
        """A picture for the README: the page in a tall window (or ``window``), once its map
        has settled."""
        size = page.viewport_size
        page.set_viewport_size(window)
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(600)  # the map refits to its new size, with an animation
        self.take(page, f"readme-{name}", full_page=False)
        if self.readme_folder is not None:
            self.readme_folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(self.readme_folder / f"{name}.png"))
        if size is not None:
            page.set_viewport_size(size)


CONTRAST_SCRIPT = (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8")


def contrast_failures(page: Page, selector: str = "body") -> list[str]:
    return page.evaluate(CONTRAST_SCRIPT, selector)  # type: ignore[no-any-return]


AXE_SCRIPT = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(
    encoding="utf-8"
)
# Rules axe-core leaves off by default that the pages must pass too (issue 20 found them).
AXE_EXTRA_RULES = ("label-content-name-mismatch",)


def axe_violations(page: Page) -> list[str]:
    """axe-core's violations on the page as it is now: "rule: target (summary)" per node.
    The script is evaluated through the debugging protocol, which the pages' CSP allows."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    found: list[dict[str, Any]] = page.evaluate(
        """async (extra) => {
            const rules = Object.fromEntries(extra.map((id) => [id, { enabled: true }]));
            const answer = await axe.run(document, { rules, resultTypes: ["violations"] });
            return answer.violations.map((v) => ({
                id: v.id,
                nodes: v.nodes.map((n) => [n.target.join(" "), n.failureSummary]),
            }));
        }""",
        list(AXE_EXTRA_RULES),
    )
    return [f"{v['id']}: {target} ({summary})" for v in found for target, summary in v["nodes"]]


def assert_accessible(page: Page, state: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core, {state}:\n" + "\n".join(violations)
