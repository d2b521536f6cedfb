"""The send queue: per-body rows, retries after 5 then every 30 minutes, batch (token) back offices,
the staff's daily failure summary, and reports that must never be sent."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from civicapps_street_reports import sending
from civicapps_street_reports.models import Delivery, Report, aware, utcnow
from flask import Flask
from sqlalchemy import select

from civicapps import Actor, db_session
from civicapps.feeds.testing import FeedServer
from civicapps.testing import AppFactory, MailSink

from .backoffice import API_KEY, FakeBackOffice, back_office
from .conftest import OVERLAP_POINT, PLUGIN, invoke, load_world, post_report, sign_in_staff, text_of

STAFF = Actor("1", "Casey Clerk", "staff")


@pytest.fixture
def office(world: Flask, civic_feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> FakeBackOffice:
    office = back_office(civic_feed_server)
    monkeypatch.setenv("COUNTY_KEY", API_KEY)
    assert (
        invoke(
            world,
            "street-reports",
            "bodies",
            "open311",
            "County Council",
            "--endpoint",
            office.endpoint,
            "--api-key-env",
            "COUNTY_KEY",
        ).exit_code
        == 0
    )
    return office


def staff_report(app: Flask) -> int:
    """A pothole at the overlap, reported by staff (confirmed at once, so sending starts at once)."""
    client = app.test_client()
    sign_in_staff(app, client)
    response = post_report(client, *OVERLAP_POINT, name="", email="")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        return db_session().scalars(select(Report.id)).one()


def county(app: Flask) -> Delivery:
    with app.app_context():
        return db_session().scalars(select(Delivery).where(Delivery.method == "open311")).one()


def make_due(app: Flask) -> None:
    with app.app_context():
        for delivery in db_session().scalars(select(Delivery)):
            delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
        db_session().commit()


def run_queue(app: Flask) -> int:
    with app.app_context():
        return sending.send_due(app)


def test_retries_after_5_minutes_then_every_30_and_only_to_the_failing_body(
    world: Flask, office: FakeBackOffice, civic_mail_sink: MailSink
) -> None:
    office.fail = True
    staff_report(world)
    failed = county(world)
    assert (failed.state, failed.attempts) == ("pending", 1)
    assert failed.last_error == "HTTP 500 from the back office: 500: CRM is down"
    wait = aware(failed.next_attempt_at) - aware(failed.last_attempt_at)  # type: ignore[operator]
    assert wait == timedelta(minutes=5)
    assert run_queue(world) == 0  # not due yet
    assert county(world).attempts == 1
    make_due(world)
    run_queue(world)
    again = county(world)
    assert again.attempts == 2
    assert aware(again.next_attempt_at) - aware(again.last_attempt_at) == timedelta(minutes=30)  # type: ignore[operator]
    office.fail = False
    make_due(world)
    assert run_queue(world) == 1
    done = county(world)
    assert (done.state, done.attempts, done.external_id, done.last_error) == ("sent", 3, "BO-1001", None)
    civic_mail_sink.wait_for(1)
    assert [m["To"] for m in civic_mail_sink.messages] == ["roads@north.example"]  # the email body was sent once


def test_a_batch_back_office_answers_a_token_and_the_id_later(world: Flask, office: FakeBackOffice) -> None:
    office.batch = True
    staff_report(world)
    delivery = county(world)
    assert (delivery.state, delivery.external_token, delivery.external_id) == ("sent", "tok-1001", None)
    with world.app_context():
        assert sending.resolve_tokens(world) == 0  # not ready yet: asked again later
    office.ready = True
    with world.app_context():
        assert sending.resolve_tokens(world) == 1
    assert county(world).external_id == "BO-1001"


def test_a_body_without_an_endpoint_fails_with_what_to_do(world: Flask) -> None:
    staff_report(world)
    assert county(world).last_error == (
        "County Council has no Open311 endpoint; set one with 'civicapps street-reports bodies open311'."
    )


def test_the_daily_summary_tells_staff_what_is_failing_once_a_day(
    civic_app_factory: AppFactory, app_config: dict[str, Any], tmp_path: Any, civic_mail_sink: MailSink
) -> None:
    app_config["plugins"]["street_reports"].update(
        staff_summary_channel="email", staff_summary_target="streets@council.example"
    )
    app = civic_app_factory(plugins=[PLUGIN], config=app_config)
    load_world(app, tmp_path)
    with app.app_context():
        assert sending.failure_summary(app) is False  # nothing failing, nothing sent
    report_id = staff_report(app)
    with app.app_context():
        assert sending.failure_summary(app) is True
        assert sending.failure_summary(app) is False  # one a day
    civic_mail_sink.wait_for(2)
    [summary] = [m for m in civic_mail_sink.messages if m["To"] == "streets@council.example"]
    assert summary["Subject"].startswith("Street reports not sent yet (")
    body = text_of(summary)
    assert re.search(
        rf"#{report_id} to County Council \(open311\): 1 tries, last .* UTC: County Council has no Open311 endpoint",
        body,
    )


def test_reports_from_the_abuse_list_are_hidden_and_never_sent(
    world: Flask, office: FakeBackOffice, civic_mail_sink: MailSink
) -> None:
    from civicapps_street_reports import lifecycle

    with world.app_context():
        lifecycle.add_abuser("Troll@Example.org", "sends nonsense")
        db_session().commit()
    client = world.test_client()
    post_report(client, *OVERLAP_POINT, email="troll@example.org")
    [confirmation] = civic_mail_sink.wait_for(1)
    link = re.search(r"http://reports\.example(/street-reports/confirm/\S+)", text_of(confirmation))
    assert link
    page = client.get(link.group(1)).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post(link.group(1), data={"csrf_token": token})
    with world.app_context():
        report = db_session().scalars(select(Report)).one()
        assert report.hidden and report.status == "open"
        assert db_session().scalars(select(Delivery)).all() == []
    assert office.posted == []
    assert client.get(f"/street-reports/reports/{report.id}").status_code == 404


def test_a_back_office_spoken_to_in_json(world: Flask, office: FakeBackOffice, monkeypatch: pytest.MonkeyPatch) -> None:
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
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    staff_report(world)
    assert county(world).external_id == "BO-1001"
    assert office.server.hits("/open311/requests.json") == 1 and office.server.hits("/open311/requests.xml") == 0
    assert office.posted[0]["service_code"] == ["POT-01"]
