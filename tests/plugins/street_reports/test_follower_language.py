"""A resident following a report is told of each update in the language they subscribed in, whoever's
request makes the update: the words of an alert are written when it is sent, for each follower, not
once when the update is matched."""

from __future__ import annotations

import html
import re

import pytest
from civicapps_street_reports import alerts
from flask import Flask
from flask.testing import FlaskClient

from civicapps import in_language
from civicapps.notify.channels import KINDS
from civicapps.notify.render import Notification, render
from civicapps.testing import MailSink

from .conftest import csrf, text_of
from .test_reporter_language import REPORTER, mails_to, report_and_confirm, staff_reply

WELSH, ENGLISH = "dilynwr@example.org", "follower@example.org"


def follow(client: FlaskClient, sink: MailSink, report_id: int, address: str, language: str, total: int) -> None:
    """Follow a report from a page in ``language`` and confirm with the emailed link."""
    response = client.post(
        f"/alerts/api/subscriptions?lang={language}",
        json={"topic": "street_reports.updates", "channel": "email", "target": address, "key": str(report_id)},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    [mail] = mails_to(sink, address, total)
    html = [part.get_payload(decode=True).decode() for part in mail.walk() if part.get_content_type() == "text/html"]
    link = re.search(r'href="http://reports\.example(/alerts/confirm/[^"]+)"', html[0])
    assert link, html[0]
    path = link.group(1).replace("&amp;", "&")
    assert client.post(path, data={"csrf_token": csrf(client, path)}).status_code in (200, 302)


def test_followers_get_a_staff_update_each_in_their_own_language(world: Flask, civic_mail_sink: MailSink) -> None:
    report_id = report_and_confirm(world.test_client(), civic_mail_sink)  # 2 emails: confirmation, council
    follow(world.test_client(), civic_mail_sink, report_id, WELSH, "cy", 3)
    follow(world.test_client(), civic_mail_sink, report_id, ENGLISH, "en", 4)
    staff_reply(world, report_id)  # from an English page: the reporter and both followers are told

    civic_mail_sink.wait_for(7)
    [welsh] = mails_to(civic_mail_sink, WELSH, 7)[1:]
    assert welsh["Subject"] == "Diweddariadau ar adroddiad stryd: Diweddariad ar: Deep pothole"
    body = text_of(welsh)
    assert "Nawr: Wrthi'n ymchwilio. On it." in body
    for english in ("Update", "Now:", "Investigating", "street report"):
        assert english not in welsh["Subject"] + body

    [english] = mails_to(civic_mail_sink, ENGLISH, 7)[1:]
    assert english["Subject"] == "Updates on a street report: Update on: Deep pothole"
    assert "Now: Investigating. On it." in text_of(english)
    assert [m["Subject"] for m in mails_to(civic_mail_sink, REPORTER, 7)][-1] == "Update on your report: Deep pothole"


@pytest.mark.parametrize("kind", ["alert", "digest"])
def test_update_alerts_and_digests_are_worded_in_every_format_and_old_ones_keep_their_words(
    world: Flask, kind: str
) -> None:
    item = {
        "title": "Update on: Deep pothole",
        "summary": "Now: Investigating. On it.",
        "url": "http://reports.example/street-reports/reports/1",
        "details": {"report": "Deep pothole", "state": "investigating", "text": "On it."},
    }
    old = {"title": "Update on: Sofa", "summary": "Now: Open. Moved.", "url": None}  # in the outbox before details
    notification = Notification(
        kind=kind,
        topic=alerts.UPDATES_TOPIC,
        topic_title="Diweddariadau ar adroddiad stryd",
        area="",
        unsubscribe_url="http://reports.example/alerts/unsubscribe/x",
        manage_url="http://reports.example/alerts/manage/x",
        council="Example Council",
        items=(item, old) if kind == "digest" else (item,),
    )
    for channel in {channel.format: channel for channel in KINDS.values()}.values():
        with world.app_context(), in_language("cy"):
            message = render(world, notification, channel)
        body = html.unescape(message.body) if channel.format == "html" else message.body
        assert "Diweddariad ar: Deep pothole" in body, channel.format
        assert "Nawr: Wrthi'n ymchwilio. On it." in body, channel.format
        assert "Update on: Deep pothole" not in message.title + body
        if kind == "digest":
            assert "Update on: Sofa" in body and "Now: Open. Moved." in body
