"""The organogram's pages, chart included, in headless Chromium: WCAG 2.2 AA by axe-core.

One live server serves every page (public, resident, admin, with form errors) so Chromium starts once.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from civicapps.testing import CivicRunner, assert_accessible

from .conftest import JUNIOR, SENIOR, link_in, messages, register_group

pytestmark = pytest.mark.browser


def test_pages_and_chart_meet_wcag_22_aa(app: Flask, civic_page: Page, civic_live_server_factory: Any) -> None:
    assert CivicRunner(app).invoke(["organogram", "import", str(SENIOR), str(JUNIOR)]).exit_code == 0
    group_id = register_group(app, app.test_client(), "ann@example.org")
    base = civic_live_server_factory(app)
    public = [
        "/organogram/",
        "/organogram/groups/1",
        f"/organogram/groups/{group_id}",
        "/organogram/sign-in",
        "/organogram/register",
        "/organogram/join",
    ]
    for path in public:
        response = civic_page.goto(base + path)
        assert response is not None and response.status == 200, path
        assert_accessible(civic_page)
        assert civic_page.console_errors == [], path

    civic_page.goto(base + "/organogram/register")
    civic_page.click("button[type=submit]")  # every required field empty: error summary and messages
    expect(civic_page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(civic_page)

    civic_page.goto(base + "/organogram/sign-in")
    civic_page.fill("#email", "ann@example.org")
    civic_page.click("button[type=submit]")
    civic_page.goto(base + link_in(messages(app, "ann@example.org")[-1]))
    assert_accessible(civic_page)  # the "Sign in as ...?" page
    civic_page.click("button[type=submit]")
    for path in (
        "/organogram/my-data",
        f"/organogram/groups/{group_id}/archive",
        f"/organogram/groups/{group_id}/manage",
    ):
        response = civic_page.goto(base + path)
        assert response is not None and response.status == 200, path
        assert_accessible(civic_page)
    civic_page.fill("#post-label", "Chair")
    civic_page.click("text=Add the post")
    civic_page.fill("#post-label", "")
    civic_page.click("text=Add the post")  # a form error on the busy admin page
    expect(civic_page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(civic_page)
