"""Reminders and disruption notices in each subscriber's language: the words are written when the
message is rendered (under the core's ``force_locale``), not when the evening is announced."""

from __future__ import annotations

import datetime as dt
import re

from civicapps_bin_collections.models import Disruption
from civicapps_bin_collections.reminders import announce_disruption, announce_evening
from flask_babel import force_locale

from civicapps import db_session
from civicapps.notify.channels import KINDS
from civicapps.notify.render import Notification, render
from civicapps.testing import wait_for_outbox

from .test_reminders import CONFIRM, hook_text, mail_text, world  # noqa: F401 - world is a fixture


def sign_up_in(app, language: str, uprn: str, channel: str, target: str) -> None:
    """The resident's way, with the page in ``language`` (the switcher's ``?lang=``, remembered)."""
    client = app.test_client()
    page = client.get(f"/bin-collections/address/{uprn}/reminders?lang={language}")
    assert f'<html lang="{language}' in page.text  # cy, en-GB
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    answer = client.post(page.request.path, data={"csrf_token": token, "channel": channel, "target": target})
    assert answer.status_code == 302, answer.text
    wait_for_outbox(app)


def confirm(app, text: str, answer: str) -> None:
    """Open the confirmation link in ``text``: its page is in the subscriber's language."""
    client = app.test_client()
    path = CONFIRM.search(text).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).text).group(1)
    assert answer in client.post(path, data={"csrf_token": token}).text


def test_welsh_in_welsh_english_in_english(world, set_now, civic_notification_sink, civic_mail_sink):  # noqa: F811
    app = world
    set_now("2027-03-20 12:00")
    sign_up_in(app, "cy", "100050535001", "email", "gwyn@example.org")
    sign_up_in(app, "en", "100050535002", "webhook", civic_notification_sink.url("/hook"))
    [welsh_confirmation] = civic_mail_sink.messages
    assert "Nodiadau atgoffa casglu biniau" in mail_text(welsh_confirmation)  # the topic's title too
    confirm(app, mail_text(welsh_confirmation), "Mae eich hysbysiadau ymlaen")
    confirm(app, hook_text(civic_notification_sink.messages[0]), "Your alerts are on")
    wait_for_outbox(app)
    mails, hooks = len(civic_mail_sink.messages), len(civic_notification_sink.messages)

    with app.app_context():
        set_now("2027-03-29 18:00")  # Easter Monday: general waste moves to Tuesday
        assert announce_evening(app) == 4
    wait_for_outbox(app)
    [welsh] = civic_mail_sink.messages[mails:]
    [english] = civic_notification_sink.messages[hooks:]
    welsh_text, english_text = mail_text(welsh), hook_text(english)
    assert "Casglu biniau yfory, Dydd Mawrth 30 Mawrth" in welsh["Subject"]
    assert "Rhowch allan: General waste." in welsh_text  # the council's name for the bin is its data
    assert "Wedi symud o Dydd Llun 29 Mawrth i Dydd Mawrth 30 Mawrth oherwydd Easter Monday" in welsh_text
    assert "Put out" not in welsh_text and "tomorrow" not in welsh_text and "Tuesday" not in welsh_text
    assert english["body"]["title"].endswith("Bin collection tomorrow, Tuesday 30 March")
    assert "Put out: General waste." in english_text
    assert "Moved from Monday 29 March to Tuesday 30 March because of Easter Monday" in english_text
    assert "Rhowch" not in english_text and "Mawrth" not in english_text

    with app.app_context():
        notice = Disruption(
            message="Collections are suspended today because of snow.",
            rounds="",
            starts_on=dt.date(2027, 3, 30),
            ends_on=dt.date(2027, 3, 31),
            created_by="crew@council.example",
        )
        db_session().add(notice)
        db_session().commit()
        assert announce_disruption(app, notice) == 4
    wait_for_outbox(app)
    [welsh_notice] = civic_mail_sink.messages[mails + 1 :]
    [english_notice] = civic_notification_sink.messages[hooks + 1 :]
    assert "Casgliadau biniau: tarfu ar y gwasanaeth" in welsh_notice["Subject"]
    assert "suspended today because of snow" in mail_text(welsh_notice)  # what staff wrote, as written
    assert "service disruption" not in mail_text(welsh_notice)
    assert "Bin collections: service disruption" in english_notice["body"]["title"]


def test_daily_summaries_are_worded_in_the_subscribers_language_in_every_format(bins_app):
    """A subscriber who chose a daily summary gets the same words, through the topic's digest templates."""
    app = bins_app()
    reminder = {
        "kind": "reminder",
        "day": "2027-03-30",
        "address": "1 Clarence Street, York",
        "bins": ["General waste", "Recycling"],
        "changes": [{"from": "2027-03-29", "to": "2027-03-30", "reason": ""}],
    }
    notice = {"kind": "disruption", "message": "Collections are suspended today because of snow."}
    items = tuple(
        {"id": n, "title": "(English at announce time)", "url": "http://127.0.0.1:5000/bin-collections/", "details": d}
        for n, d in enumerate([reminder, notice])
    )
    with app.test_request_context(), force_locale("cy"):
        for kind in ("digest", "alert"):
            for channel in ("email", "ntfy", "webhook"):  # html, markdown, text
                notification = Notification(
                    kind=kind,
                    topic="bin_collections.reminders",
                    topic_title="Nodiadau atgoffa casglu biniau",
                    area="1 Clarence Street, York",
                    unsubscribe_url="http://127.0.0.1:5000/alerts/unsubscribe/x",
                    manage_url="http://127.0.0.1:5000/alerts/manage/x",
                    council="Example Council",
                    items=items if kind == "digest" else items[:1],
                    frequency="daily",
                )
                body = render(app, notification, KINDS[channel]).body
                assert "Casglu biniau yfory, Dydd Mawrth 30 Mawrth" in body, (kind, channel)
                assert "Rhowch allan: General waste a Recycling." in body, (kind, channel)
                assert "Wedi symud o Dydd Llun 29 Mawrth i Dydd Mawrth 30 Mawrth oherwydd gŵyl banc" in body
                assert "English at announce time" not in body
                if kind == "digest":
                    assert "Casgliadau biniau: tarfu ar y gwasanaeth" in body
