"""Shared by the feeds and geo tests: an app with a small planning dataset to ingest into, helpers to
read it back, and the Isle of Man fixtures. Test modules import the ``planning_app`` fixture from here;
``civic_feed_server`` and ``civic_postcodes_io`` come from civicapps.testing."""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import pytest
from sqlalchemy import String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from civicapps import Dataset, Model, Record, hookimpl
from civicapps.db import get_database

FIXTURES = Path(__file__).parent / "fixtures"
IOM_WEEKLY = FIXTURES / "iom-planning-applications-weekly-2023-2024.csv"
IOM_RAW = FIXTURES / "iom-planning-applications-2023-06-02-raw.csv"


class Application(Model, Record):
    """The test plugin's dataset, shaped like a planning application."""

    __tablename__ = "planning_application"

    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(8))
    local_authority: Mapped[str | None] = mapped_column(String(100))
    received: Mapped[dt.date | None]
    url: Mapped[str | None] = mapped_column(String(500))


PLANNING = types.ModuleType("planning")
PLANNING.register_datasets = hookimpl(lambda: [Dataset("application", Application, "Planning applications")])


#: Postcodes the fake postcodes.io knows in these tests: the standard set plus a few Isle of Man ones.
KNOWN_POSTCODES = {
    "SW1A 1AA": (51.501009, -0.141588),
    "EX16 5BL": (50.907066, -3.477588),
    "IM9 4HH": None,
    "IM2 2QY": (54.16731, -4.49732),
    "IM1 2LW": (54.15189, -4.47787),
    "IM2 2EF": (54.16020, -4.49300),
}


@pytest.fixture(name="planning_app")
def planning_app_fixture(civic_app_factory, civic_postcodes_io):
    """``planning_app(feeds={...}, plugins=[...], **config)``: an app with the planning dataset's table."""

    civic_postcodes_io.known.update(KNOWN_POSTCODES)

    def make(feeds=None, plugins=(), **config):
        settings = {
            "feeds": feeds or {},
            "plugins": {
                "feeds": {"retries": 1, "backoff_seconds": 0.01, "timeout_seconds": 2},
                "geo": {"postcodes_io_url": civic_postcodes_io.url},
                **config.pop("plugin_settings", {}),
            },
            **config,
        }
        app = civic_app_factory(plugins=[("planning", PLANNING), *plugins], config=settings)
        Model.metadata.create_all(get_database(app).engine, tables=[Application.__table__])
        return app

    return make


def count(app, model=Application) -> int:
    with get_database(app).sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model))


def records(app) -> dict[tuple[str, str], Application]:
    with get_database(app).sessionmaker() as session:
        return {(a.authority, a.reference): a for a in session.scalars(select(Application))}


#: The weekly Isle of Man list as a feed of the planning dataset.
IOM_MAPPING = {
    "reference": "PA Ref",
    "description": {"column": "Details", "squash": True},
    "postcode": {"column": "Details", "extract": "postcode"},
    "local_authority": {"column": "Local Authority", "case": "title"},
    "received": {"column": "Date", "format": "%d %b %Y"},
    "url": "URL",
}


def iom_feed(url: str, **extra) -> dict:
    return {
        "dataset": "planning.application",
        "url": url,
        "format": "csv",
        "authority": "Isle of Man Government",
        "mapping": IOM_MAPPING,
        "location": {"postcode": {"field": "postcode"}},
        "interval": "1d",
        **extra,
    }


def planning_feed(url: str, mapping: dict | None = None, **extra) -> dict:
    """A feed of the planning dataset with authority "T" and reference/description from ref/desc."""
    return {
        "dataset": "planning.application",
        "format": "csv",
        "url": url,
        "authority": "T",
        "mapping": mapping or {"reference": "ref", "description": "desc"},
        **extra,
    }
