"""The pages in headless Chromium: every kind of page, in English and in Welsh, at 375 and 1280 px with
JavaScript on and off, through civicapps.testing's page checks (one h1, WCAG 2.2 AA by axe-core, every link
and button's contrast measured, no sideways scrolling, nor at 320 px), every page in Welsh when Welsh is
chosen, reporting by postcode with JavaScript switched off, and the Leaflet map (configured tiles, clicking
to report).

The walk finds fields by their ids and buttons by their form, so it walks every language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from civicapps_street_reports.models import Photo, Report, Update
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from civicapps import db_session
from civicapps.testing import (
    AppFactory,
    MailSink,
    assert_no_sideways_scroll,
    assert_page_checks,
    english_left,
    open_page,
    page_texts,
)

from .conftest import NORTH_POINT, OVERLAP_POINT, PLUGIN, load_world, text_of
from .images import phone_jpeg
from .test_lifecycle import make_report

pytestmark = pytest.mark.browser
TILES = "/-/static/leaflet/images/layers.png?z={z}&x={x}&y={y}"  # same origin: no network needed


@pytest.fixture
def site(
    civic_app_factory: AppFactory, app_config: dict[str, Any], tmp_path: Path, civic_live_server_factory: Any
) -> tuple[Flask, str]:
    app_config["plugins"]["street_reports"]["tile_url"] = TILES
    app_config["plugins"]["street_reports"]["map_centre"] = list(NORTH_POINT)
    app = civic_app_factory(plugins=[PLUGIN], config=app_config)
    load_world(app, tmp_path)
    from civicapps.auth import create_user

    with app.app_context():
        create_user("clerk@council.example", "Casey Clerk", "a-long-staff-password")
    return app, civic_live_server_factory(app)


def submit(page: Page, form: str) -> None:
    """Press the form's submit button (by its form, so the walk works in every language)."""
    page.locator(f"{form} button.govuk-button:not([type=button])").last.click()


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/-/login")
    page.fill("#email", "clerk@council.example")
    page.fill("#password", "a-long-staff-password")
    submit(page, "main form")
    expect(page.locator(".govuk-service-navigation")).to_contain_text("Casey Clerk")


def street_pages(page: Page, base: str, report_id: int, language: str = "en") -> Iterator[str]:
    """Walk every street reports page a resident and a member of staff reach (refused forms included) in
    ``language``, yielding each one's name once it is shown."""
    page.goto(f"{base}/?lang={language}")  # as the language switcher does; remembered
    for name, path in [
        ("home", "/street-reports/"),
        ("home, page 2", "/street-reports/?page=2"),
        ("start", "/street-reports/report"),
        ("start, refused", "/street-reports/report/where?q="),
        ("start, coordinates refused", "/street-reports/report/where?lat=91&lon=x"),
        ("choose the place", "/street-reports/report/where?q=IM1+2AB"),
        ("choose a category", f"/street-reports/report/new?lat={OVERLAP_POINT[0]}&lon={OVERLAP_POINT[1]}"),
        ("the form", f"/street-reports/report/new?lat={NORTH_POINT[0]}&lon={NORTH_POINT[1]}&category=Potholes"),
        ("a report", f"/street-reports/reports/{report_id}"),
        ("an area", "/street-reports/areas/1"),
        ("check your email", "/street-reports/report/check-email"),
    ]:
        page.goto(base + path)
        yield name
    page.goto(f"{base}/street-reports/report/new?lat={NORTH_POINT[0]}&lon={NORTH_POINT[1]}&category=Potholes")
    submit(page, "main form[method=post]")  # "Send report"
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "the form, refused"
    page.goto(f"{base}/street-reports/reports/{report_id}")
    submit(page, "main form[action$='/updates']")  # "Add update"
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "an update, refused"
    sign_in(page, base)
    for name, path in [
        ("staff list", "/street-reports/staff/"),
        ("staff report", f"/street-reports/staff/reports/{report_id}"),
        ("abuse list", "/street-reports/staff/abuse"),
        ("response times", "/street-reports/staff/response-times"),
    ]:
        page.goto(base + path)
        yield name
    page.goto(f"{base}/street-reports/staff/reports/{report_id}")
    save = "main form:has(input[name=action][value=status])"  # "Change state and reply"
    submit(page, save)  # the same state and no comment: refused
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    yield "staff report, refused"
    page.fill("#text", "A crew is booked.")  # "Public comment"
    submit(page, save)
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    yield "staff report, saved"
    expect(page.locator("html")).to_have_attribute("lang", re.compile(rf"^{language}\b"))  # still, after it all


