"""Acceptance: switching planning alerts off in the app directory (the staff page, or the CLI) hides its
pages and menu link, stops its feed being pulled on schedule and holds its alerts; switching it on
again sends what matched meanwhile, exactly once. Both switches are in the audit log."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from civicapps.db import db_session
from civicapps.feeds import pull_feed
from civicapps.jobs import queue_for
from civicapps.notify.models import QUEUED, MatchRequest, OutboxRow
from civicapps.testing import CivicRunner

from .alerts_support import feed_csv, messages_to, subscribe_api, wait_for
from .test_staff import sign_in

FEED = "/london.csv"
NEAR = {"topic": "planning_alerts.near", "postcode": "SW1A 1AA", "radius_m": 2000}


def alerts_app(pa_app, civic_feed_server):
    url = civic_feed_server.add(FEED, feed_csv())
    return pa_app(feeds={"london": {"preset": "easting_northing", "url": url, "authority": "Westminster"}})


def switch(client, name: str, state: str):
    page = client.get("/-/apps")
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(f"/-/apps/{name}", data={"csrf_token": token, "enabled": state}, follow_redirects=True)


def alerts_sent(sink, path: str) -> int:
    time.sleep(0.3)  # deliveries run in the caller (immediate queue); give the sink a moment anyway
    return len(messages_to(sink, path)) - 1  # after the confirmation


def count(app, model) -> int:
    with app.app_context():
        return db_session().scalar(select(func.count()).select_from(model))


def assert_switched_off(app, civic_feed_server, client, sink):
    for who in (app.test_client(), client):
        assert who.get("/planning-alerts/").status_code == 404
        assert who.get("/planning-alerts/api/applications").status_code == 404
    resident = app.test_client()
    assert "planning_alerts.near" not in {t["name"] for t in resident.get("/alerts/api/topics").json}
    late = {"channel": "webhook", "target": sink.url("/late"), "frequency": "instant", **NEAR}
    refused = resident.post("/alerts/api/subscriptions", json=late)
    assert refused.status_code == 400 and refused.json["errors"] == {"topic": "Choose what you want alerts about"}
    home = app.test_client().get("/")
    assert home.status_code == 200 and "Planning applications" not in home.text, "menu link and card gone"
    assert "/planning-alerts/" not in client.get("/-/apps").text.split("<main", 1)[0], "staff menu link gone too"
    queue_for(app).run_once()  # the schedule: the feed is due, but its app is off
    assert civic_feed_server.hits(FEED) == 0, "the feed is not pulled"


def test_switching_planning_alerts_off_and_on_in_the_directory(pa_app, civic_feed_server, civic_notification_sink):
    sink = civic_notification_sink
    app = alerts_app(pa_app, civic_feed_server)
    subscribe_api(app, sink, "/near", **NEAR)
    client = sign_in(app)
    assert app.test_client().get("/planning-alerts/").status_code == 200
    assert "Planning applications" in app.test_client().get("/").text

    directory = client.get("/-/apps").text
    assert "planning_alerts" in directory and "Planning applications near you" in directory, "its description"
    assert "A feed for dataset planning_alerts.application: done" in directory
    assert "Switch planning_alerts off" in directory
    switched = switch(client, "planning_alerts", "off")
    assert "planning_alerts is switched off" in switched.text, "a success notification"
    assert "Switch planning_alerts on" in switched.text

    assert_switched_off(app, civic_feed_server, client, sink)
    # Staff may still pull by hand: the data is stored, and what it matches waits.
    assert pull_feed(app, "london").new == 12
    queue_for(app).run_once()
    assert alerts_sent(sink, "/near") == 0, "no alert while off"
    assert count(app, MatchRequest) == 1, "the match is held, not dropped"

    assert "planning_alerts is switched on" in switch(client, "planning_alerts", "on").text
    assert app.test_client().get("/planning-alerts/").status_code == 200
    assert "Planning applications" in app.test_client().get("/").text
    sent = len(wait_for(sink, "/near", 2)) - 1
    assert sent > 1 and alerts_sent(sink, "/near") == sent, "what matched meanwhile is sent"
    queue_for(app).run_once()
    assert switch(client, "planning_alerts", "on").status_code == 200  # already on: nothing changes
    assert alerts_sent(sink, "/near") == sent, "exactly once"
    references = [m["body"]["title"] for m in messages_to(sink, "/near")[1:]]
    assert len(set(references)) == len(references)
    assert civic_feed_server.hits(FEED) == 1, "only the pull by hand"

    log = client.get("/-/apps/log").text
    assert log.count("Clerk (staff #") == 2
    assert re.search(r"planning_alerts</td>\s*<td[^>]*>On</td>", log)
    assert re.search(r"planning_alerts</td>\s*<td[^>]*>Off</td>", log)
    assert log.index(">On<") < log.index(">Off<"), "newest first"


def test_messages_already_matched_wait_while_off_and_go_once(pa_app, civic_feed_server, civic_notification_sink):
    """The outbox holds a switched-off app's messages (here a daily digest falling due while it is off)."""
    sink = civic_notification_sink
    app = alerts_app(pa_app, civic_feed_server)
    subscribe_api(app, sink, "/daily", **{**NEAR, "frequency": "daily"})
    assert pull_feed(app, "london").new == 12
    runner = CivicRunner(app)
    assert runner.invoke(["apps", "disable", "planning_alerts"]).output == "Switched planning_alerts off.\n"
    with app.app_context():
        db_session().execute(
            update(OutboxRow).where(OutboxRow.status == QUEUED).values(next_attempt_at=datetime.now(UTC))
        )
        db_session().commit()
    queue_for(app).run_once()
    assert alerts_sent(sink, "/daily") == 0, "the digest waits"
    assert runner.invoke(["apps", "enable", "planning_alerts"]).exit_code == 0
    [digest] = wait_for(sink, "/daily", 2)[1:]
    assert digest["body"]["title"].endswith(" new: New planning applications near you")
    queue_for(app).run_once()
    assert alerts_sent(sink, "/daily") == 1, "exactly once"


