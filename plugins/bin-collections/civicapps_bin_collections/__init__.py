"""civicapps-bin-collections: which bins go out when, and a reminder the evening before.

Councils load rounds, addresses and exceptions through feeds (:mod:`.datasets`, :mod:`.feeds`); the
engine in :mod:`.schedule` turns them into dated collections; residents look up their address, print
or subscribe to a calendar (:mod:`.pages`, :mod:`.ics`) and get reminders through the core
notifications (:mod:`.reminders`).
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
    Job,
    Link,
    Model,
    Reader,
    Topic,
    db_session,
    gettext,
    hookimpl,
    plugin_settings,
)
from civicapps_bin_collections import api, demo, pages, reminders_page, staff  # noqa: F401 - their views join the blueprint
from civicapps_bin_collections.cli import commands
from civicapps_bin_collections.datasets import DATASETS
from civicapps_bin_collections.feeds import standard_feeds
from civicapps_bin_collections.ics_reader import RoundCalendarReader
from civicapps_bin_collections.models import Address, Change, Disruption, Evening, Round
from civicapps_bin_collections.reminders import jobs, topics
from civicapps_bin_collections.settings import NAME, Settings
from civicapps_bin_collections.web import bp


@hookimpl
def register_settings() -> type[Settings]:
    return Settings


@hookimpl
def register_models() -> list[type[Model]]:
    return [Round, Address, Change, Disruption, Evening]


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).parent / "migrations"


@hookimpl
def register_translations() -> Path:
    return Path(__file__).parent / "translations"


@hookimpl
def register_datasets() -> list[Dataset]:
    return DATASETS


@hookimpl
def register_readers() -> list[Reader]:
    return [RoundCalendarReader()]


@hookimpl
def register_feeds(app: Flask) -> list[Feed]:
    return standard_feeds(cast(Settings, plugin_settings(NAME, app)))


@hookimpl
def register_topics(app: Flask) -> list[Topic]:
    return topics()


@hookimpl
def register_jobs(app: Flask) -> list[Job]:
    return jobs()


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
            label=gettext("Bin collections"),
            href=url_for("bin_collections.index"),
            description=gettext("Find your bin collection days and get a reminder the evening before."),
        )
    ]
    if actor is not None:
        links.append(Link(gettext("Bin collection data"), url_for("bin_collections.staff")))
    return links


@hookimpl
def load_demo_data(app: Flask) -> None:
    demo.load(app)


BANK_HOLIDAYS = DataSource(
    "Bank holidays in the bin collection sample: GOV.UK",
    "Open Government Licence v3.0",
    "Contains public sector information licensed under the Open Government Licence v3.0.",
    "https://www.gov.uk/bank-holidays",
)


@hookimpl
def register_data_sources(app: Flask) -> list[DataSource]:
    """The bank holiday dates, credited once the demo's sample is loaded."""
    demo_feed = demo.FEEDS[f"{NAME}.change"][0]
    loaded = db_session().scalar(select(Change.id).where(Change.source_feed == demo_feed).limit(1))
    return [BANK_HOLIDAYS] if loaded is not None else []
