"""The residents' pages on a phone-sized screen (375 px) in headless Chromium: WCAG 2.2 AA by axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from civicapps.auth import create_user
from civicapps.testing import assert_accessible

pytestmark = pytest.mark.browser

PATHS = [
    "/bin-collections/",
    "/bin-collections/?postcode=YO31+7EW",
    "/bin-collections/?postcode=nonsense",
    "/bin-collections/address/100050535001",
    "/bin-collections/address/100050535001/calendar",
    "/bin-collections/address/100050535001/reminders",
]


@pytest.fixture
def server(loaded_app, set_now, civic_live_server_factory) -> str:
    set_now("2027-03-22 07:00")
    return civic_live_server_factory(loaded_app())


@pytest.mark.parametrize("path", PATHS)
def test_page_meets_wcag_22_aa_at_375_px(civic_page, server: str, path: str) -> None:
    civic_page.set_viewport_size({"width": 375, "height": 812})
    civic_page.goto(server + path)
    assert_accessible(civic_page)


def test_staff_page_with_a_refused_notice_meets_wcag_22_aa(civic_page, loaded_app, set_now, civic_live_server_factory):
    set_now("2027-03-22 07:00")
    app = loaded_app()
    with app.app_context():
        create_user("crew@council.example", "Crew Lead", "a-long-staff-password")
    server = civic_live_server_factory(app)
    civic_page.set_viewport_size({"width": 375, "height": 812})
    civic_page.goto(server + "/-/login")
    civic_page.fill("#email", "crew@council.example")
    civic_page.fill("#password", "a-long-staff-password")
    civic_page.get_by_role("button", name="Sign in").click()
    civic_page.goto(server + "/bin-collections/staff")
    assert_accessible(civic_page)
    civic_page.get_by_role("button", name="Publish and send").click()
    expect(civic_page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(civic_page)
