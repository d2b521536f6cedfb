"""Dates in words for pages and messages, in the current language (a page's, or under the core's
``force_locale`` a subscriber's): weekday and month names come from Babel's locale data, not from
our catalogue nor the C library's locale, so every language Babel knows names them correctly."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_date

from civicapps import gettext


def day_words(day: dt.date) -> str:
    """ "Monday 29 March" ("Dydd Llun 29 Mawrth" in Welsh)."""
    return format_date(day, "EEEE d MMMM")


def moved_words(moved_from: dt.date, day: dt.date, reason: str) -> str:
    """ "Moved from Monday 29 March to Tuesday 30 March because of Easter Monday"."""
    return gettext(
        "Moved from %(old)s to %(new)s because of %(reason)s",
        old=day_words(moved_from),
        new=day_words(day),
        reason=reason or gettext("a bank holiday"),
    )
