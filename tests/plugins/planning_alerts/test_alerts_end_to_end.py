"""Acceptance: a feed in EPSG:27700 served on 127.0.0.1 is pulled; residents at different postcodes and
radii each get exactly the applications within their radius (checked against distances computed here,
independently), once; a second pull with one changed application sends no "new" alert and one
"changed" alert to its follower; a daily digest of three is one message listing three. Real apprise
to a real HTTP sink."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from civicapps.db import db_session
from civicapps.feeds import pull_feed
from civicapps.jobs import queue_for
from civicapps.notify import matching
from civicapps.notify.channels import KINDS
from civicapps.notify.models import OutboxRow
from civicapps.notify.render import Notification, render

from .alerts_support import GRID, distance_m, feed_csv, messages_to, subscribe_api, wait_for
from .conftest import POSTCODES, applications

#: (sink path, postcode, radius, filters); distances to every application are checked to be far
#: (> 10 m) from each radius, so the projection used cannot decide the outcome.
RESIDENTS = [
    ("/a", "SW1A 2AA", 200, None),
    ("/b", "WC2N 5DU", 800, None),
    ("/c", "SW1A 1AA", 2000, None),
    ("/d", "SE1 7PB", 800, None),
    ("/e", "WC2N 5DU", 2000, {"types": ["Trees"]}),
    ("/f", "SW1A 2AA", 800, {"keywords": "TREE, hedge"}),
]


def expected_for(postcode: str, radius: float, filters) -> dict[str, float]:
    lat, lon = POSTCODES[postcode]
    found = {}
    for ref, e, n, kind in GRID:
        d = distance_m(lat, lon, e, n)
        assert abs(d - radius) > 10, f"{ref} is too close to the {radius} m edge around {postcode} to test"
        wanted = not filters or kind in filters.get("types", [kind])
        if filters and "keywords" in filters:  # only the tree works mention "tree"; none "hedge"
            wanted = kind == "Trees"
        if d <= radius and wanted:
            found[ref] = d
    return found


def references(messages) -> list[str]:
    return [re.search(r": (W/\d+)", m["body"]["title"]).group(1) for m in messages]


@pytest.mark.parametrize("full_read_after", [20_000, 0], ids=["centres-by-id", "centres-read-whole"])
def test_residents_get_exactly_the_applications_within_their_radius_once(
    pa_app, civic_feed_server, civic_notification_sink, monkeypatch, full_read_after
):
    monkeypatch.setattr(matching, "FULL_READ_AFTER", full_read_after)  # both ways of reading centres
    sink = civic_notification_sink
    url = civic_feed_server.add("/london.csv", feed_csv())
    app = pa_app(feeds={"london": {"preset": "easting_northing", "url": url, "authority": "Westminster"}})
    for path, postcode, radius, filters in RESIDENTS:
        subscribe_api(
            app, sink, path, topic="planning_alerts.near", postcode=postcode, radius_m=radius, filters=filters
        )

    result = pull_feed(app, "london")
    assert (result.new, result.warnings) == (12, 0)
    expected = {path: expected_for(pc, r, f) for path, pc, r, f in RESIDENTS}
    assert all(expected.values()) and len({frozenset(e) for e in expected.values()}) == len(RESIDENTS)
    total = sum(len(e) for e in expected.values())
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while sum(len(messages_to(sink, p)) - 1 for p, *_ in RESIDENTS) < total and datetime.now(UTC) < deadline:
        wait_for(sink, "/a", 1)
    for path, postcode, radius, _ in RESIDENTS:
        alerts = messages_to(sink, path)[1:]  # after the confirmation
        assert sorted(references(alerts)) == sorted(expected[path]), f"{path} at {postcode} within {radius} m"
        for message in alerts:
            ref = references([message])[0]
            text = message["body"]["message"]
            assert f"{ref} Example Street, London" in text and f"at site {ref}" in text
            shown = int(re.search(r"\(([\d,]+) m away\)", text).group(1).replace(",", ""))
            assert abs(shown - expected[path][ref]) <= 3, "the distance shown is the real distance"
            # the page opens in the subscriber's language (English: they subscribed through the API)
            assert re.search(r"http://\S+/planning-alerts/applications/\d+\?lang=en\b", text)
            assert "Stop these alerts: http" in text

    # A second pull: one application's status changed. Its follower hears once; nobody hears "new".
    stored = applications(app)
    followed = stored["W/11"]
    subscribe_api(app, sink, "/follower", topic="planning_alerts.follow", key=str(followed.id))
    sent_before = len(sink.messages)
    civic_feed_server.add("/london.csv", feed_csv({"W/11": "Approved"}))
    second = pull_feed(app, "london")
    assert (second.new, second.changed, second.unchanged) == (0, 1, 11)
    [changed] = wait_for(sink, "/follower", 2)[1:]
    assert changed["body"]["title"] == "Changes to a planning application: W/11"
    assert "Status: Registered → Approved" in changed["body"]["message"]
    assert len(sink.messages) == sent_before + 1, "no 'new' alert for an update, nothing twice"

    third = pull_feed(app, "london", force=True)
    assert (third.new, third.changed) == (0, 0)
    assert len(sink.messages) == sent_before + 1


def test_daily_digest_of_three_is_one_message_listing_three(pa_app, civic_feed_server, civic_notification_sink):
    sink = civic_notification_sink
    three = [row for row in GRID if row[0] in ("W/00", "W/01", "W/10")]
    url = civic_feed_server.add("/three.csv", feed_csv(rows=three))
    app = pa_app(feeds={"three": {"preset": "easting_northing", "url": url, "authority": "Westminster"}})
    subscribe_api(
        app, sink, "/daily", topic="planning_alerts.near", postcode="SW1A 1AA", radius_m=2000, frequency="daily"
    )
    assert pull_feed(app, "three").new == 3
    assert len(messages_to(sink, "/daily")) == 1, "nothing before the digest hour"
    with app.app_context():
        rows = db_session().scalars(select(OutboxRow).where(OutboxRow.kind == "new")).all()
        assert len(rows) == 3 and len({r.next_attempt_at for r in rows}) == 1
        db_session().execute(
            update(OutboxRow).where(OutboxRow.status == "pending").values(next_attempt_at=datetime.now(UTC))
        )
        db_session().commit()
    queue_for(app).run_once()  # the periodic sweep wakes a worker for the due digest
    [digest] = wait_for(sink, "/daily", 2)[1:]
    assert digest["body"]["title"] == "3 new: New planning applications near you"
    text = digest["body"]["message"]
    assert "Your daily summary" in text and "within 2000 m of SW1A 1AA" in text and ": 3 applications." in text
    assert all(f"{ref} Example Street, London" in text for ref, *_ in three)
    assert len(re.findall(r"m away\)", text)) == 3


@pytest.mark.parametrize("channel", ["email", "webhook"])
def test_the_plugins_alert_and_digest_wording_is_welsh_in_welsh(pa_app, channel):
    """The plugin's message templates are in its catalogue: rendered in Welsh, no English wording is left."""
    app = pa_app()
    item = {
        "id": 1,
        "title": "W/1",
        "url": None,
        "summary": "Rear extension",
        "distance_m": 1200,
        "details": {"reference": "W/1", "address": "1 Example Street"},
    }
    digest = Notification(
        kind="digest",
        topic="planning_alerts.near",
        topic_title="Ceisiadau",
        area="",
        unsubscribe_url="http://x/u",
        manage_url="http://x/m",
        council="Cyngor",
        items=(item, item),
        frequency="weekly",
    )
    with app.app_context(), force_locale("cy"):
        message = render(app, digest, KINDS[channel])
    assert message.title == "2 newydd: Ceisiadau"
    assert "Eich crynodeb wythnosol o" in message.body and "summary" not in message.body
    assert "1,200 m i ffwrdd" in message.body and "m away" not in message.body
