"""End-to-end tests of the pages in headless Chromium (Debian's ``chromium`` driven by
Playwright, never a downloaded browser) against the real app served by uvicorn on loopback,
over an embedded engine holding 3,000 synthetic offers. One server and one browser per session;
a fresh browser context per test. Every test fails on a JavaScript error or a console error
(HTTP errors included) it did not announce; screenshots go to ``test-output/browser``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from ror.access.tokens import TokenStore
from ror.api.app import create_app
from ror.config import Settings
from ror.indexer.synthetic import generate
from tests.browser.browser_support import Live, PageWatch, Shots, Tokens
from tests.service import build_db, settings_for

SIZE = 3000
SEED = 12
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "browser"


def chromium_path() -> str | None:
    """``ROR_CHROMIUM`` or Debian's ``/usr/bin/chromium`` (``apt-get install chromium``)."""
    for candidate in (
        os.environ.get("ROR_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("browser")
    # no rate limit: autocomplete sends a request per pause in typing
    return settings_for(root, build_db(root / "ror.sqlite", generate(SIZE, seed=SEED, now=NOW)))


@pytest.fixture(scope="session")
def tokens(settings: Settings) -> Tokens:
    store = TokenStore(settings.tokens_path)
    return Tokens(
        capacities=store.create("cellule de crise", 1)[0],
        public=store.create("site grand public", 5)[0],
    )


@pytest.fixture(scope="session")
def server(settings: Settings, tokens: Tokens) -> Iterator[Live]:
    with Live(create_app(settings)) as live:
        yield live


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):  # .ci/run installs Debian's chromium: never skip there
            pytest.fail("no Chromium in CI: .ci/run should have installed Debian's chromium")
        pytest.skip("no Chromium: apt-get install chromium (or set ROR_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shots() -> Shots:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    readme = ROOT / "docs" / "screenshots" if os.environ.get("ROR_README_SCREENSHOTS") else None
    return Shots(OUTPUT, readme)


@pytest.fixture()
def watch(browser: Browser, server: Live) -> Iterator[PageWatch]:
    """A page in a fresh French context (desktop size) that records console and page errors."""
    with PageWatch.open(browser, server.url) as page_watch:
        yield page_watch
