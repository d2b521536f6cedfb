"""Each app's JSON and GeoJSON lists, Atom feed per area and OpenAPI description."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from civicapps import pull_feed

ATOM = "{http://www.w3.org/2005/Atom}"
NEAR = {"q": "YO31 7EH", "radius": 500}


@pytest.fixture
def app(roadworks_app):
    app = roadworks_app()
    pull_feed(app, "roadworks")
    return app


def test_json_lists_the_records_near_a_place_nearest_first(app):
    answer = app.test_client().get("/dataset-apps/roadworks/api/items.json", query_string=NEAR)
    assert answer.status_code == 200
    body = answer.json
    assert body["count"] == 2 and [i["reference"] for i in body["items"]] == ["RW-2", "RW-1"]
    first = body["items"][0]
    assert first["title"] == "Carriageway patching on Gillygate" and first["category"] == "Minor"
    assert first["record"]["promoter"] == "City of York Council"
    assert first["url"].endswith(f"/dataset-apps/roadworks/items/{first['id']}")
    assert first["distance_m"] == pytest.approx(48, abs=5)
    everything = app.test_client().get("/dataset-apps/roadworks/api/items.json?category=standard").json
    assert [i["reference"] for i in everything["items"]] == ["RW-3"]


def test_geojson_is_a_feature_collection_of_points(app):
    answer = app.test_client().get("/dataset-apps/roadworks/api/items.geojson", query_string=NEAR)
    assert answer.mimetype == "application/geo+json"
    features = answer.json["features"]
    assert [f["properties"]["reference"] for f in features] == ["RW-2", "RW-1"]
    lon, lat = features[0]["geometry"]["coordinates"]
    assert lat == pytest.approx(53.9636, abs=0.001) and lon == pytest.approx(-1.0856, abs=0.001)


def test_bad_parameters_and_unknown_places_are_400_naming_the_parameter(app):
    client = app.test_client()
    bad = client.get("/dataset-apps/roadworks/api/items.json?radius=1")
    assert bad.status_code == 400 and bad.json["parameter"] == "radius"
    alone = client.get("/dataset-apps/roadworks/api/items.geojson?lat=53.9")
    assert alone.status_code == 400 and alone.json["parameter"] == "lon"
    nowhere = client.get("/dataset-apps/roadworks/feed.atom?q=ZZ9+9ZZ")
    assert nowhere.status_code == 400 and "We could not find the postcode ZZ9 9ZZ" in nowhere.json["error"]


def test_atom_feed_per_area_newest_first(app):
    answer = app.test_client().get("/dataset-apps/roadworks/feed.atom", query_string=NEAR)
    assert answer.mimetype == "application/atom+xml"
    feed = ET.fromstring(answer.data)
    assert feed.findtext(f"{ATOM}title").startswith("Roadworks near YO31 7EH")
    entries = feed.findall(f"{ATOM}entry")
    assert {e.findtext(f"{ATOM}title") for e in entries} == {
        "Carriageway patching on Gillygate",
        "Gas main renewal on Clarence Street",
    }
    assert all("metres away" in e.findtext(f"{ATOM}summary") for e in entries)


def test_openapi_describes_the_three_lists_and_their_parameters(app):
    spec = app.test_client().get("/dataset-apps/roadworks/api/openapi.json").json
    assert spec["openapi"].startswith("3.1") and spec["info"]["title"] == "Roadworks"
    assert set(spec["paths"]) == {
        "/dataset-apps/roadworks/api/items.json",
        "/dataset-apps/roadworks/api/items.geojson",
        "/dataset-apps/roadworks/feed.atom",
    }
    names = [p["name"] for p in spec["paths"]["/dataset-apps/roadworks/api/items.json"]["get"]["parameters"]]
    assert names == ["q", "lat", "lon", "radius", "category", "keywords", "from", "to"]


def test_a_switched_off_app_has_no_api(app):
    from civicapps.testing import CivicRunner

    CivicRunner(app).invoke(["apps", "disable", "dataset_apps.roadworks"])
    client = app.test_client()
    for path in ("api/items.json", "api/items.geojson", "feed.atom", "api/openapi.json"):
        assert client.get(f"/dataset-apps/roadworks/{path}").status_code == 404, path
