"""Acceptance: a roadworks app declared only in this test's config, fed over HTTP from a CSV in British
National Grid. Two residents subscribed near two points get exactly the new roadworks within their
radius (distances computed here with PROJ, independently); a change to one item reaches its follower
only; an unchanged re-pull sends nothing. Real apprise to a real HTTP sink on 127.0.0.1."""

from __future__ import annotations

import re
import time
from typing import Any

from civicapps_dataset_apps.models import Item
from pyproj import Geod, Transformer
from sqlalchemy import select

from civicapps import pull_feed
from civicapps.db import get_database
from civicapps.testing import CivicRunner, wait_for_outbox

from .conftest import END, ROADWORKS_CSV, START

GEOD = Geod(ellps="WGS84")
BNG_TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)  # PROJ, not the core's OSTN15

NEW_ROWS = {
    "RW-4": ("Bootham", 460300, 452250),
    "RW-5": ("Heworth Road", 460950, 452650),
    "RW-6": ("Monkgate", 460600, 452500),
    "RW-7": ("Stockton Lane", 462500, 453500),
    "RW-8": ("Marygate", 460000, 452200),
}
#: (sink path, lat, lon, radius in metres)
RESIDENTS = [("/a", 53.9640, -1.0855, 300), ("/b", 53.9668, -1.0709, 550)]


def second_csv() -> str:
    changed = ROADWORKS_CSV.replace(f"Minor,{START},{END}", f"Minor,{START},{START}")  # RW-2 ends sooner
    assert changed != ROADWORKS_CSV
    rows = [
        f"{ref},{street},Resurfacing,City of York Council,Major,{START},{END},{e},{n}\n"
        for ref, (street, e, n) in NEW_ROWS.items()
    ]
    return changed + "".join(rows)


def expected(lat: float, lon: float, radius: float) -> set[str]:
    found = set()
    for ref, (_, e, n) in NEW_ROWS.items():
        plon, plat = BNG_TO_WGS84.transform(e, n)
        distance = GEOD.inv(lon, lat, plon, plat)[2]
        assert abs(distance - radius) > 20, f"{ref} is too near the edge of {radius} m to test"
        if distance <= radius:
            found.add(ref)
    return found


def messages_to(sink, path: str) -> list[dict[str, Any]]:
    return [m for m in sink.messages if m["path"] == path]


def wait_for(sink, path: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while len(messages_to(sink, path)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return messages_to(sink, path)


def subscribe(app, sink, path: str, **fields: Any) -> None:
    """Through the core's JSON API, confirmed with the link in the confirmation message."""
    client = app.test_client()
    answer = client.post(
        "/alerts/api/subscriptions",
        json={"channel": "webhook", "target": sink.url(path), "frequency": "instant", **fields},
    )
    assert answer.status_code == 202, answer.text
    [confirmation] = wait_for(sink, path, 1)
    url = re.search(r"open this link:?\s*(https?://\S+)", confirmation["body"]["message"]).group(1)
    page_path = "/" + url.split("://", 1)[1].partition("/")[2]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(page_path).text).group(1)
    assert "Your alerts are on" in client.post(page_path, data={"csrf_token": token}).text


def references(app, messages) -> list[str]:
    ids = [int(re.search(r"/dataset-apps/roadworks/items/(\d+)", m["body"]["message"]).group(1)) for m in messages]
    with get_database(app).sessionmaker() as session:
        by_id = {i.id: i.reference for i in session.scalars(select(Item))}
    return sorted(by_id[i] for i in ids)


def test_residents_get_the_new_roadworks_within_their_radius_and_followers_the_changes(
    roadworks_app, civic_feed_server, civic_notification_sink
):
    sink = civic_notification_sink
    app = roadworks_app()
    assert pull_feed(app, "roadworks").new == 3
    for path, lat, lon, radius in RESIDENTS:
        subscribe(app, sink, path, topic="dataset_apps.roadworks_near", lat=lat, lon=lon, radius_m=radius)
    with get_database(app).sessionmaker() as session:
        followed = session.scalars(select(Item).where(Item.reference == "RW-2")).one().id
    subscribe(app, sink, "/follower", topic="dataset_apps.roadworks_follow", key=str(followed))
    sent = len(sink.messages)

    civic_feed_server.add("/roadworks.csv", second_csv(), content_type="text/csv")
    second = pull_feed(app, "roadworks")
    assert (second.new, second.changed, second.unchanged) == (5, 1, 2)
    wanted = {path: expected(lat, lon, radius) for path, lat, lon, radius in RESIDENTS}
    assert wanted == {"/a": {"RW-4", "RW-8"}, "/b": {"RW-5", "RW-6"}}
    for path, *_ in RESIDENTS:
        alerts = wait_for(sink, path, 1 + len(wanted[path]))[1:]
        assert references(app, alerts) == sorted(wanted[path]), path
        assert all("Resurfacing on" in m["body"]["message"] + m["body"]["title"] for m in alerts)
    [change] = wait_for(sink, "/follower", 2)[1:]
    assert references(app, [change]) == ["RW-2"]
    assert f"End: {END} → {START}" in change["body"]["message"]
    time.sleep(0.2)
    assert len(sink.messages) == sent + 4 + 1, "exactly the new ones near each resident, and the one change"

    third = pull_feed(app, "roadworks", force=True)
    assert (third.new, third.changed) == (0, 0)
    time.sleep(0.2)
    assert len(sink.messages) == sent + 5, "an unchanged re-pull sends nothing"


def test_alerts_wait_while_the_app_is_off_and_are_sent_once_when_it_is_on_again(
    roadworks_app, civic_feed_server, civic_notification_sink
):
    sink = civic_notification_sink
    app = roadworks_app()
    pull_feed(app, "roadworks")
    path, lat, lon, radius = RESIDENTS[0]
    subscribe(app, sink, path, topic="dataset_apps.roadworks_near", lat=lat, lon=lon, radius_m=radius)
    runner = CivicRunner(app)
    assert runner.invoke(["apps", "disable", "dataset_apps.roadworks"]).exit_code == 0
    civic_feed_server.add("/roadworks.csv", second_csv(), content_type="text/csv")
    assert pull_feed(app, "roadworks").new == 5, "a pull by hand still stores the records"
    time.sleep(0.3)
    assert len(messages_to(sink, path)) == 1, "nothing but the confirmation while the app is off"
    assert runner.invoke(["apps", "enable", "dataset_apps.roadworks"]).exit_code == 0
    wait_for_outbox(app)
    alerts = wait_for(sink, path, 3)[1:]
    assert references(app, alerts) == ["RW-4", "RW-8"]
    runner.invoke(["apps", "disable", "dataset_apps.roadworks"])
    runner.invoke(["apps", "enable", "dataset_apps.roadworks"])
    wait_for_outbox(app)
    time.sleep(0.3)
    assert len(messages_to(sink, path)) == 3, "sent once"
