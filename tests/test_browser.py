"""The core pages in headless Chromium: WCAG 2.2 AA by axe-core, the staff sign-in flow, the CSP.

Chromium comes from Debian (``apt-get install chromium``; tests/run.sh does it), driven by Playwright
with ``executable_path``; ``playwright install`` is never needed.
"""
from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from civicapps.auth import create_user
from civicapps.testing import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def page(civic_page: Page) -> Page:
    return civic_page


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize("path", ["/", "/-/login", "/-/no-such-page"], ids=["home", "login", "not-found"])
def test_page_meets_wcag_22_aa(page: Page, civic_live_server: str, path: str, lang: str) -> None:
    response = page.goto(f"{civic_live_server}{path}?lang={lang}")
    assert response is not None and response.status == (404 if path == "/-/no-such-page" else 200)
    assert_accessible(page)


def test_language_switcher_changes_and_keeps_the_language(page: Page, civic_live_server: str) -> None:
    page.goto(civic_live_server + "/about")
    page.get_by_role("link", name="Cymraeg").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ynglŷn â'r wefan hon a'i data")
    page.goto(civic_live_server + "/-/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mewngofnodi staff")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign in")


def test_login_errors_meet_wcag_22_aa(page: Page, civic_live_server: str) -> None:
    page.goto(civic_live_server + "/-/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_role("link", name="Enter your email address")).to_be_visible()
    assert_accessible(page)


def test_staff_sign_in_and_out(page: Page, civic_app: Flask, civic_live_server: str) -> None:
    with civic_app.app_context():
        create_user("pat.officer@example.gov.uk", "Pat Officer", "a long test password", "staff")
    page.goto(civic_live_server + "/")
    page.get_by_role("link", name="Staff sign in").click()
    page.get_by_label("Email address").fill("pat.officer@example.gov.uk")
    page.get_by_label("Password", exact=True).fill("a long test password")  # not the "Show password" button
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text("Signed in as Pat Officer")).to_be_visible()
    assert page.url == civic_live_server + "/"
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Staff sign in")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)


def test_content_security_policy_allows_our_stylesheets(page: Page, civic_live_server: str) -> None:
    response = page.goto(civic_live_server + "/")
    assert response is not None and "style-src 'self'" in response.headers["content-security-policy"]
    # GOV.UK Frontend's stylesheet and scripts load (its module marks the body), and theme.css puts the
    # council's colour (the default #1d70b8) on the header.
    version = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--govuk-frontend-version')")
    assert version.strip() == '"6.3.0"'
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    header = page.locator(".govuk-generic-header").evaluate("element => getComputedStyle(element).backgroundColor")
    assert header == "rgb(29, 112, 184)"
    assert page.console_errors == [], "no CSP blocks, no missing favicon or other failed loads"
