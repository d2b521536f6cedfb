"""civicapps-planning-alerts: planning applications near you, and alerts when new ones appear.

Council feeds (configured with presets, see :mod:`.presets`) fill the core dataset
``planning_alerts.application``; residents search by postcode, follow applications and subscribe to
alerts through the core notify layer (topics in :mod:`.topics`); staff see each council's feed health.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint, Flask, url_for

from civicapps import Actor, Dataset, Feed, Link, Model, Reader, Topic, hookimpl
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
def register_datasets() -> list[Dataset]:
    return [APPLICATIONS]


@hookimpl
def register_readers() -> list[Reader]:
    return [PlanningDataReader()]


@hookimpl
def register_feeds(app: Flask) -> list[Feed]:
    settings: Settings = app.extensions["civicapps"].plugin_settings[NAME]
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
            label="Planning applications",
            href=url_for("planning_alerts.index"),
            description="Find planning applications near you and get alerts when new ones are made.",
        )
    ]
    if actor is not None:
        links.append(Link("Planning feeds", url_for("planning_alerts.staff")))
    return links


@hookimpl
def load_demo_data(app: Flask) -> None:
    demo.load(app)
