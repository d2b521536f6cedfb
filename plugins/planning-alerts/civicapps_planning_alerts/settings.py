"""The plugin's name and its typed settings (the ``[plugins.planning_alerts]`` table)."""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civicapps import PluginSettings, plugin_settings

#: The entry-point name: settings table, blueprint name, table prefix and CLI group all follow from it.
NAME = "planning_alerts"
#: The radii residents are offered first (PlanningAlerts' street, neighbourhood and suburb).
RADIUS_PRESETS = (200, 800, 2000)


class PresetFeed(BaseModel):
    """One council feed in a known shape: ``[plugins.planning_alerts.feeds.<name>]``.

    ``preset`` picks the shape (see :mod:`civicapps_planning_alerts.presets`); ``mapping``,
    ``location`` and ``options`` override single entries of the preset's, for a council whose
    columns differ a little. Everything else means what it means in a ``[feeds.<name>]`` table.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: str
    url: str
    authority: str | None = None
    format: str | None = Field(default=None, description="for presets offered in several formats")
    crs: str | None = Field(default=None, description="CRS of x/y coordinates (default EPSG:27700)")
    interval: Any = "1d"
    failing_after: Any = None
    enabled: bool = True
    mapping: dict[str, Any] = Field(default_factory=dict)
    location: dict[str, Any] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)


class Settings(PluginSettings):
    """Radius bounds, the map, and the council feeds configured through presets."""

    default_radius_m: int = Field(800, ge=50, le=20000, description="radius of a search that gives none, in metres")
    min_radius_m: int = Field(100, ge=10, le=20000, description="smallest radius residents may choose, in metres")
    max_radius_m: int = Field(5000, ge=50, le=100000, description="largest radius residents may choose, in metres")
    page_size: int = Field(50, ge=5, le=500, description="applications per page and per API page")
    tile_url: str = Field(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png", description="map tiles (an https URL template)"
    )
    tile_attribution: str = Field("© OpenStreetMap contributors", description="credit shown on the map")
    quiet_days: int = Field(14, ge=1, description="a feed with no new application for this long is flagged to staff")
    feeds: dict[str, PresetFeed] = Field(default_factory=dict, description="council feeds in a preset shape")

    @model_validator(mode="after")
    def _bounds(self) -> Settings:
        if not self.min_radius_m <= self.default_radius_m <= self.max_radius_m:
            raise ValueError(
                f"default_radius_m ({self.default_radius_m}) must be between min_radius_m ({self.min_radius_m})"
                f" and max_radius_m ({self.max_radius_m})"
            )
        return self

    @property
    def presets(self) -> tuple[int, ...]:
        """The preset radii that fit within this deployment's bounds."""
        return tuple(r for r in RADIUS_PRESETS if self.min_radius_m <= r <= self.max_radius_m)


def current_settings() -> Settings:
    """This plugin's validated settings in the current app."""
    return cast(Settings, plugin_settings(NAME))
