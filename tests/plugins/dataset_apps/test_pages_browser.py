"""Every page of a configured app, a resident's and a member of staff's, in headless Chromium (#14's checks), in
English and in Welsh: WCAG 2.2 AA by axe-core at 375 and 1280 px with JavaScript on and off, every link and
button's contrast measured, no sideways scrolling at 320, 375 and 1280 px, and every page in Welsh when Welsh
is chosen.

Each check opens one tab per width, JavaScript on or off and language, and walks every page in it. The Atom feed and
the JSON API are data, not pages, and are left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from civicapps_dataset_apps.records import items_of
from playwright.sync_api import Page, expect

from civicapps import pull_feed
from civicapps.auth import create_user
from civicapps.testing import (
    assert_no_sideways_scroll,
    assert_page_checks,
    english_left,
    open_page,
    page_texts,
)

from .conftest import END, ROADWORKS, ROADWORKS_CSV, START

pytestmark = pytest.mark.browser
STAFF = ("clerk@council.example", "a-long-staff-password")
TILES = {"tile_url": "http://127.0.0.1:9/{z}/{x}/{y}.png"}  # no network: tiles fail fast
#: RW-4 has no street, so the title template (``street.upper()``) fails on it: the staff page lists it.
CSV = ROADWORKS_CSV + f"RW-4,,Pole repair,Openreach,Minor,{START},{END},460150,452350\n"
#: 31 February in "from", and "to" without its year: both refused beside their fields, the other filters kept.
BAD_DATES = "from-day=31&from-month=2&from-year=2026&to-day=1&to-month=3"


@pytest.fixture
def walked(roadworks_app, civic_live_server_factory) -> tuple[Any, str, dict[str, int]]:
    """The roadworks app with one record its title template fails on, a member of staff; served over HTTP."""
    title = "{{ record.works }} on {{ record.street.upper() }}"
    app = roadworks_app(csv=CSV, app={"show": {**ROADWORKS["show"], "title": title}}, settings=TILES)
    pull_feed(app, "roadworks")
    with app.app_context():
        create_user(STAFF[0], "Clerk", STAFF[1], "staff")
        ids = {item.reference: item.id for item in items_of("roadworks")}
    return app, civic_live_server_factory(app), ids


def dataset_pages(page: Page, base: str, ids: dict[str, int], language: str = "en") -> Iterator[str]:
    """Walk every page a resident and a member of staff reach in ``language``, yielding each one's name once
    shown."""
    page.goto(f"{base}/?lang={language}")  # as the language switcher does; remembered
    for name, path in [
        ("index", "/dataset-apps/"),
        ("search", "/dataset-apps/roadworks/"),
        ("results", "/dataset-apps/roadworks/?q=YO31+7EH&radius=500&category=Major&keywords=gas&from=2020-01-01"),
        ("search, refused", "/dataset-apps/roadworks/?q=ZZ9+9ZZ&radius=1"),
        ("search, dates refused", f"/dataset-apps/roadworks/?q=YO31+7EH&category=Major&{BAD_DATES}"),
        ("item", f"/dataset-apps/roadworks/items/{ids['RW-1']}"),
        ("item, template failing", f"/dataset-apps/roadworks/items/{ids['RW-4']}"),
    ]:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        yield name
    page.goto(base + "/dataset-apps/roadworks/alerts?lat=53.964&lon=-1.0855&q=YO31+7EH&category=Major")
    yield "alert form"
    page.locator("main form button.govuk-button").last.click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "alert form, refused"
    page.goto(base + "/-/login")
    page.fill("#email", STAFF[0])
    page.fill("#password", STAFF[1])
    page.locator("main form button.govuk-button").last.click()
    expect(page.locator(".govuk-service-navigation")).to_contain_text("Clerk")
    page.goto(base + "/dataset-apps/roadworks/staff")
    expect(page.locator("main h3")).to_have_count(1)  # the one record a template fails on
    yield "staff"
    page.goto(base + f"/dataset-apps/roadworks/items/{ids['RW-4']}")
    expect(page.locator(".govuk-warning-text")).to_have_count(1)
    yield "item, template failing, to staff"
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{language}\b"))  # still, after it all


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [375, 1280])
def test_dataset_app_pages_meet_wcag_22_aa(
    walked, civic_browser: Any, width: int, javascript: bool, language: str
) -> None:
    app, base, ids = walked
    page = open_page(civic_browser, width, javascript=javascript)
    try:
        for name in dataset_pages(page, base, ids, language):
            assert_page_checks(page, name)
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_no_dataset_app_page_scrolls_sideways_at_320_pixels(
    walked, civic_browser: Any, javascript: bool, language: str
) -> None:
    app, base, ids = walked
    page = open_page(civic_browser, 320, 640, javascript)
    try:
        for name in dataset_pages(page, base, ids, language):
            assert_no_sideways_scroll(page, name)
    finally:
        page.context.close()


def test_a_resident_types_a_date_in_three_fields_and_the_list_keeps_to_it(walked, civic_page: Page) -> None:
    app, base, ids = walked
    civic_page.goto(base + "/dataset-apps/roadworks/")
    after_all = dt.date.today() + dt.timedelta(days=15)  # every record ends 14 days from today
    start = civic_page.get_by_role("group", name="Date from")
    for part, value in [("Day", after_all.day), ("Month", after_all.month), ("Year", after_all.year)]:
        start.get_by_label(part).fill(str(value))
    civic_page.get_by_role("button", name="Search", exact=True).click()
    expect(civic_page.locator("main")).to_contain_text("Nothing to show here.")
    assert f"from-day={after_all.day}&from-month={after_all.month}&from-year={after_all.year}" in civic_page.url
    expect(start.get_by_label("Year")).to_have_value(str(after_all.year))
    start.get_by_label("Day").fill("32")
    civic_page.get_by_role("button", name="Search", exact=True).click()
    expect(civic_page.locator("#from-error")).to_contain_text("Date from must be a real date")
    expect(civic_page.get_by_role("link", name="Date from must be a real date")).to_have_attribute("href", "#from-day")


#: What the app's table and the test's feed put on the pages, the same in both languages: the council's name,
#: the app's title and description and its field names (configuration is data), the test's place and people.
DATA = {
    "Example Council",
    ROADWORKS["title"],
    ROADWORKS["description"],
    *ROADWORKS["fields"],  # the staff page names each field as configured
    *(field.capitalize() for field in ROADWORKS["fields"]),  # the item page, as a label
    "Clerk",
    "© OpenStreetMap contributors",  # the tiles' credit, as the tile provider words it
    "show.title: 'None' has no attribute 'upper'",  # the template engine's own words, shown to staff
}
#: Names, the same in Welsh: formats, the map library and the alert channels' apps.
NAMES = {"JSON", "GeoJSON", "Leaflet", "Discord", "Slack", "ntfy"}


def record_texts() -> set[str]:
    """Every field value and worded text of the test's records, as the pages show them."""
    texts: set[str] = set()
    for line in CSV.splitlines()[1:]:
        permit, street, works, promoter, category, start, end, *_ = line.split(",")
        texts |= {permit, street, works, promoter, category, f"{works} on {street.upper()}"}
        texts |= {f"By {promoter}, {start} to {end}"}
    return texts


def test_every_dataset_app_page_is_in_welsh_when_welsh_is_chosen(walked, civic_browser: Any, civic_feed_server) -> None:
    app, base, ids = walked
    texts: dict[str, dict[str, set[str]]] = {}
    for language in ("en", "cy"):
        page = open_page(civic_browser, 1280)
        try:
            for name in dataset_pages(page, base, ids, language):
                texts.setdefault(name, {})[language] = page_texts(page)
                if language == "cy":
                    assert page.locator("html").get_attribute("lang") == "cy"  # (the walks check WCAG in Welsh)
        finally:
            page.context.close()
    data = DATA | record_texts() | {civic_feed_server.url("/roadworks.csv")}
    ignore = data | {f"{text} – Example Council" for text in data} | NAMES  # page titles name the council
    left = {name: english_left(t["en"], t["cy"], ignore=ignore) for name, t in texts.items()}
    assert {name: found for name, found in left.items() if found} == {}
