"""The core's "geo" plugin: postcode tables, geocoder settings, and the default ``geocode`` answer."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from flask import Flask
from pydantic import Field
from sqlalchemy import inspect, select

from civicapps.db import get_database
from civicapps.geo.geocoding import postcode_in, postcode_service
from civicapps.geo.models import LookupCache, Postcode, Street
from civicapps.geo.postcode_import import import_postcodes
from civicapps.geo.postcodes import Location
from civicapps.geo.streets import import_streets
from civicapps.i18n import gettext
from civicapps.i18n import lazy_gettext as _l
from civicapps.plugins import hookimpl
from civicapps.settings import PluginSettings
from civicapps.web.sources import DataSource

OGL = _l("Open Government Licence v3.0")
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
OS_CREDIT = "Contains OS data © Crown copyright and database right."
#: Where each ``source`` value in the postcode and street tables came from, credited as required. The
#: names and licence are translated; the credits stay as the licences word them.
SOURCES = {
    "codepoint": DataSource(
        _l("Postcodes: OS Code-Point Open"),
        OGL,
        f"{OS_CREDIT} Contains Royal Mail data © Royal Mail copyright and database right."
        " Contains National Statistics data © Crown copyright and database right.",
        "https://www.ordnancesurvey.co.uk/products/code-point-open",
    ),
    "onspd": DataSource(
        _l("Postcodes: ONS Postcode Directory"),
        OGL,
        "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
        f"{OS_CREDIT} Contains Royal Mail data © Royal Mail copyright and database right.",
        "https://geoportal.statistics.gov.uk/",
    ),
    "os-open-names": DataSource(
        _l("Streets: OS Open Names"), OGL, OS_CREDIT, "https://www.ordnancesurvey.co.uk/products/os-open-names"
    ),
    "york-open-data": DataSource(
        _l("Streets: City of York Council automatic cycle counters (York Open Data)"),
        OGL,
        "Contains public sector information licensed under the Open Government Licence v3.0. © City of York Council.",
        OGL_URL,
    ),
}


class GeoSettings(PluginSettings):
    """``[plugins.geo]``: where postcodes are looked up when the imported table does not have them."""

    postcodes_io_url: str | None = Field(
        default="https://api.postcodes.io",
        description="postcodes.io or a self-hosted copy; empty to use only the imported postcode table",
    )
    timeout_seconds: float = Field(default=10.0, gt=0, description="timeout of one postcodes.io request")
    cache_days: int = Field(default=30, ge=0, description="how long postcodes.io answers are reused")
    example_postcode: str = Field(
        default="SW1A 1AA",
        max_length=8,
        description="a postcode in the council's area, shown as a hint on search forms",
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
#: What the demo suggests a resident tries (``civicapps demo`` sets them as example_postcode/street).
DEMO_POSTCODE, DEMO_STREET = "YO1 7HH", "Clarence Street"


@hookimpl
def load_demo_data(app: Flask) -> None:
    """York city centre's postcodes and a York street list, so searches work with no network."""
    data = resources.files(__package__).joinpath("data")
    with resources.as_file(data.joinpath(DEMO_POSTCODES)) as postcodes:
        import_postcodes(app, postcodes)
    with resources.as_file(data.joinpath(DEMO_STREETS)) as streets:
        import_streets(app, streets, locality="York", source="york-open-data")


@hookimpl
def register_data_sources(app: Flask) -> list[DataSource]:
    """The postcode and street lists this instance holds, and postcodes.io when it is asked."""
    db = get_database(app)
    tables = set(inspect(db.engine).get_table_names())
    held: list[str] = []
    with db.sessionmaker() as session:
        for model in (Postcode, Street):
            if model.__tablename__ in tables:
                held += session.scalars(select(model.source).distinct()).all()
    found = [
        SOURCES.get(s)
        or DataSource(gettext("Places imported from a file (%(file)s)", file=s), gettext("as supplied"), "")
        for s in sorted(set(held))
    ]
    settings = app.extensions["civicapps"].plugin_settings["geo"]
    if settings.postcodes_io_url:
        found.append(
            DataSource(
                gettext("Postcode look-ups: postcodes.io"),
                OGL,
                f"{OS_CREDIT} Contains Royal Mail data © Royal Mail copyright and database right."
                " Contains National Statistics data © Crown copyright and database right.",
                settings.postcodes_io_url,
            )
        )
    return found