def test_the_same_through_the_cli(pa_app, civic_feed_server, civic_notification_sink, monkeypatch):
    sink = civic_notification_sink
    app = alerts_app(pa_app, civic_feed_server)
    subscribe_api(app, sink, "/near", **NEAR)
    client = sign_in(app)
    runner = CivicRunner(app)
    monkeypatch.setenv("USER", "ops")
    monkeypatch.setenv("LOGNAME", "ops")
    listing = runner.invoke(["apps", "list"])
    assert listing.exit_code == 0 and re.search(r"planning_alerts\s+on\s", listing.output)

    result = runner.invoke(["apps", "disable", "planning_alerts"])
    assert (result.exit_code, result.output) == (0, "Switched planning_alerts off.\n")
    assert re.search(r"planning_alerts\s+off\s", runner.invoke(["apps", "list"]).output)
    assert_switched_off(app, civic_feed_server, client, sink)
    assert pull_feed(app, "london").new == 12
    queue_for(app).run_once()
    assert alerts_sent(sink, "/near") == 0

    assert runner.invoke(["apps", "enable", "planning_alerts"]).output == "Switched planning_alerts on.\n"
    sent = len(wait_for(sink, "/near", 2)) - 1
    queue_for(app).run_once()
    assert sent > 1 and alerts_sent(sink, "/near") == sent, "sent exactly once"
    assert app.test_client().get("/planning-alerts/").status_code == 200

    log = runner.invoke(["apps", "log"]).output.splitlines()
    assert [line.split()[2:] for line in log[1:]] == [
        ["planning_alerts", "on", "cli:ops"],
        ["planning_alerts", "off", "cli:ops"],
    ]
    assert client.get("/-/apps/log").text.count("cli:ops") == 2
