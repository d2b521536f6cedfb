"""A small world for the street-reports tests: two adjoining borough councils with a county council
over both (two-tier), their categories, a few streets, and helpers to walk a resident through.

North Borough: lon -4.50..-4.46, lat 54.150..54.170. South Borough: lat 54.130..54.150 (they share
the line lat 54.15). The county covers lon -4.49..-4.47 across both. Anything east of -4.40 is
outside every area.
"""

from __future__ import annotations

import email.message
import json
import re
from pathlib import Path
from typing import Any

import civicapps_street_reports as street_reports
import pytest
from flask import Flask
from flask.testing import FlaskClient

from civicapps.testing import AppFactory, CivicRunner, FakePostcodesIo, MailSink

PLUGIN = ("street_reports", street_reports)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

NORTH_POINT = (54.160, -4.495)  # lat, lon: North Borough only
SOUTH_POINT = (54.140, -4.495)  # South Borough only
OVERLAP_POINT = (54.160, -4.480)  # North Borough and the county
OUTSIDE_POINT = (54.160, -4.300)


def box(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> dict[str, Any]:
    ring = [[min_lon, min_lat], [max_lon, min_lat], [max_lon, max_lat], [min_lon, max_lat], [min_lon, min_lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(geometry: Any, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


BOUNDARIES = {
    "type": "FeatureCollection",
    "features": [
        feature(box(-4.50, 54.15, -4.46, 54.17), name="North Borough", body="North Borough Council"),
        feature(box(-4.50, 54.13, -4.46, 54.15), name="South Borough", body="South Borough Council"),
        feature(box(-4.49, 54.13, -4.47, 54.17), name="Mid County", body="County Council"),
    ],
}

POTHOLE_QUESTIONS = [
    {
        "code": "depth",
        "description": "How deep is it?",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [{"key": "shallow", "name": "Shallower than 5 cm"}, {"key": "deep", "name": "5 cm or deeper"}],
    },
    {"code": "lane", "description": "Which lane?", "datatype": "string", "required": False},
]

CATEGORIES = [
    {
        "body": "North Borough Council",
        "name": "Potholes",
        "send_method": "email",
        "email": "roads@north.example",
        "group": "Roads",
        "extra_questions": POTHOLE_QUESTIONS,
    },
    {
        "body": "County Council",
        "name": "Potholes",
        "send_method": "open311",
        "external_code": "POT-01",
        "group": "Roads",
        "extra_questions": POTHOLE_QUESTIONS,
    },
    {
        "body": "South Borough Council",
        "name": "Potholes",
        "send_method": "email",
        "email": "roads@south.example",
        "extra_questions": POTHOLE_QUESTIONS,
    },
    {
        "body": "North Borough Council",
        "name": "Street lighting",
        "send_method": "email",
        "email": "lights@north.example",
        "photo_required": True,
    },
    {"body": "North Borough Council", "name": "Fly-tipping", "send_method": "none", "anonymous_allowed": True},
    {"body": "South Borough Council", "name": "Graffiti", "send_method": "email", "email": "clean@south.example"},
    {
        "body": "North Borough Council",
        "name": "Abandoned needles",
        "send_method": "email",
        "email": "health@north.example",
        "private": True,
    },
]

STREETS = {
    "type": "FeatureCollection",
    "features": [
        feature({"type": "LineString", "coordinates": [[-4.499, 54.161], [-4.490, 54.161]]}, name="Strand Street"),
        feature({"type": "LineString", "coordinates": [[-4.496, 54.155], [-4.496, 54.165]]}, name="Duke Street"),
        feature({"type": "Point", "coordinates": [-4.494, 54.1605]}, name="Market Cross"),
        feature({"type": "LineString", "coordinates": [[-4.40, 54.10], [-4.39, 54.10]]}, name="Far Lane"),
    ],
}


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document))
    return path


def invoke(app: Flask, *args: str) -> Any:
    result = CivicRunner(app).invoke(list(args))
    return result


def load_world(app: Flask, tmp_path: Path) -> None:
    """Boundaries, categories and streets, through the commands a council would use."""
    for args in (
        ("areas", "import", str(write_json(tmp_path / "boundaries.geojson", BOUNDARIES))),
        ("categories", "import", str(write_json(tmp_path / "categories.json", CATEGORIES))),
        ("places", "import", str(write_json(tmp_path / "streets.geojson", STREETS))),
    ):
        result = invoke(app, "street-reports", *args)
        assert result.exit_code == 0, result.output


KNOWN_POSTCODE = ("IM1 2AB", 54.1612, -4.4951)  # in North Borough, by Strand Street
OPEN311_KEY = "app-key-for-tests"


def config(mail_sink: MailSink, postcodes: FakePostcodesIo, **street: Any) -> dict[str, Any]:
    """Jobs run at once in the caller (so a test sees sending finish), email goes to the local sink."""
    return {
        "queue_url": "immediate:",
        "base_url": "http://reports.example",
        "plugins": {
            "notify": {
                "channels": ["email", "webhook"],
                "mail_url": mail_sink.url(),
                "allowed_schemes": ["mailto", "mailtos", "jsons", "json"],
                "egress_allow": [f"127.0.0.1:{mail_sink.port}"],
                "send_timeout_seconds": 5,
            },
            "geo": {"postcodes_io_url": postcodes.url},
            "street_reports": {"open311_api_keys": {"test-app": OPEN311_KEY}, **street},
        },
    }


@pytest.fixture
def app_config(civic_mail_sink: MailSink, civic_postcodes_io: FakePostcodesIo) -> dict[str, Any]:
    postcode, lat, lon = KNOWN_POSTCODE
    civic_postcodes_io.known[postcode] = (lat, lon)
    return config(civic_mail_sink, civic_postcodes_io)


@pytest.fixture
def app(civic_app_factory: AppFactory, app_config: dict[str, Any]) -> Flask:
    return civic_app_factory(plugins=[PLUGIN], config=app_config)


@pytest.fixture
def world(app: Flask, tmp_path: Path) -> Flask:
    load_world(app, tmp_path)
    return app


def csrf(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    found = CSRF.search(html)
    assert found, f"no form on {path}:\n{html}"
    return found.group(1)


def new_report_page(lat: float, lon: float, category: str = "") -> str:
    return f"/street-reports/report/new?lat={lat}&lon={lon}" + (f"&category={category}" if category else "")


def report_fields(lat: float, lon: float, category: str = "Potholes", **fields: Any) -> dict[str, Any]:
    """A complete, valid report form (override any field)."""
    values: dict[str, Any] = {
        "lat": str(lat),
        "lon": str(lon),
        "category": category,
        "title": "Deep pothole",
        "details": "About 30 cm across, by the bus stop.",
        "name": "Jo Resident",
        "email": "jo@example.org",
        "extra_depth": "deep",
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def post_report(client: FlaskClient, lat: float = NORTH_POINT[0], lon: float = NORTH_POINT[1], **fields: Any) -> Any:
    """Submit the report form with a genuine CSRF token (from the category page it is on)."""
    data = report_fields(lat, lon, **fields)
    token = csrf(client, new_report_page(*NORTH_POINT, "Potholes"))  # tokens belong to the session, not a page
    return client.post(
        "/street-reports/report/new", data={"csrf_token": token, **data}, content_type="multipart/form-data"
    )


def sign_in_staff(app: Flask, client: FlaskClient, email: str = "clerk@council.example") -> None:
    """Make a staff account and sign ``client`` in with it."""
    from civicapps.auth import create_user

    with app.app_context():
        create_user(email, "Casey Clerk", "a-long-staff-password")
    token = csrf(client, "/-/login")
    response = client.post("/-/login", data={"email": email, "password": "a-long-staff-password", "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def text_of(mail: email.message.Message) -> str:
    """The plain-text body of an email from the sink."""
    parts = [p for p in mail.walk() if p.get_content_type() == "text/plain"] or [mail]
    return parts[0].get_payload(decode=True).decode()


def error_next_to(html: str, field: str) -> str:
    """The error message GOV.UK's error-message component shows next to ``field`` (fails if there is none)."""
    found = re.search(
        rf'<p id="{re.escape(field)}-error" class="govuk-error-message">\s*'
        r'<span class="govuk-visually-hidden">[^<]+:</span>\s*([^<]+?)\s*</p>',  # "Error:", in the page's language
        html,
    )
    assert found, f"no error next to {field}"
    return found.group(1)


#: A link in a list of choices (the streets and places to choose from): its href and text.
CHOICE_LINK = re.compile(r'<li><a class="govuk-link" href="(/street-reports/report/new\?[^"]+)">([^<]+)</a></li>')
#: A report's title in a list of reports (the home page's list, "Is it one of these?").
LISTED_TITLE = re.compile(
    r'<h3 class="govuk-heading-s[^"]*"><a class="govuk-link" href="/street-reports/reports/(\d+)" translate="no">'
    r"([^<]+)</a></h3>"
)


def table_rows(html: str) -> list[list[str]]:
    """Every table row on a page as the text of its cells (header and data cells, tags taken out)."""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells])
    return rows
