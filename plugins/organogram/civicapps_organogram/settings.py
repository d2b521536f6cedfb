"""The plugin's name and its typed settings (the ``[plugins.organogram]`` table)."""

from __future__ import annotations

from typing import cast

from pydantic import Field

from civicapps import PluginSettings, plugin_settings

#: The entry-point name: settings table, blueprint name, table prefix and CLI group all follow from it.
NAME = "organogram"


class Settings(PluginSettings):
    """How long emailed links last and how often one address may register groups."""

    link_max_age_minutes: int = Field(
        60, ge=5, le=7 * 24 * 60, description="how long a sign-in or confirmation link works"
    )
    invitation_days: int = Field(14, ge=1, le=365, description="how long an invitation link or code works")
    registrations_per_hour: int = Field(
        3, ge=1, le=1000, description="group registrations allowed per client address per hour"
    )


def current_settings() -> Settings:
    """This plugin's validated settings in the current app."""
    return cast(Settings, plugin_settings(NAME))
