"""A configured app's map and the app directory in real headless Chromium (every page of the app is walked
by test_pages_browser.py): the map draws the records listed, and both meet WCAG 2.2 AA by axe-core."""

from __future__ import annotations

import pytest

from civicapps import pull_feed
from civicapps.auth import create_user
from civicapps.testing import assert_accessible

from .conftest import END, ROADWORKS, ROADWORKS_CSV, START

pytestmark = pytest.mark.browser
TILES = {"tile_url": "http://127.0.0.1:9/{z}/{x}/{y}.png"}  # no network: tiles fail fast


@pytest.fixture
def served(roadworks_app, civic_live_server_factory):
    csv = ROADWORKS_CSV + f"RW-4,,Pole repair,Openreach,Minor,{START},{END},460150,452350\n"
    title = "{{ record.works }} on {{ record.street.upper() }}"
    app = roadworks_app(csv=csv, app={"show": {**ROADWORKS["show"], "title": title}}, settings=TILES)
    pull_feed(app, "roadworks")
    return app, civic_live_server_factory(app)


def test_the_map_shows_the_records_listed(civic_page, served):
    app, base = served
    civic_page.goto(base + "/dataset-apps/roadworks/?q=YO31+7EH&radius=500")
    civic_page.wait_for_selector("[data-dataset-apps-map] .leaflet-marker-icon")
    single = civic_page.locator("[data-dataset-apps-map] .leaflet-marker-icon:not(.marker-cluster)").count()
    clusters = civic_page.locator("[data-dataset-apps-map] .marker-cluster").all_inner_texts()
    assert single + sum(int(n) for n in clusters) == 3, "the map shows the three records listed"
    assert_accessible(civic_page)


def test_the_app_directory_meets_wcag_22_aa(civic_page, served):
    app, base = served
    civic_page.goto(base + "/-/login")
    with app.app_context():
        create_user("clerk@council.example", "Clerk", "a-long-staff-password")
    civic_page.get_by_label("Email address").fill("clerk@council.example")
    civic_page.get_by_label("Password", exact=True).fill("a-long-staff-password")
    civic_page.get_by_role("button", name="Sign in").click()
    civic_page.goto(base + "/-/apps")
    assert "dataset_apps.roadworks" in civic_page.content()
    assert_accessible(civic_page)
