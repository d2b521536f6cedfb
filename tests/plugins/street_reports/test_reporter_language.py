"""A reporter is written to in the language they reported in, whoever's request causes the email: a
staff member's reply from an English page reaches a Welsh reporter in Welsh, and the other way round.
Reports older than the stored language get the deployment's default language."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from civicapps_street_reports import submissions
from civicapps_street_reports.models import Report
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, inspect, select

from civicapps import db_session
from civicapps.migrations import _config, migration_sets
from civicapps.testing import AppFactory, MailSink

from .conftest import NORTH_POINT, PLUGIN, csrf, load_world, post_report, sign_in_staff, text_of

REPORTER = "jo@example.org"


def mails_to(sink: MailSink, to: str, total: int) -> list[Message]:
    """The emails to ``to``, once ``total`` emails in all have arrived (the others go to the council)."""
    return [mail for mail in sink.wait_for(total) if mail["To"] == to]


def report_and_confirm(client: FlaskClient, sink: MailSink) -> int:
    """Report a pothole and follow the emailed confirmation link, all in ``client``'s language."""
    assert post_report(client).status_code == 302
    [confirmation] = mails_to(sink, REPORTER, 1)
    link = re.search(r"http://reports\.example(\S+)", text_of(confirmation)).group(1)  # type: ignore[union-attr]
    assert client.post(link, data={"csrf_token": csrf(client, link)}).status_code == 302
    with client.application.app_context():
        return db_session().scalars(select(Report.id)).one()


