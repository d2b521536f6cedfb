"""Dates in words, through the catalogue (not the C library's locale), for pages and messages."""

from __future__ import annotations

import datetime as dt

from civicapps import gettext, lazy_gettext

WEEKDAY_NAMES = (
    lazy_gettext("Monday"),
    lazy_gettext("Tuesday"),
    lazy_gettext("Wednesday"),
    lazy_gettext("Thursday"),
    lazy_gettext("Friday"),
    lazy_gettext("Saturday"),
    lazy_gettext("Sunday"),
)
MONTH_NAMES = (
    lazy_gettext("January"),
    lazy_gettext("February"),
    lazy_gettext("March"),
    lazy_gettext("April"),
    lazy_gettext("May"),
    lazy_gettext("June"),
    lazy_gettext("July"),
    lazy_gettext("August"),
    lazy_gettext("September"),
    lazy_gettext("October"),
    lazy_gettext("November"),
    lazy_gettext("December"),
)


def weekday_name(day: dt.date) -> str:
    return str(WEEKDAY_NAMES[day.weekday()])


def day_words(day: dt.date) -> str:
    """ "Monday 29 March"."""
    return gettext(
        "%(weekday)s %(day)s %(month)s", weekday=weekday_name(day), day=day.day, month=str(MONTH_NAMES[day.month - 1])
    )


def moved_words(moved_from: dt.date, day: dt.date, reason: str) -> str:
    """ "Moved from Monday 29 March to Tuesday 30 March because of Easter Monday"."""
    return gettext(
        "Moved from %(old)s to %(new)s because of %(reason)s",
        old=day_words(moved_from),
        new=day_words(day),
        reason=reason or gettext("a bank holiday"),
    )
