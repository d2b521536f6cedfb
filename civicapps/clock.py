"""UTC time: the one clock (:func:`utcnow`) and the one column type for moments (:class:`UTCDateTime`).

SQLite stores a ``DateTime(timezone=True)`` as text without its offset and hands back a naive
datetime; PostgreSQL hands back an aware one in the session's time zone. Code that read such a
column had to patch ``tzinfo`` back on, and did so in a handful of places. A column of
:class:`UTCDateTime` does it once, in the type, so every value read is an aware UTC datetime on
either database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Now, as an aware UTC datetime: the time every stored moment is compared with."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time, stored in UTC, always read back as an aware UTC datetime.

    Use it for every timestamp column instead of ``DateTime(timezone=True)`` (it is stored as one,
    so swapping it in needs no migration)::

        from civicapps import Model, UTCDateTime, utcnow

        class Notice(Model):
            __tablename__ = "notice_board_notice"
            id: Mapped[int] = mapped_column(primary_key=True)
            posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    Writing a naive datetime raises ``ValueError`` rather than guessing: a naive value is as likely
    local time (``datetime.now()``, a parsed form field) as UTC, and storing it as UTC would shift it
    by an hour every British summer without anyone noticing. Aware values in any zone are converted
    to UTC before they are stored, so SQLite (which drops the offset) keeps the right moment.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"A UTCDateTime column takes a datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"A naive datetime ({value.isoformat()}) cannot be stored: give it a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite: stored in UTC, read back without the offset
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
