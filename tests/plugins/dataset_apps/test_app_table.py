"""The app table is checked at startup (naming the app's key and the reason), and an app's feed
fills the shared item table through the core feeds, placing British National Grid points."""

from __future__ import annotations

import json

import pytest
from civicapps_dataset_apps.models import Item
from sqlalchemy import select

from civicapps import StartupError, create_app, pull_feed
from civicapps.db import get_database

from .conftest import END, PLUGIN, START, roadworks_table


def start(table: dict, **more: dict) -> None:
    create_app(
        {"plugins": {"dataset_apps": {"apps": {"roadworks": table, **more}}}},
        plugins=[PLUGIN],
        load_entrypoints=False,
    )


def test_a_template_naming_an_unknown_field_stops_startup_naming_the_key(tmp_path):
    table = roadworks_table(show={"title": "{{ record.works }} on {{ record.strete }}"})
    table["feed"]["url"] = "https://example.org/roadworks.csv"
    with pytest.raises(StartupError) as caught:
        start(table)
    message = str(caught.value)
    assert "[plugins.dataset_apps]" in message and "'apps.roadworks'" in message
    assert "show.title uses record.strete, which is not one of the fields" in message


def test_a_template_using_a_bare_name_or_bad_syntax_stops_startup():
    table = roadworks_table(show={"title": "{{ street }}", "summary": "{% if %}"})
    table["feed"]["url"] = "https://example.org/roadworks.csv"
    with pytest.raises(StartupError) as caught:
        start(table)
    assert "show.title uses street; a template can use record.<field> and reference" in str(caught.value)
    assert "show.summary is not a valid template" in str(caught.value)


def test_a_missing_feed_stops_startup_naming_the_key():
    table = roadworks_table()
    del table["feed"]
    with pytest.raises(StartupError, match=r"'apps\.roadworks\.feed': Field required"):
        start(table)


def test_a_filter_on_a_field_that_is_not_mapped_stops_startup():
    table = roadworks_table(filters={"category": "kind", "keywords": ["works", "detail"]})
    table["feed"]["url"] = "https://example.org/roadworks.csv"
    with pytest.raises(StartupError) as caught:
        start(table)
    assert "'apps.roadworks': filters name 'kind', which is not one of the fields" in str(caught.value)
    assert "filters name 'detail'" in str(caught.value)


def test_an_unknown_key_in_the_app_table_stops_startup_naming_it_and_the_known_keys():
    table = roadworks_table(colour="red")
    table["feed"]["url"] = "https://example.org/roadworks.csv"
    with pytest.raises(StartupError) as caught:
        start(table)
    known = "current_days, description, feed, fields, filters, radius_m, reference, show, source, title"
    assert f"'apps.roadworks': unknown setting 'colour' (known settings: {known})" in str(caught.value)
    assert "Extra inputs" not in str(caught.value)


def test_unknown_keys_in_an_app_s_sub_table_are_named_with_its_known_keys():
    table = roadworks_table()
    table["feed"].update(url="https://example.org/roadworks.csv", colour="red", size=2)
    with pytest.raises(StartupError) as caught:
        start(table)
    assert (
        "'apps.roadworks.feed': unknown settings 'colour', 'size' (known settings: enabled, failing_after, format,"
        " interval, location, options, url)"
    ) in str(caught.value)


def test_a_bad_app_name_stops_startup():
    table = roadworks_table()
    table["feed"]["url"] = "https://example.org/roadworks.csv"
    with pytest.raises(StartupError, match=r"app name\(s\) 'Road-works' must be snake_case"):
        create_app(
            {"plugins": {"dataset_apps": {"apps": {"Road-works": table}}}}, plugins=[PLUGIN], load_entrypoints=False
        )


def test_the_feed_fills_the_item_table_with_bng_points_placed(roadworks_app):
    app = roadworks_app()
    result = pull_feed(app, "roadworks")
    assert (result.outcome, result.new) == ("ingested", 3), result
    with get_database(app).sessionmaker() as session:
        items = {i.reference: i for i in session.scalars(select(Item))}
    assert set(items) == {"RW-1", "RW-2", "RW-3"}
    first = items["RW-1"]
    assert first.authority == "roadworks" and first.source_feed == "roadworks"
    assert json.loads(first.record) == {
        "street": "Clarence Street",
        "works": "Gas main renewal",
        "promoter": "Northern Gas",
        "category": "Major",
        "start": START,
        "end": END,
    }
    # 460200 E, 452400 N on Clarence Street, York (pyproj: 53.96419 N, 1.08390 W)
    assert first.latitude == pytest.approx(53.96419, abs=0.0005)
    assert first.longitude == pytest.approx(-1.08390, abs=0.0005)
    again = pull_feed(app, "roadworks", force=True)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)
