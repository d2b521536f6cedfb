"""civicapps-street-reports: residents' reports of street problems, FixMyStreet style.

This seed stores reports and lists the open ones; the report form, routing to council teams and
Open311 build on it.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint, Flask, url_for

from civicapps import Link, Model, hookimpl
from civicapps_street_reports.demo import load_sample
from civicapps_street_reports.models import STATUSES, Report, reports_with_status
from civicapps_street_reports.web import bp


@hookimpl
def register_models() -> list[type[Model]]:
    return [Report]


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
    return [list_reports]


@click.command("list")
@click.option("--status", type=click.Choice(STATUSES), default="open", show_default=True, help="Which reports.")
def list_reports(status: str) -> None:
    """List reports in one status, newest first."""
    reports = reports_with_status(status)
    if not reports:
        click.echo(f"No {status} reports.")
    for report in reports:
        where = f"({report.lat}, {report.lon})"
        click.echo(f"#{report.id}  {report.created_at:%Y-%m-%d}  {report.category}: {report.title} {where}")
