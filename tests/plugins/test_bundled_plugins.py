"""The bundled plugins side by side, found through their entry points exactly as third-party plugins are."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask

from civicapps.testing import AppFactory, CivicRunner

BUNDLED = {
    "planning_alerts": "civicapps-planning-alerts",
    "street_reports": "civicapps-street-reports",
    "organogram": "civicapps-organogram",
}


@pytest.fixture
def app(civic_app_factory: AppFactory) -> Flask:
    return civic_app_factory(load_entrypoints=True)


def test_each_is_found_by_its_entry_point_with_its_own_distribution(app: Flask) -> None:
    result = CivicRunner(app).invoke(["plugins", "--json"])
    assert result.exit_code == 0, result.output
    report = {plugin["name"]: plugin for plugin in json.loads(result.output)}
    for name, distribution in BUNDLED.items():
        plugin = report[name]
        assert plugin["distribution"] == distribution
        assert plugin["url_prefix"] == "/" + name.replace("_", "-")
        assert plugin["migrations"]["status"] == "up to date"
        assert {"register_blueprint", "register_migrations", "load_demo_data", "menu_links"} <= set(plugin["hooks"])


def test_demo_loads_every_sample_once_even_when_run_twice(app: Flask, tmp_path: Path) -> None:
    runner = CivicRunner(app)
    for _ in range(2):
        result = runner.invoke(["demo", "--no-serve", "--instance", str(tmp_path / "demo")])
        assert result.exit_code == 0, result.output
        for name in BUNDLED:
            assert f"sample data: {name} loaded" in result.output
    assert runner.invoke(["planning-alerts", "stats"]).output.splitlines()[-1] == "total     48"
    assert len(runner.invoke(["street-reports", "list"]).output.splitlines()) == 8
    assert len(runner.invoke(["organogram", "tree"]).output.splitlines()) == 8


def test_home_page_has_a_card_per_plugin(app: Flask) -> None:
    html = app.test_client().get("/").get_data(as_text=True)
    cards = re.findall(r'<a href="([^"]+)" class="card__link">([^<]+)</a>', html)
    assert set(cards) >= {
        ("/planning-alerts/", "Planning applications"),
        ("/street-reports/", "Street reports"),
        ("/organogram/", "Community groups"),
    }
