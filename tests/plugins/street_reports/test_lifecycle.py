"""After a report is open: residents' updates ("fixed", "still a problem"), staff replies and states,
response templates, moderation (edit with the original kept, hide, redact a photo), the abuse list,
bulk changes, CSV export, response times, feeds and duplicate suggestions."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import feedparser
import pytest
from civicapps_street_reports import submissions
from civicapps_street_reports.models import Moderation, Photo, Report, ResponseTemplate, Update
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from civicapps import db_session, utcnow
from civicapps.testing import MailSink

from .conftest import (
    LISTED_TITLE,
    NORTH_POINT,
    SOUTH_POINT,
    csrf,
    error_next_to,
    new_report_page,
    post_report,
    sign_in_staff,
    text_of,
)
from .images import phone_jpeg


def make_report(
    app: Flask, category: str = "Fly-tipping", lat: float = NORTH_POINT[0], lon: float = NORTH_POINT[1], **fields: Any
) -> int:
    """A confirmed report, as an Open311 app would file it (no confirmation step)."""
    values = {
        "title": "Sofa in the lane",
        "details": "Blocking the path",
        "email": "reporter@example.org",
        "name": "Jo Reporter",
        **fields,
    }
    with app.test_request_context():
        report = submissions.submit_trusted(submissions.Draft(lat, lon, category, **values))
        return report.id


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def post(client: FlaskClient, path: str, form_page: str | None = None, **data: Any) -> Any:
    return client.post(
        path, data={"csrf_token": csrf(client, form_page or path), **data}, content_type="multipart/form-data"
    )


def confirm_link(sink: MailSink, to: str, count: int) -> str:
    sink.wait_for(count)
    mail = [m for m in sink.messages if m["To"] == to][-1]
    return re.search(r"http://reports\.example(\S+)", text_of(mail)).group(1)  # type: ignore[union-attr]


@pytest.fixture
def staff(world: Flask) -> FlaskClient:
    client = world.test_client()
    sign_in_staff(world, client)
    return client


def test_a_resident_marks_fixed_then_the_reporter_says_it_is_still_a_problem(
    world: Flask, civic_mail_sink: MailSink
) -> None:
    report_id = make_report(world)
    neighbour = world.test_client()
    path = f"/street-reports/reports/{report_id}"
    response = post(
        neighbour,
        f"{path}/updates",
        path,
        text="Council took it away",
        mark="fixed",
        name="Sam",
        email="sam@example.org",
        photos=[(io.BytesIO(phone_jpeg()), "after.jpg")],
    )
    assert response.status_code == 302
    with world.app_context():
        assert db_session().get(Report, report_id).status == "open"  # not until confirmed
    link = confirm_link(civic_mail_sink, "sam@example.org", 1)
    assert "Council took it away" not in page(neighbour, path)
    post(neighbour, link)
    html = page(neighbour, path)
    assert "Council took it away" in html and "sam@example.org" not in html
    assert re.search(r'<strong class="govuk-tag govuk-tag--green">\s*Fixed\s*</strong>', html)
    assert re.search(r'<img src="/street-reports/photos/\d+/thumbnail.jpg" alt="Photo 1 with this update">', html)
    with world.app_context():
        report = db_session().get(Report, report_id)
        assert report.status == "fixed" and report.closed_at is not None
    civic_mail_sink.wait_for(2)
    told = [m for m in civic_mail_sink.messages if m["To"] == "reporter@example.org"]
    assert len(told) == 1 and "Status: Fixed" in text_of(told[0])

    reporter = world.test_client()
    post(
        reporter,
        f"{path}/updates",
        path,
        text="Only half of it went",
        mark="reopen",
        name="Jo",
        email="reporter@example.org",
    )
    post(reporter, confirm_link(civic_mail_sink, "reporter@example.org", 4))
    with world.app_context():
        report = db_session().get(Report, report_id)
        assert report.status == "open" and report.closed_at is None
        roles = [u.role for u in db_session().scalars(select(Update).order_by(Update.id))]
        assert roles == ["resident", "reporter"]
    assert (
        len([m for m in civic_mail_sink.messages if m["To"] == "reporter@example.org"]) == 2
    )  # not told of own update


def test_a_refused_update_shows_again_with_everything_typed_but_the_photos(world: Flask) -> None:
    report_id = make_report(world)
    path = f"/street-reports/reports/{report_id}"
    client = world.test_client()
    response = post(
        client, f"{path}/updates", path, text="Still there", mark="fixed", name="Sam", email="nope", show_name="yes"
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert ">Still there</textarea>" in html and 'value="Sam"' in html and 'value="nope"' in html
    assert re.search(r'name="show_name" type="checkbox" value="yes" checked', html)
    assert re.search(r'name="mark" type="radio" value="fixed" checked', html)
    assert "We do not keep photos from a form with a problem: choose them again." in html


def test_update_form_errors_are_shown_next_to_the_fields(world: Flask) -> None:
    report_id = make_report(world)
    client = world.test_client()
    path = f"/street-reports/reports/{report_id}"
    cases = [
        ({"text": "", "mark": ""}, "text", "Enter your update"),
        ({"name": ""}, "name", "Enter your name"),
        ({"email": "nope"}, "email", "Enter an email address in the correct format, like name@example.com"),
        ({"mark": "reopen"}, "mark", "This report is still open"),
    ]
    for fields, field, message in cases:
        data = {"text": "Still there", "name": "Sam", "email": "sam@example.org", "mark": "", **fields}
        response = post(client, f"{path}/updates", path, **data)
        assert response.status_code == 400
        assert error_next_to(response.get_data(as_text=True), field) == message
    with world.app_context():
        assert db_session().scalars(select(Update)).all() == []


def test_a_refused_staff_reply_keeps_what_was_typed_and_a_saved_one_says_so(world: Flask, staff: FlaskClient) -> None:
    manage = f"/street-reports/staff/reports/{make_report(world)}"
    refused = post(staff, manage, action="status", status="duplicate", duplicate_of="999", text="Same as the other one")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert error_next_to(html, "duplicate_of") == "Enter the number of the report this one duplicates"
    assert ">Same as the other one</textarea>" in html and 'value="999"' in html
    assert re.search(r'<option value="duplicate" selected>', html)
    saved = post(staff, manage, action="status", status="investigating", text="Looking into it.")
    assert saved.status_code == 302
    banner = page(staff, manage)
    assert "govuk-notification-banner--success" in banner and "The report is updated." in banner


def test_staff_change_the_state_with_a_public_reply_or_a_template(
    world: Flask, staff: FlaskClient, civic_mail_sink: MailSink
) -> None:
    report_id = make_report(world)
    with world.app_context():
        db_session().add(
            ResponseTemplate(title="Booked", text="We have booked a crew to clear this.", status="action_scheduled")
        )
        db_session().commit()
    manage = f"/street-reports/staff/reports/{report_id}"
    assert "reporter@example.org" in page(staff, manage)  # staff see who reported it
    post(staff, manage, action="status", status="investigating", text="Looking into it.")
    post(staff, manage, action="status", status="action_scheduled", text="", template="1")
    with world.app_context():
        report = db_session().get(Report, report_id)
        assert report.status == "action_scheduled" and report.responded_at is not None
        texts = [(u.role, u.status, u.text) for u in db_session().scalars(select(Update).order_by(Update.id))]
    assert texts == [
        ("staff", "investigating", "Looking into it."),
        ("staff", "action_scheduled", "We have booked a crew to clear this."),
    ]
    public = page(world.test_client(), f"/street-reports/reports/{report_id}")
    assert "<strong>The council</strong>" in public and "Casey" not in public
    civic_mail_sink.wait_for(2)
    assert [m["Subject"] for m in civic_mail_sink.messages] == ["Update on your report: Sofa in the lane"] * 2
    refused = post(staff, manage, action="status", status="action_scheduled", text="")
    assert refused.status_code == 400 and "Write a comment, or choose a different state" in refused.get_data(
        as_text=True
    )


def test_staff_pages_are_for_staff_only(world: Flask) -> None:
    client = world.test_client()
    for path in (
        "/street-reports/staff/",
        "/street-reports/staff/reports.csv",
        "/street-reports/staff/abuse",
        "/street-reports/staff/response-times",
    ):
        response = client.get(path)
        assert response.status_code in (302, 403), path


def test_moderation_keeps_the_original_and_hides_and_redacts(world: Flask, staff: FlaskClient) -> None:
    with world.test_request_context():
        report = submissions.submit_trusted(
            submissions.Draft(*NORTH_POINT, "Fly-tipping", "Rude title", "Rude words", photos=[("a.jpg", phone_jpeg())])
        )
        report_id = report.id
    manage = f"/street-reports/staff/reports/{report_id}"
    public_path = f"/street-reports/reports/{report_id}"
    post(staff, manage, action="edit", title="Dumped rubbish", details="Rubbish by the lane", reason="language")
    public = page(world.test_client(), public_path)
    assert "Dumped rubbish" in public and "Rude" not in public
    assert "Original: “Rude title”: Rude words" in page(staff, manage)
    with world.app_context():
        photo = db_session().scalars(select(Photo)).one()
        original = photo.data
    post(staff, manage, action="redact", photo=str(photo.id), reason="a face")
    image = Image.open(io.BytesIO(world.test_client().get(f"/street-reports/photos/{photo.id}.jpg").data))
    assert max(high for _, high in image.getextrema()) < 10  # black
    with world.app_context():
        kept = db_session().scalars(select(Moderation).where(Moderation.action == "redact")).one()
        assert kept.original_photo == original
    post(staff, manage, action="hide", reason="spam")
    assert world.test_client().get(public_path).status_code == 404
    assert staff.get(public_path).status_code == 200
    post(staff, manage, action="unhide", reason="ok after all")
    assert world.test_client().get(public_path).status_code == 200


def test_the_abuse_list_hides_an_address_and_can_be_undone(world: Flask, staff: FlaskClient) -> None:
    report_id = make_report(world, email="troll@example.org")
    response = post(staff, "/street-reports/staff/abuse", email="not an email")
    assert response.status_code == 400
    post(staff, "/street-reports/staff/abuse", email="TROLL@example.org", note="abusive")
    assert "troll@example.org" in page(staff, "/street-reports/staff/abuse")
    assert world.test_client().get(f"/street-reports/reports/{report_id}").status_code == 404
    post(staff, "/street-reports/staff/abuse", remove="1")
    assert "troll@example.org" not in page(staff, "/street-reports/staff/abuse")


def test_list_filters_bulk_change_and_csv_export(world: Flask, staff: FlaskClient) -> None:
    first = make_report(world, title='=HYPERLINK("http://evil")')
    second = make_report(world, title="Second")
    pothole = make_report(world, category="Potholes", title="Hole", answers={"depth": "deep"}, email="")
    html = page(staff, "/street-reports/staff/?category=Fly-tipping")
    assert f"#{first} " in html and f"#{second} " in html and f"#{pothole} " not in html
    south = make_report(world, category="Graffiti", title="Tag on the wall", lat=SOUTH_POINT[0], lon=SOUTH_POINT[1])
    in_south = page(staff, "/street-reports/staff/?area=2")  # South Borough's area
    assert f"#{south} " in in_south and f"#{first} " not in in_south
    assert f'"title": "#{south} Tag on the wall"' in in_south.replace("&#34;", '"')  # on the staff map too
    bad_date = staff.get("/street-reports/staff/?since=yesterday")
    assert bad_date.status_code == 400 and "Enter a date like 2026-11-23" in bad_date.get_data(as_text=True)
    response = staff.post(
        "/street-reports/staff/bulk",
        data={
            "csrf_token": csrf(staff, "/street-reports/staff/"),
            "report": [str(first), str(second)],
            "status": "no_further_action",
            "text": "Private land: the owner has been told.",
        },
    )
    assert response.status_code == 302
    with world.app_context():
        states = {r.id: r.status for r in db_session().scalars(select(Report))}
    assert states == {first: "no_further_action", second: "no_further_action", pothole: "open", south: "open"}
    exported = staff.get("/street-reports/staff/reports.csv?status=closed")
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert sorted(int(r["id"]) for r in rows) == [first, second]
    row = next(r for r in rows if int(r["id"]) == first)
    assert row["title"] == '\'=HYPERLINK("http://evil")'  # a spreadsheet will not run it
    assert row["email"] == "reporter@example.org" and row["state_label"] == "No further action"
    assert row["first_response"] and row["closed"]
    times = page(staff, "/street-reports/staff/response-times")
    assert row_cells(times, "Fly-tipping")[:3] == ["2", "0", "2"]
    assert row_cells(times, "Potholes")[:4] == ["1", "1", "0", "–"]


def row_cells(html: str, header: str) -> list[str]:
    """The cells of the table row headed ``header``."""
    row = re.search(rf"<th scope=\"row\"[^>]*>{re.escape(header)}</th>(.*?)</tr>", html, re.S)
    assert row, f"no row for {header}"
    return re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))


def test_feeds_for_a_report_an_area_and_all_reports(world: Flask, staff: FlaskClient) -> None:
    report_id = make_report(world, title="Lamp <b>out</b>")
    post(staff, f"/street-reports/staff/reports/{report_id}", action="status", status="fixed", text="New bulb fitted.")
    client = world.test_client()
    for fmt in ("atom", "rss"):
        response = client.get(f"/street-reports/reports/{report_id}/updates.{fmt}")
        assert response.mimetype == f"application/{fmt}+xml"
        feed = feedparser.parse(response.data)
        assert not feed.bozo, feed.bozo_exception
        assert [e.title for e in feed.entries] == ["Fixed", "Fly-tipping: Lamp <b>out</b>"]
        assert feed.entries[0].summary == "New bulb fitted."
        area = feedparser.parse(client.get(f"/street-reports/areas/1/reports.{fmt}").data)
        assert [e.title for e in area.entries] == ["Fly-tipping: Lamp <b>out</b>"]
        assert area.feed.title in ("Street reports in Mid County", "Street reports in North Borough")
        every = feedparser.parse(client.get(f"/street-reports/reports.{fmt}").data)
        assert len(every.entries) == 1
    assert client.get("/street-reports/reports.pdf").status_code == 404


def test_possible_duplicates_are_suggested_with_a_way_to_follow_instead(world: Flask) -> None:
    near = make_report(world, category="Potholes", title="Hole by the shop", answers={"depth": "deep"})
    make_report(world, category="Potholes", title="Far hole", lat=NORTH_POINT[0] + 0.004, answers={"depth": "deep"})
    make_report(world, category="Fly-tipping", title="Other category")
    closed = make_report(world, category="Potholes", title="Fixed hole", answers={"depth": "deep"})
    with world.app_context():
        db_session().get(Report, closed).status = "fixed"
        db_session().commit()
    html = page(world.test_client(), new_report_page(NORTH_POINT[0] + 0.001, NORTH_POINT[1], "Potholes"))
    suggested = LISTED_TITLE.findall(html)
    assert suggested == [(str(near), "Hole by the shop")]
    assert "111 metres away" in html
    assert f'href="/alerts/subscribe?topic=street_reports.updates&amp;key={near}"' in html


def test_the_reporter_can_stop_update_emails(world: Flask, staff: FlaskClient, civic_mail_sink: MailSink) -> None:
    report_id = make_report(world)
    post(staff, f"/street-reports/staff/reports/{report_id}", action="status", status="investigating", text="On it")
    stop = re.search(
        r"Stop emails about this report: http://reports\.example(\S+)", text_of(civic_mail_sink.wait_for(1)[0])
    ).group(1)  # type: ignore[union-attr]
    resident = world.test_client()
    assert "Stop the emails" in page(resident, stop)
    post(resident, stop)
    post(staff, f"/street-reports/staff/reports/{report_id}", action="status", status="fixed", text="Done")
    assert len(civic_mail_sink.wait_for(2, timeout=1)) == 1


def test_tidy_forgets_unconfirmed_reports_and_updates(world: Flask) -> None:
    client = world.test_client()
    post_report(client, photos=[(io.BytesIO(phone_jpeg()), "a.jpg")])  # never confirmed
    kept = make_report(world)
    with world.app_context():
        old = utcnow() - timedelta(days=20)
        for report in db_session().scalars(select(Report)):
            if report.status == "unconfirmed":
                report.created_at = old
        db_session().commit()
        assert submissions.tidy(world) == 2  # the report and its photo (rate limits are counted and pruned by the core)
        assert [r.id for r in db_session().scalars(select(Report))] == [kept]
        assert db_session().scalars(select(Photo)).all() == []


def test_confirming_a_private_report_thanks_without_showing_it(world: Flask, civic_mail_sink: MailSink) -> None:
    client = world.test_client()
    post_report(client, category="Abandoned needles", title="Needles by the swings", extra_depth=None)
    response = post(client, confirm_link(civic_mail_sink, "jo@example.org", 1))
    assert "Thank you: your report is confirmed" in response.get_data(as_text=True)
    with world.app_context():
        report = db_session().scalars(select(Report)).one()
        assert report.private and report.status == "open"
    assert client.get(f"/street-reports/reports/{report.id}").status_code == 404
    assert world.test_client().get("/street-reports/reports.json").get_json()["features"] == []


def test_a_resident_reopening_an_emailed_report_tells_the_team_it_went_to(
    world: Flask, civic_mail_sink: MailSink
) -> None:
    report_id = make_report(world, category="Graffiti", title="Tag on the wall", lat=SOUTH_POINT[0], lon=SOUTH_POINT[1])
    civic_mail_sink.wait_for(1)
    assert [m["To"] for m in civic_mail_sink.messages] == ["clean@south.example"]  # the report itself
    with world.app_context():
        db_session().get(Report, report_id).status = "fixed"
        db_session().commit()
    reporter = world.test_client()
    path = f"/street-reports/reports/{report_id}"
    post(
        reporter,
        f"{path}/updates",
        path,
        text="Painted over badly, still readable.",
        mark="reopen",
        name="Jo",
        email="reporter@example.org",
    )
    post(reporter, confirm_link(civic_mail_sink, "reporter@example.org", 2))
    civic_mail_sink.wait_for(3)
    to_team = [m for m in civic_mail_sink.messages if m["To"] == "clean@south.example"]
    assert len(to_team) == 2
    assert to_team[1]["Subject"] == f"Update on report {report_id}: Tag on the wall (reopened)"
    body = text_of(to_team[1])
    assert "They say it is still a problem, so the report is open again." in body
    assert "Painted over badly, still readable." in body and "From: Jo, reporter@example.org" in body


def test_csv_export_is_formula_safe(world: Flask, staff: FlaskClient) -> None:
    """Every text a resident typed (title, name, phone, place) reaches the staff export as text."""
    from test_csv_export import FORMULAS, cells, formula_cells

    for formula in FORMULAS:
        make_report(world, title=formula, name=formula, phone=formula[:40])
    text = staff.get("/street-reports/staff/reports.csv").get_data(as_text=True)
    assert formula_cells(text) == [] and f"'{FORMULAS[0]}" in cells(text)
