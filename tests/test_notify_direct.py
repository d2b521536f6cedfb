"""Direct messages (civicapps.send_message): one message to an address a plugin knows, through the outbox."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from civicapps import CivicappsError, db_session, forget_messages, messages_to, send_message
from civicapps.notify.models import OutboxRow, Subscription
from civicapps.notify.settings import SAFE_SCHEMES

HOOK = "https://hooks.example.org/team"


def queue(world, key="test:1", target=None, channel="webhook", **fields):
    """Queue one direct message in a request-like context and commit, as a plugin's view would."""
    with world.app.test_request_context():
        queued = send_message(
            channel,
            target or world.sink.url("/team"),
            key=key,
            title=fields.get("title", "Your sign-in link"),
            text=fields.get("text", "Sign in: https://example.org/sign-in/abc"),
            html=fields.get("html"),
        )
        db_session().commit()
    return queued


def test_a_direct_message_is_delivered_once_through_apprise(world):
    assert queue(world) is True
    [message] = world.sink.wait_for(1)
    assert message["body"]["title"] == "Your sign-in link"
    assert message["body"]["message"] == "Sign in: https://example.org/sign-in/abc"
    assert "unsubscribe" not in message["body"]["message"].lower(), "nobody subscribed to a direct message"

    assert queue(world) is False, "the same key again is the same message"
    world.settle()
    assert len(world.sink.messages) == 1
    assert queue(world, key="test:2") is True
    world.sink.wait_for(2)


def test_nothing_is_sent_when_the_caller_rolls_back(world):
    with world.app.test_request_context():
        send_message("webhook", world.sink.url("/team"), key="test:rolled-back", title="No", text="No")
        db_session().rollback()
        assert db_session().scalars(select(OutboxRow)).all() == []
    world.settle()
    assert world.sink.messages == []


def test_direct_addresses_are_not_residents_subscriptions(world):
    """Queueing to an address subscribes it to nothing, and its alerts page does not list it."""
    target = world.sink.url("/team")
    queue(world)
    world.resident.subscribe(target)
    with world.app.app_context():
        rows = db_session().execute(select(Subscription.topic, Subscription.status, Subscription.target_hash)).all()
    [direct] = [r for r in rows if r.topic == "notify.direct"]
    [alerts] = [r for r in rows if r.topic == "sightings.near"]
    assert direct.status == "active" and alerts.status == "pending"
    assert direct.target_hash != alerts.target_hash, "so 'manage my alerts' and rate limits never see it"


def test_email_uses_the_html_part_and_no_unsubscribe_headers(world_factory, civic_mail_sink):
    world = world_factory(
        channels=["webhook"],  # email is not offered to residents, but the council can still send it
        mail_url=civic_mail_sink.url(),
        allowed_schemes=[*SAFE_SCHEMES, "json"],
        egress_allow=[f"127.0.0.1:{civic_mail_sink.port}"],
    )
    queue(world, channel="email", target="Jo@Example.ORG", html="<p>Sign in: <a href='https://e.org'>link</a></p>")
    [mail] = civic_mail_sink.wait_for(1)
    assert mail["To"] == "Jo@example.org" and mail["Subject"] == "Your sign-in link"
    assert mail["List-Unsubscribe"] is None
    html = [p.get_payload(decode=True).decode() for p in mail.walk() if p.get_content_type() == "text/html"]
    assert html and "<a href='https://e.org'>link</a>" in html[0]


def test_the_egress_guard_applies_to_direct_messages(world_factory, civic_notification_sink):
    world = world_factory(egress_allow=[], max_attempts=1)
    queue(world)
    world.settle()
    assert civic_notification_sink.messages == []
    with world.app.app_context():
        [row] = db_session().scalars(select(OutboxRow)).all()
    assert row.status == "failed" and "127.0.0.1 is a loopback address" in row.last_error


@pytest.mark.parametrize(
    ("channel", "target", "error"),
    [
        ("pigeon", "x", "Unknown notification channel 'pigeon'"),
        ("email", "jo@example.org", "set [plugins.notify] mail_url"),
        ("email", "not an address", "Cannot send a email message to that address: Enter an email address"),
        ("apprise", "json://hooks.example.org/x", "'json://' addresses are not enabled here"),
    ],
)
def test_unusable_channels_and_targets_are_refused_with_what_to_do(world_factory, channel, target, error):
    world = world_factory(allowed_schemes=list(SAFE_SCHEMES), mail_url=None)
    with world.app.test_request_context(), pytest.raises(CivicappsError, match=error.replace("[", r"\[")):
        send_message(channel, target, key="test:bad", title="t", text="t")


def test_a_recipient_can_see_and_erase_their_messages(world):
    target = world.sink.url("/team")
    queue(world, key="organogram:sign-in:1")
    queue(world, key="organogram:invite:2", title="You are invited")
    queue(world, key="street_reports:report:9", title="Report sent")
    world.sink.wait_for(3)
    with world.app.test_request_context():
        mine = messages_to("webhook", target, "organogram:")
        assert [(m.key, m.title, m.status) for m in mine] == [
            ("organogram:sign-in:1", "Your sign-in link", "sent"),
            ("organogram:invite:2", "You are invited", "sent"),
        ]
        assert forget_messages("webhook", target, "organogram:") == 2
        db_session().commit()
        assert messages_to("webhook", target, "organogram:") == []
        assert [m.key for m in messages_to("webhook", target, "")] == ["street_reports:report:9"]
        assert forget_messages("webhook", target, "street_reports:") == 1
        db_session().commit()
        assert db_session().scalars(select(Subscription)).all() == [], "the address itself is gone"
