"""The plugin's name and its typed settings (the ``[plugins.bin_collections]`` table)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from pydantic import Field, field_validator

from civicapps import PluginSettings, plugin_settings

#: The entry-point name: settings table, blueprint name, table prefix and CLI group all follow from it.
NAME = "bin_collections"


class Settings(PluginSettings):
    """When reminders go out, which week is week A, and how far ahead residents see."""

    reminder_time: dt.time = Field(
        dt.time(18, 0), description="local time (Europe/London) of the reminder on the evening before a collection"
    )
    week_a_starts: dt.date = Field(
        dt.date(2027, 1, 4), description="a Monday of a week A: rounds given as week A or B count from it"
    )
    weeks_shown: int = Field(8, ge=1, le=26, description="weeks of collections listed on a resident's page")
    authority: str = Field(
        "council", min_length=1, max_length=200, description="the council, as its records' authority"
    )
    rounds_url: str | None = Field(None, description="rounds CSV in the standard shape (see the README)")
    addresses_url: str | None = Field(None, description="addresses CSV (uprn, address, postcode, rounds)")
    exceptions_url: str | None = Field(None, description="exceptions CSV (original_date, new_date, rounds, reason)")
    round_calendars: dict[str, str] = Field(
        default_factory=dict,
        description="round id -> URL of the round's iCalendar (.ics) feed, read for moved and cancelled collections",
    )
    pull_every_hours: int = Field(24, ge=1, le=24 * 7, description="how often the standard feeds are pulled")
    calendar_weeks: int = Field(
        52, ge=4, le=104, description="weeks of collections in the printable and .ics calendars"
    )

    @field_validator("week_a_starts")
    @classmethod
    def _monday(cls, value: dt.date) -> dt.date:
        if value.weekday() != 0:
            raise ValueError(f"{value.isoformat()} is a {value:%A}; week A must start on a Monday")
        return value


def current_settings() -> Settings:
    """This plugin's validated settings in the current app."""
    return cast(Settings, plugin_settings(NAME))
