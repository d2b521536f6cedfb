"""End to end: three residents sign up (email, ntfy, webhook), confirm, and are reminded the evening
before at 18:00 London time; a bank holiday change is named; nothing is sent twice."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from civicapps_bin_collections.models import Evening
from civicapps_bin_collections.reminders import announce_evening

from civicapps import db_session
from civicapps.testing import wait_for_outbox

CONFIRM = re.compile(r"https?://[^/\s]+(/alerts/confirm/[^\s\"<>]+)")


@pytest.fixture
def world(loaded_app, civic_notification_sink, civic_mail_sink):
    notify = {
        "channels": ["email", "ntfy", "webhook"],
        "mail_url": civic_mail_sink.url(),
        "ntfy_server": f"http://127.0.0.1:{civic_notification_sink.port}",
        "allowed_schemes": [*civic_notification_sink.notify_settings()["allowed_schemes"], "ntfy"],  # plain http here
        "egress_allow": [f"127.0.0.1:{civic_notification_sink.port}", f"127.0.0.1:{civic_mail_sink.port}"],
    }
    return loaded_app(notify=notify)


def sign_up(app, uprn: str, channel: str, target: str) -> None:
    """The resident's way: the address's reminder page, then the link in the confirmation message."""
    client = app.test_client()
    page = client.get(f"/bin-collections/address/{uprn}/reminders")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    answer = client.post(page.request.path, data={"csrf_token": token, "channel": channel, "target": target})
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/alerts/confirm?ref="), answer.text
    wait_for_outbox(app)


def confirm_all(app, texts: list[str]) -> None:
    client = app.test_client()
    for text in texts:
        path = CONFIRM.search(text).group(1)
        page = client.get(path)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        assert "Your alerts are on" in client.post(path, data={"csrf_token": token}).text


def mail_text(mail) -> str:
    return "\n".join(
        part.get_payload(decode=True).decode() for part in mail.walk() if part.get_content_type().startswith("text/")
    )


def hook_text(message) -> str:
    body = message["body"]
    return body.get("message", "") if isinstance(body, dict) else str(body)


def test_reminders_the_evening_before_once_each(world, set_now, civic_notification_sink, civic_mail_sink):
    app = world
    sign_up(app, "100050535001", "email", "jo@example.org")  # R1, R2, R3 (garden)
    sign_up(app, "100050600001", "ntfy", "stonegate-bins")  # R1, R2, R4 (glass)
    sign_up(app, "100050535002", "webhook", civic_notification_sink.url("/hook"))  # R1, R2
    confirm_all(
        app, [mail_text(m) for m in civic_mail_sink.messages] + [hook_text(m) for m in civic_notification_sink.messages]
    )
    wait_for_outbox(app)
    mails, hooks = len(civic_mail_sink.messages), len(civic_notification_sink.messages)

    with app.app_context():
        set_now("2027-03-29 17:59")  # Easter Monday, in summer time: 16:59 UTC
        assert announce_evening(app) == 0, "not yet"
        set_now("2027-03-29 18:00")
        assert announce_evening(app) == 4, "every address has general waste tomorrow (moved from today)"
    wait_for_outbox(app)
    new_mail = civic_mail_sink.messages[mails:]
    new_hooks = civic_notification_sink.messages[hooks:]
    assert len(new_mail) == 1 and len(new_hooks) == 2
    assert sorted(m["body"].get("topic") or m["path"] for m in new_hooks) == ["/hook", "stonegate-bins"]  # ntfy: topic
    for text in [mail_text(new_mail[0])] + [hook_text(m) for m in new_hooks]:
        assert "Bin collection tomorrow, Tuesday 30 March" in text
        assert "Put out: General waste." in text
        assert "Moved from Monday 29 March to Tuesday 30 March because of Easter Monday" in text
        assert "/alerts/unsubscribe/" in text or "unsubscribe" in text.lower()

    with app.app_context():
        assert announce_evening(app) == 0, "the same evening is announced once"
        session = db_session()
        session.delete(session.get(Evening, dt.date(2027, 3, 30)))
        session.commit()
        set_now("2027-03-29 21:00")
        assert announce_evening(app) == 4, "as if the worker died before recording the evening"
    wait_for_outbox(app)
    assert len(civic_mail_sink.messages) == mails + 1 and len(civic_notification_sink.messages) == hooks + 2

    with app.app_context():
        set_now("2027-04-01 18:30")  # Thursday: garden waste (R3) on Friday, at one address only
        assert announce_evening(app) == 1
        set_now("2027-03-30 18:00")  # the next day: nothing on Wednesday, and yesterday's is not sent again
        assert announce_evening(app) == 0
    wait_for_outbox(app)
    assert len(civic_notification_sink.messages) == hooks + 2
    [garden] = civic_mail_sink.messages[mails + 1 :]
    assert "Put out: Garden waste." in mail_text(garden) and "Friday 2 April" in mail_text(garden)
