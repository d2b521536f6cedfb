"""civicapps-planning-alerts: the planning applications a council publishes, as a page and as JSON.

This seed stores applications (upserting on authority + reference) and shows the newest; reading
council feeds, geocoding postcodes and sending alerts build on it.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint, Flask, url_for
from sqlalchemy import func, select

from civicapps import Link, Model, db_session, hookimpl
from civicapps_planning_alerts.demo import sample_records
from civicapps_planning_alerts.models import Application, upsert_applications
from civicapps_planning_alerts.settings import Settings
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
def register_blueprint(app: Flask) -> Blueprint:
    return bp


@hookimpl
def menu_links() -> list[Link]:
    return [
        Link(
            label="Planning applications",
            href=url_for("planning_alerts.index"),
            description="See the newest planning applications and follow the ones near you.",
        )
    ]


@hookimpl
def load_demo_data(app: Flask) -> None:
    upsert_applications(sample_records())


@hookimpl
def register_commands(app: Flask) -> list[click.Command]:
    return [stats]


@click.command()
def stats() -> None:
    """Count stored applications per status."""
    rows = db_session().execute(
        select(Application.status, func.count()).group_by(Application.status).order_by(Application.status)
    ).all()
    if not rows:
        click.echo("No planning applications stored yet.")
        return
    width = max(len("total"), *(len(status) for status, _ in rows))
    for status, count in rows:
        click.echo(f"{status.ljust(width)}  {count}")
    click.echo(f"{'total'.ljust(width)}  {sum(count for _, count in rows)}")
