"""The search page's two date filters as GOV.UK date inputs: a day, a month and a year each, read into the
ISO date the JSON API takes, or refused with GOV.UK's error message saying what is wrong and where.

The page's form sends ``from-day``, ``from-month`` and ``from-year`` (and the same for ``to``). A link may
give ``from=2024-05-08`` instead, as the API takes it: the page reads that date and fills the three fields
with it. Either way what reaches :class:`~civicapps_dataset_apps.queries.Search` is the ISO ``from`` and
``to`` (or nothing, for a refused date), so the page filters exactly as the API does; this module only turns
what a resident typed into that, and says what to correct when it cannot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from pydantic import TypeAdapter, ValidationError

from civicapps import gettext

#: A date input's fields, in the order GOV.UK shows them (and the error summary links to the first wrong one).
PARTS = ("day", "month", "year")
#: The API's own reading of ``from`` and ``to`` (pydantic's), so that a link the API accepts the page does too.
ISO_DATE: TypeAdapter[dt.date] = TypeAdapter(dt.date)
_MONTHS = [
    ("january", "ionawr"),
    ("february", "chwefror"),
    ("march", "mawrth"),
    ("april", "ebrill"),
    ("may", "mai"),
    ("june", "mehefin"),
    ("july", "gorffennaf"),
    ("august", "awst"),
    ("september", "medi"),
    ("october", "hydref"),
    ("november", "tachwedd"),
    ("december", "rhagfyr"),
]
#: Months as words, which GOV.UK asks services to accept: English in full or shortened to three letters,
#: Welsh in full.
MONTH_NAMES = {
    name: number for number, (english, welsh) in enumerate(_MONTHS, start=1) for name in (english, english[:3], welsh)
}


@dataclass(frozen=True)
class DateFilter:
    """One date filter as the page shows it again: what is in its three fields, the date they make, or
    what is wrong with them and which fields to correct (``wrong``, all three when it is the whole date)."""

    name: str
    day: str = ""
    month: str = ""
    year: str = ""
    date: dt.date | None = None
    error: str | None = None
    wrong: tuple[str, ...] = ()

    @property
    def iso(self) -> str:
        """The date as the API's ``from``/``to`` take it; empty (no filter) when there is none."""
        return self.date.isoformat() if self.date else ""

    @property
    def anchor(self) -> str:
        """The id the error summary links to: the first field to correct."""
        return f"{self.name}-{(self.wrong or PARTS)[0]}"


def read_dates(args: Mapping[str, str]) -> tuple[DateFilter, DateFilter]:
    """The page's ``from`` and ``to`` filters from its query string; ``to`` is refused when it is before
    ``from`` (each is read first, so a resident hears about an impossible date before an order)."""
    start, end = read_date(args, "from"), read_date(args, "to")
    if start.date and end.date and end.date < start.date:
        end = replace(end, date=None, error=gettext("Date to must be the same as or after date from"), wrong=PARTS)
    return start, end


def read_date(args: Mapping[str, str], name: str) -> DateFilter:
    """Filter ``name`` from its three fields or, when all three are empty, from the ISO date a link gives.

    The checks, their order and the fields they mark are GOV.UK's: a missing part first, then a day or month
    that cannot be one, then a year without 4 numbers, then a date that does not exist (31 February: no one
    part is to blame). A problem with one part marks that field, with more than one the whole date.
    """
    typed = {part: args.get(f"{name}-{part}", "").strip() for part in PARTS}
    if not any(typed.values()):
        return _from_link(name, args.get(name, "").strip())
    shown = DateFilter(name, typed["day"], typed["month"], typed["year"])
    missing = tuple(part for part in PARTS if not typed[part])
    if missing:
        return replace(shown, error=_incomplete(name, missing), wrong=_marked(missing))
    read = {
        "day": _number(typed["day"], 31),
        "month": _number(typed["month"], 12) or MONTH_NAMES.get(typed["month"].lower()),
        "year": _number(typed["year"], 9999),
    }
    numbers = {part: number for part, number in read.items() if number is not None}
    unreal = tuple(part for part in PARTS if part not in numbers)
    if unreal:
        return replace(shown, error=_unreal(name), wrong=_marked(unreal))
    if len(typed["year"]) != 4:
        return replace(shown, error=_short_year(name), wrong=("year",))
    try:
        return replace(shown, date=dt.date(numbers["year"], numbers["month"], numbers["day"]))
    except ValueError:
        return replace(shown, error=_unreal(name), wrong=PARTS)


def _from_link(name: str, iso: str) -> DateFilter:
    """The filter from ``from=2024-05-08``, its three fields filled in; refused as the whole date if unreal."""
    if not iso:
        return DateFilter(name)
    try:
        date = ISO_DATE.validate_python(iso)
    except ValidationError:
        return DateFilter(name, error=_unreal(name), wrong=PARTS)
    return DateFilter(name, str(date.day), str(date.month), str(date.year), date)


def _marked(parts: tuple[str, ...]) -> tuple[str, ...]:
    """The fields to mark for a problem with ``parts``: the one part, or the whole date when it is more than one."""
    return parts if len(parts) == 1 else PARTS


def _number(text: str, highest: int) -> int | None:
    """``text`` as a whole number from 1 to ``highest`` (leading zeros allowed), or None."""
    return int(text) if text.isascii() and text.isdigit() and 1 <= int(text) <= highest else None


def _incomplete(name: str, missing: tuple[str, ...]) -> str:
    words = {
        ("day",): gettext("day"),
        ("month",): gettext("month"),
        ("year",): gettext("year"),
        ("day", "month"): gettext("day and month"),
        ("day", "year"): gettext("day and year"),
        ("month", "year"): gettext("month and year"),
    }[missing]
    if name == "from":
        # Translators: %(missing)s is "day", "month", "year", "day and month", "day and year" or "month and year".
        return gettext("Date from must include a %(missing)s", missing=words)
    # Translators: %(missing)s is "day", "month", "year", "day and month", "day and year" or "month and year".
    return gettext("Date to must include a %(missing)s", missing=words)


def _unreal(name: str) -> str:
    return gettext("Date from must be a real date") if name == "from" else gettext("Date to must be a real date")


def _short_year(name: str) -> str:
    if name == "from":
        return gettext("Date from must include a year with 4 numbers")
    return gettext("Date to must include a year with 4 numbers")
