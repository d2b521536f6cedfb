"""The collection-date engine: rounds and exceptions in, dated collections out.

Pure functions on plain values (no database, no clock), so a council's calendar can be checked
against a hand-written one. A round collects on one weekday every 1, 2 or 4 weeks; which weeks is
fixed either by a reference date (any day it collects) or by a week letter counted from the
council's week A. Exceptions move one date of some rounds (or all) to another date, or cancel it.
Collections are dates, so clock changes never move them; only a reminder's instant depends on the
time zone (:func:`reminder_at`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
WEEK = dt.timedelta(days=7)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: How councils write a round's frequency, to weeks between collections.
FREQUENCIES = {
    "weekly": 1,
    "every week": 1,
    "1": 1,
    "fortnightly": 2,
    "every 2 weeks": 2,
    "every two weeks": 2,
    "alternate weeks": 2,
    "2": 2,
    "4-weekly": 4,
    "4 weekly": 4,
    "four-weekly": 4,
    "four weekly": 4,
    "every 4 weeks": 4,
    "every four weeks": 4,
    "4": 4,
}
WEEK_LETTERS = "ABCD"
ALL_ROUNDS = "all"


def parse_weekday(text: str) -> int:
    """Monday is 0; accepts "Monday", "mon", "MON"; a ValueError names what was expected."""
    word = text.strip().lower()
    for number, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return number
    raise ValueError(f"weekday {text!r} is not a day of the week (Monday to Sunday)")


def parse_frequency(text: str) -> int:
    """Weeks between collections: 1, 2 or 4."""
    weeks = FREQUENCIES.get(" ".join(text.strip().lower().split()))
    if weeks is None:
        raise ValueError(f"frequency {text!r} is not weekly, fortnightly or every 4 weeks")
    return weeks


def parse_rounds(text: str) -> frozenset[str] | None:
    """Round ids in one cell ("R1; R2", "R1,R2", "R1 R2"); None for "all"."""
    ids = frozenset(part for part in text.replace(",", " ").replace(";", " ").split() if part)
    return None if {i.lower() for i in ids} == {ALL_ROUNDS} else ids


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class RoundRule:
    """When one round collects: ``weekday`` (Monday 0), every ``every_weeks`` weeks, in the weeks
    a whole number of periods from the week starting ``anchor`` (a Monday)."""

    round_id: str
    weekday: int
    every_weeks: int
    anchor: dt.date

    @classmethod
    def build(
        cls,
        round_id: str,
        weekday: str,
        frequency: str,
        reference_date: dt.date | None,
        week: str | None,
        week_a_starts: dt.date,
    ) -> RoundRule:
        """A rule from a round as councils publish it; a ValueError says what is wrong with it."""
        day = parse_weekday(weekday)
        every = parse_frequency(frequency)
        if reference_date is not None:
            if reference_date.weekday() != day:
                raise ValueError(
                    f"reference date {reference_date.isoformat()} is a {reference_date:%A}, "
                    f"but the round collects on {WEEKDAYS[day].title()}"
                )
            return cls(round_id, day, every, monday_of(reference_date))
        letter = (week or "").strip().upper()
        if not letter:
            if every == 1:
                return cls(round_id, day, every, monday_of(week_a_starts))
            raise ValueError("a round collected less often than weekly needs a reference date or a week (A or B)")
        if len(letter) != 1 or letter not in WEEK_LETTERS[:every]:
            raise ValueError(f"week {week!r} is not one of {', '.join(WEEK_LETTERS[:every])} for this frequency")
        return cls(round_id, day, every, monday_of(week_a_starts) + WEEK * WEEK_LETTERS.index(letter))

    def dates(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        """The round's usual collection dates from ``start`` to ``end``, inclusive."""
        first = self.anchor + dt.timedelta(days=self.weekday)
        period = WEEK * self.every_weeks
        steps = -((first - start) // period)  # periods from first to the first date on or after start
        day = first + period * steps
        while day <= end:
            yield day
            day += period


@dataclass(frozen=True)
class Change:
    """An exception: collections of ``rounds`` (None: every round) due on ``original`` happen on
    ``new`` instead, or not at all when ``new`` is None; ``reason`` is said to residents."""

    original: dt.date
    new: dt.date | None
    rounds: frozenset[str] | None
    reason: str = ""

    def applies_to(self, round_id: str) -> bool:
        return self.rounds is None or round_id in self.rounds


@dataclass(frozen=True)
class Collection:
    """One collection of one round: its date, and the date and reason it moved from, if it did."""

    round_id: str
    day: dt.date
    moved_from: dt.date | None = None
    reason: str = ""


#: A change moves a date by at most this much, so looking this far beyond a range finds every
#: collection moved into it.
MAX_SHIFT = dt.timedelta(days=28)


def collections(
    rules: Iterable[RoundRule], changes: Iterable[Change], start: dt.date, end: dt.date
) -> list[Collection]:
    """Every collection from ``start`` to ``end`` inclusive, exceptions applied, by date then round.

    A change for a date the round does not collect on is ignored here (the data check reports it).
    """
    by_date: dict[dt.date, list[Change]] = {}
    for change in changes:
        by_date.setdefault(change.original, []).append(change)
    found = []
    for rule in rules:
        for day in rule.dates(start - MAX_SHIFT, end + MAX_SHIFT):
            change = next((c for c in by_date.get(day, ()) if c.applies_to(rule.round_id)), None)
            if change is None:
                found.append(Collection(rule.round_id, day))
            elif change.new is not None:
                found.append(Collection(rule.round_id, change.new, day, change.reason))
    return sorted((c for c in found if start <= c.day <= end), key=lambda c: (c.day, c.round_id))


def reminder_at(day: dt.date, at: dt.time) -> dt.datetime:
    """The UTC instant of the reminder for a collection on ``day``: ``at`` London time the evening
    before (18:00 is 18:00 UTC in winter and 17:00 UTC in summer)."""
    local = dt.datetime.combine(day - dt.timedelta(days=1), at, tzinfo=LONDON)
    return local.astimezone(dt.UTC)


def london_today(now: dt.datetime) -> dt.date:
    """The date in London at the aware instant ``now``."""
    return now.astimezone(LONDON).date()
