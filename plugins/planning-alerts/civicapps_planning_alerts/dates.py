"""Dates and times as residents read them: in the page's language (Babel) and in UK time (Europe/London).

Timestamps are stored in UTC; an application first seen at 00:30 BST on 2 June was seen on 2 June in
the UK, not on 1 June, so datetimes are moved to Europe/London before their date is taken.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from flask_babel import get_locale

from civicapps import gettext

UK = ZoneInfo("Europe/London")


def uk_date(value: date | datetime | None) -> str:
    """"5 June 2026" ("5 Mehefin 2026" in Welsh); "not known" for a missing date."""
    if value is None:
        return gettext("not known")
    if isinstance(value, datetime):
        value = value.astimezone(UK).date()
    return format_date(value, "d MMMM y", locale=get_locale())


def uk_time(value: datetime) -> str:
    """"5 Jun 2026 14:03" in UK time, for staff tables."""
    return format_datetime(value, "d MMM y HH:mm", tzinfo=UK, locale=get_locale())
