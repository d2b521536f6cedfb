"""Edge input is a 4xx, never a 500, on every route of the host and the bundled plugins: NUL characters
(PostgreSQL cannot store them), ids past 64 bits (in URLs and query parameters), digits that are not
ASCII, and JSON nested deeper than Python parses."""
from __future__ import annotations

import re

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.exceptions import BadRequest
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from civicapps import parse_id
from civicapps.auth import create_user
from civicapps.testing import AppFactory

HUGE_IDS = [2**31, 2**63, 10**20]  # past PostgreSQL's integer, SQLite's integer, and any
#: Every query parameter a view of the host or a bundled plugin reads, set at once to each bad value.
QUERY_NAMES = [
    "page", "area", "service_request_id", "jurisdiction_id", "id", "authority", "status", "category", "since",
    "bbox", "lat", "lon", "radius_m", "q", "theme", "postcode", "place", "start_date", "end_date",
    "updated_after", "report", "group", "per_page", "limit", "near", "radius", "next", "api_key", "chosen",
    "service_code", "type", "sort", "format", "topic",
]  # fmt: skip
BAD_VALUES = ["99999999999999999999", "9223372036854775808", "2147483648", "\u00b2", "\u0663", "a\x00b", "-1"]
PASSWORD = "a-long-staff-password"


@pytest.fixture
def app(civic_app_factory: AppFactory) -> Flask:
    app = civic_app_factory(load_entrypoints=True)
    with app.app_context():
        create_user("clerk@council.example", "Clerk", PASSWORD, "admin")
    return app


def staff_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    token = csrf(client)
    response = client.post(
        "/-/login", data={"email": "clerk@council.example", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def csrf(client: FlaskClient) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/-/login").text).group(1)


def url(rule: Rule, number: int) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = number
        elif isinstance(converter, AnyConverter):
            values[name] = converter.regex.strip("(?:)").split("|")[0]
        else:
            values[name] = "json" if name == "fmt" else "x"
    return rule.build(values, append_unknown=False)[1]


def routes(app: Flask, method: str) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if method in r.methods and not r.rule.endswith("<path:filename>")]


def test_ids_past_64_bits_in_any_url_are_not_found(app: Flask) -> None:
    client = staff_client(app)
    with_ids = [r for r in routes(app, "GET") if any(isinstance(c, IntegerConverter) for c in r._converters.values())]
    assert len(with_ids) >= 10
    for rule in with_ids:
        for number in HUGE_IDS:
            response = client.get(url(rule, number))
            assert response.status_code == 404, (url(rule, number), response.status_code)
        assert client.get(url(rule, 2**31 - 1)).status_code < 500, url(rule, 2**31 - 1)
    token = csrf(client)
    for rule in routes(app, "POST"):
        response = client.post(url(rule, 2**31 - 1), data={"csrf_token": token})
        assert response.status_code < 500, (url(rule, 2**31 - 1), response.status_code)


@pytest.mark.parametrize("value", BAD_VALUES, ids=repr)
def test_bad_query_parameters_on_every_page_are_a_client_error(app: Flask, value: str) -> None:
    client = staff_client(app)
    query = {name: value for name in QUERY_NAMES}
    for rule in routes(app, "GET"):
        response = client.get(url(rule, 1), query_string=query)
        assert response.status_code < 500, (url(rule, 1), value, response.status_code)
        if "\x00" in value:
            assert response.status_code == 400, url(rule, 1)


def test_nul_in_any_form_field_is_refused_with_a_message(app: Flask) -> None:
    client = staff_client(app)
    token = csrf(client)
    for rule in routes(app, "POST"):
        data = {"csrf_token": token, "title": "Pot\x00hole", "name": "Friends of\x00 Athol Park", "api_key": "\x00"}
        response = client.post(url(rule, 1), data=data)
        assert response.status_code == 400, (url(rule, 1), response.status_code)
        assert "NUL character" in response.text, url(rule, 1)
    assert client.get("/street-reports/open311/v2/requests/1%00.json").status_code == 404


def test_json_too_deep_or_holding_nul_is_a_bad_request(app: Flask) -> None:
    client = app.test_client()
    deep = client.post("/alerts/api/subscriptions", data="[" * 100_000, content_type="application/json")
    assert deep.status_code == 400 and deep.json["error"] == "Send a JSON object"
    nul = client.post("/alerts/api/subscriptions", json={"topic": "x", "target": "mailto:a\x00@example.org"})
    assert nul.status_code == 400 and nul.json["error"] == "Send a JSON object"
    with app.test_request_context(data="[" * 100_000, content_type="application/json"):
        with pytest.raises(BadRequest):
            request.get_json()
    with app.test_request_context(json={"a": [{"b": "\x00"}]}):
        with pytest.raises(BadRequest):
            request.get_json()


@pytest.mark.parametrize(
    "text, expected",
    [("1", 1), ("2147483647", 2**31 - 1), ("2147483648", None), ("9223372036854775808", None), ("0", None),
     ("-1", None), ("\u00b2", None), ("\u0663", None), (" 1", None), ("", None), (None, None), (7, None),
     ("1" * 400, None)],
)  # fmt: skip
def test_parse_id(text: object, expected: int | None) -> None:
    assert parse_id(text) == expected
    assert parse_id("50", maximum=10) is None


def test_an_overlong_field_is_refused_and_never_echoed(app: Flask) -> None:
    """Flask reads up to 500 KB of form; a refused form used to echo all of it back into the page."""
    client = staff_client(app)
    token = csrf(client)
    long = "x" * 10_001
    for rule in routes(app, "POST"):
        response = client.post(url(rule, 1), data={"csrf_token": token, "email": long, "title": long})
        assert response.status_code == 413, (url(rule, 1), response.status_code)
        assert long not in response.text and "at most 10,000 characters" in response.text
    assert client.get("/organogram/", query_string={"area": long}).status_code == 413
