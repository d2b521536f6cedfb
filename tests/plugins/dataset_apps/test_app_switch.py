"""Each configured app is its own app in the directory: switched off, its pages answer 404, its menu
link goes and its feed is not pulled, while the plugin's other apps carry on."""

from __future__ import annotations

import json

from civicapps.feeds.schedule import pull_due_feeds
from civicapps.testing import CivicRunner

from .conftest import roadworks_table, sign_in


def test_a_configured_app_is_switched_on_and_off_by_itself(roadworks_app, civic_feed_server):
    licences = roadworks_table(title="Licences", description="Premises licence applications.")
    licences["feed"] = {**licences["feed"], "url": civic_feed_server.url("/roadworks.csv")}
    app = roadworks_app(extra_apps={"licences": licences})
    runner = CivicRunner(app)
    listed = {e["name"]: e for e in json.loads(runner.invoke(["apps", "list", "--json"]).output)}
    assert {"dataset_apps", "dataset_apps.roadworks", "dataset_apps.licences"} <= set(listed)
    assert listed["dataset_apps.roadworks"]["source"] == "configured"
    directory = sign_in(app).get("/-/apps").text
    assert "Roadworks: Roadworks and street closures near you." in directory
    assert "Configured in civicapps.toml" in directory and "Switch dataset_apps.licences off" in directory
    client = app.test_client()
    assert client.get("/dataset-apps/roadworks/").status_code == 200
    assert 'href="/dataset-apps/roadworks/"' in client.get("/").text

    assert runner.invoke(["apps", "disable", "dataset_apps.roadworks"]).exit_code == 0
    assert client.get("/dataset-apps/roadworks/").status_code == 404
    assert client.get("/dataset-apps/roadworks/items/1").status_code == 404
    home = client.get("/").text
    assert 'href="/dataset-apps/roadworks/"' not in home and 'href="/dataset-apps/licences/"' in home
    assert client.get("/dataset-apps/licences/").status_code == 200, "the other app carries on"
    pulled = {r.feed for r in pull_due_feeds(app)}
    assert pulled == {"licences"}, "a switched-off app's feed waits"

    assert runner.invoke(["apps", "enable", "dataset_apps.roadworks"]).exit_code == 0
    assert client.get("/dataset-apps/roadworks/").status_code == 200
    assert {r.feed for r in pull_due_feeds(app)} == {"roadworks"}
