"""Every organogram page (public, member, group admin and council staff, with refused forms and success banners) in
headless Chromium, in English and in Welsh: WCAG 2.2 AA by axe-core on a phone (375 px) and a desktop (1280 px),
with JavaScript on and off; the contrast of every link and button measured; nothing scrolls sideways at 320, 375
and 1280 px (a wide chart scrolls inside its own labelled, focusable region); and every page in Welsh when Welsh is
chosen.

One app and one browser context per width, JavaScript and language combination walk every page, so Chromium starts
once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from civicapps_organogram.models import Invitation, Membership, Person, Post
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from civicapps import db_session, gettext
from civicapps.auth import create_user
from civicapps.testing import (
    assert_no_sideways_scroll,
    assert_page_checks,
    english_left,
    open_page,
    page_texts,
)

from .conftest import import_fixture, link_in, messages, post_form, register_group

pytestmark = pytest.mark.browser

ADMIN, MEMBER, NEWCOMER = "ann@example.org", "bob@example.org", "cara@example.org"
STAFF = ("pat.officer@example.gov.uk", "a long test password")
WIDE_GROUP = 1  # the imported Office for Neighbourhood Renewal: a chart far wider than a phone


class Site:
    """The app served over HTTP, with a group whose admin (Ann) has posts, a member's request, an invitation and a
    hand-over behind her, another group waiting for its confirmation link, and a member of council staff."""

    def __init__(self, app: Flask, base: str) -> None:
        self.app, self.base = app, base
        import_fixture(app)
        admin = app.test_client()
        self.group = register_group(app, admin, ADMIN)
        manage = f"/organogram/groups/{self.group}/manage"
        post_form(
            admin, manage, f"/organogram/groups/{self.group}/posts", **{"post-label": "Chair", "post-reports_to": "0"}
        )
        post_form(admin, manage, f"/organogram/groups/{self.group}/invitations", **{"invite-email": NEWCOMER})
        member = app.test_client()
        register_group(app, member, MEMBER, name="Port Erin Beach Cleans")  # Bob signs in by confirming a group
        post_form(member, f"/organogram/groups/{self.group}", f"/organogram/groups/{self.group}/join")
        with app.app_context():
            chair = db_session().scalar(select(Post.id).where(Post.group_id == self.group))
            ann = db_session().scalar(select(Person.id).where(Person.email == ADMIN))
            self.code = db_session().scalar(select(Invitation.code))
            create_user(STAFF[0], "Pat Officer", STAFF[1], "staff")
        handover = {"handover-post": str(chair), "handover-member": str(ann)}
        post_form(admin, manage, f"/organogram/groups/{self.group}/hand-over", **handover)
        pending = app.test_client()
        post_form(
            pending,
            "/organogram/register",
            name="Bradda Glen Friends",
            description="We look after Bradda Glen.",
            theme="environment",
            parent_id="0",
            contact_email="bradda@example.org",
            your_email=NEWCOMER,
        )
        self.confirm_link = link_in(messages(app, NEWCOMER)[-1])

    def requests_waiting(self) -> bool:
        with self.app.app_context():
            return db_session().scalar(select(Membership.id).where(Membership.status == "requested")) is not None


@pytest.fixture
def site(app: Flask, civic_live_server_factory: Any) -> Site:
    return Site(app, civic_live_server_factory(app))


Words = Callable[..., str]


def in_language(app: Flask, language: str) -> Words:
    """gettext in ``language``: the walk finds buttons and headings by their names in the page's language."""

    def words(text: str, **values: Any) -> str:
        with app.test_request_context(f"/?lang={language}"):
            return gettext(text, **values)

    return words


