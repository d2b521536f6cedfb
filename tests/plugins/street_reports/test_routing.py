"""Boundaries and routing: which bodies a point belongs to, and the categories offered there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from civicapps_street_reports.areas import OutsideAllAreas, bodies_at, categories_at
from civicapps_street_reports.models import Area, Body, Category
from flask import Flask
from pyproj import Geod, Transformer
from sqlalchemy import func, select

from civicapps import db_session

from .conftest import (
    BOUNDARIES,
    NORTH_POINT,
    OUTSIDE_POINT,
    OVERLAP_POINT,
    SOUTH_POINT,
    box,
    feature,
    invoke,
    write_json,
)


def names(lat: float, lon: float) -> list[str]:
    return [body.name for body in bodies_at(lon, lat)]


def test_points_in_adjoining_councils_go_to_the_right_body(world: Flask) -> None:
    with world.app_context():
        assert names(*NORTH_POINT) == ["North Borough Council"]
        assert names(*SOUTH_POINT) == ["South Borough Council"]
        assert names(*OVERLAP_POINT) == ["County Council", "North Borough Council"]


def test_a_category_shared_at_an_overlap_goes_to_both_bodies(world: Flask) -> None:
    with world.app_context():
        offered = categories_at(OVERLAP_POINT[1], OVERLAP_POINT[0])
        assert sorted(c.body.name for c in offered["Potholes"]) == ["County Council", "North Borough Council"]
        assert [c.body.name for c in offered["Street lighting"]] == ["North Borough Council"]
        assert "Graffiti" not in offered  # a South Borough category
        south = categories_at(SOUTH_POINT[1], SOUTH_POINT[0])
        assert sorted(south) == ["Graffiti", "Potholes"]
        assert [c.body.name for c in south["Potholes"]] == ["South Borough Council"]


def test_a_point_outside_every_area_is_refused_with_a_clear_message(world: Flask) -> None:
    with world.app_context(), pytest.raises(OutsideAllAreas, match="outside the areas this service covers"):
        bodies_at(OUTSIDE_POINT[1], OUTSIDE_POINT[0])


def test_reimporting_replaces_areas_and_the_index_follows(world: Flask, tmp_path: Path) -> None:
    moved = {
        "type": "FeatureCollection",
        "features": [feature(box(-4.30, 54.15, -4.20, 54.17), name="North Borough", body="North Borough Council")],
    }
    result = invoke(world, "street-reports", "areas", "import", str(write_json(tmp_path / "moved.geojson", moved)))
    assert result.exit_code == 0, result.output
    assert "0 areas added, 1 replaced, 0 skipped" in result.output
    with world.app_context():
        assert names(*OUTSIDE_POINT) == ["North Borough Council"]
        assert names(*OVERLAP_POINT) == ["County Council"]
        assert db_session().scalar(select(func.count(Area.id))) == 3


def test_import_skips_unusable_features_naming_them_and_keeps_the_rest(app: Flask, tmp_path: Path) -> None:
    document = {
        "type": "FeatureCollection",
        "features": [
            feature({"type": "Point", "coordinates": [-4.48, 54.15]}, name="A point", body="Pointy Council"),
            feature(box(-4.50, 54.15, -4.46, 54.17), name="No body"),
            feature({"type": "Polygon", "coordinates": [[[1, 2]]]}, name="Broken", body="Broken Council"),
            BOUNDARIES["features"][0],
        ],
    }
    result = invoke(app, "street-reports", "areas", "import", str(write_json(tmp_path / "mixed.geojson", document)))
    assert result.exit_code == 0, result.output
    assert (
        "mixed.geojson, feature 1 (A point): a boundary must be a Polygon or MultiPolygon, not 'Point'" in result.output
    )
    assert "mixed.geojson, feature 2: no body named (give --body, or a 'body' property)" in result.output
    assert "mixed.geojson, feature 3 (Broken): the coordinates are malformed" in result.output
    assert "1 areas added, 0 replaced, 3 skipped" in result.output
    with app.app_context():
        assert list(db_session().scalars(select(Body.name))) == ["North Borough Council"]


def test_import_of_a_file_with_nothing_usable_fails(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text("{not json")
    result = invoke(app, "street-reports", "areas", "import", str(path))
    assert result.exit_code == 1
    assert "Could not read" in result.output and "bad.geojson as JSON" in result.output
    result = invoke(app, "street-reports", "areas", "import", str(write_json(path, {"type": "Topology"})))
    assert "Expected a GeoJSON FeatureCollection" in result.output


def test_shapefile_converted_british_national_grid_is_reprojected(app: Flask, tmp_path: Path) -> None:
    """ogr2ogr keeps a shapefile's EPSG:27700 in a legacy 'crs' member; we convert to WGS84."""
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    ring = [list(to_bng.transform(lon, lat)) for lon, lat in box(-0.15, 51.49, -0.13, 51.51)["coordinates"][0]]
    document = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": [feature({"type": "Polygon", "coordinates": [ring]}, NAME="Westminster")],
    }
    path = write_json(tmp_path / "westminster.geojson", document)
    result = invoke(
        app,
        "street-reports",
        "areas",
        "import",
        str(path),
        "--body",
        "Westminster City Council",
        "--name-property",
        "NAME",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert names(51.501, -0.1416) == ["Westminster City Council"]  # Buckingham Palace
        area = db_session().scalars(select(Area)).one()
        assert area.name == "Westminster" and -0.16 < area.min_lon < -0.14


def test_british_national_grid_boundaries_go_through_ostn15(app: Flask, tmp_path: Path) -> None:
    """A corner at OS's published grid reference for test point TP09 (Lambeth) lands on OS's own
    latitude/longitude for it, within 10 cm: OSTN15, not PROJ's Helmert fallback (1-5 m out)."""
    e, n, lat, lon = 530624.974, 178388.464, 51.48936565, -0.11992557
    ring = [[e, n], [e + 500, n], [e + 500, n + 500], [e, n + 500], [e, n]]
    document = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": [feature({"type": "Polygon", "coordinates": [ring]}, NAME="Lambeth")],
    }
    path = write_json(tmp_path / "lambeth.geojson", document)
    result = invoke(app, "street-reports", "areas", "import", str(path), "--body", "Lambeth", "--name-property", "NAME")
    assert result.exit_code == 0, result.output
    with app.app_context():
        area = db_session().scalars(select(Area)).one()
        corner = min(json.loads(area.geometry)["coordinates"][0], key=lambda p: p[0] + p[1])
        assert Geod(ellps="WGS84").inv(corner[0], corner[1], lon, lat)[2] < 0.1


