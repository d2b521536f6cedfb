"""hypothesis over every form of the host and the bundled plugins: whatever the fields hold (empty,
huge, NUL, ids past any column, formulas, markup, non-ASCII digits), the answer is never a 5xx.

The forms are found the way a person finds them: every page without an id in its address is fetched
as a signed-in member of staff and each ``<form>`` on it is read (action, method, field names). Each
form is then sent a bounded number of generated submissions with its genuine CSRF token.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter, Rule

from civicapps.auth import create_user
from civicapps.testing import AppFactory

PASSWORD = "a-long-staff-password"
#: Forms that end the session the rest of the run needs.
SKIPPED_ACTIONS = {"/-/logout", "/organogram/sign-out"}
EDGES = [
    "", " ", "0", "-1", "1.5", "99999999999999999999", "2147483648", "\u00b2", "\u0663", "a\x00b", "\ud7ff",
    "=HYPERLINK(\"https://evil.example\")", "<script>alert(1)</script>", "x" * 4_001, "x" * 10_001,
    "../../etc/passwd", "%00", "NaN", "Infinity", "1e309", "SW1A 1AA", "ann@example.org", "https://evil.example/",
    "51.5,-0.14", '{"type": "Polygon"}', "[" * 2_000,
]  # fmt: skip
VALUES = st.one_of(st.sampled_from(EDGES), st.text(max_size=40))
#: Values each form accepts, by field name, so that a submission with one or two fields changed gets
#: past the others' validation and reaches the code (and database) behind the form.
VALID = {
    "email": "clerk@council.example", "password": PASSWORD, "your_email": "ann@example.org",
    "contact_email": "hello@example.org", "title": "Sofa in the lane", "details": "Blocking the path",
    "name": "Jo Resident", "description": "We look after the park.", "theme": "environment", "area": "Douglas",
    "parent_id": "0", "lat": "54.1508", "lon": "-4.4806", "category": "Litter and bins", "q": "IM1 2LW",
    "postcode": "IM1 2LW", "radius_m": "500", "channel": "email", "target": "ann@example.org",
    "frequency": "instant", "text": "Thank you", "status": "closed", "report": "1", "note": "spam",
}  # fmt: skip


class Forms(HTMLParser):
    """Each form on a page: (method, action, {field name: value the page gave it})."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append((found.get("method", "get").lower(), found.get("action", ""), {}))
        elif tag in ("input", "textarea", "select", "button") and self.forms and found.get("name"):
            self.forms[-1][2].setdefault(found["name"], found.get("value", ""))


@pytest.fixture
def app(civic_app_factory: AppFactory) -> Flask:
    mail = "mailto://127.0.0.1:25?from=council@council.example&mode=insecure"
    app = civic_app_factory(
        load_entrypoints=True, config={"plugins": {"notify": {"mail_url": mail, "egress_allow": ["127.0.0.1:25"]}}}
    )
    with app.app_context():
        create_user("clerk@council.example", "Clerk", PASSWORD, "admin")
        app.extensions["civicapps"].registry.call_each("load_demo_data", app=app)  # reports, groups...
    return app


def staff_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    page = client.get("/-/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/-/login", data={"email": "clerk@council.example", "password": PASSWORD, "csrf_token": token})
    return client


def ids_of(rule: Rule) -> dict[str, int]:
    """The first of everything the demo data made, for pages with an id in their address."""
    return {name: 1 for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)}


def every_form(app: Flask, client: FlaskClient) -> dict[tuple[str, str], dict[str, str]]:
    forms: dict[tuple[str, str], dict[str, str]] = {}
    pages = [
        rule.build(ids_of(rule), append_unknown=False)[1]
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments - set(ids_of(rule))
    ]
    pages.append("/street-reports/report/new?lat=54.1508&lon=-4.4806&category=Litter+and+bins")  # at a demo place
    for path in pages:
        page = client.get(path)
        if page.status_code != 200 or page.mimetype != "text/html":
            continue
        parser = Forms()
        parser.feed(page.text)
        for method, action, fields in parser.forms:
            target = action.split("?")[0] or page.request.path
            same_form = re.sub(r"/\d+(/|$)", r"/1\1", target)  # one group's verify form stands for all
            if target.startswith("/") and target not in SKIPPED_ACTIONS and (method, same_form) not in forms:
                forms[(method, same_form)] = fields
    return forms


def test_no_form_answers_a_server_error_whatever_its_fields_hold(app: Flask) -> None:
    client = staff_client(app)
    forms = every_form(app, client)
    assert len(forms) >= 12, sorted(forms)
    for (method, action), defaults in sorted(forms.items()):
        fuzz_one_form(client, method, action, defaults)


def fuzz_one_form(client: FlaskClient, method: str, action: str, defaults: dict[str, str]) -> None:
    fuzzable = [name for name in defaults if not name.endswith("csrf_token")]
    kept = {name: value for name, value in defaults.items() if name.endswith("csrf_token")}

    baseline = {name: VALID.get(name, defaults[name]) for name in fuzzable}

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.lists(st.tuples(st.sampled_from(fuzzable or ["x"]), VALUES), min_size=1, max_size=3))
    def submit(changes: list[tuple[str, str]]) -> None:
        values = baseline | dict(changes)
        if method == "post":
            response = client.post(action, data={**values, **kept})
        else:
            response = client.get(action, query_string=values)
        assert response.status_code < 500, (method, action, values, response.status_code)

    submit()
