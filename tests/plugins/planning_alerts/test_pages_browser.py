"""Every planning page, a resident's and a member of staff's, in headless Chromium, in English and in Welsh:
WCAG 2.2 AA by axe-core at 375 and 1280 px with JavaScript on and off, every link and button's contrast
measured, no sideways scrolling at 320, 375 and 1280 px, and every page in Welsh when Welsh is chosen.

Each check opens one browser tab per width, JavaScript on or off and language, and walks every page in it,
rather than a test per page: the pages, not the browser start-ups, are what is being tested.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from civicapps.auth import create_user
from civicapps.feeds import pull_feed
from civicapps.testing import (
    assert_no_sideways_scroll,
    assert_page_checks,
    english_left,
    open_page,
    page_texts,
)

from .alerts_support import GRID, feed_csv
from .conftest import applications

pytestmark = pytest.mark.browser
STAFF = ("clerk@council.example", "a-long-staff-password")


@pytest.fixture
def walked(pa_app, civic_feed_server, civic_live_server_factory):
    """Westminster's applications (one changed, so it has a history), a council whose list cannot be read
    (the notice banner), five results a page (the pagination), a member of staff; served over HTTP."""
    good = civic_feed_server.add("/london.csv", feed_csv())
    broken = civic_feed_server.add("/broken.csv", "", status=500)
    feeds = {
        "london": {"preset": "easting_northing", "url": good, "authority": "Westminster"},
        "lambeth": {"preset": "easting_northing", "url": broken, "authority": "Lambeth", "failing_after": 0.001},
    }
    app = pa_app(feeds=feeds, settings={"page_size": 5, "tile_url": "http://127.0.0.1:9/{z}/{x}/{y}.png"})
    pull_feed(app, "london")
    civic_feed_server.add("/london.csv", feed_csv({"W/11": "Approved"}))
    pull_feed(app, "london")
    pull_feed(app, "lambeth")
    with app.app_context():
        create_user(STAFF[0], "Clerk", STAFF[1], "staff")
    return app, civic_live_server_factory(app)


def submit(page: Page, form: str) -> None:
    """Press the form's submit button (by position, so the walk works in every language)."""
    page.locator(f"{form} button.govuk-button:not([type=button])").last.click()


def planning_pages(page: Page, base: str, followed: int, language: str = "en") -> Iterator[str]:
    """Walk every planning page a resident and a member of staff reach in ``language``, yielding each one's name
    once shown."""
    page.goto(f"{base}/?lang={language}")  # as the language switcher does; remembered
    for name, path in [
        ("search", "/planning-alerts/"),
        ("results", "/planning-alerts/?q=WC2N+5DU&radius=800"),
        ("results, page 2", "/planning-alerts/?q=WC2N+5DU&radius=800&page=2"),
        ("search, refused", "/planning-alerts/?q=ZZ9+9ZZ"),
        ("application", f"/planning-alerts/applications/{followed}"),
    ]:
        page.goto(base + path)
        yield name
    submit(page, "form[action$='/follow']")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "follow, refused"
    page.goto(base + "/planning-alerts/alerts")
    yield "alerts"
    submit(page, "main form")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "alerts, refused"
    page.goto(base + "/-/login")
    page.fill("#email", STAFF[0])
    page.fill("#password", STAFF[1])
    submit(page, "main form")
    expect(page.locator(".govuk-service-navigation")).to_contain_text("Clerk")
    page.goto(base + "/planning-alerts/staff/")
    yield "staff"
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{language}\b"))  # still, after it all


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [375, 1280])
def test_planning_pages_meet_wcag_22_aa(
    walked, civic_browser: Any, width: int, javascript: bool, language: str
) -> None:
    app, base = walked
    page = open_page(civic_browser, width, javascript=javascript)
    try:
        for name in planning_pages(page, base, applications(app)["W/11"].id, language):
            assert_page_checks(page, name)
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_no_planning_page_scrolls_sideways_at_320_pixels(
    walked, civic_browser: Any, javascript: bool, language: str
) -> None:
    app, base = walked
    page = open_page(civic_browser, 320, 640, javascript)
    try:
        for name in planning_pages(page, base, applications(app)["W/11"].id, language):
            assert_no_sideways_scroll(page, name)
    finally:
        page.context.close()


def test_the_comment_button_stays_on_one_line_on_a_phone(pa_app, civic_feed_server, civic_live_server_factory,
                                                         civic_browser: Any) -> None:
    header = "reference,description,address,type,status,easting,northing,url\n"
    url = civic_feed_server.add("/c.csv", header + "W/1,Rear extension,1 Example Street,Full,Registered,"
                                "529300,179500,https://planning.example.gov.uk/W1/comment\n")
    app = pa_app(feeds={"c": {"preset": "easting_northing", "url": url, "authority": "Westminster"}})
    pull_feed(app, "c")
    base = civic_live_server_factory(app)
    page = open_page(civic_browser, 375)
    try:
        page.goto(f"{base}/planning-alerts/applications/{applications(app)['W/1'].id}")
        button = page.get_by_role("button", name="Comment on this application")
        lines = button.evaluate(
            "b => { const r = document.createRange(); r.selectNodeContents(b);"
            " return new Set([...r.getClientRects()].map((box) => Math.round(box.top))).size; }"
        )
        assert lines == 1, "the button's words on one line"
    finally:
        page.context.close()


#: What the test feeds and settings put on the pages, the same in both languages: the councils' names, the
#: applications' references, addresses, proposals, types and statuses, and the test's own place names.
DATA = {
    "Example Council",
    "Westminster",
    "Lambeth",
    "(Westminster)",  # which council's CSV a download link is, for screen readers
    "london",
    "lambeth",
    "Trees",
    "Full",
    "Registered",
    "Approved",
    "Clerk",
    "SW1A 1AA",
    *(f"{ref} Example Street, London" for ref, *_ in GRID),
    *(f"{ref}, {ref} Example Street, London" for ref, *_ in GRID),
    *(f"{ref}: {ref} Example Street, London" for ref, *_ in GRID),
    *(f"{'Fell one tree' if kind == 'Trees' else 'Rear extension'} at site {ref}" for ref, _, _, kind in GRID),
    "© OpenStreetMap contributors",  # the tiles' credit, as the tile provider words it
    "Cannot fetch {broken}: the server answered HTTP 500 Internal Server Error (tried 2 times).",  # a feed's error
}
#: Names, the same in Welsh: formats, apps, the map library; "Problem" is Welsh too.
NAMES = {"JSON", "GeoJSON", "CSV", "Discord", "Slack", "ntfy", "Leaflet", "Problem"}


def test_every_planning_page_is_in_welsh_when_welsh_is_chosen(walked, civic_browser: Any, civic_feed_server) -> None:
    app, base = walked
    followed = applications(app)["W/11"].id
    texts: dict[str, dict[str, set[str]]] = {}
    for language in ("en", "cy"):
        page = open_page(civic_browser, 1280)
        try:
            for name in planning_pages(page, base, followed, language):
                texts.setdefault(name, {})[language] = page_texts(page)
                if language == "cy":
                    assert page.locator("html").get_attribute("lang") == "cy"  # (the walks check WCAG in Welsh)
        finally:
            page.context.close()
    broken = f"{civic_feed_server.url('/broken.csv')}"
    ignore = {text.format(broken=broken) for text in DATA} | NAMES
    left = {name: english_left(t["en"], t["cy"], ignore=ignore) for name, t in texts.items()}
    assert {name: found for name, found in left.items() if found} == {}
