"""The demo's two dataset apps (plugins/dataset-apps/demo/civicapps.toml, real York open data) start,
load through the demo hook, and answer searches by the demo's postcode with no template errors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from civicapps_dataset_apps import records
from civicapps_dataset_apps.web import settings

from .conftest import PLUGIN

DEMO = Path(__file__).resolve().parents[3] / "plugins" / "dataset-apps" / "demo"


def demo_config() -> dict:
    config = tomllib.loads((DEMO / "civicapps.toml").read_text(encoding="utf-8"))
    for table in config["plugins"]["dataset_apps"]["apps"].values():  # paths are the repository root's
        table["feed"]["url"] = str(DEMO.parents[2] / table["feed"]["url"])
    return config


def test_the_demo_apps_load_and_answer_the_demo_postcode(civic_app_factory):
    app = civic_app_factory(plugins=[PLUGIN], config={**demo_config(), "queue_url": "immediate:"})
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
