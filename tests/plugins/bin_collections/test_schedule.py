"""The collection-date engine against a calendar written without it (fixtures/README.md)."""

from __future__ import annotations

import csv
import datetime as dt

import icalendar
import pytest
from civicapps_bin_collections.ics import calendar
from civicapps_bin_collections.schedule import Change, RoundRule, collections, reminder_at
from civicapps_bin_collections.store import Pickup

from .conftest import FIXTURES, PLUGIN, WEEK_A, fixture_changes, fixture_rules

YEAR = (dt.date(2027, 1, 1), dt.date(2027, 12, 31))


def expected_calendar() -> list[dict[str, str]]:
    with (FIXTURES / "calendar_2027.csv").open() as f:
        return list(csv.DictReader(f))


def test_a_year_of_fortnightly_and_four_weekly_rounds_matches_the_hand_written_calendar():
    got = collections(fixture_rules(), fixture_changes(), *YEAR)
    want = expected_calendar()
    assert [(c.round_id, c.day.isoformat(), c.moved_from.isoformat() if c.moved_from else "") for c in got] == [
        (w["round"], w["date"], w["moved_from"]) for w in want
    ]
    moved = {c.day: c.reason for c in got if c.moved_from}
    assert moved[dt.date(2027, 3, 30)] == "Easter Monday"
    assert dt.date(2027, 12, 15) not in {c.day for c in got}, "a cancelled collection is not listed"


def test_reminders_are_at_six_pm_london_time_across_both_clock_changes():
    got = collections(fixture_rules(), fixture_changes(), *YEAR)
    stamps = [reminder_at(c.day, dt.time(18)).strftime("%Y-%m-%dT%H:%MZ") for c in got]
    assert stamps == [w["reminder_utc"] for w in expected_calendar()]
    assert {s[11:] for s in stamps} == {"17:00Z", "18:00Z"}


def test_a_change_for_a_date_the_round_does_not_collect_on_moves_nothing():
    new_year = Change(dt.date(2027, 1, 1), dt.date(2027, 1, 2), None, "New Year's Day")
    assert collections(fixture_rules(), [new_year], *YEAR) == collections(fixture_rules(), [], *YEAR)


@pytest.mark.parametrize(
    ("weekday", "frequency", "reference", "week", "message"),
    [
        ("Mondy", "weekly", None, None, "weekday 'Mondy' is not a day of the week"),
        ("Monday", "monthly", None, None, "frequency 'monthly' is not weekly, fortnightly or every 4 weeks"),
        ("Monday", "fortnightly", None, None, "needs a reference date or a week"),
        ("Monday", "fortnightly", None, "C", "week 'C' is not one of A, B"),
        ("Monday", "fortnightly", dt.date(2027, 1, 5), None, "is a Tuesday, but the round collects on Monday"),
    ],
)
def test_a_round_the_engine_cannot_place_says_why(weekday, frequency, reference, week, message):
    with pytest.raises(ValueError, match=message):
        RoundRule.build("R9", weekday, frequency, reference, week, WEEK_A)


def test_the_ics_calendar_round_trips_the_dates(civic_app_factory):
    app = civic_app_factory(plugins=[PLUGIN])
    got = collections(fixture_rules(), fixture_changes(), *YEAR)
    bins = {"R1": "General waste", "R2": "Recycling", "R3": "Garden waste", "R4": "Glass"}
    with app.test_request_context():
        pickups = [Pickup(c, _Round(c.round_id, bins[c.round_id])) for c in got]
        body = calendar("Bin collections", "100", pickups, dt.datetime(2026, 12, 6, tzinfo=dt.UTC))
    parsed = icalendar.Calendar.from_ical(body)
    events = list(parsed.walk("VEVENT"))
    assert [(e["summary"], e.decoded("dtstart")) for e in events] == [
        (f"{bins[c.round_id]} collection", c.day) for c in got
    ]
    assert all(e.decoded("dtend") - e.decoded("dtstart") == dt.timedelta(days=1) for e in events)
    assert not any(isinstance(e.decoded("dtstart"), dt.datetime) for e in events), "all-day: no time zone to shift"
    easter = next(e for e in events if e.decoded("dtstart") == dt.date(2027, 3, 30))
    assert str(easter["description"]) == "Moved from Monday 29 March to Tuesday 30 March because of Easter Monday"
    assert len({str(e["uid"]) for e in events}) == len(events)


class _Round:
    """A round as the calendar reads it (id and bin), without the database."""

    def __init__(self, reference: str, bin: str):
        self.reference, self.bin = reference, bin
