"""The resident's whole loop through real apprise to a real HTTP sink on 127.0.0.1:
subscribe -> confirm -> matching item ingested -> exactly one message; again -> nothing; unsubscribe -> nothing."""
from sqlalchemy import func, select

from civicapps.db import db_session
from civicapps.notify.models import OutboxRow, Subscription


def titles(sink):
    return [m["body"]["title"] for m in sink.messages]


def test_subscribe_confirm_alert_once_then_unsubscribe(world_factory, queue_url):
    """The same on every queue: immediate, Huey on SQLite and Huey on a real Redis (worker thread)."""
    world = world_factory({"queue_url": queue_url}, worker=queue_url != "immediate:")
    sink, resident = world.sink, world.resident
    response = resident.subscribe(sink.url("/hook"))
    assert response.status_code == 302 and "/alerts/confirm?ref=" in response.headers["Location"]

    [confirmation] = sink.wait_for(1)
    assert confirmation["path"].startswith("/hook")
    assert confirmation["body"]["title"] == "Confirm your alerts from Example Council"
    assert "Sightings near you" in confirmation["body"]["message"]
    page = resident.press_button(world.link(confirmation, "open this link"))
    assert "Your alerts are on" in page.text

    nearby = world.add("Basking shark off the promenade")
    far = world.add("Puffin at the Calf", lat=54.05, lon=-4.83)
    world.ingest(new=[nearby, far])
    messages = sink.wait_for(2)
    assert titles(sink) == [
        "Confirm your alerts from Example Council",
        "Sightings near you: Basking shark off the promenade",
    ]
    alert = messages[1]["body"]["message"]
    assert "http://127.0.0.1:5000/sightings/basking-shark-off-the-promenade" in alert
    assert "Stop these alerts: http" in alert and "Manage your alerts: http" in alert

    world.ingest(new=[nearby])  # the same item again: the outbox key refuses a second row
    world.settle()
    assert len(sink.messages) == 2

    done = resident.press_button(world.link(messages[1], "Stop these alerts"))
    assert "Alerts stopped" in done.text
    world.ingest(new=[world.add("Seal in the harbour")])
    world.settle()
    assert len(sink.messages) == 2, "no messages after unsubscribing"


def test_unconfirmed_subscription_gets_only_its_confirmation(world):
    world.resident.subscribe(world.sink.url())
    world.sink.wait_for(1)
    world.ingest(new=[world.add("Basking shark")])
    assert titles(world.sink) == ["Confirm your alerts from Example Council"]
    with world.app.app_context():
        assert db_session().scalar(select(func.count()).select_from(OutboxRow)) == 1, "no alert row was even written"


def test_confirm_by_code(world):
    response = world.resident.subscribe(world.sink.url())
    [confirmation] = world.sink.wait_for(1)
    code = confirmation["body"]["message"].split("enter this code where you signed up: ")[1][:6]
    page_url = response.headers["Location"]
    token = world.resident.form_token(page_url)
    wrong = world.resident.client.post(
        page_url, data={"code": "000000" if code != "000000" else "111111", "csrf_token": token}
    )
    assert "That code is not right" in wrong.text and 'id="code-error"' in wrong.text
    right = world.resident.client.post(page_url, data={"code": code, "csrf_token": token})
    assert "Your alerts are on" in right.text
    with world.app.app_context():
        assert db_session().scalar(select(Subscription.status)) == "active"
