"""Staff: a disruption notice reaches only the affected rounds' subscribers and shows on their pages;
the data check; the command line's one-off answers."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import icalendar
from civicapps_bin_collections.models import Disruption, Round
from sqlalchemy import delete

from civicapps import db_session
from civicapps.auth import create_user
from civicapps.testing import CivicRunner, wait_for_outbox

from .test_reminders import confirm_all, hook_text, sign_up, world  # noqa: F401 - world is a fixture


def sign_in(app):
    with app.app_context():
        create_user("crew@council.example", "Crew Lead", "a-long-staff-password")
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/-/login").text).group(1)
    client.post(
        "/-/login", data={"email": "crew@council.example", "password": "a-long-staff-password", "csrf_token": token}
    )
    return client


def test_a_disruption_notice_reaches_only_the_affected_rounds(world, set_now, civic_notification_sink):  # noqa: F811
    app = world
    set_now("2027-01-12 08:00")
    sign_up(app, "100050535001", "webhook", civic_notification_sink.url("/garden"))  # R1 R2 R3
    sign_up(app, "100050600001", "webhook", civic_notification_sink.url("/glass"))  # R1 R2 R4
    confirm_all(app, [hook_text(m) for m in civic_notification_sink.messages])
    wait_for_outbox(app)
    before = len(civic_notification_sink.messages)

    staff = sign_in(app)
    page = staff.get("/bin-collections/staff")
    assert page.status_code == 200 and "2 people get reminders." in page.text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    refused = staff.post(
        "/bin-collections/staff/notices",
        data={"csrf_token": token, "message": "x", "rounds": "R9", "ends_on": "14/01/2027"},
    )
    assert refused.status_code == 422 and "There is no round R9" in refused.text
    done = staff.post(
        "/bin-collections/staff/notices",
        data={
            "csrf_token": token,
            "message": "Glass collections are suspended today because of snow.",
            "rounds": "R4",
            "ends_on": "14/01/2027",
        },
    )
    assert done.status_code == 302
    wait_for_outbox(app)
    [sent] = civic_notification_sink.messages[before:]
    assert sent["path"] == "/glass" and "suspended today because of snow" in hook_text(sent)
    resident = app.test_client()
    assert "suspended today because of snow" in resident.get("/bin-collections/address/100050600001").text
    assert "suspended today" not in resident.get("/bin-collections/address/100050535001").text
    assert app.test_client().get("/bin-collections/staff").status_code in (302, 401, 403), "staff only"
    export = staff.get("/bin-collections/staff/subscribers.csv")
    assert export.text.splitlines() == [
        "round,bin,subscribers",
        "R1,General waste,2",
        "R2,Recycling,2",
        "R3,Garden waste,1",
        "R4,Glass,1",
    ], "counts only: no address or target"


def test_the_command_line_answers_and_checks(loaded_app, set_now):
    app = loaded_app()
    set_now("2027-03-24 12:00")
    runner = CivicRunner(app)
    result = runner.invoke(["bin-collections", "next", "YO1 8AS"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "100050600001 10 Stonegate, York",
        "  General waste: Tuesday 30 March 2027"
        " (Moved from Monday 29 March to Tuesday 30 March because of Easter Monday)",
        "  Recycling: Monday 5 April 2027",
        "  Glass: Wednesday 7 April 2027",
    ]
    result = runner.invoke(["bin-collections", "calendar", "100050600001", "--ics"])
    assert result.exit_code == 0
    events = list(icalendar.Calendar.from_ical(result.output).walk("VEVENT"))
    assert len(events) == 26 + 26 + 13 - 1, "52 weeks of R1, R2 and R4, less glass cancelled on 15 December"
    assert runner.invoke(["bin-collections", "next", "ZZ99 9ZZ"]).exit_code == 1

    result = runner.invoke(["bin-collections", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db_session().execute(delete(Round).where(Round.reference == "R3"))
        db_session().commit()
    result = runner.invoke(["bin-collections", "check"])
    assert result.exit_code == 1
    assert "  100050535001: rounds 'R1;R2;R3'" in result.output
    assert "  2027-11-12 (R3): no collection that day" in result.output


def test_disruptions_are_an_atom_feed(loaded_app, set_now):
    app = loaded_app()
    set_now("2027-01-12 08:00")
    with app.app_context():
        session = db_session()
        session.add(
            Disruption(
                message="Snow: no collections <today>",
                rounds="",
                starts_on=dt.date(2027, 1, 12),
                ends_on=dt.date(2027, 1, 12),
                created_by="crew",
            )
        )
        session.add(
            Disruption(
                message="Old", rounds="R1", starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 1, 2), created_by=""
            )
        )
        session.commit()
    answer = app.test_client().get("/bin-collections/disruptions.atom")
    assert answer.mimetype == "application/atom+xml"
    entries = ET.fromstring(answer.data).findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.findtext("{http://www.w3.org/2005/Atom}title") for e in entries] == ["Snow: no collections <today>"]
