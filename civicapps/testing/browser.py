"""Page tests in a real browser: Debian's headless Chromium through Playwright, and axe-core's WCAG 2.2 AA check.

* ``civic_browser`` (one per test session) and ``civic_page`` (a fresh tab with no cookies).
* ``assert_accessible(page)`` fails with axe-core's report on any WCAG 2.2 A or AA violation.

Playwright's own browser download is never needed; the tests skip when /usr/bin/chromium is missing.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def civic_browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (``pip install 'civicapps[test]'``).

    Skips the test when /usr/bin/chromium is missing (``apt-get install chromium``); Playwright's own
    browser download is never needed.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def civic_page(civic_browser: Any) -> Iterator[Any]:
    """A fresh browser tab with no cookies. ``page.console_errors`` lists console errors (CSP blocks land there)."""
    context = civic_browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def assert_accessible(page: Any) -> None:
    """Fail with axe-core's report if the page breaks any WCAG 2.2 A or AA rule axe can check."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
