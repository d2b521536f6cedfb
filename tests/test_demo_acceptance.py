"""Issue #13 acceptance: `civicapps demo`, then a resident in real Chromium with networking limited to
127.0.0.1 (a) searches planning applications by the demo's postcode and street, (b) subscribes to
email alerts, confirms from the dev inbox, changes and stops them; with JavaScript on and off, and
(b) by keyboard alone. Before issue #13 the demo's postcodes were never found, no street search
existed and email was not offered."""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from civicapps.testing import assert_accessible

pytestmark = pytest.mark.browser
OFFLINE = "http://127.0.0.1:9"  # nothing listens: every outside service is unreachable, fast


# Named apart from its fixture name so a module importing it (the street reports demo test) does not
# shadow the import with the test's `demo` argument.
@pytest.fixture(scope="module", name="demo")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`civicapps demo` in its own process, serving on a free port of 127.0.0.1, with no internet."""
    folder = tmp_path_factory.mktemp("demo")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "HOME": str(folder),
        "CIVICAPPS_PLUGINS__GEO__POSTCODES_IO_URL": OFFLINE,
        "CIVICAPPS_PLUGINS__GEO__TIMEOUT_SECONDS": "2",
        "CIVICAPPS_PLUGINS__PLANNING_ALERTS__TILE_URL": OFFLINE + "/{z}/{x}/{y}.png",
    }
    log = (folder / "demo.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "civicapps", "demo", "--instance", str(folder / "instance"), "--port", str(port)],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if requests.get(base + "/-/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None:
                break
            time.sleep(0.1)
        output = (folder / "demo.log").read_text()
        assert server.poll() is None, output
        assert "Try a search for the postcode YO1 7HH or the street Clarence Street" in output
        password = (folder / "instance" / "demo-admin-password.txt").read_text().strip()
        yield {"base": base, "email": "admin@example.org", "password": password}
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def offline_context(browser: Any, *, javascript: bool = True, width: int = 1280) -> Any:
    """A browser context that can reach 127.0.0.1 only."""
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    return context


def words(page: Any) -> str:
    return " ".join(page.inner_text("main").split())


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_resident_searches_by_the_demo_postcode_and_street(civic_browser, demo, javascript):
    context = offline_context(civic_browser, javascript=javascript)
    page = context.new_page()
    try:
        page.goto(demo["base"] + "/")
        assert "postcode YO1 7HH or the street Clarence Street" in words(page), "the front page names both"
        page.get_by_role("link", name="Planning applications").first.click()
        page.get_by_label("Postcode or street").fill("YO1 7HH")
        page.get_by_role("button", name="Search", exact=True).click()
        found = words(page)
        assert re.search(r"\d+ applications within 800 metres of YO1 7HH, newest first", found), found[:400]
        assert "could not look up" not in found
        assert "Page 1 of" in found, "a long list comes in pages"
        page.get_by_role("link", name="show nearest first").click()
        assert "YO1 7HH, nearest first" in words(page)
        page.locator("summary", has_text="Or choose the place on the map").click()
        if javascript:
            assert_accessible(page)  # results, pager and the opened place picker

        page.get_by_label("Postcode or street").fill("Clarence Street")
        page.get_by_role("button", name="Search", exact=True).click()
        assert re.search(r"\d+ applications within 800 metres of Clarence Street, York", words(page))

        page.get_by_label("Postcode or street").fill("bridge")
        page.get_by_role("button", name="Search", exact=True).click()
        if javascript:  # axe-core runs as a script
            assert_accessible(page)  # the list of streets to pick from
        page.get_by_role("link", name="Skeldergate Bridge, York").click()
        assert "of Skeldergate Bridge, York" in words(page)
        first = page.locator(".pa-result__title a").first
        first.click()
        detail = words(page)
        assert "City of York Council" in detail and "not given" not in detail
        assert not re.search(r"\b(Type|Status) (FUL|LBC|PCO|PER|REC)\b", detail)
        page.get_by_role("link", name="About this site and its data").click()
        credits = words(page)
        assert "OS Code-Point Open" in credits and "City of York Council (York Open Data)" in credits
        assert "Contains OS data © Crown copyright and database right." in credits
        if javascript:
            assert_accessible(page)
    finally:
        context.close()


def test_the_map_picker_chooses_a_place_by_keyboard(civic_browser, demo):
    context = offline_context(civic_browser)
    page = context.new_page()
    try:
        page.goto(demo["base"] + "/planning-alerts/?q=YO1+7HH")
        page.locator("summary", has_text="Or choose the place on the map").press("Enter")
        marker = page.locator("[data-pa-search-picker] .leaflet-marker-icon")
        marker.focus()
        start = float(page.locator("[data-pa-search-picker]").get_attribute("data-lat"))
        assert page.get_by_label("Latitude").input_value() == "", "shown where the search was, not chosen yet"
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        assert float(page.get_by_label("Latitude").input_value()) == pytest.approx(start + 0.0009, abs=1e-6)
        assert "Choose “Use these coordinates”" in page.inner_text("#pa-picked"), "the new position is announced"
        page.get_by_role("button", name="Use these coordinates").press("Enter")
        assert re.search(r"within 800 metres of 53\.96\d+, -1\.08\d+", words(page))
    finally:
        context.close()


def read_inbox(browser: Any, demo: dict[str, str], recipient_start: str) -> str:
    """Sign in as staff and return the newest dev-inbox message's text for that recipient."""
    context = offline_context(browser)
    page = context.new_page()
    try:
        page.goto(demo["base"] + "/-/login?next=/-/inbox")
        page.get_by_label("Email address").fill(demo["email"])
        page.get_by_label("Password", exact=True).fill(demo["password"])  # not "Show password"
        page.get_by_role("button", name="Sign in").click()
        for _ in range(100):
            page.goto(demo["base"] + "/-/inbox")
            cards = [c for c in page.locator("main section").all() if recipient_start in c.inner_text()]
            if cards:
                return html.unescape(cards[0].inner_html())
            time.sleep(0.2)
        raise AssertionError(f"no message to {recipient_start}… arrived in the dev inbox")
    finally:
        context.close()


