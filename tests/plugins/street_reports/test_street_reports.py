"""The street_reports plugin: storage, demo data, the open-reports page, GeoJSON and the list command."""

from __future__ import annotations

import re
from typing import Any

import civicapps_street_reports as street_reports
import pytest
from civicapps_street_reports.models import Report
from flask import Flask
from sqlalchemy import func, select

from civicapps import db_session
from civicapps.testing import AppFactory, CivicRunner

from .conftest import CHOICE_LINK, LISTED_TITLE

PLUGIN = ("street_reports", street_reports)
SAMPLE_OPEN = 8  # of 10 sample reports: one is fixed, one closed


@pytest.fixture
def app(civic_app_factory: AppFactory) -> Flask:
    return civic_app_factory(plugins=[PLUGIN])


def load_demo(app: Flask) -> None:
    with app.app_context():
        street_reports.load_demo_data(app)


def add_report(app: Flask, **fields: Any) -> None:
    with app.app_context():
        db_session().add(Report(**{"category": "Potholes", "details": "Deep", "lat": 54.15, "lon": -4.48, **fields}))
        db_session().commit()


def test_new_reports_are_open(app: Flask) -> None:
    add_report(app, title="Pothole")
    with app.app_context():
        report = db_session().scalars(select(Report)).one()
    assert report.status == "open"
    assert report.created_at is not None


def test_demo_data_loads_once_however_often_it_runs(app: Flask) -> None:
    load_demo(app)
    load_demo(app)
    with app.app_context():
        counts = dict(db_session().execute(select(Report.status, func.count()).group_by(Report.status)).all())
        lights = db_session().scalars(select(Report).where(Report.category == "Street lighting")).one()
    assert counts == {"open": SAMPLE_OPEN, "fixed": 1, "closed": 1}
    assert (lights.lat, lights.lon) == (53.9458, -1.08195)  # Terry Avenue, York (the demo's place)


