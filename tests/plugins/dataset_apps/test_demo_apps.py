"""The demo's two dataset apps (civicapps_dataset_apps/demo/civicapps.toml, real York open data): the
plugin adds them to ``civicapps demo`` (its demo_settings hook), they load through the demo hook, and
answer searches by the demo's postcode with no template errors."""

from __future__ import annotations

import re

import click.testing
import pytest
from civicapps_dataset_apps import demo_settings, records
from civicapps_dataset_apps.models import Item
from civicapps_dataset_apps.web import settings
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from civicapps.cli import _app_for_command, cli
from civicapps.db import db_session

from .conftest import PLUGIN, sign_in


def test_civicapps_demo_shows_both_apps_with_their_records_without_a_config_file(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's command line, on a fresh instance with no --config; run twice, nothing doubles."""
    monkeypatch.chdir(tmp_path)
    for name in ("CIVICAPPS_CONFIG", "CIVICAPPS_INSTANCE_PATH", "CIVICAPPS_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    # The other entry-point plugins' sample data is not what this test is about.
    monkeypatch.setenv(
        "CIVICAPPS_DISABLED_PLUGINS", '["planning_alerts", "street_reports", "organogram", "bin_collections"]'
    )
    runs = []
    for _ in range(2):
        info = ScriptInfo(create_app=_app_for_command)  # as the civicapps command makes it
        result = click.testing.CliRunner().invoke(
            cli, ["demo", "--no-serve", "--instance", "demo"], obj=info, catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        assert "sample data: dataset_apps loaded" in result.output
        app = info.load_app()  # the app the command built and would serve
        with app.app_context():
            runs.append(dict(db_session().execute(select(Item.authority, func.count()).group_by(Item.authority)).all()))
    assert runs == [{"tree_works": 54, "shop_signs": 50}] * 2, "a second run adds nothing"

    directory = sign_in(app).get("/-/apps").text
    assert "dataset_apps.tree_works" in directory and "dataset_apps.shop_signs" in directory
    resident = app.test_client()
    trees = resident.get("/dataset-apps/tree_works/", query_string={"q": "YO1 7HH", "radius": 500}).text
    assert re.search(r"\d+ records? within 500 metres of YO1 7HH", trees), trees
    signs = resident.get("/dataset-apps/shop_signs/", query_string={"q": "YO1 7HH", "radius": 1000}).text
    assert re.search(r"\d+ records? within 1,000 metres of YO1 7HH", signs), signs


def test_the_demo_apps_load_and_answer_the_demo_postcode(civic_app_factory):
    app = civic_app_factory(plugins=[PLUGIN], config={**demo_settings(), "queue_url": "immediate:"})
    with app.app_context():
        app.extensions["civicapps"].registry.call_each("load_demo_data", app=app)
        counts = {name: len(records.items_of(name)) for name in settings().apps}
        failing = {name: records.with_errors(name, config) for name, config in settings().apps.items()}
    assert counts == {"tree_works": 54, "shop_signs": 50}
    assert failing == {"tree_works": [], "shop_signs": []}, "every record is worded by its templates"
    client = app.test_client()
    page = client.get("/dataset-apps/tree_works/", query_string={"q": "YO1 7HH", "radius": 500}).text
    assert re.search(r"\d+ records? within 500 metres of YO1 7HH", page), page
    assert "Trees in a conservation area" in page
    signs = client.get("/dataset-apps/shop_signs/?q=Clarence+Street&radius=1000").text
    assert "records within 1,000 metres of Clarence Street" in signs
    about = client.get("/about").text
    assert "City of York Council planning applications (tree works), York Open Data" in about
