"""civicapps-planning-alerts: planning applications near you, and alerts when new ones appear.

Council feeds (configured with presets, see :mod:`.presets`) fill the core dataset
``planning_alerts.application``; residents search by postcode, follow applications and subscribe to
alerts through the core notify layer (topics in :mod:`.topics`); staff see each council's feed health.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click
from flask import Blueprint, Flask, url_for
from sqlalchemy import select

from civicapps import (
    Actor,
    Dataset,
    DataSource,
    Feed,
    Link,
    Model,
    Reader,
    Topic,
    db_session,
    gettext,
    hookimpl,
    plugin_settings,
)
from civicapps_planning_alerts import demo
from civicapps_planning_alerts.cli import commands
from civicapps_planning_alerts.models import APPLICATIONS, Application
from civicapps_planning_alerts.presets import preset_feeds
from civicapps_planning_alerts.readers import PlanningDataReader
from civicapps_planning_alerts.settings import NAME, Settings
from civicapps_planning_alerts.topics import topics
from civicapps_planning_alerts.web import bp


@hookimpl
def register_settings() -> type[Settings]:
    return Settings


@hookimpl
def register_models() -> list[type[Model]]:
    return [Application]


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).parent / "migrations"


@hookimpl
def register_translations() -> Path:
    """The plugin's catalogues (Welsh), merged into the app's by the core."""
    return Path(__file__).parent / "translations"


@hookimpl
def register_datasets() -> list[Dataset]:
    return [APPLICATIONS]


@hookimpl
def register_readers() -> list[Reader]:
    return [PlanningDataReader()]


@hookimpl
def register_feeds(app: Flask) -> list[Feed]:
    settings = cast(Settings, plugin_settings(NAME, app))
    return preset_feeds(settings.feeds)


@hookimpl
def register_topics(app: Flask) -> list[Topic]:
    return topics()


@hookimpl
def register_blueprint(app: Flask) -> Blueprint:
    return bp


@hookimpl
def register_commands(app: Flask) -> list[click.Command]:
    return commands()


@hookimpl
def menu_links(app: Flask, actor: Actor | None) -> list[Link]:
    links = [
        Link(
            label=gettext("Planning applications"),
            href=url_for("planning_alerts.index"),
            description=gettext("Find planning applications near you and get alerts when new ones are made."),
        )
    ]
    if actor is not None:
        links.append(Link(gettext("Planning feeds"), url_for("planning_alerts.staff")))
    return links


@hookimpl
def load_demo_data(app: Flask) -> None:
    demo.load(app)


#: The demo's sample, credited on /about once it is loaded.
YORK_SAMPLE = DataSource(
    "Planning applications: City of York Council (York Open Data)",
    "Open Government Licence v3.0",
    "Contains public sector information licensed under the Open Government Licence v3.0. © City of York Council.",
    "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
)


@hookimpl
def register_data_sources(app: Flask) -> list[DataSource]:
    """The map tiles' credit, and the demo's York sample when it is loaded."""
    settings = cast(Settings, plugin_settings(NAME, app))
    osm = settings.tile_url.startswith("https://tile.openstreetmap.org/")
    sources = [
        DataSource(
            "Map tiles",
            "Open Database Licence (OpenStreetMap data)" if osm else "as the tile provider publishes them",
            settings.tile_attribution,
            "https://www.openstreetmap.org/copyright" if osm else "",
        )
    ]
    if db_session().scalar(select(Application.id).where(Application.source_feed == demo.FEED).limit(1)) is not None:
        sources.append(YORK_SAMPLE)
    return sources