def staff_reply(world: Flask, report_id: int, language: str | None = None) -> None:
    """A staff member changes the report's state with a public reply, from a page in ``language``."""
    staff = world.test_client()
    sign_in_staff(world, staff)
    if language:
        staff.get(f"/street-reports/?lang={language}")  # the switcher's choice, remembered in a cookie
    page = f"/street-reports/staff/reports/{report_id}"
    response = staff.post(
        page, data={"csrf_token": csrf(staff, page), "action": "status", "status": "investigating", "text": "On it."}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_welsh_reporter_gets_the_reply_of_english_speaking_staff_in_welsh(
    world: Flask, civic_mail_sink: MailSink
) -> None:
    reporter = world.test_client()
    reporter.get("/street-reports/?lang=cy")
    report_id = report_and_confirm(reporter, civic_mail_sink)
    staff_reply(world, report_id)  # no language chosen: the staff page is in English
    update = mails_to(civic_mail_sink, REPORTER, 3)[1]  # after the confirmation; one went to the council
    assert update["Subject"] == "Diweddariad ar eich adroddiad: Deep pothole"
    body = text_of(update)
    assert "Statws: Wrthi'n ymchwilio" in body and "On it." in body
    assert "Status:" not in body


def test_an_english_reporter_gets_the_reply_of_staff_on_a_welsh_page_in_english(
    world: Flask, civic_mail_sink: MailSink
) -> None:
    report_id = report_and_confirm(world.test_client(), civic_mail_sink)
    staff_reply(world, report_id, "cy")
    update = mails_to(civic_mail_sink, REPORTER, 3)[1]  # after the confirmation; one went to the council
    assert update["Subject"] == "Update on your report: Deep pothole"
    assert "Status: Investigating" in text_of(update)


def test_a_report_keeps_the_language_it_was_made_in(world: Flask) -> None:
    with world.test_request_context("/street-reports/?lang=cy"):
        draft = submissions.Draft(*NORTH_POINT, "Fly-tipping", title="Sofa", details="In the lane", email=REPORTER)
        report = submissions.submit_trusted(draft)
        assert report.language == "cy"


@pytest.mark.parametrize(
    ("default", "other", "expected"),
    [("en", "cy", "Update on your report: Sofa"), ("cy", "en", "Diweddariad ar eich adroddiad: Sofa")],
)
def test_a_report_from_before_languages_were_stored_gets_the_default_language(
    civic_app_factory: AppFactory,
    app_config: dict[str, Any],
    tmp_path: Path,
    civic_mail_sink: MailSink,
    default: str,
    other: str,
    expected: str,
) -> None:
    world = civic_app_factory(plugins=[PLUGIN], config={**app_config, "default_language": default})
    load_world(world, tmp_path)
    with world.test_request_context(f"/street-reports/?lang={other}"):
        draft = submissions.Draft(*NORTH_POINT, "Fly-tipping", title="Sofa", details="In the lane", email=REPORTER)
        report_id = submissions.submit_trusted(draft).id
    with world.app_context():
        db_session().get(Report, report_id).language = None  # as the migration leaves every older report
        db_session().commit()
    staff_reply(world, report_id, other)  # the staff page in the other language too
    [update] = mails_to(civic_mail_sink, REPORTER, 1)
    assert update["Subject"] == expected


def test_the_migration_adds_an_empty_language_to_existing_reports(app: Flask) -> None:
    from alembic import command
    from sqlalchemy import MetaData, Table

    engine = app.extensions["civicapps"].db.engine

    def migrate(step: Callable[[Any, str], None], revision: str) -> None:
        with engine.connect() as connection, connection.begin():
            step(_config(migration_sets(app)["street_reports"], connection), revision)

    def columns() -> set[str]:
        return {column["name"] for column in inspect(engine).get_columns("street_reports_report")}

    migrate(command.downgrade, "street_reports_0005")
    assert "language" not in columns()
    with engine.begin() as connection:
        reports = Table("street_reports_report", MetaData(), autoload_with=connection)
        connection.execute(
            insert(reports).values(
                title="Old",
                category="Potholes",
                details="Reported before",
                lat=54.16,
                lon=-4.49,
                status="open",
                email=REPORTER,
            )
        )
    migrate(command.upgrade, "heads")
    assert "language" in columns()
    with app.app_context():
        assert db_session().scalars(select(Report.language)).all() == [None]
    migrate(command.downgrade, "street_reports_0005")
    assert "language" not in columns()
    migrate(command.upgrade, "heads")


def links_in(mail: Message) -> list[str]:
    """Every link to the site in an email, as paths a test client can open."""
    return re.findall(r"http://reports\.example(/\S+)", text_of(mail))


def assert_opens_in_welsh(world: Flask, path: str) -> None:
    """``path`` opens a Welsh page in a browser that has never chosen a language (no cookie)."""
    assert path.endswith("lang=cy"), path
    response = world.test_client().get(path)
    assert response.status_code == 200 and '<html lang="cy"' in response.get_data(as_text=True), path


def test_links_in_emails_to_a_welsh_reporter_open_welsh_pages(world: Flask, civic_mail_sink: MailSink) -> None:
    reporter = world.test_client()
    reporter.get("/street-reports/?lang=cy")
    report_id = report_and_confirm(reporter, civic_mail_sink)
    [confirm] = links_in(mails_to(civic_mail_sink, REPORTER, 2)[0])
    assert_opens_in_welsh(world, confirm)

    staff_reply(world, report_id)  # from an English page
    update = mails_to(civic_mail_sink, REPORTER, 3)[1]
    report_page, stop = links_in(update)
    assert report_page.startswith(f"/street-reports/reports/{report_id}?") and "/stop-updates/" in stop
    for path in (report_page, stop):
        assert_opens_in_welsh(world, path)


def test_a_report_and_an_update_made_in_welsh_reach_the_council_team_in_its_default_language(
    world: Flask, civic_mail_sink: MailSink
) -> None:
    reporter = world.test_client()
    reporter.get("/street-reports/?lang=cy")
    report_id = report_and_confirm(reporter, civic_mail_sink)
    [report] = mails_to(civic_mail_sink, "roads@north.example", 2)
    assert report["Subject"] == "Problem report: Potholes: Deep pothole"
    body = text_of(report)
    assert "A resident has reported a problem in your area (North Borough Council)." in body
    assert "About 30 cm across, by the bus stop." in body and "Reported by: Jo Resident" in body
    assert "lang=" not in body  # the team's links open in the language each of its staff chose

    page = f"/street-reports/reports/{report_id}"
    form = {"csrf_token": csrf(reporter, page), "text": "Mae'n dal yno.", "name": "Jo", "email": REPORTER}
    assert reporter.post(f"{page}/updates", data=form, content_type="multipart/form-data").status_code == 302
    [confirm] = links_in(mails_to(civic_mail_sink, REPORTER, 3)[-1])
    assert reporter.post(confirm, data={"csrf_token": csrf(reporter, confirm)}).status_code == 302
    forwarded = mails_to(civic_mail_sink, "roads@north.example", 4)[-1]
    assert forwarded["Subject"] == f"Update on report {report_id}: Deep pothole"
    body = text_of(forwarded)
    assert "The person who reported “Deep pothole” (Potholes) has added an update." in body
    assert "Mae'n dal yno." in body and "State now: Open" in body
