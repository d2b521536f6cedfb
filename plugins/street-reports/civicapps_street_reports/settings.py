"""The plugin's name and its typed settings (the ``[plugins.street_reports]`` table)."""

from __future__ import annotations

from typing import cast

from pydantic import Field, SecretStr

from civicapps import PluginSettings, plugin_settings

#: The entry-point name: settings table, blueprint name, table prefix, topic and job prefix follow from it.
NAME = "street_reports"


class Settings(PluginSettings):
    """What a council tunes: the map, limits on residents' submissions, and Open311 access."""

    tile_url: str = Field(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="map tiles for Leaflet; any https XYZ template (the council's own tile server, OS Maps API...)",
    )
    tile_attribution: str = Field(
        "© OpenStreetMap contributors", description="credit shown on the map, as the tile licence asks"
    )
    map_centre: tuple[float, float] | None = Field(
        None,
        description="latitude, longitude the map opens on with no place yet (default: the middle of the areas)",
    )
    max_photos: int = Field(3, ge=0, le=10, description="photos per report or update")
    max_photo_bytes: int = Field(
        8 * 1024 * 1024, ge=100_000, le=20 * 1024 * 1024, description="largest photo upload, in bytes"
    )
    max_photo_pixels: int = Field(
        40_000_000, ge=1_000_000, le=200_000_000, description="largest image size in pixels (decompression-bomb limit)"
    )
    photo_max_side: int = Field(2048, ge=320, le=8000, description="photos are resized to fit this many pixels")
    reports_per_address_per_hour: int = Field(
        10, ge=1, le=10_000, description="reports and updates one client address may submit per hour"
    )
    duplicate_radius_m: int = Field(250, ge=10, le=2000, description="how far to look for possible duplicates")
    nearby_places_radius_m: int = Field(500, ge=50, le=5000, description="streets and places offered near a postcode")
    open311_api_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="keys for apps that POST reports to our Open311 server: {client name: key}",
    )
    open311_jurisdiction_id: str | None = Field(
        None, description="our Open311 jurisdiction_id (optional: requests without one are accepted)"
    )
    open311_contact: str = Field(
        "Contact the council's customer services.", description="discovery contact text for Open311 developers"
    )
    open311_key_service: str = Field(
        "Ask the council for an API key.", description="discovery text: how developers get an Open311 API key"
    )
    staff_summary_channel: str | None = Field(
        None, description="channel kind for the daily send-failure summary to staff, e.g. 'email' or 'apprise'"
    )
    staff_summary_target: SecretStr | None = Field(
        None, description="where the daily send-failure summary goes (an address, or an apprise URL)"
    )


#: Where the map opens when neither map_centre nor any area says: the middle of Great Britain.
FALLBACK_CENTRE = (54.0, -2.0)


def current_settings() -> Settings:
    """This plugin's validated settings in the current app."""
    return cast(Settings, plugin_settings(NAME))
