"""The planning_alerts plugin: storage and upsert, demo data, page, JSON, CLI and settings."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

import civicapps_planning_alerts as planning_alerts
import pytest
from civicapps_planning_alerts.models import Application, ApplicationRecord, upsert_applications
from flask import Flask
from sqlalchemy import func, select

from civicapps import StartupError, db_session, plugin_settings
from civicapps.testing import AppFactory, CivicRunner

PLUGIN = ("planning_alerts", planning_alerts)
SAMPLE_ROWS = 50
SAMPLE_APPLICATIONS = 48  # two sample rows re-publish applications listed in an earlier row


@pytest.fixture
def app(civic_app_factory: AppFactory) -> Flask:
    return civic_app_factory(plugins=[PLUGIN])


def load_demo(app: Flask) -> None:
    with app.app_context():
        planning_alerts.load_demo_data(app)


def stored() -> list[Application]:
    return list(db_session().scalars(select(Application).order_by(Application.id)))


def record(reference: str, **fields: Any) -> ApplicationRecord:
    return ApplicationRecord(**{"authority": "DOUGLAS", "reference": reference, "description": "Extension", **fields})


def test_demo_data_loads_once_however_often_it_runs(app: Flask) -> None:
    load_demo(app)
    with app.app_context():
        first = {(a.authority, a.reference): a.first_seen_at for a in stored()}
    load_demo(app)
    with app.app_context():
        applications = stored()
        assert len(applications) == SAMPLE_APPLICATIONS
        assert {(a.authority, a.reference): a.first_seen_at for a in applications} == first
        assert sum(1 for a in applications if a.reference == "24/00713/A") == 1
        victoria_street = next(a for a in applications if a.reference == "24/01209/CON")
    assert victoria_street.authority == "DOUGLAS"
    assert victoria_street.received_date == date(2024, 11, 4)
    assert victoria_street.description.startswith("Registered Building Consent for demolition aspects")
    assert victoria_street.description.endswith("17A Victoria Street Douglas Isle Of Man IM1 2LW")
    assert victoria_street.info_url.endswith("ApplicationReferenceNumber=24/01209/CON")
    assert victoria_street.status == "received"
    assert victoria_street.postcode is None and victoria_street.lat is None  # extraction and geocoding come later


def test_upsert_updates_a_changed_application_and_keeps_first_seen(app: Flask) -> None:
    with app.app_context():
        assert upsert_applications([record("24/1/B"), record("24/2/B")]).created == 2
        first_seen, last_changed = stored()[0].first_seen_at, stored()[0].last_changed_at
        counts = upsert_applications([record("24/1/B", status="approved"), record("24/2/B")])
        assert (counts.created, counts.changed, counts.unchanged) == (0, 1, 1)
        changed, unchanged = stored()
        assert changed.status == "approved"
        assert changed.first_seen_at == first_seen
        assert changed.last_changed_at > last_changed
        assert unchanged.last_changed_at == last_changed
        assert db_session().scalar(select(func.count()).select_from(Application)) == 2


def test_same_reference_from_another_authority_is_another_application(app: Flask) -> None:
    with app.app_context():
        upsert_applications([record("24/1/B"), record("24/1/B", authority="PEEL")])
        assert [(a.authority, a.reference) for a in stored()] == [("DOUGLAS", "24/1/B"), ("PEEL", "24/1/B")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"info_url": "javascript:alert(1)"}, r"info_url must be an http\(s\) URL, not 'javascript:alert\(1\)'"),
        ({"lat": 54.15}, "give both lat and lon"),
        ({"lat": 254.15, "lon": -4.48}, "is not a WGS84 lat/lon"),
        ({"reference": " "}, "needs an authority and a reference"),
    ],
)
def test_bad_records_are_refused_with_a_reason(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        record(**{"reference": "24/1/B", **fields})


def test_page_lists_the_newest_applications_escaped(app: Flask) -> None:
    load_demo(app)
    with app.app_context():
        hostile = record("99/1/B", description="<script>alert(1)</script> & garage", received_date=date(2025, 1, 2))
        upsert_applications([hostile])
    response = app.test_client().get("/planning-alerts/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1 and "Planning applications</h1>" in html
    assert f">The {SAMPLE_APPLICATIONS + 1} most recently received applications</caption>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; garage" in html
    assert "<script>alert(1)" not in html
    rows = re.findall(r'<th scope="row">(?:<a href="[^"]*">)?([^<]+)', html)
    assert rows[0] == "99/1/B", "newest first"
    assert len(rows) == SAMPLE_APPLICATIONS + 1
    council_page = "https://services.gov.im/planningapplication/services/planning/planningapplicationdetails.iom"
    assert f'<a href="{council_page}?ApplicationReferenceNumber=24/91225/B">24/91225/B</a>' in html
    assert '<time datetime="2025-01-02">2 January 2025</time>' in html
    assert "Port St Mary" in html  # authority names are shown in title case


def test_empty_page_says_so(app: Flask) -> None:
    html = app.test_client().get("/planning-alerts/").get_data(as_text=True)
    assert "No planning applications have been published here yet." in html
    assert "<table" not in html


def test_menu_link_and_home_page_card(app: Flask) -> None:
    html = app.test_client().get("/").get_data(as_text=True)
    assert '<a class="service-nav__link" href="/planning-alerts/">Planning applications</a>' in html
    assert "See the newest planning applications and follow the ones near you." in html


def test_json_lists_newest_first_with_a_limit(app: Flask) -> None:
    load_demo(app)
    body = app.test_client().get("/planning-alerts/applications.json?limit=5").get_json()
    applications = body["applications"]
    assert len(applications) == 5
    dates = [a["received_date"] for a in applications]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == "2024-11-06"  # the newest in the sample
    assert set(applications[0]) >= {"authority", "reference", "description", "info_url", "lat", "lon", "first_seen_at"}
    assert len(app.test_client().get("/planning-alerts/applications.json").get_json()["applications"]) == 48


def located(app: Flask) -> None:
    """Three applications: at a point, about 500 m north of it, and about 3 km north of it."""
    with app.app_context():
        upsert_applications(
            [
                record("1/here", lat=54.15, lon=-4.48),
                record("2/500m", lat=54.15 + 0.0045, lon=-4.48),
                record("3/3km", lat=54.15 + 0.027, lon=-4.48),
                record("4/unlocated"),
            ]
        )


def near(app: Flask, query: str) -> Any:
    return app.test_client().get(f"/planning-alerts/applications.json?{query}")


def test_json_near_a_point_uses_the_default_radius(app: Flask) -> None:
    located(app)
    body = near(app, "near=54.15,-4.48").get_json()
    assert body["near"] == {"lat": 54.15, "lon": -4.48, "radius_m": 800}
    assert {a["reference"] for a in body["applications"]} == {"1/here", "2/500m"}
    body = near(app, "near=54.15,-4.48&radius_m=400").get_json()
    assert [a["reference"] for a in body["applications"]] == ["1/here"]


def test_json_radius_is_capped_by_the_max_radius_setting(civic_app_factory: AppFactory) -> None:
    app = civic_app_factory(plugins=[PLUGIN])
    located(app)
    response = near(app, "near=54.15,-4.48&radius_m=5000")
    assert response.status_code == 400
    detail = "radius_m must be between 1 and 2000, not 5000"
    assert response.get_json() == {"error": "Bad request", "detail": detail, "status": 400}

    wide = civic_app_factory(plugins=[PLUGIN], config={"plugins": {"planning_alerts": {"max_radius_m": 5000}}})
    located(wide)
    body = near(wide, "near=54.15,-4.48&radius_m=5000").get_json()
    assert {a["reference"] for a in body["applications"]} == {"1/here", "2/500m", "3/3km"}


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("near=somewhere", "near must be LAT,LON in decimal degrees, like 54.15,-4.48, not 'somewhere'"),
        ("near=54.15", "near must be LAT,LON in decimal degrees, like 54.15,-4.48, not '54.15'"),
        ("near=154.15,-4.48", "near '154.15,-4.48' is outside the range of latitude and longitude"),
        ("near=54.15,-4.48&radius_m=wide", "radius_m must be a whole number, not 'wide'"),
        ("limit=0", "limit must be between 1 and 500, not 0"),
    ],
)
def test_json_bad_queries_get_a_clear_400(app: Flask, query: str, detail: str) -> None:
    response = near(app, query)
    assert response.status_code == 400
    assert response.get_json()["detail"] == detail


def test_stats_command_counts_per_status(app: Flask) -> None:
    runner = CivicRunner(app)
    assert runner.invoke(["planning-alerts", "stats"]).output == "No planning applications stored yet.\n"
    load_demo(app)
    with app.app_context():
        upsert_applications([record("99/1/B", status="approved")])
    result = runner.invoke(["planning-alerts", "stats"])
    assert result.exit_code == 0, result.output
    assert result.output == "approved  1\nreceived  48\ntotal     49\n"


def test_settings_have_defaults_and_can_be_configured(civic_app_factory: AppFactory) -> None:
    app = civic_app_factory(plugins=[PLUGIN], config={"plugins": {"planning_alerts": {"default_radius_m": 1500}}})
    with app.app_context():
        settings = plugin_settings("planning_alerts")
    assert (settings.default_radius_m, settings.max_radius_m) == (1500, 2000)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"default_radius_m": 50}, r"'default_radius_m': Input should be greater than or equal to 100"),
        ({"default_radius_m": 6000}, r"'default_radius_m': Input should be less than or equal to 5000"),
        ({"default_radius_m": "far"}, r"'default_radius_m': Input should be a valid integer"),
        ({"default_radius_m": 3000}, r"default_radius_m \(3000\) must not be more than max_radius_m \(2000\)"),
        ({"radius": 500}, r"unknown setting 'radius' \(known settings: default_radius_m, max_radius_m\)"),
    ],
)
def test_bad_settings_stop_startup_naming_plugin_and_key(
    civic_app_factory: AppFactory, table: dict[str, Any], message: str
) -> None:
    with pytest.raises(StartupError, match=r"plugin 'planning_alerts' \(\[plugins.planning_alerts\]\).*" + message):
        civic_app_factory(plugins=[PLUGIN], config={"plugins": {"planning_alerts": table}})
