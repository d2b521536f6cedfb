"""Reading a council's per-round iCalendar feed as exceptions for that round.

Some councils publish one ``.ics`` file per round. Its plain events are the round's usual
collections, which the round's rule already gives, so they are read only to be checked; what the
file adds are the changes, written the iCalendar way:

- an event with a ``RECURRENCE-ID`` moves the collection due that day to the event's ``DTSTART``
  (or cancels it when the event's ``STATUS`` is ``CANCELLED``);
- a plain event whose ``STATUS`` is ``CANCELLED`` cancels the collection on its ``DTSTART``.

Each becomes a row of the ``bin_collections.change`` dataset for the feed's round (option
``round``), checked like a CSV row; the event's ``DESCRIPTION`` is the reason residents are
told. A file that is not iCalendar fails the pull (the stored exceptions stay as they were); an
event without a date is reported by its line and skipped, and the rest are loaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import icalendar

from civicapps import RawRecord, Reader, ReaderError

FORMAT = "bin_collections_ics"


class RoundCalendarReader(Reader):
    """``format = "bin_collections_ics"``: one round's iCalendar file, as that round's exceptions."""

    format = FORMAT
    options = {"round": "the round id the file is for (its events carry no round)"}

    def parse(self, data: bytes, options: Mapping[str, Any]) -> Iterator[RawRecord]:
        round_id = str(options.get("round") or "").strip()
        if not round_id:
            raise ReaderError("A round's iCalendar feed needs options.round, the round id the file is for.")
        try:
            text = data.decode("utf-8-sig")
            calendar = icalendar.Calendar.from_ical(text)
        except (UnicodeDecodeError, ValueError) as exc:
            raise ReaderError(f"Not an iCalendar file: {exc}") from None
        if calendar.name != "VCALENDAR":
            raise ReaderError(f"Not an iCalendar file: it starts with BEGIN:{calendar.name}, not BEGIN:VCALENDAR.")
        lines = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip().upper() == "BEGIN:VEVENT"]
        for line, event in zip(lines, calendar.walk("VEVENT"), strict=False):
            record = _record(line, event, round_id)
            if record is not None:
                yield record


def _record(line: int, event: icalendar.cal.Component, round_id: str) -> RawRecord | None:
    """The exception an event says, a problem for an event without a date, or None for a plain collection."""
    uid = str(event.get("UID", "")) or "without a UID"
    start = _day(event.get("DTSTART"))
    moved_from = _day(event.get("RECURRENCE-ID"))
    cancelled = str(event.get("STATUS", "")).upper() == "CANCELLED"
    if start is None and not (moved_from and cancelled):
        return RawRecord(line, {}, problem=f"event {uid} (line {line}) has no date (DTSTART)")
    if moved_from is None and not cancelled:
        return None
    original = moved_from or start
    assert original is not None
    return RawRecord(
        line,
        {
            "original_date": original.isoformat(),
            "new_date": "" if cancelled else start.isoformat() if start else "",
            "rounds": round_id,
            "reason": str(event.get("DESCRIPTION") or ""),
        },
    )


def _day(prop: Any) -> dt.date | None:
    """The date of a DTSTART or RECURRENCE-ID (a date, or a date-time's local date), or None."""
    value = getattr(prop, "dt", None)
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None