def test_page_lists_open_reports_newest_first_escaped(app: Flask) -> None:
    load_demo(app)
    add_report(app, title="<img src=x onerror=alert(1)> on Duke Street")
    response = app.test_client().get("/street-reports/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1 and "Street reports</h1>" in html
    titles = [title for _, title in LISTED_TITLE.findall(html)]
    assert titles[:3] == [
        "&lt;img src=x onerror=alert(1)&gt; on Duke Street",
        "Overflowing bin on Lawrence Street",
        "Deep pothole on Clarence Street",
    ]
    assert len(titles) == SAMPLE_OPEN + 1
    assert "Blocked drain on Heworth Green" not in html  # fixed
    assert "Abandoned car on Hull Road" not in html  # closed
    assert "<img src=x" not in html
    page = app.test_client().get("/street-reports/reports/2").get_data(as_text=True)
    assert "dark for a week &amp; the path" in page
    assert 'href="https://www.openstreetmap.org/?mlat=53.9458&amp;mlon=-1.08195#map=18/53.9458/-1.08195"' in page


def test_menu_link(app: Flask) -> None:
    html = app.test_client().get("/").get_data(as_text=True)
    link = r'<a class="govuk-service-navigation__link" href="/street-reports/">\s*Street reports\s*</a>'
    assert re.search(link, html)


def test_empty_page_says_so(app: Flask) -> None:
    assert "There are no open reports." in app.test_client().get("/street-reports/").get_data(as_text=True)


def test_geojson_has_the_open_reports_as_points(app: Flask) -> None:
    load_demo(app)
    response = app.test_client().get("/street-reports/reports.json")
    assert response.status_code == 200
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == SAMPLE_OPEN
    bin_report = next(f for f in body["features"] if f["properties"]["title"] == "Overflowing bin on Lawrence Street")
    assert bin_report["geometry"] == {"type": "Point", "coordinates": [-1.0638, 53.95442]}  # GeoJSON is lon, lat
    assert bin_report["properties"]["status"] == "open"
    assert bin_report["properties"]["category"] == "Litter and bins"


def test_list_command_shows_reports_in_one_status(app: Flask) -> None:
    runner = CivicRunner(app)
    assert runner.invoke(["street-reports", "list"]).output == "No open reports.\n"
    load_demo(app)
    result = runner.invoke(["street-reports", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == SAMPLE_OPEN
    newest = r"#3  \d{4}-\d\d-\d\d  Litter and bins: Overflowing bin on Lawrence Street \(53.95442, -1.0638\)"
    assert re.fullmatch(newest, lines[0])
    fixed = runner.invoke(["street-reports", "list", "--status", "fixed"]).output.splitlines()
    assert len(fixed) == 1 and "Blocked drain on Heworth Green" in fixed[0]


def test_list_command_refuses_an_unknown_status(app: Flask) -> None:
    result = CivicRunner(app).invoke(["street-reports", "list", "--status", "mended"])
    assert result.exit_code == 2
    assert "'mended' is not one of 'open', 'investigating', 'action_scheduled'" in result.output


def test_in_the_demo_a_street_or_postcode_leads_to_the_report_form_offline(civic_app_factory: AppFactory) -> None:
    """The demo's place is York: its street list and postcodes ship with the core, the council's area
    covers them, and the search hints and map centre follow (postcodes.io switched off: offline)."""
    geo = {"postcodes_io_url": "", "example_street": "Clarence Street", "example_postcode": "YO1 7HH"}
    app = civic_app_factory(plugins=[PLUGIN], config={"plugins": {"geo": geo}})
    with app.app_context():
        app.extensions["civicapps"].registry.call_each("load_demo_data", app=app)
    client = app.test_client()
    start = client.get("/street-reports/report").get_data(as_text=True)
    assert "For example YO1 7HH or Clarence Street" in start
    assert re.search(r'data-lat="53\.9\d+" data-lon="-1\.0\d+"', start), "the map opens on the council's area"
    found = client.get("/street-reports/report/where?q=Clarence+Street")
    assert found.status_code == 200
    page = found.get_data(as_text=True)
    choice = re.search(
        r'<a class="govuk-link" href="(/street-reports/report/new\?[^"]+)">Clarence Street, York</a>', page
    )
    assert choice, page
    form = client.get(choice.group(1).replace("&amp;", "&"))
    assert form.status_code == 200 and "Potholes" in form.get_data(as_text=True)
    by_postcode = client.get("/street-reports/report/where?q=YO1+7HH")
    assert by_postcode.status_code == 200 and "The middle of YO1 7HH" in by_postcode.get_data(as_text=True)


def test_in_the_demo_a_postcode_or_coordinates_list_the_york_streets_nearby(civic_app_factory: AppFactory) -> None:
    """Issue #13: without a map, a postcode or coordinates search answered "We do not know the street
    names near there" because the host's street list could only be searched by name."""
    app = civic_app_factory(plugins=[PLUGIN], config={"plugins": {"geo": {"postcodes_io_url": ""}}})
    with app.app_context():
        app.extensions["civicapps"].registry.call_each("load_demo_data", app=app)
    client, postcode_page = app.test_client(), ""
    for url, first in [
        ("/street-reports/report/where?q=YO1+7HH", "The middle of YO1 7HH"),
        ("/street-reports/report/where?lat=53.9630&lon=-1.0840", "Exactly there (53.96300, -1.08400)"),
    ]:
        page = client.get(url).get_data(as_text=True)
        postcode_page = postcode_page if "lat=" in url else page
        assert "We do not know the street names near there" not in page, url
        choices = CHOICE_LINK.findall(page)
        assert choices[0][1] == first, choices
        streets = [label for _, label in choices[1:]]
        assert streets and all(re.fullmatch(r"[A-Z][\w' ]+, York \([\d,]+ m [a-z-]+\)", s) for s in streets), streets
        distances = [int(re.search(r"\(([\d,]+) m", s).group(1).replace(",", "")) for s in streets]
        assert distances == sorted(distances), "nearest first"
    assert "Clarence Street, York (" in page
    assert "We know no street within 500 metres of there; these are the nearest we know." in postcode_page, "said so"
    assert "We know no street within" not in page, "the point is within 500 m of Clarence Street"
    form = client.get(choices[1][0].replace("&amp;", "&"))
    assert form.status_code == 200 and "Potholes" in form.get_data(as_text=True)
