"""The council's register of groups: filtered by area and theme, as CSV, JSON and GeoJSON, with the
staff-only "verified by the council" badge."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from civicapps.auth import create_user

from .conftest import post_form, register_group

STAFF_PASSWORD = "a long test password"


@pytest.fixture
def register(app: Flask) -> Flask:
    client = app.test_client()
    register_group(
        app,
        client,
        "a@example.org",
        name="Friends of Athol Park",
        theme="environment",
        area="Port Erin",
        lat="54.0846",
        lon="-4.7553",
    )
    register_group(
        app,
        client,
        "b@example.org",
        name="Port Erin Youth Band",
        theme="young-people",
        area="Port Erin",
        your_email="b@example.org",
        description='=HYPERLINK("http://evil.example")',
    )
    register_group(
        app,
        client,
        "c@example.org",
        name="Ramsey Allotments",
        theme="environment",
        area="Ramsey",
        your_email="c@example.org",
    )
    return app


def names(client: FlaskClient, query: str) -> list[str]:
    return [group["name"] for group in client.get(f"/organogram/register.json{query}").get_json()["groups"]]


def test_filters_by_area_and_theme(register: Flask) -> None:
    client = register.test_client()
    assert names(client, "") == ["Friends of Athol Park", "Port Erin Youth Band", "Ramsey Allotments"]
    assert names(client, "?area=port+erin") == ["Friends of Athol Park", "Port Erin Youth Band"]
    assert names(client, "?theme=environment") == ["Friends of Athol Park", "Ramsey Allotments"]
    assert names(client, "?area=Ramsey&theme=young-people") == []
    html = client.get("/organogram/?theme=environment").get_data(as_text=True)
    assert "Ramsey Allotments" in html and "Port Erin Youth Band" not in html
    assert '<option value="environment" selected>' in html
    assert 'href="/organogram/register.csv?theme=environment"' in html


def test_csv_export_defuses_spreadsheet_formulas(register: Flask) -> None:
    response = register.test_client().get("/organogram/register.csv?area=Port+Erin")
    assert response.headers["Content-Disposition"] == 'attachment; filename="community-groups.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["name"] for row in rows] == ["Friends of Athol Park", "Port Erin Youth Band"]
    assert rows[1]["description"] == '\'=HYPERLINK("http://evil.example")'
    assert rows[0]["url"] == "http://localhost/organogram/groups/1" and rows[0]["verified"] == "False"


def test_geojson_has_the_groups_that_published_a_point(register: Flask) -> None:
    response = register.test_client().get("/organogram/register.geojson")
    assert response.mimetype == "application/geo+json"
    [feature] = response.get_json()["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-4.7553, 54.0846]}
    assert feature["properties"]["name"] == "Friends of Athol Park"


def staff_client(app: Flask) -> FlaskClient:
    with app.app_context():
        create_user("pat.officer@example.gov.uk", "Pat Officer", STAFF_PASSWORD, "staff")
    client = app.test_client()
    response = post_form(client, "/-/login", email="pat.officer@example.gov.uk", password=STAFF_PASSWORD)
    assert response.status_code == 302
    return client


def test_staff_verify_a_group_and_the_badge_shows(register: Flask) -> None:
    client = staff_client(register)
    assert "Ramsey Allotments" in client.get("/organogram/staff/").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    link = r'<a class="govuk-service-navigation__link" href="/organogram/staff/">\s*Groups register\s*</a>'
    assert re.search(link, home)
    response = post_form(client, "/organogram/staff/", "/organogram/staff/groups/3/verify")
    assert response.status_code == 302
    banner = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "govuk-notification-banner--success" in banner and "is now marked as verified by the council" in banner
    public = register.test_client()
    assert "Verified by the council" in public.get("/organogram/groups/3").get_data(as_text=True)
    assert "Verified by the council" in public.get("/organogram/").get_data(as_text=True)
    assert public.get("/organogram/register.json?area=Ramsey").get_json()["groups"][0]["verified"] is True
    assert "Yes, by Pat Officer" in client.get("/organogram/staff/").get_data(as_text=True)
    post_form(client, "/organogram/staff/", "/organogram/staff/groups/3/unverify")
    assert "Verified by the council" not in public.get("/organogram/groups/3").get_data(as_text=True)


def test_residents_cannot_verify(register: Flask) -> None:
    resident = register.test_client()
    assert resident.get("/organogram/staff/").headers["Location"].startswith("/-/login")
    response = resident.post("/organogram/staff/groups/1/verify", data={"csrf_token": "forged"})
    assert response.status_code in (302, 400)
    assert "Verified by the council" not in resident.get("/organogram/groups/1").get_data(as_text=True)
    staff = staff_client(register)
    assert staff.post("/organogram/staff/groups/1/verify").status_code == 400  # no CSRF token
    assert "Verified by the council" not in resident.get("/organogram/groups/1").get_data(as_text=True)
