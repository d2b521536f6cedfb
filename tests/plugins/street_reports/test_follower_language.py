"""A resident following a report is told of each update in the language they subscribed in, whoever's
request makes the update: the words of an alert are written when it is sent, for each follower, not
once when the update is matched."""

from __future__ import annotations

import re

from civicapps_street_reports import alerts
from flask import Flask
from flask.testing import FlaskClient

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


def test_an_alert_matched_before_its_words_were_stored_as_data_still_reads_as_it_was_written(world: Flask) -> None:
    old = {"title": "Update on: Deep pothole", "summary": "Now: Open. Filled in.", "url": None}  # an outbox payload
    with world.test_request_context("/?lang=cy"):
        words = alerts.update_words(old)
    assert (words.title, words.summary) == ("Update on: Deep pothole", "Now: Open. Filled in.")
