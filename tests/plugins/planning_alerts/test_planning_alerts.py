"""The plugin as a whole: demo data through the feeds pipeline, versions, settings, the stats command."""

from __future__ import annotations

import civicapps_planning_alerts as planning_alerts
import pytest
from flask import Flask
from sqlalchemy import select

from civicapps import StartupError, db_session
from civicapps.feeds import pull_feed
from civicapps.feeds.models import RecordVersion
from civicapps.testing import CivicRunner

from .conftest import applications

SAMPLE_APPLICATIONS = 347  # York city centre, City of York Council's open data (data/README.md)


def load_demo(app: Flask) -> None:
    with app.app_context():
        planning_alerts.load_demo_data(app)


def test_demo_data_loads_once_however_often_it_runs(pa_app) -> None:
    app = pa_app()
    load_demo(app)
    first = {r: a.first_seen_at for r, a in applications(app).items()}
    load_demo(app)
    stored = applications(app)
    assert len(stored) == SAMPLE_APPLICATIONS
    assert {r: a.first_seen_at for r, a in stored.items()} == first
    listed = stored["26/00208/LBC"]
    assert (listed.authority, listed.application_type, listed.status) == (
        "City of York Council",
        "Listed building consent",
        "Open for comments",
    )
    assert (round(listed.latitude, 4), round(listed.longitude, 4)) == (53.9596, -1.0797), "the council's own point"
    assert all(a.latitude is not None for a in stored.values())
    output = CivicRunner(app).invoke(["planning-alerts", "stats"]).output.splitlines()
    assert output[-1].split() == ["total", "347", "347", "347"]


def test_a_changed_row_makes_a_version_and_keeps_first_seen(pa_app, civic_feed_server) -> None:
    header = "PA Ref,Details,Local Authority,Date,URL\n"
    url = civic_feed_server.add("/w.csv", header + "24/1/B,Shed IM2 2QY,DOUGLAS,1 Nov 2024,https://x.example/1\n")
    app = pa_app(feeds={"w": {"preset": "isle_of_man", "url": url}})
    pull_feed(app, "w")
    before = applications(app)["24/1/B"]
    civic_feed_server.add("/w.csv", header + "24/1/B,Larger shed IM2 2QY,DOUGLAS,1 Nov 2024,https://x.example/1\n")
    assert pull_feed(app, "w").changed == 1
    after = applications(app)["24/1/B"]
    assert (after.version, after.first_seen_at, after.description) == (2, before.first_seen_at, "Larger shed IM2 2QY")
    with app.app_context():
        [old] = db_session().scalars(select(RecordVersion)).all()
    assert (old.dataset, old.record_id, old.version, old.data["description"]) == (
        "planning_alerts.application",
        after.id,
        1,
        "Shed IM2 2QY",
    )


def test_radius_settings_must_nest(pa_app) -> None:
    with pytest.raises(StartupError, match=r"default_radius_m \(9000\) must be between min_radius_m"):
        pa_app(settings={"default_radius_m": 9000})


def test_search_command_by_postcode_and_bad_input(pa_app, civic_feed_server) -> None:
    csv = (
        "reference,description,address,easting,northing\n"
        "N/1,Near,Trafalgar Square WC2N 5DU,530047,180422\n"
        "F/1,Far,Tiverton EX16 5BL,295510,112660\n"
    )
    url = civic_feed_server.add("/en.csv", csv)
    app = pa_app(feeds={"en": {"preset": "easting_northing", "url": url, "authority": "Test"}})
    pull_feed(app, "en")
    runner = CivicRunner(app)
    found = runner.invoke(["planning-alerts", "search", "--postcode", "sw1a2aa", "--radius", "1000"])
    assert found.exit_code == 0, found.output
    assert "N/1" in found.output and "F/1" not in found.output and "1 found" in found.output
    unknown = runner.invoke(["planning-alerts", "search", "--postcode", "ZZ9 9ZZ"])
    assert unknown.exit_code == 1 and "We could not find the postcode ZZ9 9ZZ" in unknown.output
    too_far = runner.invoke(["planning-alerts", "search", "--postcode", "SW1A 2AA", "--radius", "90000"])
    assert too_far.exit_code == 2 and "between 100 and 5000 metres" in too_far.output
