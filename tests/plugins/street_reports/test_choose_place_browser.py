"""Choosing the place of a report without a mouse or without JavaScript, in headless Chromium.

With JavaScript off there is no map: a postcode or street search, or coordinates typed in, lead to
a list of nearby streets to choose from (FixMyStreet's way). With a keyboard the map is one tab
stop: arrow keys move the marker, each move is announced, and Enter goes on at the marker.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from civicapps_street_reports.models import Report
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from civicapps import db_session
from civicapps.testing import MailSink, assert_accessible

from .conftest import NORTH_POINT, text_of
from .images import phone_jpeg
from .test_pages_browser import site as site  # the fixture

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).parent / "screenshots"


def shot(page: Page, name: str) -> None:
    """A screenshot to look at (kept out of git): tests/plugins/street_reports/screenshots/."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_coordinates_then_a_nearby_street_with_javascript_off(
    civic_browser: Browser,
    site: tuple[Flask, str],
    civic_mail_sink: MailSink,
) -> None:
    app, base = site
    context = civic_browser.new_context(java_script_enabled=False)  # (axe needs scripts: checked below)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base}/street-reports/report")
    assert not page.get_by_text("Or choose the place on the map").is_visible(), "no promise of a map without one"
    page.click("text=Use coordinates instead")
    page.fill("#lat", "54.1612")
    page.fill("#lon", "not a number")
    page.click("text=Use these coordinates")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the longitude as a number between -180 and 180")
    assert page.input_value("#lat") == "54.1612", "what was typed is kept"
    shot(page, "coordinates-error-nojs")
    page.fill("#lon", "-4.4951")
    page.click("text=Use these coordinates")
    assert page.locator("h1").inner_text() == "Choose the place"
    choices = page.locator("#places li").all_inner_texts()
    assert choices[0] == "Exactly there (54.16120, -4.49510)"
    assert any(c.startswith("Strand Street (") for c in choices), choices
    shot(page, "coordinates-list-nojs")
    page.click("text=Exactly there (54.16120, -4.49510)")
    assert page.locator("h1").inner_text() == "Choose a category"
    context.close()


def test_the_coordinates_pages_meet_wcag_22_aa(civic_page: Page, site: tuple[Flask, str]) -> None:
    app, base = site
    for path in (
        "/street-reports/report/where?lat=54.1612&lon=x",
        "/street-reports/report/where?lat=54.1612&lon=-4.4951",
    ):
        civic_page.goto(base + path)
        assert_accessible(civic_page)


def _map_status(page: Page) -> str:
    return page.locator("#map-status").inner_text()


def test_the_map_marker_moves_by_keyboard_is_announced_and_enter_chooses_it(
    civic_page: Page,
    site: tuple[Flask, str],
) -> None:
    app, base = site
    civic_page.goto(f"{base}/street-reports/report")
    civic_page.wait_for_selector(".leaflet-tile")
    assert civic_page.locator("#map-status").get_attribute("role") == "status"
    civic_page.focus("#q")
    for _ in range(10):  # Tab from the search box to the map: no mouse
        civic_page.keyboard.press("Tab")
        if civic_page.evaluate("document.activeElement.id") == "map":
            break
    assert civic_page.evaluate("document.activeElement.id") == "map"
    assert "Use the arrow keys" in _map_status(civic_page)
    start = civic_page.evaluate("[...document.querySelectorAll('.leaflet-marker-icon')].length")
    assert start == 1
    civic_page.keyboard.press("ArrowUp")
    assert re.fullmatch(r"Marker moved north to latitude 54\.16\d+, longitude -4\.49500\.", _map_status(civic_page))
    civic_page.keyboard.press("Shift+ArrowRight")
    announced = _map_status(civic_page)
    assert announced.startswith("Marker moved east to latitude 54.16")
    lat, lon = (float(x) for x in re.findall(r"-?\d+\.\d+", announced))
    assert lat > NORTH_POINT[0] and lon > NORTH_POINT[1]
    assert_accessible(civic_page)
    shot(civic_page, "map-keyboard")
    civic_page.keyboard.press("Enter")
    civic_page.wait_for_url(re.compile(r".*/report/new\?lat=54\.16\d+&lon=-4\.49\d+&used_map=1"))
    assert civic_page.locator("h1").inner_text() == "Choose a category"
    assert civic_page.console_errors == []


