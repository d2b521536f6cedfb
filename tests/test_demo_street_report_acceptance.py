"""Issue #13 acceptance (c) and (d): `civicapps demo`, then in Chromium with networking limited to
127.0.0.1 a resident reports a pothole with a photo, confirms it from the dev inbox and follows the
report; with JavaScript on, with it off, and by keyboard alone (and at 375 px wide). Before issue #13
the demo's streets were never found, without JavaScript the map section was empty, Enter on the map
did nothing, and the follow page said "Alerts about 4"."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from test_demo_acceptance import demo_server, offline_context, read_inbox, words  # noqa: F401 - the `demo` fixture

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).parent / "plugins" / "street_reports" / "screenshots"


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"demo-{name}.png"), full_page=True)


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on ``selector`` (any Playwright selector): a keyboard alone reaches it."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def choose_radio(page: Any, name: str, value: str) -> None:
    tab_to(page, f"input[name={name}]")
    for _ in range(30):
        if page.locator(f"input[name={name}][value='{value}']").is_checked():
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"arrow keys never chose {value}")


def report_a_pothole(page: Any, base: str, email: str, photo: Path, *, keyboard: bool) -> None:
    page.goto(base + "/street-reports/report")
    assert "For example YO1 7HH or Clarence Street" in words(page)
    if keyboard:
        tab_to(page, "#q")
        page.keyboard.type("Clarence Street")
        page.keyboard.press("Enter")
        page.wait_for_selector("h1:has-text('Choose the place')")
        tab_to(page, "a:text-is('Clarence Street, York')")
        page.keyboard.press("Enter")
        page.wait_for_selector("h1:has-text('Choose a category')")
        choose_radio(page, "category", "Potholes")
        tab_to(page, "form button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_selector("#title")
        tab_to(page, "#title")
        page.keyboard.type("Pothole by the bus stop")
        tab_to(page, "#details")
        page.keyboard.type("Deep enough to damage a wheel.")
        tab_to(page, "#photos")
        page.set_input_files("#photos", str(photo))  # the file chooser is the browser's own dialog
        tab_to(page, "#name")
        page.keyboard.type("Jo Resident")
        tab_to(page, "#email")
        page.keyboard.type(email)
        tab_to(page, "button:has-text('Send report')")
        page.keyboard.press("Enter")
    else:
        page.fill("#q", "Clarence Street")
        page.click("text=Find the place")
        page.click("text=Clarence Street, York")
        page.check("input[value=Potholes]")
        page.click("text=Continue")
        page.fill("#title", "Pothole by the bus stop")
        page.fill("#details", "Deep enough to damage a wheel.")
        page.set_input_files("#photos", str(photo))
        page.fill("#name", "Jo Resident")
        page.fill("#email", email)
        page.click("text=Send report")
    page.wait_for_selector("h1:has-text('Check your email')")


def press(page: Any, selector: str, *, keyboard: bool) -> None:
    if keyboard:
        tab_to(page, selector)
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        page.click(selector)


@pytest.mark.parametrize(
    "javascript, keyboard, width",
    [(True, False, 1280), (False, False, 1280), (True, True, 1280), (True, False, 375)],
    ids=["js", "no-js", "keyboard-only", "js-375px"],
)
def test_resident_reports_a_pothole_with_a_photo_confirms_and_follows_it(
    civic_browser, demo, tmp_path, javascript, keyboard, width
):
    name = f"{'keys' if keyboard else 'js' if javascript else 'nojs'}{width}"
    reporter, follower = f"{name}.reporter@example.org", f"{name}.follower@example.org"
    photo = tmp_path / "pothole.jpg"
    Image.new("RGB", (320, 240), (90, 90, 90)).save(photo, "JPEG")
    context = offline_context(civic_browser, javascript=javascript, width=width)
    page = context.new_page()
    try:
        report_a_pothole(page, demo["base"], reporter, photo, keyboard=keyboard)
        message = read_inbox(civic_browser, demo, reporter)
        confirm = re.search(r"http://127\.0\.0\.1:\d+/street-reports/confirm/[A-Za-z0-9_.\-]+", message).group(0)
        page.goto(confirm)
        press(page, "button:has-text('Confirm and send my report')", keyboard=keyboard)
        assert "Your report is confirmed" in words(page)
        assert page.locator("h1").inner_text() == "Pothole by the bus stop"
        assert page.locator(".street-reports-photos img").count() == 1, "the photo is published"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"{name}-report")

        press(page, "a:has-text('Get an alert when this report is updated')", keyboard=keyboard)
        assert "Alerts about the report “Pothole by the bus stop”" in words(page)
        shot(page, f"{name}-follow")
        if keyboard:
            choose_radio(page, "channel", "email")
            tab_to(page, "#target")
            page.keyboard.type(follower)
        else:
            page.check("input[name=channel][value=email]")
            page.fill("#target", follower)
        press(page, "form button[type=submit]", keyboard=keyboard)
        assert "/alerts/confirm" in page.url, words(page)
        message = read_inbox(civic_browser, demo, follower)
        assert "the report “Pothole by the bus stop”" in message
        assert not re.search(r"about \d+\b", message)
        page.goto(re.search(r"http://127\.0\.0\.1:\d+/alerts/confirm/[A-Za-z0-9_.\-]+", message).group(0))
        press(page, "form button[type=submit]", keyboard=keyboard)
        assert "Your alerts are on" in words(page)
        assert "about the report “Pothole by the bus stop”" in words(page)
        shot(page, f"{name}-following")
    finally:
        context.close()
