"""Our Open311 GeoReport v2 server: every method in XML and JSON, validated against the spec's JSON
Schemas, the spec's error format and parameter rules, and the PyPI ``georeport`` client reading it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest
from civicapps_street_reports.georeport import ITEM_NAMES
from civicapps_street_reports.models import Report
from flask import Flask
from flask.testing import FlaskClient

from civicapps import Actor, db_session

from .conftest import NORTH_POINT, OPEN311_KEY, OUTSIDE_POINT, PLUGIN, SOUTH_POINT, load_world

API = "/street-reports/open311/v2"
SCHEMAS = Path(__file__).parent / "georeport_v2_schemas"


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.json").read_text())


def valid(document: Any, name: str) -> Any:
    jsonschema.validate(document, schema(name), format_checker=jsonschema.FormatChecker())
    return document


def xml_as_json(element: ElementTree.Element) -> Any:
    """The spec's XML mapped to its JSON form, every scalar a string (XML has no types)."""
    if element.tag in ITEM_NAMES:
        return [xml_as_json(child) for child in element]
    if len(element):
        return {child.tag: xml_as_json(child) for child in element}
    return element.text or ""


def as_strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_strings(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def both(client: FlaskClient, path: str, name: str, expect: int = 200, **params: str) -> Any:
    """GET ``path`` as .json and .xml; check each, and that the XML says the same as the JSON."""
    as_json = client.get(f"{API}/{path}.json", query_string=params)
    as_xml = client.get(f"{API}/{path}.xml", query_string=params)
    assert (as_json.status_code, as_xml.status_code) == (expect, expect), as_json.get_data(as_text=True)
    assert as_json.content_type == "application/json; charset=utf-8"
    assert as_xml.content_type == "text/xml; charset=utf-8"
    assert as_xml.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    document = valid(as_json.get_json(), name)
    root = ElementTree.fromstring(as_xml.data)
    assert xml_as_json(root) == as_strings(document)
    return document


def create(client: FlaskClient, **fields: str) -> Any:
    data = {
        "api_key": OPEN311_KEY,
        "service_code": "FLY_TIPPING",
        "lat": str(NORTH_POINT[0]),
        "long": str(NORTH_POINT[1]),
        "description": "Sofa dumped in the lane\nBlocking the path.",
        "email": "jo@example.org",
        "first_name": "Jo",
        "last_name": "Resident",
    }
    data.update(fields)
    return client.post(f"{API}/requests.json", data={k: v for k, v in data.items() if v is not None})


@pytest.fixture
def api(world: Flask) -> FlaskClient:
    return world.test_client()


def test_discovery(api: FlaskClient) -> None:
    found = both(api, "discovery", "discovery")
    endpoint = found["endpoints"][0]
    assert endpoint["url"] == "http://reports.example/street-reports/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]


def test_services_one_per_category_shared_across_bodies(api: FlaskClient) -> None:
    services = {s["service_code"]: s for s in both(api, "services", "services")}
    assert set(services) == {"ABANDONED_NEEDLES", "FLY_TIPPING", "GRAFFITI", "POTHOLES", "STREET_LIGHTING"}
    assert services["POTHOLES"]["metadata"] is True and services["FLY_TIPPING"]["metadata"] is False
    assert services["POTHOLES"]["group"] == "Roads" and services["POTHOLES"]["type"] == "realtime"
    assert services["ABANDONED_NEEDLES"]["keywords"] == "private"


def test_service_definition_and_the_singular_alias(api: FlaskClient) -> None:
    definition = both(api, "services/POTHOLES", "service-definition")
    assert definition["service_code"] == "POTHOLES"
    depth, lane = definition["attributes"]
    assert (depth["code"], depth["datatype"], depth["required"], depth["order"]) == (
        "depth",
        "singlevaluelist",
        True,
        1,
    )
    assert depth["values"] == [
        {"key": "shallow", "name": "Shallower than 5 cm"},
        {"key": "deep", "name": "5 cm or deeper"},
    ]
    assert (lane["code"], lane["required"], lane["order"]) == ("lane", False, 2)
    assert both(api, "service/POTHOLES", "service-definition") == definition  # the open311 1.1 client's URL


def test_unknown_things_are_404_in_the_spec_error_format(api: FlaskClient) -> None:
    for path in ("services/NOPE", "requests/99999", "tokens/nope"):
        errors = both(api, path, "errors", expect=404)
        assert errors[0]["code"] == 404 and "not found" in errors[0]["description"]
    assert api.get(f"{API}/services.yaml").status_code == 404


def test_post_needs_a_valid_api_key_from_the_form_or_the_query(api: FlaskClient) -> None:
    missing = create(api, api_key=None)
    assert missing.status_code == 403
    assert valid(missing.get_json(), "errors") == [
        {"code": 403, "description": "api_key is required to create a service request"}
    ]
    wrong = create(api, api_key="guess")
    assert (wrong.status_code, wrong.get_json()[0]["description"]) == (403, "Invalid api_key")
    from_query = api.post(
        f"{API}/requests.xml?api_key={OPEN311_KEY}",
        data={
            "service_code": "FLY_TIPPING",
            "lat": str(NORTH_POINT[0]),
            "long": str(NORTH_POINT[1]),
            "description": "Bags",
        },
    )
    assert from_query.status_code == 200, from_query.data
    request_id = ElementTree.fromstring(from_query.data).findtext("request/service_request_id")
    assert request_id and request_id.isdigit()


def test_post_creates_a_confirmed_report_and_answers_its_id(api: FlaskClient, world: Flask) -> None:
    response = create(api)
    assert response.status_code == 200, response.get_data(as_text=True)
    (answer,) = valid(response.get_json(), "post-request")
    request = both(api, f"requests/{answer['service_request_id']}", "requests")
    assert len(request) == 1
    assert request[0]["status"] == "open" and request[0]["service_code"] == "FLY_TIPPING"
    assert request[0]["description"] == "Sofa dumped in the lane\nBlocking the path."
    assert request[0]["agency_responsible"] == "North Borough Council"
    assert (request[0]["lat"], request[0]["long"]) == NORTH_POINT
    text = json.dumps(request)
    assert "jo@example.org" not in text and "Resident" not in text  # personal data is never published
    with world.app_context():
        report = db_session().get(Report, int(answer["service_request_id"]))
        assert (report.status, report.source, report.email) == ("open", "open311:test-app", "jo@example.org")
        token = report.token
    assert both(api, f"tokens/{token}", "post-request") == [
        {"service_request_id": answer["service_request_id"], "token": token}
    ]


def test_post_refusals(api: FlaskClient) -> None:
    cases = [
        ({"service_code": None}, 400, "service_code is required"),
        ({"service_code": "NOPE"}, 404, "service_code NOPE not found"),
        ({"lat": str(OUTSIDE_POINT[0]), "long": str(OUTSIDE_POINT[1])}, 400, "outside the areas this service covers"),
        (
            {"service_code": "POTHOLES", "lat": str(SOUTH_POINT[0]), "long": str(SOUTH_POINT[1])},
            400,
            "extra_depth: Answer 'How deep is it?'",
        ),
        ({"lat": None, "long": None}, 400, "lat and long (or address_string) are required"),
        ({"description": "x" * 4001}, 400, "description may be at most 4000 characters"),
    ]
    for fields, status, message in cases:
        response = create(api, **fields)
        assert response.status_code == status, (fields, response.get_data(as_text=True))
        assert message in valid(response.get_json(), "errors")[0]["description"]


def test_post_with_attributes_and_an_address(api: FlaskClient, world: Flask) -> None:
    response = create(
        api,
        service_code="POTHOLES",
        lat=None,
        long=None,
        address_string="IM1 2AB",
        **{"attribute[depth]": "deep", "attribute[lane]": "northbound"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    with world.app_context():
        report = db_session().get(Report, int(response.get_json()[0]["service_request_id"]))
        assert report.answers == {"depth": "deep", "lane": "northbound"}
        assert (report.lat, report.lon, report.location_text) == (54.1612, -4.4951, "IM1 2AB")


def test_get_requests_filters_and_treats_empty_parameters_as_absent(api: FlaskClient, world: Flask) -> None:
    ids = [create(api, description=f"Bags {n}", email=None).get_json()[0]["service_request_id"] for n in range(3)]
    with world.app_context():
        from civicapps_street_reports import lifecycle

        report = db_session().get(Report, int(ids[0]))
        lifecycle.staff_update(report, Actor("s1", "Sam Staff", "staff"), "fixed", "Cleared today.")
        db_session().commit()
    listed = both(api, "requests", "requests")
    assert [r["service_request_id"] for r in listed] == list(reversed(ids))
    assert both(api, "requests", "requests", status="", service_code="", jurisdiction_id="") == listed
    closed = both(api, "requests", "requests", status="closed")
    assert [(r["service_request_id"], r["status"], r["status_notes"]) for r in closed] == [
        (ids[0], "closed", "Cleared today.")
    ]
    assert [r["service_request_id"] for r in both(api, "requests", "requests", status="open,closed")] == list(
        reversed(ids)
    )
    assert both(api, "requests", "requests", service_code="GRAFFITI") == []
    assert [
        r["service_request_id"] for r in both(api, "requests", "requests", service_request_id=f"{ids[2]},{ids[0]}")
    ] == [ids[2], ids[0]]
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert both(api, "requests", "requests", start_date=future) == []
    bad = both(api, "requests", "errors", expect=400, start_date="last tuesday")
    assert bad[0]["description"] == "start_date must be a W3C datetime like 2026-11-23T00:00:00Z"
    too_long = both(
        api, "requests", "errors", expect=400, start_date="2026-01-01T00:00:00Z", end_date="2026-06-01T00:00:00Z"
    )
    assert "at most 90 days apart" in too_long[0]["description"]
    assert (
        both(api, "requests", "errors", expect=400, status="pending")[0]["description"]
        == "status must be open or closed, not pending"
    )


def test_hidden_private_and_unconfirmed_reports_are_not_served(api: FlaskClient, world: Flask) -> None:
    public = create(api).get_json()[0]["service_request_id"]
    hidden = create(api).get_json()[0]["service_request_id"]
    private = create(api, service_code="ABANDONED_NEEDLES", email=None).get_json()[0]["service_request_id"]
    with world.app_context():
        db_session().get(Report, int(hidden)).hidden = True
        db_session().get(Report, int(private)).status = "unconfirmed"
        db_session().commit()
        assert db_session().get(Report, int(private)).private
    assert [r["service_request_id"] for r in both(api, "requests", "requests")] == [public]
    for request_id in (hidden, private):
        both(api, f"requests/{request_id}", "errors", expect=404)


def test_jurisdiction_is_optional_but_checked_when_configured(
    civic_app_factory: Any, app_config: dict[str, Any], tmp_path: Path
) -> None:
    app_config["plugins"]["street_reports"]["open311_jurisdiction_id"] = "north.example"
    app = civic_app_factory(plugins=[PLUGIN], config=app_config)
    load_world(app, tmp_path)
    client = app.test_client()
    both(client, "services", "services")
    both(client, "services", "services", jurisdiction_id="north.example")
    assert both(client, "services", "errors", expect=404, jurisdiction_id="south.example")[0]["description"] == (
        "jurisdiction_id south.example not found"
    )


def test_the_georeport_pypi_client_lists_services_and_reads_requests(
    world: Flask, civic_live_server_factory: Any
) -> None:
    from georeport import GeoReport

    client = world.test_client()
    ids = [create(client, description=f"Rubbish {n}").get_json()[0]["service_request_id"] for n in range(2)]
    root = f"{civic_live_server_factory(world)}/street-reports/open311/v2"
    for fmt in ("json", "xml"):
        georeport = GeoReport(root, output_format=fmt)
        services = georeport.get_service_list()
        assert {s["service_code"] for s in services} >= {"POTHOLES", "FLY_TIPPING"}
        definition = georeport.get_service_definition("POTHOLES")
        attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
        assert [a["code"] for a in attributes] == ["depth", "lane"]
        listed = georeport.get_service_requests(status="open")
        assert {r["service_request_id"] for r in listed} == set(ids)
        one = georeport.get_service_request(ids[0])
        assert one["service_request_id"] == ids[0] and one["description"] == "Rubbish 0"