def test_a_whole_report_by_keyboard_alone(
    civic_page: Page,
    site: tuple[Flask, str],
    civic_mail_sink: MailSink,
    tmp_path: Path,
) -> None:
    """Search, choose the street, the category, fill in and send: Tab, typing, Space and Enter only.
    (A file chooser is the browser's own dialog; the photo is set on the focused input.)"""
    app, base = site
    page = civic_page
    page.goto(f"{base}/street-reports/report")
    keys = page.keyboard
    tab_to(page, "#q")
    keys.type("Strand Street")
    keys.press("Enter")
    page.wait_for_selector("text=Choose the place")
    tab_to(page, "a:has-text('Strand Street')")
    keys.press("Enter")
    page.wait_for_selector("text=Choose a category")
    choose_radio(page, "category", "Potholes")
    tab_to(page, "button:has-text('Continue')")
    keys.press("Enter")
    page.wait_for_selector("#title")
    tab_to(page, "#title")
    keys.type("Pothole by the bus stop")
    tab_to(page, "#details")
    keys.type("Deep enough to damage a wheel.")
    choose_radio(page, "extra_depth", "deep")
    photo = tmp_path / "IMG_0002.jpg"
    photo.write_bytes(phone_jpeg())
    tab_to(page, "#photos")
    page.set_input_files("#photos", str(photo))
    tab_to(page, "#name")
    keys.type("Jo Resident")
    tab_to(page, "#email")
    keys.type("jo@example.org")
    shot(page, "report-form-keyboard")
    tab_to(page, "button:has-text('Send report')")
    keys.press("Enter")
    page.wait_for_selector("h1:has-text('Check your email')")
    [mail] = civic_mail_sink.wait_for(1)
    link = re.search(r"http://reports\.example(/\S+)", text_of(mail)).group(1)  # type: ignore[union-attr]
    page.goto(base + link)
    tab_to(page, "button:has-text('Confirm and send my report')")
    keys.press("Enter")
    page.wait_for_selector("text=Your report is confirmed")
    with app.app_context():
        report = db_session().scalars(select(Report)).one()
        assert (report.title, report.status, len(report.photos)) == ("Pothole by the bus stop", "open", 1)
    assert page.console_errors == []


def choose_radio(page: Page, name: str, value: str) -> None:
    """Tab into a radio group, then arrow keys until ``value`` is chosen (as a keyboard user does)."""
    tab_to(
        page,
        f"input[name={name}]:checked" if page.locator(f"input[name={name}]:checked").count() else f"input[name={name}]",
    )
    for _ in range(20):
        if page.locator(f"input[name={name}][value='{value}']").is_checked():
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"arrow keys never chose {value}")


def tab_to(page: Page, selector: str, limit: int = 60) -> Any:
    """Press Tab until ``selector`` has the focus (failing after ``limit`` presses): the keyboard path."""
    target = page.locator(selector).first
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return target
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


@pytest.fixture
def york(civic_app_factory: Any, civic_live_server_factory: Any) -> tuple[Flask, str]:
    """The demo's place (York) with its shipped postcodes and streets, postcodes.io switched off."""
    from .conftest import PLUGIN

    app = civic_app_factory(plugins=[PLUGIN], config={"plugins": {"geo": {"postcodes_io_url": ""}}})
    with app.app_context():
        app.extensions["civicapps"].registry.call_each("load_demo_data", app=app)
    return app, civic_live_server_factory(app)


def test_a_york_postcode_lists_the_streets_nearby_without_javascript_at_375px(
    civic_browser: Browser, york: tuple[Flask, str]
) -> None:
    """Issue #13: after a postcode search the no-JS list said "We do not know the street names near there"."""
    app, base = york
    context = civic_browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base}/street-reports/report")
    page.focus("#q")
    page.keyboard.type("YO1 7HH")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Choose the place")
    choices = page.locator("#places li").all_inner_texts()
    assert choices[0] == "The middle of YO1 7HH", choices
    assert any(c.startswith("Clarence Street, York (") for c in choices), choices
    assert "We do not know the street names" not in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "no sideways scrolling"
    shot(page, "york-postcode-streets-nojs-375")
    tab_to(page, "a:has-text('Clarence Street, York')")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Choose a category")
    context.close()
