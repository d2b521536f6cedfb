"""Every bin collections page, a resident's and a member of staff's, refused forms included, in headless
Chromium, in English and in Welsh: WCAG 2.2 AA by axe-core at 375 and 1280 px with JavaScript on and off,
text contrast measured, no sideways scrolling at 320, 375 and 1280 px, and every page in Welsh when Welsh is
chosen.

Each check opens one browser context per width, JavaScript on or off and language, and walks every page in it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from civicapps_bin_collections.models import Disruption
from playwright.sync_api import Page, expect

from civicapps import db_session
from civicapps.auth import create_user
from civicapps.testing import (
    assert_no_sideways_scroll,
    assert_page_checks,
    english_left,
    open_page,
    page_texts,
)

from .conftest import fixture_text

pytestmark = pytest.mark.browser
STAFF = ("crew@council.example", "a-long-staff-password")
UPRN = "100050600001"  # 10 Stonegate: R1, R2 and R4 (glass), which the notice concerns


@pytest.fixture
def base(loaded_app, set_now, civic_live_server_factory) -> str:
    """The fixtures' rounds, addresses and exceptions (Easter ahead), a current notice, a member of staff."""
    set_now("2027-03-22 07:00")
    app = loaded_app()
    with app.app_context():
        create_user(STAFF[0], "Crew Lead", STAFF[1])
        db_session().add(
            Disruption(
                message="Glass collections are suspended this week because of snow.",
                rounds="R4",
                starts_on=dt.date(2027, 3, 22),
                ends_on=dt.date(2027, 3, 26),
                created_by=STAFF[0],
            )
        )
        db_session().commit()
    return civic_live_server_factory(app)


def submit(page: Page, form: str) -> None:
    """Press the form's submit button (by position, so the walk works in every language)."""
    page.locator(f"{form} button.govuk-button").last.click()


def refused(page: Page) -> None:
    expect(page.locator(".govuk-error-summary")).to_be_visible()


def bin_pages(page: Page, base: str, language: str = "en") -> Iterator[str]:
    """Walk every page a resident and a member of staff reach in ``language``, yielding each one's name once
    shown."""
    page.goto(f"{base}/?lang={language}")  # as the language switcher does; remembered
    page.goto(base + "/bin-collections/")
    yield "search"
    submit(page, "main form")
    refused(page)
    yield "search, refused"
    page.goto(base + "/bin-collections/?postcode=nonsense")
    refused(page)
    yield "search, not a postcode"
    page.goto(base + "/bin-collections/?postcode=YO31+7EW")
    yield "addresses"
    submit(page, "main form[action$='/address']")
    refused(page)
    expect(page.locator("input[name=uprn]")).to_have_count(3)  # the list again, with its error
    yield "addresses, none chosen"
    for name, path in [
        ("address", f"/bin-collections/address/{UPRN}"),
        ("calendar", f"/bin-collections/address/{UPRN}/calendar"),
        ("reminders", f"/bin-collections/address/{UPRN}/reminders"),
    ]:
        page.goto(base + path)
        yield name
    submit(page, "main form")
    refused(page)
    yield "reminders, refused"
    page.goto(base + "/-/login")
    page.fill("#email", STAFF[0])
    page.fill("#password", STAFF[1])
    submit(page, "main form")
    expect(page.locator(".govuk-service-navigation")).to_contain_text("Crew Lead")
    page.goto(base + "/bin-collections/staff")
    yield "staff"
    submit(page, "main form")
    refused(page)
    yield "staff, refused"
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{language}\b"))  # still, after it all


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [375, 1280])
def test_bin_pages_meet_wcag_22_aa(base: str, civic_browser: Any, width: int, javascript: bool, language: str) -> None:
    page = open_page(civic_browser, width, javascript=javascript)
    try:
        for name in bin_pages(page, base, language):
            assert_page_checks(page, name)
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_no_bin_page_scrolls_sideways_at_320_pixels(
    base: str, civic_browser: Any, javascript: bool, language: str
) -> None:
    page = open_page(civic_browser, 320, 640, javascript)
    try:
        for name in bin_pages(page, base, language):
            assert_no_sideways_scroll(page, name)
    finally:
        page.context.close()


#: What the test's data puts on the pages, the same in both languages: the council, the addresses and
#: postcodes, the rounds' bins and colours, the exceptions' reasons, the notice staff wrote, staff's name.
DATA = {
    "Example Council",
    "Crew Lead",
    "1 Clarence Street, York",
    "2 Clarence Street, York",
    "3 Clarence Street, York",
    "10 Stonegate, York",
    "YO31 7EW",
    "YO1 8AS",
    "General waste",
    "Recycling",
    "Garden waste",
    "Glass",
    "Black",
    "Blue",
    "Brown",
    "Green",
    "Glass collections are suspended this week because of snow.",
    *(line.rsplit(",", 1)[1] for line in fixture_text("exceptions.csv").splitlines()[1:]),  # the reasons
}
#: Names, the same in Welsh: formats and apps; "Problem" and "Bin" are Welsh too.
NAMES = {"JSON", "CSV", "Discord", "Slack", "ntfy", "Telegram", "Matrix", "Problem", "Bin"}


def test_every_bin_page_is_in_welsh_when_welsh_is_chosen(base: str, civic_browser: Any) -> None:
    texts: dict[str, dict[str, set[str]]] = {}
    for language in ("en", "cy"):
        page = open_page(civic_browser, 1280)
        try:
            for name in bin_pages(page, base, language):
                texts.setdefault(name, {})[language] = page_texts(page)
                if language == "cy":
                    assert page.locator("html").get_attribute("lang") == "cy", name  # (walks check WCAG in Welsh)
        finally:
            page.context.close()
    left = {name: english_left(t["en"], t["cy"], ignore=DATA | NAMES) for name, t in texts.items()}
    assert {name: found for name, found in left.items() if found} == {}
