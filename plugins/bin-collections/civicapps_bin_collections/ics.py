"""An address's collections as an iCalendar (RFC 5545) feed, for phone and desktop calendars.

Each collection is an all-day event (``DTSTART;VALUE=DATE``), so calendars show it on the right day
wherever and whenever they are, with no time zone to get wrong across the clock changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from icalendar import Calendar, Event

from civicapps import gettext
from civicapps_bin_collections.store import Pickup
from civicapps_bin_collections.words import moved_words


def calendar(name: str, uid_base: str, pickups: Iterable[Pickup], stamp: dt.datetime) -> bytes:
    """The iCalendar document for one address: one all-day event per bin per collection."""
    cal = Calendar()
    cal.add("prodid", "-//civicapps//bin collections//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for pickup in pickups:
        event = Event()
        event.add("uid", f"{uid_base}-{pickup.round.reference}-{pickup.day.isoformat()}")
        event.add("dtstamp", stamp)
        event.add("dtstart", pickup.day)
        event.add("dtend", pickup.day + dt.timedelta(days=1))
        event.add("summary", gettext("%(bin)s collection", bin=pickup.round.bin))
        moved = pickup.collection.moved_from
        if moved is not None:
            event.add("description", moved_words(moved, pickup.day, pickup.collection.reason))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
