"""Every page of the bundled plugins, with demo data, in headless Chromium: WCAG 2.2 AA by axe-core.

Uses the civic_page fixture and assert_accessible from civicapps.testing (Debian's Chromium, no downloads).
"""
from __future__ import annotations

from typing import Any

import civicapps_bin_collections as bin_collections
import civicapps_organogram as organogram
import civicapps_planning_alerts as planning_alerts
import civicapps_street_reports as street_reports
import pytest
from playwright.sync_api import Page

from civicapps.testing import AppFactory, assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(civic_app_factory: AppFactory, civic_live_server_factory: Any) -> str:
    plugins = [
        ("planning_alerts", planning_alerts),
        ("street_reports", street_reports),
        ("organogram", organogram),
        ("bin_collections", bin_collections),
    ]
    app = civic_app_factory(plugins=plugins)
    with app.app_context():
        for _, module in plugins:
            module.load_demo_data(app)
    return civic_live_server_factory(app)


@pytest.mark.parametrize(
    "path", ["/", "/planning-alerts/", "/street-reports/", "/organogram/", "/bin-collections/?postcode=YO1+7HH"]
)
def test_page_meets_wcag_22_aa(civic_page: Page, demo_server: str, path: str) -> None:
    response = civic_page.goto(demo_server + path)
    assert response is not None and response.status == 200
    assert_accessible(civic_page)
