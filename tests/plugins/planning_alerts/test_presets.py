"""Each feed preset ingests a real-shaped sample into the planning dataset through the core feeds
machinery: fields mapped, points placed (coordinates in their CRS, else the postcode), bad rows reported."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest
from civicapps_planning_alerts.presets import PRESETS
from civicapps_planning_alerts.settings import PresetFeed
from pyproj import Geod, Transformer

from civicapps import StartupError
from civicapps.feeds import pull_feed
from civicapps.feeds.registry import feeds_registry
from civicapps.testing import CivicRunner

from .conftest import HERE, POSTCODES, applications

GEOD = Geod(ellps="WGS84")
IOM_RAW = Path(__file__).resolve().parents[2] / "fixtures" / "iom-planning-applications-2023-06-02-raw.csv"


def metres(a, lat, lon):
    return GEOD.inv(a.longitude, a.latitude, lon, lat)[2]


def serve(civic_feed_server, name):
    return civic_feed_server.add(f"/{name}", (HERE / name).read_bytes())


def test_planningalerts_morph_scraper_output(pa_app, civic_feed_server):
    url = serve(civic_feed_server, "morph.json")
    app = pa_app(feeds={"morph": {"preset": "planningalerts", "url": url, "authority": "Example Council"}})
    result = pull_feed(app, "morph")
    assert (result.outcome, result.new, result.skipped) == ("ingested", 3, 0)
    stored = applications(app)
    door = stored["DA2024/0101"]
    assert door.authority == "Example Council"
    assert door.description == "Replacement of front door and fanlight"
    assert (door.postcode, door.date_received, door.consultation_end) == (
        "SW1A 2AA",
        dt.date(2024, 5, 8),
        dt.date(2024, 5, 31),
    )
    assert door.comment_url.endswith("/comment")
    assert (door.latitude, door.longitude) == POSTCODES["SW1A 2AA"], (
        "scrapers give no point: the address postcode places it"
    )
    assert stored["DA2024/0102"].date_received == dt.date(2024, 5, 8), "dd/mm/yyyy read day first"
    assert stored["DA2024/0103"].latitude is None
    assert result.reasons == {"warning - address: no postcode found in …": 1}


def test_planit_applics_json(pa_app, civic_feed_server):
    url = serve(civic_feed_server, "planit.json")
    app = pa_app(feeds={"planit": {"preset": "planit", "url": url}})
    assert pull_feed(app, "planit").new == 2
    plinth = applications(app)["24/01234/FULL"]
    assert (plinth.authority, plinth.application_type, plinth.status) == ("Westminster", "Full", "Permitted")
    assert (plinth.decision, plinth.decision_date) == ("Application Permitted", dt.date(2024, 4, 20))
    assert (plinth.date_validated, plinth.consultation_end) == (dt.date(2024, 3, 1), dt.date(2024, 3, 25))
    assert plinth.local_area == "St James's" and plinth.comment_url.endswith("/comment/ABC")
    assert (plinth.latitude, plinth.longitude) == (51.508039, -0.128069)
    signage = applications(app)["24/00777/FUL"]
    assert (signage.authority, signage.latitude, signage.longitude) == ("Lambeth", *POSTCODES["SE1 7PB"])


@pytest.mark.parametrize("fmt", ["json", "geojson"])
def test_planning_data_gov_uk(pa_app, civic_feed_server, fmt):
    url = serve(civic_feed_server, f"planning-data.{fmt}")
    app = pa_app(feeds={"pd": {"preset": "planning_data", "format": fmt, "url": url, "authority": "Mid Devon"}})
    result = pull_feed(app, "pd")
    assert result.outcome == "ingested" and result.skipped == 0, result.error
    extension = applications(app)["PA/24/001"]
    assert (extension.authority, extension.application_type, extension.postcode) == ("Mid Devon", "full", "EX16 5BL")
    assert extension.date_received == dt.date(2024, 1, 15)
    assert metres(extension, 50.9071, -3.47755) < 15, "placed on the site (its point, or the polygon's centre)"
    if fmt == "json":
        assert (extension.decision, extension.decision_date) == ("approved", dt.date(2024, 3, 2))
        assert extension.site.startswith("MULTIPOLYGON")
        cafe = applications(app)["PA/24/002"]
        assert (cafe.latitude, cafe.longitude) == POSTCODES["EX16 5BL"], "no point: the postcode in the address"


def test_planning_data_entity_json_follows_next_links_on_its_own_host_only(pa_app, civic_feed_server):
    document = json.loads((HERE / "planning-data.json").read_text())
    first, second = document["entities"]
    page2 = civic_feed_server.add("/entity-2.json", json.dumps({"entities": [second], "links": {}}))
    page1 = civic_feed_server.add(
        "/entity.json", json.dumps({"entities": [first], "links": {"next": "/entity-2.json"}})
    )
    app = pa_app(feeds={"pd": {"preset": "planning_data", "url": page1, "authority": "Mid Devon"}})
    result = pull_feed(app, "pd")
    assert (result.new, result.requests) == (2, 2) and set(applications(app)) == {"PA/24/001", "PA/24/002"}
    assert page2.endswith("/entity-2.json")
    elsewhere = civic_feed_server.add(
        "/away.json", json.dumps({"entities": [first], "links": {"next": "https://elsewhere.example/entity.json"}})
    )
    away = pa_app(feeds={"away": {"preset": "planning_data", "url": elsewhere, "authority": "Mid Devon"}})
    failed = pull_feed(away, "away")
    assert failed.outcome == "failed" and "another host (elsewhere.example); not followed" in failed.error
    assert applications(away) == {}, "a failed pull stores nothing"


def test_lga_schema_with_british_national_grid_and_a_broken_row(pa_app, civic_feed_server):
    url = serve(civic_feed_server, "lga.csv")
    app = pa_app(feeds={"lga": {"preset": "lga", "url": url}})
    result = pull_feed(app, "lga")
    assert (result.read, result.new, result.skipped) == (3, 2, 1)
    [issue] = result.issues
    assert (issue.position, issue.field, issue.severity) == (4, "date_received", "skipped")
    assert "'31/02/2024'" in issue.reason
    stored = applications(app)
    column = stored["24/03000/FULL"]
    assert (column.authority, column.application_type, column.date_received) == (
        "Westminster City Council",
        "Full planning permission",
        dt.date(2024, 5, 2),
    )
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(530047, 180422)
    assert metres(column, lat, lon) < 5, "EPSG:27700 GeoX/GeoY converted (OSTN15 within metres of PROJ's Helmert)"
    banner = stored["24/03001/ADV"]
    assert (banner.decision, banner.decision_date) == ("Refused", dt.date(2024, 5, 9))
    assert (banner.latitude, banner.longitude) == POSTCODES["SW1A 2AA"], "no GeoX/GeoY: the postcode"


def test_generic_easting_northing_csv_with_renamed_columns(pa_app, civic_feed_server):
    url = serve(civic_feed_server, "easting-northing.csv")
    feed = {
        "preset": "easting_northing",
        "url": url,
        "authority": "Mid Devon",
        "mapping": {
            "reference": "ref",
            "description": "proposal",
            "address": "site address",
            "postcode": {"column": "site address", "extract": "postcode"},
        },
    }
    app = pa_app(feeds={"en": feed})
    result = pull_feed(app, "en")
    assert (result.new, result.warnings) == (2, 1)
    dwelling = applications(app)["EN/1"]
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(295510, 112660)
    assert dwelling.application_type == "Full" and metres(dwelling, lat, lon) < 5
    assert applications(app)["EN/2"].latitude is None
    assert result.reasons == {"warning - postcode: no postcode to place the row with": 1}


def test_preset_mistakes_stop_startup_with_one_line(pa_app):
    with pytest.raises(StartupError, match=r"unknown preset 'planet'; known: planningalerts, planning_data"):
        pa_app(feeds={"x": {"preset": "planet", "url": "https://x.example/a.json"}})
    with pytest.raises(StartupError, match=r"preset 'easting_northing' needs authority"):
        pa_app(feeds={"x": {"preset": "easting_northing", "url": "https://x.example/a.csv"}})
    with pytest.raises(StartupError, match=r"Feed 'x': mapping names 'colour'"):
        pa_app(feeds={"x": {"preset": "lga", "url": "https://x.example/a.csv", "mapping": {"colour": "Colour"}}})


def test_presets_command_prints_an_expansion_that_is_a_valid_feed(pa_app):
    """The expansion is TOML now (it was JSON, which no [feeds.x] table or pull --mapping accepted)."""
    app = pa_app()
    runner = CivicRunner(app)
    listing = runner.invoke(["planning-alerts", "presets"])
    assert listing.exit_code == 0 and "isle_of_man" in listing.output and "lga" in listing.output
    expansion = runner.invoke(["planning-alerts", "presets", "lga"])
    assert expansion.exit_code == 0, expansion.output
    feed = tomllib.loads(expansion.output)["feeds"]["my-feed"]
    assert feed["location"]["x"] == "GeoX" and feed["dataset"] == "planning_alerts.application"
    assert feed["interval"] == "1d" and "failing_after" not in feed


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_prints_a_table_that_configures_the_same_feed(pa_app, preset, tmp_path, monkeypatch):
    printed = CivicRunner(pa_app()).invoke(["planning-alerts", "presets", preset, "--feed-name", "council"])
    assert printed.exit_code == 0, printed.output
    (tmp_path / "civicapps.toml").write_text(printed.output)
    monkeypatch.setenv("CIVICAPPS_CONFIG", str(tmp_path / "civicapps.toml"))
    configured = feeds_registry(pa_app()).plans["council"].feed
    expected = PRESETS[preset].feed(
        "council",
        PresetFeed(
            preset=preset,
            url="https://council.example/planning.csv",
            authority="My Council" if PRESETS[preset].needs_authority else None,
        ),
    )
    assert configured == expected


def test_a_printed_preset_pasted_into_civicapps_toml_and_into_a_mapping_file_pulls(
    pa_app, civic_feed_server, tmp_path, monkeypatch
):
    url = civic_feed_server.add("/weekly.csv", IOM_RAW.read_bytes())
    printed = CivicRunner(pa_app()).invoke(["planning-alerts", "presets", "isle_of_man", "--url", url])
    assert printed.exit_code == 0, printed.output
    (tmp_path / "civicapps.toml").write_text("[council]\nname = \"Isle of Man\"\n\n" + printed.output)
    (tmp_path / "iom.toml").write_text(printed.output)

    monkeypatch.setenv("CIVICAPPS_CONFIG", str(tmp_path / "civicapps.toml"))
    app = pa_app()
    runner = CivicRunner(app)
    pulled = runner.invoke(["feeds", "pull", "my-feed"])
    assert pulled.exit_code == 0, pulled.output
    assert "my-feed: read 22, ingested 22 (22 new" in pulled.output
    assert applications(app)["23/00285/B"].authority == "Isle of Man Government"

    one_off = runner.invoke(["pull", url, "--mapping", str(tmp_path / "iom.toml"), "--output", "ndjson"])
    assert one_off.exit_code == 0, one_off.output
    rows = [json.loads(line) for line in one_off.stdout.splitlines()]
    assert len(rows) == 22 and {r["reference"] for r in rows} == set(applications(app))

