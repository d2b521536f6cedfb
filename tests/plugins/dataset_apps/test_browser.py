"""A configured app's pages in real headless Chromium: WCAG 2.2 AA by axe-core with the site's scripts
on (the map drawn) and off, including a record a field template fails on, and the staff page."""

from __future__ import annotations

import re

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


PATHS = (
    "/dataset-apps/",
    "/dataset-apps/roadworks/",
    "/dataset-apps/roadworks/?q=YO31+7EH&radius=500",
    "/dataset-apps/roadworks/?q=ZZ9+9ZZ",
    "/dataset-apps/roadworks/?radius=1",
)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_pages_meet_wcag_22_aa(civic_browser, served, javascript):
    app, base = served
    # axe needs scripts, so "JavaScript off" is the site's own scripts refused (all are files, by its CSP)
    context = civic_browser.new_context()
    try:
        page = context.new_page()
        if not javascript:
            page.route("**/*.js", lambda route: route.abort())
        listed = page.goto(base + "/dataset-apps/roadworks/")
        assert listed is not None and listed.status == 200
        items = sorted(set(re.findall(r'href="(/dataset-apps/roadworks/items/\d+)"', page.content())))
        assert len(items) == 4
        for path in (*PATHS, *items):
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            assert_accessible(page)
        if javascript:
            page.goto(base + "/dataset-apps/roadworks/?q=YO31+7EH&radius=500")
            page.wait_for_selector("[data-dataset-apps-map] .leaflet-marker-icon")
            single = page.locator("[data-dataset-apps-map] .leaflet-marker-icon:not(.marker-cluster)").count()
            clusters = page.locator("[data-dataset-apps-map] .marker-cluster").all_inner_texts()
            assert single + sum(int(n) for n in clusters) == 3, "the map shows the three records listed"
            assert_accessible(page)
    finally:
        context.close()


def test_the_staff_page_meets_wcag_22_aa(civic_page, served):
    app, base = served
    civic_page.goto(base + "/-/login")
    with app.app_context():
        create_user("clerk@council.example", "Clerk", "a-long-staff-password")
    civic_page.get_by_label("Email address").fill("clerk@council.example")
    civic_page.get_by_label("Password", exact=True).fill("a-long-staff-password")
    civic_page.get_by_role("button", name="Sign in").click()
    civic_page.goto(base + "/dataset-apps/roadworks/staff")
    assert "Records a field template fails on" in civic_page.content()
    assert_accessible(civic_page)
    civic_page.goto(base + "/-/apps")
    assert_accessible(civic_page)