@pytest.fixture
def walked(site: tuple[Flask, str], tmp_path: Path) -> tuple[str, int]:
    """The site with a report that has a photo, an answer and an update, and enough reports for two pages."""
    app, base = site
    report_id = make_report(
        app,
        category="Potholes",
        lat=OVERLAP_POINT[0],
        lon=OVERLAP_POINT[1],
        title="Hole by the shop",
        answers={"depth": "deep"},
    )
    with app.app_context():
        report = db_session().get(Report, report_id)
        db_session().add(
            Photo(
                report_id=report_id,
                content_type="image/jpeg",
                data=phone_jpeg(),
                thumbnail=phone_jpeg(),
                width=4,
                height=3,
                sha256="0" * 64,
            )
        )
        db_session().add_all(
            Report(
                title=f"Problem {n}",
                category="Graffiti",
                details="Paint",
                lat=NORTH_POINT[0],
                lon=NORTH_POINT[1],
                status="open",
            )
            for n in range(21)
        )
        db_session().add(
            Update(report_id=report_id, role="staff", name="Casey Clerk", text="Booked.", status="investigating")
        )
        report.status = "investigating"
        db_session().commit()
    return base, report_id


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [375, 1280])
def test_every_page_meets_wcag_22_aa_with_readable_links_and_no_sideways_scroll(
    civic_browser: Browser, walked: tuple[str, int], width: int, javascript: bool, language: str
) -> None:
    base, report_id = walked
    page = open_page(civic_browser, width, javascript=javascript)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for name in street_pages(page, base, report_id, language):
            if javascript and page.locator(".leaflet-tile").count():
                # axe-core stops on colour checks over Leaflet's tiles (their mix-blend-mode, plus-lighter)
                page.evaluate(
                    "document.querySelectorAll('.leaflet-tile').forEach(t => t.style.mixBlendMode = 'normal')"
                )
            assert_page_checks(page, name)
        assert errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_no_page_scrolls_sideways_at_320_pixels(
    civic_browser: Browser, walked: tuple[str, int], javascript: bool, language: str
) -> None:
    base, report_id = walked
    page = open_page(civic_browser, 320, 640, javascript)
    try:
        for name in street_pages(page, base, report_id, language):
            assert_no_sideways_scroll(page, name)
    finally:
        page.context.close()


#: What the test world itself puts on the pages in English: names of the council, bodies, areas, categories,
#: streets, questions and answers, report titles and texts (data, not the service's words).
DATA = {
    "Example Council",
    "Hole by the shop – Example Council",
    "Hole by the shop",
    "OpenStreetMap",
    "Leaflet",
    "GOV.UK Frontend",
    "Potholes",
    "Booked.",
    "Casey Clerk",
    "Graffiti",
    "depth",
    "deep",
    "Open311 GeoReport v2 API",
    "© OpenStreetMap contributors",
    "Abandoned needles",
    "Fly-tipping",
    "Street lighting",
    "Potholes (Roads)",
    "How deep is it?",
    "5 cm or deeper",
    "Shallower than 5 cm",
    "Mid County",
    "North Borough",
    "South Borough",
    "Blocking the path",
    "Staff (",  # an update's author on the staff page: "staff" is Welsh too
}
WELSH_WALK = [
    "/street-reports/",
    "/street-reports/report",
    "/street-reports/report/where?q=",
    "/street-reports/report/where?q=IM1+2AB",
    f"/street-reports/report/new?lat={OVERLAP_POINT[0]}&lon={OVERLAP_POINT[1]}",
    f"/street-reports/report/new?lat={NORTH_POINT[0]}&lon={NORTH_POINT[1]}&category=Potholes",
    "/street-reports/reports/{report}",
    "/street-reports/areas/1",
    "/street-reports/report/check-email",
]
STAFF_WALK = [
    "/street-reports/staff/",
    "/street-reports/staff/reports/{report}",
    "/street-reports/staff/abuse",
    "/street-reports/staff/response-times",
]


