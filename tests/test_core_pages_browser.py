"""Every core page on GOV.UK Frontend, in headless Chromium: WCAG 2.2 AA by axe-core on a phone (375 px) and
a desktop (1280 px), with JavaScript on and off; nothing scrolls sideways at 320 px; the service navigation
collapses behind a Menu button on a phone when its script runs, and stays a plain list of links without it.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from civicapps.auth import create_user
from civicapps.testing import assert_accessible

pytestmark = pytest.mark.browser

STAFF = ("pat.officer@example.gov.uk", "a long test password")


def browser_page(civic_browser: Any, width: int, height: int, javascript: bool) -> Page:
    """A tab ``width`` px wide. Without JavaScript, the site's scripts are refused rather than JavaScript turned off:
    axe-core and the measurements run as scripts too, and the page looks exactly as it does to a visitor without
    JavaScript (no ``js-enabled`` class, no component started)."""
    context = civic_browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(10_000)
    if not javascript:
        context.route(re.compile(r"\.m?js(\?.*)?$"), lambda route: route.abort())
    return context.new_page()


@pytest.fixture
def site(world_factory: Any, civic_live_server_factory: Callable[[Flask], str]) -> tuple[Any, str]:
    """An app with a plugin that has alert topics (so the alerts pages and menu exist), served over HTTP."""
    world = world_factory(channels=["ntfy", "webhook"])
    with world.app.app_context():
        create_user(STAFF[0], "Pat Officer", STAFF[1], "staff")
    return world, civic_live_server_factory(world.app)


def core_pages(page: Page, base: str, sink_url: str) -> Iterator[str]:
    """Walk every core page a resident and a member of staff reach, yielding each one's name once it is shown."""
    for name, path in [
        ("home", "/"),
        ("about", "/about"),
        ("not found", "/-/no-such-page"),
        ("alerts", "/alerts/"),
    ]:
        page.goto(base + path)
        yield name
    page.goto(base + "/alerts/subscribe?topic=sightings.near")
    yield "subscribe"
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "subscribe, refused"
    page.fill("#lat", "54.1509")
    page.fill("#lon", "-4.48")
    page.check("input[name=channel][value=webhook]")
    page.fill("#target", sink_url)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your")
    yield "confirm code"
    page.goto(base + "/-/login")
    yield "sign in"
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "sign in, refused"
    sign_in(page, base)
    yield "home, staff"
    for name, path in [("feeds", "/-/feeds"), ("notifications", "/-/notifications")]:
        page.goto(base + path)
        yield name


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [375, 1280])
def test_core_pages_meet_wcag_22_aa(site: tuple[Any, str], civic_browser: Any, width: int, javascript: bool) -> None:
    world, base = site
    page = browser_page(civic_browser, width, 900, javascript)
    try:
        for name in core_pages(page, base, world.sink.url()):
            assert page.locator("main h1").count() == 1, name
            assert_accessible(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_no_core_page_scrolls_sideways_at_320_pixels(
    site: tuple[Any, str], civic_browser: Any, javascript: bool
) -> None:
    world, base = site
    page = browser_page(civic_browser, 320, 640, javascript)
    try:
        for name in core_pages(page, base, world.sink.url()):
            wide = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert wide[0] <= wide[1], f"{name}: {wide[0]} px wide in a {wide[1]} px window"
    finally:
        page.context.close()


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/-/login")
    page.get_by_label("Email address").fill(STAFF[0])
    page.get_by_label("Password", exact=True).fill(STAFF[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Pat Officer")).to_have_count(1)


def test_service_navigation_collapses_on_a_phone_only_when_its_script_runs(
    site: tuple[Any, str], civic_browser: Any
) -> None:
    world, base = site
    for javascript in (True, False):
        page = browser_page(civic_browser, 375, 900, javascript)
        sign_in(page, base)  # staff have several links: Get alerts, Notifications, Data feeds, Sign out
        menu = page.locator(".govuk-service-navigation__toggle")
        alerts = page.locator(".govuk-service-navigation").get_by_role("link", name="Get alerts")
        if javascript:
            expect(menu).to_be_visible()
            expect(alerts).to_be_hidden()
            menu.click()
            expect(menu).to_have_attribute("aria-expanded", "true")
        else:
            expect(menu).to_be_hidden()
        expect(alerts).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        page.context.close()


def test_flashed_success_message_is_a_success_banner(site: tuple[Any, str], civic_page: Page) -> None:
    world, base = site
    app = world.app

    @app.get("/-/test-flash")
    def flash_and_show() -> str:
        from flask import flash, render_template

        flash("Your change is saved", "success")
        return render_template("civicapps/error.html", title="Saved", advice="Saved.")

    civic_page.goto(base + "/-/test-flash")
    banner = civic_page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Your change is saved")
    expect(banner).to_have_attribute("role", "alert")
    assert_accessible(civic_page)
