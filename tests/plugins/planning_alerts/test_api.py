"""The search API (JSON, GeoJSON), Atom/RSS per area and the OpenAPI description."""

from __future__ import annotations

from collections.abc import Callable

import feedparser
import pytest
from flask import Flask
from openapi_spec_validator import validate

from civicapps.feeds import pull_feed

from .alerts_support import feed_csv


@pytest.fixture
def client(pa_app, civic_feed_server):
    url = civic_feed_server.add("/london.csv", feed_csv())
    app = pa_app(feeds={"london": {"preset": "easting_northing", "url": url, "authority": "Westminster"}})
    pull_feed(app, "london")
    return app.test_client()


def refs(answer):
    return sorted(a["reference"] for a in answer.json["applications"])


def test_search_by_postcode_or_point_with_distances(client):
    by_postcode = client.get("/planning-alerts/api/applications.json?postcode=WC2N5DU&radius=800")
    assert by_postcode.status_code == 200
    assert refs(by_postcode) == ["W/02", "W/11", "W/12", "W/21", "W/22", "W/31", "W/32"]
    assert by_postcode.json["query"]["postcode"] == "WC2N 5DU"
    assert all(0 < a["distance_m"] <= 800 for a in by_postcode.json["applications"])
    by_point = client.get("/planning-alerts/api/applications.json?lat=51.508039&lng=-0.128069&radius=800")
    assert refs(by_point) == refs(by_postcode)


def test_bbox_authority_since_and_paging(client):
    everything = client.get("/planning-alerts/api/applications.json?per_page=5")
    assert (everything.json["total"], len(everything.json["applications"])) == (12, 5)
    assert everything.json["links"]["next"].endswith("per_page=5&page=2") and "prev" not in everything.json["links"]
    last = client.get("/planning-alerts/api/applications.json?per_page=5&page=3")
    assert len(last.json["applications"]) == 2 and "next" not in last.json["links"]
    box = client.get("/planning-alerts/api/applications.json?bbox=-0.14,51.49,-0.128,51.51")
    assert all(a["lng"] <= -0.128 for a in box.json["applications"]) and 0 < box.json["total"] < 12
    assert client.get("/planning-alerts/api/applications.json?authority=westminster").json["total"] == 12
    assert client.get("/planning-alerts/api/applications.json?authority=Camden").json["total"] == 0
    assert client.get("/planning-alerts/api/applications.json?since=2000-01-01").json["total"] == 12
    assert client.get("/planning-alerts/api/applications.json?since=2999-01-01").json["total"] == 0


def test_geojson_features(client):
    answer = client.get("/planning-alerts/api/applications.geojson?postcode=SW1A2AA&radius=200")
    assert answer.mimetype == "application/geo+json"
    [feature] = answer.json["features"]
    assert feature["geometry"]["type"] == "Point" and feature["properties"]["reference"] == "W/21"


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("postcode=ZZ99ZZ", "postcode"),
        ("lat=51.5", "lng"),
        ("lat=91&lng=0", "lat"),
        ("postcode=SW1A1AA&radius=99999", "radius"),
        ("bbox=1,2,3", "bbox"),
        ("since=yesterday", "since"),
        ("per_page=100000", "per_page"),
    ],
)
def test_bad_parameters_are_named(client, query, parameter):
    answer = client.get(f"/planning-alerts/api/applications.json?{query}")
    assert answer.status_code == 400 and answer.json["parameter"] == parameter and answer.json["detail"]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_area_feeds(client, fmt):
    answer = client.get(f"/planning-alerts/area.{fmt}?postcode=SW1A2AA&radius=800")
    assert answer.status_code == 200
    parsed = feedparser.parse(answer.data)
    assert not parsed.bozo, parsed.bozo_exception
    assert "within 800 m of SW1A 2AA" in parsed.feed.title
    assert parsed.entries and all(
        e.link.startswith("http://localhost/planning-alerts/applications/") for e in parsed.entries
    )


def test_openapi_description_lists_the_search(client):
    spec = client.get("/planning-alerts/api/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    names = {p["name"] for p in spec["paths"]["/api/applications.json"]["get"]["parameters"]}
    assert names == {"postcode", "lat", "lng", "radius", "bbox", "authority", "since", "page", "per_page"}
    assert {"/api/applications.geojson", "/area.atom", "/area.rss"} <= set(spec["paths"])


def test_openapi_document_is_valid_and_follows_the_settings(pa_app: Callable[..., Flask]):
    app = pa_app(settings={"min_radius_m": 150, "max_radius_m": 3000, "default_radius_m": 400, "page_size": 20})
    spec = app.test_client().get("/planning-alerts/api/openapi.json").json
    validate(spec)
    search = {p["name"]: p for p in spec["paths"]["/api/applications.json"]["get"]["parameters"]}
    assert search["radius"]["schema"] == {"type": "number", "minimum": 150, "maximum": 3000}
    assert "default 400" in search["radius"]["description"]
    assert search["per_page"]["schema"]["default"] == 20
    feed = {p["name"] for p in spec["paths"]["/area.atom"]["get"]["parameters"]}
    assert feed == {"postcode", "lat", "lng", "radius", "bbox", "authority", "since"}
    answered = app.test_client().get("/planning-alerts/api/applications.json?postcode=SW1A1AA&radius=3001")
    assert answered.status_code == 400 and answered.json["parameter"] == "radius"
    assert set(answered.json) == set(spec["components"]["schemas"]["Problem"]["properties"])
