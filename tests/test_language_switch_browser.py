"""Switching language mid-journey keeps the form's data (issue #14), in headless Chromium: with JavaScript
what was typed into a form not yet sent comes back on the page in the other language; without it the
switcher's links keep the page's query string, so what came with it stays."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


@pytest.fixture
def base(world_factory: Any, civic_live_server_factory: Callable[[Flask], str]) -> str:
    world = world_factory(channels=["ntfy", "webhook"])
    return civic_live_server_factory(world.app)


def tab(civic_browser: Any, javascript: bool) -> Page:
    context = civic_browser.new_context()
    context.set_default_timeout(10_000)
    if not javascript:  # as test_core_pages_browser: the site's scripts refused, as for a visitor without them
        context.route(re.compile(r"\.m?js(\?.*)?$"), lambda route: route.abort())
    return context.new_page()


def test_what_was_typed_survives_switching_to_welsh_and_back(civic_browser: Any, base: str) -> None:
    page = tab(civic_browser, javascript=True)
    page.goto(base + "/alerts/subscribe?topic=sightings.near")
    page.fill("#postcode", "IM1 3PA")
    page.select_option("#radius_m", "1000")
    page.check("input[name=channel][value=ntfy]")
    page.fill("#target", "our-street-alerts")
    page.check("input[name=frequency][value=weekly]")

    page.get_by_role("link", name="Cymraeg").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    assert "topic=sightings.near" in page.url
    expect(page.locator("#postcode")).to_have_value("IM1 3PA")
    expect(page.locator("#radius_m")).to_have_value("1000")
    expect(page.locator("input[name=channel][value=ntfy]")).to_be_checked()
    expect(page.locator("#target")).to_have_value("our-street-alerts")
    expect(page.locator("input[name=frequency][value=weekly]")).to_be_checked()

    page.fill("#target", "our-lane-alerts")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.locator("#target")).to_have_value("our-lane-alerts")
    expect(page.locator("#postcode")).to_have_value("IM1 3PA")

    page.reload()  # kept for the one switch only: a later visit starts as the server renders it
    expect(page.locator("#target")).to_have_value("")
    page.close()


def test_without_javascript_the_switch_keeps_the_query_string(civic_browser: Any, base: str) -> None:
    page = tab(civic_browser, javascript=False)
    page.goto(base + "/alerts/subscribe?topic=sightings.near&lat=54.1509&lon=-4.48")
    page.get_by_role("link", name="Cymraeg").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.locator("#lat")).to_have_value("54.1509")
    expect(page.locator("#lon")).to_have_value("-4.48")
    page.close()
