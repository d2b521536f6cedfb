"""Every page of the bundled plugins, with demo data, in headless Chromium: WCAG 2.2 AA by axe-core.

Same set-up as tests/test_browser.py (Debian's Chromium driven by Playwright, no downloads).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import civicapps_organogram as organogram
import civicapps_planning_alerts as planning_alerts
import civicapps_street_reports as street_reports
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, sync_playwright

from civicapps.testing import AppFactory

CHROMIUM = Path("/usr/bin/chromium")
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def demo_server(civic_app_factory: AppFactory, civic_live_server_factory: Any) -> str:
    plugins = [("planning_alerts", planning_alerts), ("street_reports", street_reports), ("organogram", organogram)]
    app = civic_app_factory(plugins=plugins)
    with app.app_context():
        for _, module in plugins:
            module.load_demo_data(app)
    return civic_live_server_factory(app)


@pytest.mark.parametrize("path", ["/", "/planning-alerts/", "/street-reports/", "/organogram/"])
def test_page_meets_wcag_22_aa(chromium: Browser, demo_server: str, path: str) -> None:
    page = chromium.new_page()
    try:
        response = page.goto(demo_server + path)
        assert response is not None and response.status == 200
        options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
        results = Axe().run(page, options=options)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
    finally:
        page.close()
