"""A council's per-round iCalendar feed: its moved and cancelled collections become that round's
exceptions; a malformed file or event is reported by feed and line, the rest loaded, nothing lost."""

from __future__ import annotations

import datetime as dt

from civicapps_bin_collections.feeds import pull_all
from civicapps_bin_collections.models import Change
from civicapps_bin_collections.store import pickups
from sqlalchemy import select

from civicapps import db_session


def ics(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{event}END:VEVENT\r\n" for event in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//York//Glass round//EN\r\n{body}END:VCALENDAR\r\n"


PLAIN = "UID:g-1020\r\nDTSTART;VALUE=DATE:20271020\r\nSUMMARY:Glass\r\n"  # the usual day: nothing to store
MOVED = (  # Wednesday 17 November moved to Thursday 18th
    "UID:g-1117\r\nRECURRENCE-ID;VALUE=DATE:20271117\r\nDTSTART;VALUE=DATE:20271118\r\n"
    "SUMMARY:Glass\r\nDESCRIPTION:the depot move\r\n"
)
CANCELLED = "UID:g-1215\r\nDTSTART;VALUE=DATE:20271215\r\nSTATUS:CANCELLED\r\nDESCRIPTION:the Christmas break\r\n"
UNDATED = "UID:g-oops\r\nSUMMARY:Glass\r\n"


def changes(app) -> dict[str, Change]:
    with app.app_context():
        return {c.reference: c for c in db_session().scalars(select(Change))}


def test_a_round_calendar_becomes_that_rounds_exceptions(bins_app, civic_feed_server):
    url = civic_feed_server.add("/glass.ics", ics(PLAIN, MOVED))
    app = bins_app(round_calendars={"R4": url})
    with app.app_context():
        results = {r.feed: r for r in pull_all(app)}
    glass = results["bin-calendar-r4"]
    assert (glass.outcome, glass.new, glass.skipped) == ("ingested", 1, 0)
    moved = changes(app)["2027-11-17|R4"]
    assert (moved.original_date, moved.new_date, moved.rounds, moved.reason) == (
        dt.date(2027, 11, 17),
        dt.date(2027, 11, 18),
        "R4",
        "the depot move",
    )
    with app.app_context():
        [glass_day] = [p for p in pickups(["R4"], dt.date(2027, 11, 15), dt.date(2027, 11, 21))]
    assert glass_day.day == dt.date(2027, 11, 18) and glass_day.collection.moved_from == dt.date(2027, 11, 17)


def test_a_malformed_calendar_is_reported_and_loses_nothing(bins_app, civic_feed_server):
    url = civic_feed_server.add("/glass.ics", ics(MOVED))
    app = bins_app(round_calendars={"R4": url})
    with app.app_context():
        pull_all(app)
    before = set(changes(app))

    civic_feed_server.add("/glass.ics", ics(PLAIN, UNDATED, CANCELLED))  # an event without a date
    with app.app_context():
        glass = {r.feed: r for r in pull_all(app, force=True)}["bin-calendar-r4"]
    assert (glass.outcome, glass.new, glass.skipped) == ("ingested", 1, 1)
    assert [str(i) for i in glass.issues] == ["bin-calendar-r4: record 9: event g-oops (line 9) has no date (DTSTART)"]
    cancelled = changes(app)["2027-12-15|R4"]
    assert (cancelled.new_date, cancelled.reason) == (None, "the Christmas break")
    assert before <= set(changes(app)), "what the earlier pull loaded is still there"

    civic_feed_server.add("/glass.ics", "BEGIN:VCALENDAR\r\nthis is not iCalendar\r\n")  # a bad file
    with app.app_context():
        glass = {r.feed: r for r in pull_all(app, force=True)}["bin-calendar-r4"]
    assert glass.outcome == "failed" and "Not an iCalendar file" in glass.error
    assert set(changes(app)) == before | {"2027-12-15|R4"}, "a file that cannot be read changes nothing"