def test_british_grid_numbers_without_a_crs_are_refused(app: Flask, tmp_path: Path) -> None:
    document = {
        "type": "FeatureCollection",
        "features": [feature(box(529000, 179000, 530000, 180000), name="X", body="Y")],
    }
    result = invoke(app, "street-reports", "areas", "import", str(write_json(tmp_path / "bng.geojson", document)))
    assert "coordinates are not longitude/latitude; give the file's crs" in result.output


def test_categories_import_checks_each_entry(app: Flask, tmp_path: Path, world: Flask) -> None:
    entries = [
        {"body": "Nobody", "name": "Potholes"},
        {"body": "North Borough Council", "name": "Bins", "send_method": "email"},
        {"body": "North Borough Council", "name": "Bins", "send_method": "fax"},
        {
            "body": "North Borough Council",
            "name": "Trees",
            "extra_questions": [{"code": "kind", "datatype": "singlevaluelist", "description": "Kind?"}],
        },
        {"body": "North Borough Council", "name": "Potholes", "send_method": "none"},
    ]
    result = invoke(world, "street-reports", "categories", "import", str(write_json(tmp_path / "c.json", entries)))
    assert result.exit_code == 0, result.output
    assert "c.json, entry 1: no body called 'Nobody'; import its areas first" in result.output
    assert "c.json, entry 2: category 'Bins' is sent by email but has no valid 'email'" in result.output
    assert "c.json, entry 3: send_method 'fax' is not one of email, open311, none" in result.output
    assert "c.json, entry 4: extra question 'kind' needs values: a list of {key, name}" in result.output
    assert "0 categories added, 1 updated, 4 skipped" in result.output
    with world.app_context():
        potholes = (
            db_session()
            .scalars(
                select(Category).join(Body).where(Body.name == "North Borough Council", Category.name == "Potholes")
            )
            .one()
        )
        assert potholes.send_method == "none" and potholes.service_code == "POTHOLES"
    listing = invoke(world, "street-reports", "categories", "list").output
    assert "County Council: Potholes [POTHOLES] -> open311 POT-01" in listing
    assert "North Borough Council: Street lighting [STREET_LIGHTING] -> email lights@north.example" in listing


def test_open311_settings_for_a_body_keep_the_key_out_of_output(world: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNTY_KEY", "s3cret-key")
    result = invoke(
        world,
        "street-reports",
        "bodies",
        "open311",
        "County Council",
        "--endpoint",
        "https://crm.county.example/open311/v2/",
        "--api-key-env",
        "COUNTY_KEY",
    )
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    assert "reports go to https://crm.county.example/open311/v2 with an API key" in result.output
    missing = invoke(world, "street-reports", "bodies", "open311", "Nowhere", "--endpoint", "https://x.example")
    assert missing.exit_code == 1
    assert (
        "No body called 'Nowhere' (known: County Council, North Borough Council, South Borough Council)"
        in missing.output
    )
    with world.app_context():
        county = db_session().scalar(select(Body).where(Body.name == "County Council"))
        assert county.open311_api_key == "s3cret-key"


def test_areas_list(world: Flask) -> None:
    output = invoke(world, "street-reports", "areas", "list").output.splitlines()
    assert output == [
        "County Council: Mid County",
        "North Borough Council: North Borough",
        "South Borough Council: South Borough",
    ]


def test_response_templates_from_the_command_line(app: Flask) -> None:
    added = invoke(
        app, "street-reports", "templates", "add", "Booked", "A crew is booked.", "--status", "action_scheduled"
    )
    assert added.exit_code == 0 and "Template 'Booked' saved." in added.output
    invoke(app, "street-reports", "templates", "add", "Booked", "A crew is booked for this week.")
    assert invoke(app, "street-reports", "templates", "list").output == "Booked: A crew is booked for this week.\n"
    assert invoke(app, "street-reports", "templates", "add", "Empty", " ").exit_code == 1
