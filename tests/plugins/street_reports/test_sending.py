"""The send queue: per-body rows, retries after 5 then every 30 minutes, batch (token) back offices,
the staff's daily failure summary, and reports that must never be sent."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from civicapps_street_reports import lifecycle, sending
from civicapps_street_reports.models import SEND_METHODS, Delivery, Report, Update, UpdateDelivery
from civicapps_street_reports.send_methods import METHODS, Email, Open311, method_for
from flask import Flask
from sqlalchemy import select

from civicapps import Actor, CivicappsError, db_session, utcnow
from civicapps.testing import AppFactory, FeedServer, MailSink

from .backoffice import API_KEY, FakeBackOffice, back_office
from .conftest import OVERLAP_POINT, PLUGIN, csrf, invoke, load_world, post_report, sign_in_staff, table_rows, text_of

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
    """Wind the clock on: every waiting report and update is due now."""
    with app.app_context():
        for model in (Delivery, UpdateDelivery):
            for row in db_session().scalars(select(model)):
                row.next_attempt_at = utcnow() - timedelta(seconds=1)
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
    wait = failed.next_attempt_at - failed.last_attempt_at  # type: ignore[operator]
    assert wait == timedelta(minutes=5)
    assert run_queue(world) == 0  # not due yet
    assert county(world).attempts == 1
    make_due(world)
    run_queue(world)
    again = county(world)
    assert again.attempts == 2
    assert again.next_attempt_at - again.last_attempt_at == timedelta(minutes=30)  # type: ignore[operator]
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


def test_the_back_office_is_told_who_is_calling(world: Flask, office: FakeBackOffice) -> None:
    """Every Open311 call carries the council's User-Agent (the host's shared session), not python-requests'."""
    office.batch = True
    staff_report(world)
    with world.app_context():
        sending.resolve_tokens(world)
    seen = [r for r in office.server.requests if r[1].startswith("/open311/")]  # the fake postcodes.io shares it
    assert [(method, path.split("?")[0]) for method, path, _ in seen] == [
        ("POST", "/open311/requests.xml"),
        ("GET", "/open311/tokens/tok-1001.xml"),
    ]
    council = world.extensions["civicapps"].settings.council.name
    for _, _, headers in seen:
        assert re.fullmatch(rf"civicapps/\S+ \({re.escape(council)}(; \+\S+)?\)", headers["User-Agent"])


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


def test_a_residents_update_is_posted_to_the_back_office_that_took_the_report(
    world: Flask, office: FakeBackOffice, civic_mail_sink: MailSink
) -> None:
    report_id = staff_report(world)
    with world.app_context():
        db_session().get(Report, report_id).status = "fixed"
        db_session().commit()
    resident = world.test_client()
    page = f"/street-reports/reports/{report_id}"
    token = csrf(resident, page)
    resident.post(
        f"{page}/updates",
        data={
            "csrf_token": token,
            "text": "The hole is back after the frost.",
            "mark": "reopen",
            "name": "Sam Walker",
            "email": "sam@example.org",
        },
    )
    [confirmation] = [m for m in civic_mail_sink.wait_for(2) if m["To"] == "sam@example.org"]
    link = re.search(r"http://reports\.example(/\S+)", text_of(confirmation)).group(1)  # type: ignore[union-attr]
    resident.post(link, data={"csrf_token": csrf(resident, link)})
    [posted] = office.updates
    assert posted["service_request_id"] == ["BO-1001"] and posted["status"] == ["OPEN"]
    assert posted["description"] == ["The hole is back after the frost."] and posted["api_key"] == [API_KEY]
    assert (posted["first_name"], posted["last_name"], posted["email"]) == (["Sam"], ["Walker"], ["sam@example.org"])
    with world.app_context():
        forward = db_session().scalars(select(UpdateDelivery)).one()
        assert (forward.state, forward.external_id, forward.attempts) == ("sent", "BU-1", 1)
    staff = world.test_client()
    sign_in_staff(world, staff, "second@council.example")
    manage = staff.get(f"/street-reports/staff/reports/{report_id}").get_data(as_text=True)
    assert ["County Council", "sent", "1", "BU-1"] in [row[1:5] for row in table_rows(manage)]


def test_an_update_waits_while_the_back_office_has_not_given_the_report_an_id(
    world: Flask, office: FakeBackOffice, civic_mail_sink: MailSink
) -> None:
    office.batch = True  # answers a token; the id comes later
    report_id = staff_report(world)
    with world.app_context():
        item = Update(
            report_id=report_id,
            role="resident",
            name="Sam",
            email="sam@example.org",
            text="Still there",
            state="unconfirmed",
            created_at=utcnow(),
        )
        db_session().add(item)
        db_session().flush()
        lifecycle.confirm_update(item)
        db_session().commit()
        sending.send_due(world)
        forward = db_session().scalars(select(UpdateDelivery)).one()
        assert (forward.state, forward.attempts) == ("pending", 1)
        assert forward.last_error == "The back office has not given its id for the report yet."
    office.ready = True
    with world.app_context():
        sending.resolve_tokens(world)
    make_due(world)
    run_queue(world)
    assert office.updates[0]["service_request_id"] == ["BO-1001"]


def test_every_send_method_a_category_may_name_has_its_class() -> None:
    """``none`` is the one method that sends nothing: its reports are kept for staff."""
    assert set(METHODS) == set(SEND_METHODS) - {"none"}
    assert isinstance(METHODS["email"], Email) and isinstance(METHODS["open311"], Open311)
    with pytest.raises(CivicappsError, match="cannot be sent by 'fax'"):
        method_for(Delivery(method="fax"))
