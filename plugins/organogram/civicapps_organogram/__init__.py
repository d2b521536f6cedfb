"""civicapps-organogram: community groups, their posts and who holds them, and the council's register.

Groups register themselves (confirmed by an emailed link), invite and approve members, set out their
posts and reporting lines, and publish an organisation chart; names are published only by their
holders' choice. Organograms go in and out as data.gov.uk CSV pairs, Popolo JSON and Open Referral UK
records. This module only wires the plugin into the host's hooks.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint, Flask, url_for

from civicapps import Actor, Link, Model, gettext, hookimpl
from civicapps_organogram.cli import COMMANDS
from civicapps_organogram.demo import load_sample
from civicapps_organogram.models import ALL_MODELS
from civicapps_organogram.settings import Settings
from civicapps_organogram.views import bp


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
def register_translations() -> Path:
    return Path(__file__).parent / "translations"


@hookimpl
def register_blueprint(app: Flask) -> Blueprint:
    return bp


@hookimpl
def register_commands(app: Flask) -> list[click.Command]:
    return COMMANDS


@hookimpl
def menu_links(actor: Actor | None) -> list[Link]:
    links = [
        Link(
            label=gettext("Community groups"),
            href=url_for("organogram.index"),
            description=gettext("Find local groups, their committees and who to contact, or register your own."),
        )
    ]
    if actor is not None:
        links.append(Link(gettext("Groups register"), url_for("organogram.staff_register")))
    return links


@hookimpl
def load_demo_data(app: Flask) -> None:
    load_sample()
