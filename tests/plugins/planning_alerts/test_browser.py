"""The pages in real headless Chromium: the results map's pins, and the alert-me path with JavaScript
disabled, ending with the core's confirmation page (every page's WCAG checks: test_pages_browser.py)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from civicapps.db import get_database
from civicapps.feeds import pull_feed
from civicapps.notify.models import Subscription
from civicapps.testing import assert_accessible

from .alerts_support import feed_csv

pytestmark = pytest.mark.browser
TILES = {"tile_url": "http://127.0.0.1:9/{z}/{x}/{y}.png"}  # no network: tiles fail fast


@pytest.fixture
def served(pa_app, civic_feed_server, civic_live_server_factory):
    url = civic_feed_server.add("/london.csv", feed_csv())
    app = pa_app(
        feeds={"london": {"preset": "easting_northing", "url": url, "authority": "Westminster"}}, settings=TILES
    )
    pull_feed(app, "london")
    civic_feed_server.add("/london.csv", feed_csv({"W/11": "Approved"}))
    pull_feed(app, "london")
    return app, civic_live_server_factory(app)


def test_the_results_map_shows_the_listed_applications(civic_page, served):
    """Every page's axe-core, contrast and width checks walk in test_pages_browser.py; here, the map's pins."""
    app, base = served
    civic_page.goto(base + "/planning-alerts/?q=WC2N+5DU&radius=800")
    civic_page.wait_for_selector("[data-pa-map] .leaflet-marker-icon")  # not the place picker's marker
    markers = civic_page.locator("[data-pa-map] .leaflet-marker-icon")
    assert markers.count() == 7, "the map shows the listed applications"
    assert_accessible(civic_page)


def test_alert_me_works_with_javascript_disabled(civic_browser, served, civic_notification_sink):
    app, base = served
    context = civic_browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base + "/planning-alerts/alerts")
        assert page.locator("[data-pa-picker]").is_hidden(), "no map without JavaScript"
        page.fill("#postcode", "ZZ9 9ZZ")
        page.check("input[name=channel][value=webhook]")
        page.fill("#target", civic_notification_sink.url("/nojs"))
        page.click("button[type=submit]:has-text('Continue')")
        assert "We could not find the postcode ZZ9 9ZZ" in page.inner_text("#postcode-error")
        page.fill("#postcode", "SW1A 1AA")
        page.check("input[name=radius][value='2000']")
        page.check("input[name=frequency][value=weekly]")
        page.fill("#target", civic_notification_sink.url("/nojs"))
        page.click("button[type=submit]:has-text('Continue')")
        assert "/alerts/confirm" in page.url
        assert page.locator("#code").is_visible()
    finally:
        context.close()
    with get_database(app).sessionmaker() as session:
        [s] = session.scalars(select(Subscription)).all()
    assert (s.topic, s.place, s.radius_m, s.frequency) == ("planning_alerts.near", "SW1A 1AA", 2000, "weekly")
    assert civic_notification_sink.wait_for(1)[0]["path"] == "/nojs", "the confirmation was sent"


def test_point_and_area_chosen_on_the_map(civic_page, served, civic_notification_sink):
    app, base = served
    page = civic_page
    page.goto(base + "/planning-alerts/alerts")
    page.wait_for_selector("[data-pa-picker] .leaflet-marker-icon")
    picker = page.locator("[data-pa-picker]")
    box = picker.bounding_box()

    def click_map(fx: float, fy: float) -> None:  # relative to the map, scrolled into view
        picker.click(position={"x": box["width"] * fx, "y": box["height"] * fy})

    click_map(0.3, 0.4)
    assert page.input_value("#lat") and page.input_value("#lon"), "a click moves the centre and fills the fields"
    page.click("#pa-draw")
    for fx, fy in ((0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6)):
        click_map(fx, fy)
    page.click("#pa-draw")
    area = json.loads(page.input_value("#area"))
    assert area["type"] == "Polygon" and len(area["coordinates"][0]) == 5
    page.check("input[name=channel][value=webhook]")
    page.fill("#target", civic_notification_sink.url("/drawn"))
    page.click("button[type=submit]:has-text('Continue')")
    page.wait_for_url("**/alerts/confirm**")
    with get_database(app).sessionmaker() as session:
        [s] = session.scalars(select(Subscription)).all()
    assert s.polygon and s.radius_m is None and s.topic == "planning_alerts.near"


def york_demo_without_javascript(app, civic_postcodes_io, civic_live_server_factory, civic_browser):
    """``app`` with the demo's York postcodes, streets and applications, served live, postcodes.io
    knowing nothing; and a browser context of a 375 px phone with JavaScript off."""
    import civicapps_planning_alerts as planning_alerts

    from civicapps.geo import plugin as geo

    with app.app_context():
        geo.load_demo_data(app)
        planning_alerts.load_demo_data(app)
    civic_postcodes_io.known.clear()
    base = civic_live_server_factory(app)
    context = civic_browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    context.set_default_timeout(10_000)
    return app, base, context


def test_a_street_search_offers_its_data_links_without_javascript_at_375px(
    pa_app, civic_postcodes_io, civic_live_server_factory, civic_browser
):
    """Issue #13: JSON/GeoJSON/Atom came only with postcode searches; a street search (York demo) has them."""
    app, base, context = york_demo_without_javascript(
        pa_app(settings={"page_size": 20, **TILES}), civic_postcodes_io, civic_live_server_factory, civic_browser
    )
    page = context.new_page()
    page.goto(f"{base}/planning-alerts/")
    page.focus("#q")
    page.keyboard.type("Clarence")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=of Clarence Street, York")
    for label in ("JSON", "GeoJSON", "Atom feed"):
        assert page.get_by_role("link", name=label, exact=True).count() == 1, label
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "no sideways scrolling"
    page.get_by_role("link", name="GeoJSON", exact=True).focus()
    with page.expect_response(lambda r: "applications.geojson" in r.url) as answer:
        page.keyboard.press("Enter")
    assert answer.value.ok and json.loads(answer.value.body())["features"]
    context.close()


def test_an_alert_for_a_name_that_fits_several_streets_lets_you_pick_one_without_javascript(
    pa_app, civic_postcodes_io, civic_live_server_factory, civic_browser, civic_notification_sink, tmp_path
):
    """JS off, keyboard only, 375 px: "bridge" fits four York streets; the alert form lists them to pick."""
    app, base, context = york_demo_without_javascript(
        pa_app(settings=TILES), civic_postcodes_io, civic_live_server_factory, civic_browser
    )
    page = context.new_page()
    page.goto(f"{base}/planning-alerts/alerts")
    # The channel hints' example URLs once widened the page to 381 px (they now wrap).
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "no sideways scrolling on a phone"
    page.focus("#postcode")
    page.keyboard.type("bridge")
    page.check("input[name=channel][value=webhook]")
    page.focus("#target")
    page.keyboard.type(civic_notification_sink.url("/pick"))
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Which bridge?")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the list adds no sideways scrolling"
    page.screenshot(path=str(tmp_path / "alert-streets.png"), full_page=True)
    page.get_by_label("Skeldergate Bridge, York").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/alerts/confirm**")
    context.close()
    with get_database(app).sessionmaker() as session:
        [subscription] = session.scalars(select(Subscription)).all()
    assert subscription.place is None and subscription.lat is not None
