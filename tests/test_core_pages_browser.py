"""Every core page on GOV.UK Frontend, in headless Chromium, in English and in Welsh: WCAG 2.2 AA by axe-core on
a phone (375 px) and a desktop (1280 px), with JavaScript on and off; nothing scrolls sideways at 320 px; the
service navigation collapses behind a Menu button on a phone when its script runs, and stays a plain list of
links without it.

The walk finds fields by their ids and buttons by their place in the form, so it walks every language.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from civicapps.auth import create_user
from civicapps.testing import (
    assert_accessible,
    assert_no_sideways_scroll,
    assert_page_checks,
    english_left,
    open_page,
    page_texts,
)

pytestmark = pytest.mark.browser

STAFF = ("pat.officer@example.gov.uk", "a long test password")


@pytest.fixture
def site(world_factory: Any, civic_live_server_factory: Callable[[Flask], str]) -> tuple[Any, str]:
    """An app with a plugin that has alert topics (so the alerts pages and menu exist), served over HTTP."""
    world = world_factory(channels=["ntfy", "webhook"])
    with world.app.app_context():
        create_user(STAFF[0], "Pat Officer", STAFF[1], "staff")
    return world, civic_live_server_factory(world.app)


def core_pages(page: Page, base: str, sink_url: str, language: str = "en") -> Iterator[str]:
    """Walk every core page a resident and a member of staff reach in ``language``, yielding each one's name once
    it is shown."""
    page.goto(f"{base}/?lang={language}")  # as the language switcher does; remembered
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
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "subscribe, refused"
    page.fill("#lat", "54.1509")
    page.fill("#lon", "-4.48")
    page.check("input[name=channel][value=webhook]")
    page.fill("#target", sink_url)
    submit(page)
    expect(page.locator("#code")).to_be_visible()  # "Check your webhook": the code it sent
    yield "confirm code"
    page.goto(base + "/-/login")
    yield "sign in"
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "sign in, refused"
    sign_in(page, base)
    yield "home, staff"
    for name, path in [
        ("feeds", "/-/feeds"),
        ("notifications", "/-/notifications"),
        ("apps", "/-/apps"),
        ("apps log", "/-/apps/log"),
    ]:
        page.goto(base + path)
        yield name
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{language}\b"))  # still, after it all


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [375, 1280])
def test_core_pages_meet_wcag_22_aa(
    site: tuple[Any, str], civic_browser: Any, width: int, javascript: bool, language: str
) -> None:
    world, base = site
    page = open_page(civic_browser, width, javascript=javascript)
    try:
        for name in core_pages(page, base, world.sink.url(), language):
            assert_page_checks(page, name)
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_no_core_page_scrolls_sideways_at_320_pixels(
    site: tuple[Any, str], civic_browser: Any, javascript: bool, language: str
) -> None:
    world, base = site
    page = open_page(civic_browser, 320, 640, javascript)
    try:
        for name in core_pages(page, base, world.sink.url(), language):
            assert_no_sideways_scroll(page, name)
    finally:
        page.context.close()


#: What the test app itself puts on the pages in English: the council's name, the test plugin's topics and
#: description, proper names.
DATA = {
    "Example Council",
    "Changes to a sighting",
    "New sightings in your area",
    "Sightings near you",
    "sightings",
    "A plugin whose dataset ``sightings.sighting`` has two topics: near a place, and one sighting's changes.",
    "ntfy",
    "GOV.UK Frontend",
}
WELSH_WALK = ["/", "/about", "/-/no-such-page", "/alerts/", "/alerts/subscribe?topic=sightings.near", "/-/login"]
STAFF_WALK = ["/", "/-/feeds", "/-/notifications", "/-/apps", "/-/apps/log"]


def test_every_core_page_is_in_welsh_when_welsh_is_chosen(site: tuple[Any, str], civic_browser: Any) -> None:
    world, base = site
    page = open_page(civic_browser, 1280)
    try:
        for staff, paths in ((False, WELSH_WALK), (True, STAFF_WALK)):
            if staff:
                page.goto(base + "/?lang=en")
                sign_in(page, base)
            for path in paths:
                page.goto(base + path + ("&" if "?" in path else "?") + "lang=en")
                english = page_texts(page)
                page.goto(base + path + ("&" if "?" in path else "?") + "lang=cy")
                assert page.locator("html").get_attribute("lang") == "cy"  # (the walks check WCAG in Welsh)
                assert english_left(english, page_texts(page), ignore=DATA) == [], path
    finally:
        page.context.close()


def submit(page: Page) -> None:
    """Press the main form's submit button (by its place, so the walk works in every language)."""
    page.locator("main form button.govuk-button:not([type=button])").last.click()


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/-/login")
    page.fill("#email", STAFF[0])
    page.fill("#password", STAFF[1])
    submit(page)
    expect(page.locator(".govuk-service-navigation")).to_contain_text("Pat Officer")


def test_service_navigation_collapses_on_a_phone_only_when_its_script_runs(
    site: tuple[Any, str], civic_browser: Any
) -> None:
    world, base = site
    for javascript in (True, False):
        page = open_page(civic_browser, 375, javascript=javascript)
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
