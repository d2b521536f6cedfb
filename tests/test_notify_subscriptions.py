"""Subscriptions: the JSON API, polygons, per-item (key) topics, validation next to fields, rate limits,
"manage my alerts", signed links, wrong codes and expiry of unconfirmed requests."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select, update

from civicapps.db import db_session, get_database
from civicapps.notify.message_links import MANAGE, UNSUBSCRIBE
from civicapps.notify.models import OutboxRow, Subscription
from civicapps.notify.subscriptions import expire_unconfirmed
from civicapps.signing import sign, unsign

DOUGLAS_BOX = {
    "type": "Polygon",
    "coordinates": [[[-4.50, 54.14], [-4.46, 54.14], [-4.46, 54.16], [-4.50, 54.16], [-4.50, 54.14]]],
}


def api(world, **body):
    payload = {
        "topic": "sightings.near",
        "channel": "webhook",
        "target": world.sink.url(),
        "lat": 54.15,
        "lon": -4.48,
        "radius_m": 500,
        **body,
    }
    return world.resident.client.post("/alerts/api/subscriptions", json=payload)


def count(world, model=Subscription):
    with world.app.app_context():
        return db_session().scalar(select(func.count()).select_from(model))


def test_api_subscribe_with_a_drawn_area(world):
    response = api(world, area=DOUGLAS_BOX, frequency="instant")
    assert response.status_code == 202
    assert response.json["status"] == "pending_confirmation" and "/alerts/confirm?ref=" in response.json["confirm_url"]
    [confirmation] = world.sink.wait_for(1)
    assert "in the area you drew" in confirmation["body"]["message"]
    world.resident.press_button(world.link(confirmation, "open this link"))
    inside, outside = (
        world.add("Heron in the park", lat=54.15, lon=-4.48),
        world.add("Heron at Peel", lat=54.22, lon=-4.69),
    )
    world.ingest(new=[inside, outside])
    assert [m["body"]["title"] for m in world.sink.wait_for(2)][1:] == ["Sightings near you: Heron in the park"]


def test_api_topics_lists_what_can_be_subscribed_to(world):
    topics = world.resident.client.get("/alerts/api/topics").json
    assert [(t["name"], t["matcher"], t["events"]) for t in topics] == [
        ("sightings.near", "area", ["new"]),
        ("sightings.changes", "key", ["changed"]),
    ]


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"topic": "nope.nothing"}, "topic", "Choose what you want alerts about"),
        ({"channel": "carrier-pigeon"}, "channel", "Choose how you want to get alerts"),
        ({"channel": "email"}, "channel", "Choose how you want to get alerts"),  # not enabled in this deployment
        (
            {"channel": "apprise", "target": "json://example.org/"},
            "channel",
            "Choose how you want to get alerts",
        ),  # staff only
        ({"target": "ftp://example.org/"}, "target", "Enter a web address starting with https://"),
        ({"lat": 91}, "lat", "Enter a latitude between -90 and 90"),
        ({"lat": "north"}, "lat", "Enter a latitude between -90 and 90"),
        ({"lon": None}, "lon", "Enter a longitude between -180 and 180"),
        ({"radius_m": 50_000}, "radius_m", "Choose a distance between 10 and 5000 metres"),
        ({"area": {"type": "Point", "coordinates": [-4.48, 54.15]}}, "area", "The area must be a GeoJSON Polygon"),
        (
            {"area": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}},
            "area",
            "The area's edges cross each other; draw it again",
        ),
        ({"frequency": "hourly"}, "frequency", "Choose how often you want alerts"),
        ({"topic": "sightings.changes"}, "key", "Say which item you want alerts about"),
    ],
)
def test_api_names_the_field_to_correct(world, body, field, message):
    response = api(world, **body)
    assert response.status_code == 400
    assert response.json["errors"] == {field: message}
    assert count(world) == 0 and world.sink.messages == []


def test_form_errors_sit_next_to_their_fields(world):
    page = world.resident.subscribe("", lat="", lon="")
    assert page.status_code == 422, "a refused form answers 422 with the page"
    assert 'id="target-error"' in page.text and "Enter where to send your alerts" in page.text
    assert '<a href="#target">Enter where to send your alerts</a>' in page.text, "and in the summary at the top"
    missing_place = world.resident.subscribe(world.sink.url(), lat="", lon="")
    assert 'id="lat-error"' in missing_place.text and "Enter a latitude between -90 and 90" in missing_place.text


def test_key_topic_alerts_once_per_version_of_a_changed_item(world):
    world.resident.subscribe(world.sink.url(), topic="sightings.changes", key="basking-shark")
    world.resident.press_button(world.link(world.sink.wait_for(1)[0], "open this link"))
    shark = world.add("Basking shark", ref="basking-shark", status="reported")
    world.ingest(new=[shark])
    world.change(shark, "confirmed")
    world.ingest(changed=[shark])
    world.ingest(changed=[shark])  # the same version again
    world.change(shark, "gone")
    world.ingest(changed=[shark])
    alerts = world.sink.wait_for(3)[1:]
    assert [a["body"]["title"] for a in alerts] == ["Changes to a sighting: Basking shark"] * 2
    assert ["Status: confirmed" in alerts[0]["body"]["message"], "Status: gone" in alerts[1]["body"]["message"]] == [
        True,
        True,
    ]
    assert "about basking-shark" in alerts[0]["body"]["message"]


def test_creation_is_rate_limited_per_address_and_per_target(world_factory):
    world = world_factory(subscriptions_per_ip_per_hour=3, subscriptions_per_target_per_day=2)
    assert [api(world).status_code for _ in range(3)] == [202, 202, 429], "per target"
    assert api(world, target=world.sink.url("/other")).status_code == 202
    limited = api(world, target=world.sink.url("/third"))
    assert limited.status_code == 429 and "Too many alerts were set up" in limited.json["detail"], "per address"
    assert world.resident.subscribe(world.sink.url("/fourth")).status_code == 429
    assert count(world) == 3


def test_manage_page_changes_frequency_and_stops_alerts(world):
    world.resident.subscribe(world.sink.url(), radius=250)
    world.resident.subscribe(world.sink.url(), topic="sightings.changes", key="basking-shark")
    first = world.sink.wait_for(2)[0]
    world.resident.press_button(world.link(first, "open this link"))
    manage = world.link(first, "Manage your alerts").split("5000", 1)[1]
    page = world.resident.client.get(manage)
    assert "Sightings near you within 250 m of 54.15090, -4.48000" in page.text
    assert "Changes to a sighting about basking-shark (not confirmed yet)" in page.text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    with world.app.app_context():
        near, changes = db_session().scalars(select(Subscription).order_by(Subscription.id)).all()
    saved = world.resident.client.post(
        manage, data={"csrf_token": token, "subscription": near.id, "frequency": "weekly"}
    )
    assert (
        saved.status_code == 302 and "Your change is saved" in world.resident.client.get(saved.headers["Location"]).text
    )
    world.resident.client.post(manage, data={"csrf_token": token, "subscription": changes.id, "action": "unsubscribe"})
    with world.app.app_context():
        assert [
            (s.frequency, s.status) for s in db_session().scalars(select(Subscription).order_by(Subscription.id))
        ] == [("weekly", "active"), ("instant", "ended")]
    assert (
        world.resident.client.post(
            manage, data={"csrf_token": token, "subscription": 999, "frequency": "daily"}
        ).status_code
        == 404
    )


def test_forged_or_mangled_links_find_nothing(world):
    world.resident.subscribe(world.sink.url())
    link = world.link(world.sink.wait_for(1)[0], "Stop these alerts").split("5000", 1)[1].partition("?")[0]
    assert world.resident.client.get(link).status_code == 200
    assert world.resident.client.get(link[:-3] + "abc").status_code == 404
    assert world.resident.client.get("/alerts/confirm/" + link.rsplit("/", 1)[1]).status_code == 404, (
        "tokens are per purpose"
    )
    assert world.resident.client.get("/alerts/manage/nonsense").status_code == 404


def test_five_wrong_codes_end_the_request(world):
    page_url = world.resident.subscribe(world.sink.url()).headers["Location"]
    code = world.sink.wait_for(1)[0]["body"]["message"].split("enter this code where you signed up: ")[1][:6]
    token = world.resident.form_token(page_url)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        world.resident.client.post(page_url, data={"code": wrong, "csrf_token": token})
    too_late = world.resident.client.post(page_url, data={"code": code, "csrf_token": token})
    assert too_late.status_code == 404 and "This request was stopped or has expired" in too_late.text
    with world.app.app_context():
        assert db_session().scalar(select(Subscription.status)) == "ended"


def test_code_tries_are_counted_before_the_code_is_compared(world):
    """Wrong guesses racing on other web processes have used up the tries (counted, the request not
    yet ended): the right code must not be compared any more."""
    page_url = world.resident.subscribe(world.sink.url()).headers["Location"]
    code = world.sink.wait_for(1)[0]["body"]["message"].split("enter this code where you signed up: ")[1][:6]
    token = world.resident.form_token(page_url)
    with get_database(world.app).engine.begin() as other_process:
        other_process.execute(update(Subscription).values(confirm_attempts=5))
    lucky = world.resident.client.post(page_url, data={"code": code, "csrf_token": token})
    assert lucky.status_code == 404 and "This request was stopped or has expired" in lucky.text
    with world.app.app_context():
        assert db_session().scalar(select(Subscription.status)) == "ended"


def test_unconfirmed_requests_expire_with_their_messages(world):
    world.resident.subscribe(world.sink.url())
    world.resident.subscribe(world.sink.url("/second"))
    world.resident.press_button(world.link(world.sink.wait_for(2)[1], "open this link"))
    with world.app.app_context():
        db_session().execute(update(Subscription).values(created_at=datetime.now(UTC) - timedelta(hours=49)))
        db_session().commit()
        assert expire_unconfirmed(world.app) == 1
    assert count(world) == 1 and count(world, OutboxRow) == 1, "the confirmed one stays"


@pytest.mark.parametrize("value", [7, "4f2a" * 16, "Pen-y-bryn, Ynys Môn"])
def test_link_tokens_are_itsdangerous_tokens_both_ways(world, value):
    """Links already in residents' inboxes keep working: civicapps' quicker signing writes and reads
    exactly what a plain itsdangerous serializer with the same key and purpose does."""
    plain = URLSafeTimedSerializer(world.app.secret_key, salt="civicapps.notify.unsubscribe")
    with world.app.app_context():
        made = sign(UNSUBSCRIBE, value)
        assert plain.loads(made) == value
        assert unsign(UNSUBSCRIBE, plain.dumps(value)) == value
        assert unsign(MANAGE, made) is None, "a token for one purpose opens nothing else"
        assert unsign(UNSUBSCRIBE, made[:-2] + ("AA" if made[-2:] != "AA" else "BB")) is None
