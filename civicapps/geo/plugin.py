"""The core's "geo" plugin: postcode tables, geocoder settings, and the default ``geocode`` answer."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from flask import Flask
from pydantic import Field

from civicapps.geo.geocoding import postcode_in, postcode_service
from civicapps.geo.models import LookupCache, Postcode, Street
from civicapps.geo.postcode_import import import_postcodes
from civicapps.geo.postcodes import Location
from civicapps.geo.streets import import_streets
from civicapps.plugins import hookimpl
from civicapps.settings import PluginSettings


class GeoSettings(PluginSettings):
    """``[plugins.geo]``: where postcodes are looked up when the imported table does not have them."""

    postcodes_io_url: str | None = Field(
        default="https://api.postcodes.io",
        description="postcodes.io or a self-hosted copy; empty to use only the imported postcode table",
    )
    timeout_seconds: float = Field(default=10.0, gt=0, description="timeout of one postcodes.io request")
    cache_days: int = Field(default=30, ge=0, description="how long postcodes.io answers are reused")
    example_postcode: str = Field(
        default="SW1A 1AA", max_length=8, description="a postcode in the council's area, shown as a hint on search forms"
    )
    example_street: str = Field(
        default="", max_length=100, description="a street in the council's area, shown as a hint on search forms"
    )


@hookimpl
def register_settings() -> type[PluginSettings]:
    return GeoSettings


@hookimpl
def register_models() -> list[type]:
    return [Postcode, LookupCache, Street]


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).with_name("migrations")


@hookimpl(trylast=True)
def geocode(app: Flask, query: str) -> Location | None:
    """A postcode, or the postcode at the end of an address: imported table, cache, then postcodes.io."""
    postcode = postcode_in(query)
    if postcode is None:
        return None
    return postcode_service(app).lookup([postcode])[postcode].location


#: The demo's place: York city centre (see ``data/README.md`` for where each file comes from).
DEMO_POSTCODES = "york-city-centre-postcodes.csv"
DEMO_STREETS = "york-streets.csv"


@hookimpl
def load_demo_data(app: Flask) -> None:
    """York city centre's postcodes and a York street list, so searches work with no network."""
    data = resources.files(__package__).joinpath("data")
    with resources.as_file(data.joinpath(DEMO_POSTCODES)) as postcodes:
        import_postcodes(app, postcodes)
    with resources.as_file(data.joinpath(DEMO_STREETS)) as streets:
        import_streets(app, streets, locality="York")