def test_every_page_is_in_welsh_when_welsh_is_chosen(civic_browser: Browser, walked: tuple[str, int]) -> None:
    base, report_id = walked
    page = open_page(civic_browser, 1280)
    try:
        for staff, paths in ((False, WELSH_WALK), (True, STAFF_WALK)):
            if staff:
                page.goto(base + "/?lang=en")
                sign_in(page, base)
            for path in paths:
                url = base + path.format(report=report_id) + ("&" if "?" in path else "?")
                page.goto(url + "lang=en")
                english = page_texts(page)
                page.goto(url + "lang=cy")
                assert page.locator("html").get_attribute("lang") == "cy"  # (the walks check WCAG in Welsh)
                assert english_left(english, page_texts(page), ignore=DATA) == [], path
    finally:
        page.context.close()


def test_reporting_by_postcode_works_with_javascript_switched_off(
    civic_browser: Browser, site: tuple[Flask, str], civic_mail_sink: MailSink, tmp_path: Path
) -> None:
    app, base = site
    context = civic_browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/street-reports/")
    assert not page.locator("#map").is_visible()  # the map only appears when JavaScript runs
    page.fill("#q", "IM1 2AB")
    page.click("text=Find the place")
    page.click("text=Strand Street (22 m south)")
    page.check("text=Potholes (Roads)")
    page.click("text=Continue")
    page.fill("#title", "Pothole by the bus stop")
    page.fill("#details", "Deep enough to damage a wheel.")
    page.check("text=5 cm or deeper")
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(phone_jpeg())
    page.set_input_files("#photos", str(photo))
    page.fill("#name", "Jo Resident")
    page.fill("#email", "jo@example.org")
    page.click("text=Send report")
    assert page.locator("h1").inner_text() == "Check your email"
    [mail] = civic_mail_sink.wait_for(1)
    link = re.search(r"http://reports\.example(/\S+)", text_of(mail)).group(1)  # type: ignore[union-attr]
    page.goto(base + link)
    page.click("text=Confirm and send my report")
    assert "Your report is confirmed" in page.inner_text("main")
    assert page.locator("h1").inner_text() == "Pothole by the bus stop"
    with app.app_context():
        report = db_session().scalars(select(Report)).one()
        assert (report.status, report.location_text, report.used_map) == ("open", "Strand Street", False)
        assert (round(report.lat, 4), round(report.lon, 4)) == (54.161, -4.4951)
        assert len(report.photos) == 1
    context.close()


def test_the_map_uses_the_configured_tiles_shows_reports_and_a_click_starts_a_report(
    civic_page: Page, site: tuple[Flask, str]
) -> None:
    app, base = site
    make_report(app, title="Sofa in the lane")
    civic_page.goto(f"{base}/street-reports/")
    civic_page.wait_for_selector(".leaflet-tile")
    source = civic_page.locator(".leaflet-tile").first.get_attribute("src")
    assert source and source.startswith("/-/static/leaflet/images/layers.png?z=14&x=")
    civic_page.wait_for_selector("path.leaflet-interactive")  # the report's pin, from reports.json
    civic_page.locator("path.leaflet-interactive").first.click()
    assert civic_page.locator(".leaflet-popup-content a").inner_text() == "Sofa in the lane"
    civic_page.goto(f"{base}/street-reports/report")
    civic_page.wait_for_selector(".leaflet-tile")
    box = civic_page.locator("#map").bounding_box()
    assert box is not None  # click a little north-east of the centre (the centre has the report's pin)
    civic_page.locator("#map").click(position={"x": box["width"] / 2 + 60, "y": box["height"] / 2 - 60})
    civic_page.wait_for_url(re.compile(r".*/report/new\?lat=54\.16\d+&lon=-4\.4[89]\d+&used_map=1"))
    assert civic_page.locator("h1").inner_text() == "Choose a category"
    assert civic_page.console_errors == []  # no CSP violation, no script error


