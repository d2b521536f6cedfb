"""Dates as residents read them: in the page's language (Babel, through Flask-Babel) and on UK time.

Times are stored in UTC; a group archived at 00:30 on a summer morning was archived that day in the UK,
not the evening before, so datetimes are moved to Europe/London before their day is taken.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import format_date

LONDON = ZoneInfo("Europe/London")


def local_date(value: date | datetime) -> str:
    """``6 December 2026`` (``6 Rhagfyr 2026`` in Welsh): the UK day of ``value``, spelt out in the page's language.

    A naive datetime is UTC (SQLite returns them without a zone).
    """
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(LONDON).date()
    return format_date(value, "d MMMM y")
