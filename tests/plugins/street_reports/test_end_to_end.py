"""The acceptance path: a resident's report with a photo is confirmed, emailed to one council (real
apprise to the local SMTP sink) and POSTed to the other's back office (Open311 on 127.0.0.1); the back
office pushes a status update, and the reporter and a follower are each told exactly once."""

from __future__ import annotations

import email.message
import io
import re
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from civicapps_street_reports.models import Body, Delivery, Report
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from civicapps import db_session
from civicapps.testing import FeedServer, MailSink

from .backoffice import API_KEY, FakeBackOffice, back_office
from .conftest import OVERLAP_POINT, csrf, invoke, post_report, text_of
from .images import phone_jpeg


def mails_to(sink: MailSink, address: str) -> list[email.message.Message]:
    return [m for m in sink.messages if address in (m["To"] or "")]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def link_after(text: str, words: str) -> str:
    found = re.search(rf"{words}[^\n]*\n*\s*(https?://\S+)", text)
    assert found, text
    return path_of(found.group(1))


def press_button(client: FlaskClient, path: str) -> Any:
    """Open a link's page and press its one button, as a resident does (links alone change nothing)."""
    token = csrf(client, path)
    return client.post(path, data={"csrf_token": token})


def follow(app: Flask, client: FlaskClient, sink: MailSink, report_id: int, address: str) -> None:
    """Subscribe ``address`` to a report's updates through the core alerts API and confirm by email."""
    response = client.post(
        "/alerts/api/subscriptions",
        json={"topic": "street_reports.updates", "channel": "email", "target": address, "key": str(report_id)},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    sink.wait_for(len(sink.messages) + 1)
    [mail] = mails_to(sink, address)
    html = [p.get_payload(decode=True).decode() for p in mail.walk() if p.get_content_type() == "text/html"][0]
    confirm = re.search(r'href="(https?://[^"]+/alerts/confirm/[^"]+)"', html)
    assert confirm, html
    assert press_button(client, path_of(confirm.group(1))).status_code in (200, 302)


@pytest.fixture
def office(world: Flask, civic_feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> FakeBackOffice:
    office = back_office(civic_feed_server)
    monkeypatch.setenv("COUNTY_KEY", API_KEY)
    result = invoke(
        world,
        "street-reports",
        "bodies",
        "open311",
        "County Council",
        "--endpoint",
        office.endpoint,
        "--api-key-env",
        "COUNTY_KEY",
    )
    assert result.exit_code == 0, result.output
    return office


def updates_key(app: Flask) -> tuple[str, str]:
    result = invoke(app, "street-reports", "bodies", "updates-key", "County Council")
    assert result.exit_code == 0, result.output
    found = re.search(r"jurisdiction_id=(\d+) api_key=(\S+)", result.output)
    assert found
    return found.group(1), found.group(2)


def test_report_with_photo_is_confirmed_sent_both_ways_and_updates_reach_reporter_and_follower_once(
    world: Flask, office: FakeBackOffice, civic_mail_sink: MailSink
) -> None:
    resident = world.test_client()
    photo = (io.BytesIO(phone_jpeg()), "IMG_0042.jpg")
    response = post_report(
        resident,
        *OVERLAP_POINT,
        email="reporter@example.org",
        phone="07700 900123",
        extra_lane="northbound",
        photos=[photo],
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/report/check-email")
    assert office.posted == []  # nothing is sent before the reporter confirms

    [confirmation] = civic_mail_sink.wait_for(1)
    assert confirmation["To"] == "reporter@example.org"
    assert confirmation["Subject"] == "Confirm your report: Deep pothole"
    confirm_path = link_after(text_of(confirmation), "press the button on the page:")
    assert resident.get(confirm_path).status_code == 200
    with world.app_context():
        assert db_session().scalars(select(Report)).one().status == "unconfirmed"  # opening the link is not enough
    confirmed = press_button(resident, confirm_path)
    assert confirmed.status_code == 302

    # email to North Borough's roads team, through apprise to the SMTP sink
    civic_mail_sink.wait_for(2)
    [to_north] = mails_to(civic_mail_sink, "roads@north.example")
    assert to_north["Subject"] == "Problem report: Potholes: Deep pothole"
    body = text_of(to_north)
    assert "About 30 cm across, by the bus stop." in body
    assert "How deep is it?: deep" in body and "Which lane?: northbound" in body
    assert "Email: reporter@example.org" in body and "Phone: 07700 900123" in body
    assert "This report was also sent to: County Council." in body
    photo_url = re.search(r"http://reports\.example/street-reports/photos/(\d+)\.jpg", body)
    assert photo_url, body

    # Open311 POST to the county's back office
    [posted] = office.posted
    assert posted["service_code"] == ["POT-01"] and posted["api_key"] == [API_KEY]
    assert (posted["lat"], posted["long"]) == (["54.160000"], ["-4.480000"])
    assert posted["attribute[depth]"] == ["deep"] and posted["attribute[lane]"] == ["northbound"]
    assert posted["email"] == ["reporter@example.org"] and posted["first_name"] == ["Jo"]
    assert posted["media_url"] == [photo_url.group(0)]
    assert posted["description"][0].startswith("Deep pothole\n\nAbout 30 cm across")

    with world.app_context():
        report = db_session().scalars(select(Report)).one()
        deliveries = {d.body.name: d for d in db_session().scalars(select(Delivery))}
        assert report.status == "open"
        assert {name: (d.method, d.state, d.external_id) for name, d in deliveries.items()} == {
            "North Borough Council": ("email", "sent", None),
            "County Council": ("open311", "sent", "BO-1001"),
        }
        report_id = report.id

    # the published photo is the cleaned one: upright, no EXIF
    image = Image.open(io.BytesIO(resident.get(path_of(photo_url.group(0))).data))
    assert image.size[1] > image.size[0] and not image.getexif()

    follower = world.test_client()
    follow(world, follower, civic_mail_sink, report_id, "neighbour@example.org")
    before = len(civic_mail_sink.messages)

    jurisdiction, key = updates_key(world)
    push = {
        "jurisdiction_id": jurisdiction,
        "api_key": key,
        "service_request_id": "BO-1001",
        "update_id": "U-77",
        "status": "IN_PROGRESS",
        "updated_datetime": "2026-11-23T15:00:00Z",
        "description": "A crew is booked for Thursday.",
    }
    answer = follower.post("/street-reports/open311/v2/servicerequestupdates.xml", data=push)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert b"<service_request_updates><request_update><update_id>" in answer.data
    civic_mail_sink.wait_for(before + 2)
    again = follower.post("/street-reports/open311/v2/servicerequestupdates.xml", data=push)  # a retried push
    assert again.status_code == 200 and again.data == answer.data

    time.sleep(0.5)  # anything sent twice would have arrived by now
    new = civic_mail_sink.messages[before:]
    assert sorted(m["To"] for m in new) == ["neighbour@example.org", "reporter@example.org"]
    to_reporter = next(m for m in new if m["To"] == "reporter@example.org")
    assert to_reporter["Subject"] == "Update on your report: Deep pothole"
    assert "Status: In progress" in text_of(to_reporter) and "A crew is booked for Thursday." in text_of(to_reporter)
    assert "Stop emails about this report:" in text_of(to_reporter)
    to_follower = next(m for m in new if m["To"] == "neighbour@example.org")
    assert "Update on: Deep pothole" in to_follower["Subject"]
    assert "In progress" in text_of(to_follower)

    page = follower.get(f"/street-reports/reports/{report_id}").get_data(as_text=True)
    assert "A crew is booked for Thursday." in page and "County Council</strong>" in page
    assert "reporter@example.org" not in page and "07700" not in page
    with world.app_context():
        report = db_session().get(Report, report_id)
        assert report.status == "in_progress" and report.responded_at is not None


def test_pushed_updates_need_the_body_key_and_a_known_request(world: Flask, office: FakeBackOffice) -> None:
    jurisdiction, key = updates_key(world)
    client = world.test_client()
    base = {
        "jurisdiction_id": jurisdiction,
        "api_key": key,
        "service_request_id": "BO-404",
        "update_id": "1",
        "status": "FIXED",
        "updated_datetime": "2026-11-23T15:00:00Z",
        "description": "done",
    }
    url = "/street-reports/open311/v2/servicerequestupdates.json"
    assert client.post(url, data={**base, "api_key": "wrong"}).status_code == 403
    with world.app_context():
        north = db_session().scalar(select(Body).where(Body.name == "North Borough Council"))
    assert client.post(url, data={**base, "jurisdiction_id": str(north.id)}).status_code == 403
    missing = client.post(url, data=base)
    assert missing.status_code == 404 and missing.get_json() == [
        {"code": 404, "description": "service_request_id BO-404 not found"}
    ]
    assert client.post(url, data={**base, "status": ""}).get_json() == [
        {"code": 400, "description": "status is required"}
    ]
