"""The plugin's name and its typed settings (the ``[plugins.planning_alerts]`` table)."""
from __future__ import annotations

from typing import cast

from pydantic import Field, model_validator

from civicapps import PluginSettings, plugin_settings

#: The entry-point name: settings table, blueprint name, table prefix and CLI group all follow from it.
NAME = "planning_alerts"


class Settings(PluginSettings):
    """How far around a point residents may look for applications."""

    default_radius_m: int = Field(800, ge=100, le=5000, description="radius used when a query gives none, in metres")
    max_radius_m: int = Field(2000, ge=100, le=20000, description="largest radius a query may ask for, in metres")

    @model_validator(mode="after")
    def _default_within_max(self) -> Settings:
        if self.default_radius_m > self.max_radius_m:
            raise ValueError(
                f"default_radius_m ({self.default_radius_m}) must not be more than max_radius_m ({self.max_radius_m})"
            )
        return self


def current_settings() -> Settings:
    """This plugin's validated settings in the current app."""
    return cast(Settings, plugin_settings(NAME))