CONTRAST = """link => {
  const rgb = value => value.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(c => c / 255)
    .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const box = link.closest(".leaflet-control-attribution");
  const [fore, back] = [getComputedStyle(link).color, getComputedStyle(box).backgroundColor].map(rgb);
  const [a, b] = [lum(fore), lum(back)].sort((x, y) => y - x);
  return {ratio: (a + 0.05) / (b + 0.05), opaque: back.length === 3 || back[3] === 1,
          underline: getComputedStyle(link).textDecorationLine};
}"""


def test_the_map_credit_link_has_its_contrast_is_underlined_and_passes_axe(
    civic_page: Page, site: tuple[Flask, str]
) -> None:
    """axe's link-in-text-block (serious) on every page with a map: the tile credit's link was 2.55:1 on
    a see-through background over the tiles, and not underlined (issue #14)."""
    from axe_playwright_python.sync_playwright import Axe

    app, base = site
    make_report(app, title="Sofa in the lane")
    civic_page.goto(f"{base}/street-reports/")
    civic_page.wait_for_selector(".leaflet-tile")
    credit = civic_page.locator(".leaflet-control-attribution a").last
    measured = credit.evaluate(CONTRAST)
    assert measured["opaque"] and measured["ratio"] >= 4.5, measured
    assert "underline" in measured["underline"]
    # axe 4.12 stops with an error ("$h[r] is not a function") on any colour check over Leaflet's tiles: it
    # has no formula for their mix-blend-mode, plus-lighter. The tiles blend normally for axe's look only.
    civic_page.evaluate("document.querySelectorAll('.leaflet-tile').forEach(t => t.style.mixBlendMode = 'normal')")
    options = {"runOnly": {"type": "rule", "values": ["link-in-text-block", "color-contrast"]}}
    results = Axe().run(civic_page, options=options).response

    def on_the_credit(kind: str, rule: str) -> list[str]:
        nodes = [n for r in results[kind] if r["id"] == rule for n in r["nodes"]]
        return [t for n in nodes for t in n["target"] if "attribution" in t or "leafletjs" in t]

    for rule in ("link-in-text-block", "color-contrast"):
        assert on_the_credit("violations", rule) == on_the_credit("incomplete", rule) == [], rule
    assert 'a[href$="leafletjs.com"]' in on_the_credit("passes", "color-contrast")
    # the sentence under the map says where the page lists what the map shows
    note = civic_page.locator("#map-alternative")
    assert note.is_visible() and civic_page.locator("#map").get_attribute("aria-describedby") == "map-alternative"
    assert note.locator("a").get_attribute("href") == "#recent-reports"


def test_a_crowded_map_shows_counted_clusters_and_choosing_one_zooms_in_and_asks_again(
    civic_page: Page, site: tuple[Flask, str]
) -> None:
    app, base = site
    with app.app_context():  # 400 reports within a few hundred metres of the map's centre
        lat, lon = NORTH_POINT
        db_session().add_all(
            Report(
                title=f"Problem {n}",
                category="Potholes",
                details="Deep",
                lat=lat + (n % 20) * 0.0002,
                lon=lon + (n // 20) * 0.0002,
                status="open",
            )
            for n in range(400)
        )
        db_session().commit()
    with civic_page.expect_request(lambda request: "reports.json" in request.url) as first:
        civic_page.goto(f"{base}/street-reports/")
    assert "zoom=14" in first.value.url
    civic_page.wait_for_selector(".marker-cluster span")
    counts = [int(text) for text in civic_page.locator(".marker-cluster span").all_inner_texts()]
    pins = civic_page.locator("path.leaflet-interactive").count()
    assert sum(counts) + pins == 400 and max(counts) > 1  # every report counted once, on the screen
    with civic_page.expect_request(lambda request: "reports.json" in request.url) as again:
        civic_page.locator(".marker-cluster").first.click()
    zoom = int(re.search(r"zoom=(\d+)", again.value.url).group(1))  # type: ignore[union-attr]
    assert zoom > 14
    assert civic_page.console_errors == []