def goto(page: Page, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, url


def organogram_pages(page: Page, site: Site, language: str = "en") -> Iterator[str]:
    """Walk every organogram page a resident, a group admin and council staff reach in ``language``, yielding each
    one's name once it is shown. Ann signs in through the emailed link; staff through the core's sign-in page. The
    walk names buttons and headings in the page's language."""
    base, group, t = site.base + "/organogram", site.group, in_language(site.app, language)
    goto(page, f"{base}/?lang={language}")  # as the language switcher does; remembered
    banner = page.locator(".govuk-notification-banner--success")
    for name, path in [
        ("register of groups", "/"),
        ("register, filtered", "/?area=Port+Erin&theme=environment"),
        ("group with a wide chart", f"/groups/{WIDE_GROUP}"),
        ("group page", f"/groups/{group}"),
        ("register a group", "/register"),
        ("join with a code", "/join"),
        ("confirm a group", site.confirm_link.removeprefix("/organogram")),
    ]:
        goto(page, base + path)
        yield name
    goto(page, base + "/register")
    page.get_by_role("button", name=t("Register the group")).click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "register a group, refused"
    goto(page, base + "/join")
    page.get_by_role("button", name=t("Continue")).click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "join with a code, refused"
    goto(page, base + "/sign-in")
    page.get_by_role("button", name=t("Send me a sign-in link")).click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "sign in, refused"
    page.locator("#email").fill(ADMIN)
    page.get_by_role("button", name=t("Send me a sign-in link")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Check your email"))
    yield "sign-in link sent"
    goto(page, site.base + link_in(messages(site.app, ADMIN)[-1]))
    yield "sign in as?"
    page.get_by_role("button", name=t("Sign in")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Your groups and data"))
    yield "your data"
    page.locator("#name").fill("Ann Example")
    page.get_by_role("button", name=t("Save your name")).click()
    expect(banner).to_contain_text(t("Your name has been saved"))
    yield "your data, name saved"
    page.locator("form[action*='/holdings/'] button").click()  # "Show my name" (or "Hide" on a second walk)
    expect(banner).to_be_visible()
    yield "your data, name shown or hidden"
    goto(page, base + f"/join/{site.code}")
    yield "join with an invitation?"
    goto(page, base + "/join/not-a-code", 404)
    yield "invitation does not work"
    goto(page, base + f"/groups/{group}")
    yield "group page, as its admin"
    goto(page, base + f"/groups/{group}/manage")
    yield "manage"
    page.locator("#post-label").fill("Treasurer")
    page.get_by_role("button", name=t("Add the post")).click()
    expect(banner).to_contain_text(t("Post added: %(post)s", post="Treasurer"))
    yield "manage, post added"
    page.get_by_role("button", name=t("Add the post")).click()  # no title: refused, next to the field and on top
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator("#post-label-error")).to_be_visible()
    yield "manage, refused"
    if site.requests_waiting():
        page.get_by_role("button", name=t("Approve")).click()
        expect(banner).to_be_visible()
        yield "manage, request approved"
    for name, path, button in [
        ("archive", f"/groups/{group}/archive", "Archive the group"),
        ("delete your data", "/my-data/erase", "Delete my data"),
    ]:
        goto(page, base + path)
        yield name
        page.get_by_role("button", name=t(button)).click()  # the box is not ticked: nothing happens
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        yield f"{name}, refused"
    goto(page, site.base + "/-/login")
    page.get_by_label(t("Email address")).fill(STAFF[0])
    page.get_by_label(t("Password"), exact=True).fill(STAFF[1])
    page.get_by_role("button", name=t("Sign in")).click()
    expect(page.get_by_text(t("Signed in as %(name)s", name="Pat Officer"))).to_have_count(1)
    goto(page, base + "/staff/")
    yield "staff register"
    page.get_by_role("button", name=t("Verify")).first.click()
    expect(banner).to_be_visible()
    yield "staff register, verified"
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{language}\b"))  # still, after it all


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [375, 1280])
def test_organogram_pages_meet_wcag_22_aa(
    site: Site, civic_browser: Any, width: int, javascript: bool, language: str
) -> None:
    page, t = open_page(civic_browser, width, javascript=javascript), in_language(site.app, language)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    answered = "Failed to load resource: the server responded with a status of {}"
    expected = {answered.format("422 (UNPROCESSABLE ENTITY)"), answered.format("404 (NOT FOUND)")}  # the pages' own
    try:
        for name in organogram_pages(page, site, language):
            assert_page_checks(page, name)
            if name == "group with a wide chart":
                chart = page.get_by_role("region", name=t("Organisation chart"))
                expect(chart).to_have_attribute("tabindex", "0")  # reachable by keyboard, to scroll it
                assert chart.evaluate("el => el.scrollWidth > el.clientWidth"), "the chart scrolls inside its region"
            if javascript:
                assert set(errors) <= expected, name  # a script or style the Content-Security-Policy blocked, say
                errors.clear()
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_no_organogram_page_scrolls_sideways_at_320_pixels(
    site: Site, civic_browser: Any, javascript: bool, language: str
) -> None:
    page = open_page(civic_browser, 320, 640, javascript)
    try:
        for name in organogram_pages(page, site, language):
            assert_no_sideways_scroll(page, name)
    finally:
        page.context.close()


#: Data the test app puts on the pages that reads the same in both languages: the council's name, and the browser
#: titles of group pages (the group's name). Group names, areas, post titles and people's names are marked
#: translate="no" on the pages themselves.
DATA = {
    "Example Council",
    "Office for Neighbourhood Renewal – Example Council",
    "Friends of Athol Park – Example Council",
}


def test_every_organogram_page_is_in_welsh_when_welsh_is_chosen(site: Site, civic_browser: Any) -> None:
    """Each language walks in its own context (both start signed out); the choice is remembered by its cookie."""
    english: dict[str, set[str]] = {}
    for language in ("en", "cy"):
        page = open_page(civic_browser, 1280)
        try:
            for name in organogram_pages(page, site, language):
                if language == "en":
                    english[name] = page_texts(page)
                    continue
                assert page.locator("html").get_attribute("lang") == "cy", name  # (the walks check WCAG in Welsh)
                assert english_left(english[name], page_texts(page), ignore=DATA) == [], name
        finally:
            page.context.close()
