"""civicapps-street-reports: residents' reports of street problems, FixMyStreet style, with Open311.

Bodies (councils and others) own boundary areas and categories; a report goes to every body covering
its point, by email, by Open311 POST to the body's back office, or to staff here. Residents follow
reports and areas through the core's alerts, and back offices push status updates to our Open311
server. This module only wires the plugin into the host's hooks.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint, Flask, url_for

from civicapps import Actor, Job, Link, Model, Topic, csrf_exempt, gettext, hookimpl
from civicapps_street_reports import alerts, changes, sending, submissions
from civicapps_street_reports.cli import COMMANDS
from civicapps_street_reports.demo import load_sample
from civicapps_street_reports.models import ALL_MODELS
from civicapps_street_reports.settings import Settings
from civicapps_street_reports.views import bp
from civicapps_street_reports.views.open311 import CSRF_EXEMPT


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
    """The plugin's gettext catalogues (Welsh: translations/cy/LC_MESSAGES/civicapps_street_reports.po)."""
    return Path(__file__).parent / "translations"


@hookimpl
def register_blueprint(app: Flask) -> Blueprint:
    changes.watch()  # every change to what the map or Open311 shows moves its counter (its caches' key)
    for view in CSRF_EXEMPT:
        csrf_exempt(app, view)
    return bp


@hookimpl
def register_topics(app: Flask) -> list[Topic]:
    return alerts.topics()


@hookimpl
def register_jobs(app: Flask) -> list[Job]:
    return [
        Job("send", sending.send_due, cron="* * * * *", description="send confirmed reports to their bodies"),
        Job(
            "tokens",
            sending.resolve_tokens,
            cron="*/10 * * * *",
            description="ask batch Open311 back offices for the ids of reports they took",
        ),
        Job(
            "failure_summary",
            sending.failure_summary,
            cron="0 8 * * *",
            description="email staff the reports that could not be sent",
        ),
        Job(
            "tidy",
            submissions.tidy,
            cron="30 3 * * *",
            description="delete reports and updates never confirmed, and old rate-limit marks",
        ),
    ]


@hookimpl
def menu_links(actor: Actor | None) -> list[Link]:
    links = [
        Link(
            label=gettext("Street reports"),
            href=url_for("street_reports.index"),
            description=gettext("Report a problem with a street, light or litter, and see what others have reported."),
        )
    ]
    if actor is not None:
        links.append(Link(gettext("Manage street reports"), url_for("street_reports.staff_list")))
    return links


@hookimpl
def load_demo_data(app: Flask) -> None:
    load_sample()


@hookimpl
def register_commands(app: Flask) -> list[click.Command]:
    return COMMANDS