def link(message: str, kind: str) -> str:
    return re.search(rf"http://127\.0\.0\.1:\d+/alerts/{kind}/[A-Za-z0-9_.\-]+", message).group(0)


def subscribe_by_email(page: Any, demo: dict[str, str], address: str, *, keyboard: bool) -> None:
    page.goto(demo["base"] + "/planning-alerts/alerts")
    email = page.get_by_role("radio", name="Email")
    assert page.locator("input[name=channel]").first.get_attribute("value") == "email", "email is offered first"
    if not keyboard:
        page.get_by_label("Postcode").fill("YO1 7HH")
        email.check()
        page.get_by_label("Where should we send them?").fill(address)
        page.get_by_role("button", name="Continue").click()
        return
    tab_to(page, "#postcode")
    page.keyboard.type("YO1 7HH")
    tab_to(page, "input[name=channel]")
    page.keyboard.press("Space")  # the first channel, email
    assert email.is_checked()
    tab_to(page, "#target")
    page.keyboard.type(address)
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/alerts/confirm**")


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on ``selector``: proof that a keyboard alone reaches it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


@pytest.mark.parametrize(
    "javascript, keyboard", [(True, False), (False, False), (True, True)], ids=["js", "no-js", "keyboard-only"]
)
def test_resident_subscribes_to_email_alerts_confirms_from_the_inbox_changes_and_stops(
    civic_browser, demo, javascript, keyboard
):
    # Distinct first letters: the inbox masks all but the first letter of an address.
    address = f"{'keys' if keyboard else 'js' if javascript else 'nojs'}.resident@example.org"
    context = offline_context(civic_browser, javascript=javascript)
    page = context.new_page()
    try:
        subscribe_by_email(page, demo, address, keyboard=keyboard)
        assert "/alerts/confirm" in page.url, words(page)
        message = read_inbox(civic_browser, demo, address[:1])
        assert "Confirm your alerts" in message

        page.goto(link(message, "confirm"))
        confirm = page.get_by_role("button", name="Yes, send me these alerts")
        if keyboard:
            tab_to(page, "form button[type=submit]")
            with page.expect_navigation():
                page.keyboard.press("Enter")
        else:
            confirm.click()
        assert "Your alerts are on" in words(page)

        page.goto(link(message, "manage"))
        row = page.locator("tbody tr").filter(has_text="YO1 7HH").first
        if keyboard:
            tab_to(page, "select[name=frequency]")
            page.keyboard.press("End")  # the last choice: once a week
            tab_to(page, "form:has(select) button[type=submit]")
            with page.expect_navigation():
                page.keyboard.press("Enter")
        else:
            row.locator("select").select_option("weekly")
            row.get_by_role("button", name="Save").click()
        assert "Your change is saved." in words(page)
        assert page.locator("tbody tr").filter(has_text="YO1 7HH").first.locator("select").input_value() == "weekly"

        if keyboard:
            tab_to(page, "button[name=action][value=unsubscribe]")
            with page.expect_navigation():
                page.keyboard.press("Enter")
        else:
            page.locator("tbody tr").filter(has_text="YO1 7HH").first.get_by_role("button", name="Stop").click()
        assert "Your change is saved." in words(page)
        assert page.locator("tbody tr").filter(has_text="YO1 7HH").count() == 0, "stopped"
    finally:
        context.close()
