"""civicapps-street-reports: residents' reports of street problems, FixMyStreet style, with Open311.

Bodies (councils and others) own boundary areas and categories; a report goes to every body covering
its point, by email, by Open311 POST to the body's back office, or to staff here. This module only
wires the plugin into the host's hooks.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint, Flask, url_for

from civicapps import Link, Model, hookimpl
from civicapps_street_reports.cli import COMMANDS
from civicapps_street_reports.demo import load_sample
from civicapps_street_reports.models import ALL_MODELS
from civicapps_street_reports.settings import Settings
from civicapps_street_reports.web import bp


@hookimpl
def register_settings() -> type[Settings]:
    return Settings


@hookimpl
def register_models() -> list[type[Model]]:
    return ALL_MODELS


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).parent / "migrations"


@hookimpl
def register_blueprint(app: Flask) -> Blueprint:
    return bp


@hookimpl
def menu_links() -> list[Link]:
    return [
        Link(
            label="Street reports",
            href=url_for("street_reports.index"),
            description="See problems with streets, lights and litter that residents have reported.",
        )
    ]


@hookimpl
def load_demo_data(app: Flask) -> None:
    load_sample()


@hookimpl
def register_commands(app: Flask) -> list[click.Command]:
    return COMMANDS
