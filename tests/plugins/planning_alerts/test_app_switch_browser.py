"""The app directory in headless Chromium, scripts on and off: staff switch planning alerts off and on
with the page's buttons, and the directory and its log meet WCAG 2.2 AA (axe-core)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from civicapps.auth import create_user
from civicapps.testing import assert_accessible

pytestmark = pytest.mark.browser


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/-/login?next=/-/apps")
    page.get_by_label("Email address").fill("clerk@council.example")
    page.get_by_label("Password", exact=True).fill("a-long-staff-password")  # not "Show password"
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apps")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_staff_switch_an_app_off_and_on_and_the_pages_meet_wcag_22_aa(
    civic_browser: Browser, pa_app, civic_live_server_factory, javascript: bool
) -> None:
    app = pa_app()
    with app.app_context():
        create_user("clerk@council.example", "Clerk", "a-long-staff-password")
    base = civic_live_server_factory(app)
    context = civic_browser.new_context(java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, base)
    if javascript:  # axe-core runs as a script; the pages have none of their own
        assert_accessible(page)

    page.get_by_role("button", name="Switch planning_alerts off").click()
    expect(page.get_by_role("alert")).to_contain_text("planning_alerts is switched off")
    expect(page.get_by_role("link", name="Planning applications")).to_have_count(0)
    if javascript:
        assert_accessible(page)  # with the success banner
    assert page.goto(base + "/planning-alerts/").status == 404

    page.goto(base + "/-/apps")
    page.get_by_role("button", name="Switch planning_alerts on").click()
    expect(page.get_by_role("alert")).to_contain_text("planning_alerts is switched on")
    expect(page.get_by_role("link", name="Planning applications").first).to_be_visible()

    page.get_by_role("link", name="See who switched apps on and off").click()
    expect(page.get_by_role("table")).to_contain_text("Clerk (staff #")
    assert page.locator("tbody tr").count() == 2
    if javascript:
        assert_accessible(page)
    context.close()
