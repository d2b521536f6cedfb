"""The residents' pages on a phone-sized screen (375 px) in headless Chromium: WCAG 2.2 AA by axe-core."""

from __future__ import annotations

import pytest

from civicapps.testing import assert_accessible

pytestmark = pytest.mark.browser

PATHS = [
    "/bin-collections/",
    "/bin-collections/?postcode=YO31+7EW",
    "/bin-collections/?postcode=nonsense",
    "/bin-collections/address/100050535001",
    "/bin-collections/address/100050535001/calendar",
    "/bin-collections/address/100050535001/reminders",
]


@pytest.fixture
def server(loaded_app, set_now, civic_live_server_factory) -> str:
    set_now("2027-03-22 07:00")
    return civic_live_server_factory(loaded_app())


@pytest.mark.parametrize("path", PATHS)
def test_page_meets_wcag_22_aa_at_375_px(civic_page, server: str, path: str) -> None:
    civic_page.set_viewport_size({"width": 375, "height": 812})
    civic_page.goto(server + path)
    assert_accessible(civic_page)
