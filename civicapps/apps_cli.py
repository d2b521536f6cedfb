"""``civicapps apps list|enable|disable|log``: the app directory from the command line.

Each command imports its work when it runs, so listing the group loads no SQLAlchemy.
"""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from civicapps.textable import echo_table


@click.group("apps", cls=AppGroup)
def apps() -> None:
    """Switch installed apps on and off, as the staff page /-/apps does.

    An app switched off hides its pages and menu links, its feeds are not pulled, its jobs do not
    run and its alerts wait; its data is kept. Switching it on sends the alerts that waited, once.
    Every process sees a switch at its next request or job, without a restart.
    """


@apps.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: each app's state, version and needs.")
def list_command(as_json: bool) -> None:
    """List every app: on or off, version, where it comes from, and what it still needs configured."""
    from civicapps.app_directory import directory

    entries = directory(current_app)
    if as_json:
        report = [
            {
                "name": e.name,
                "enabled": e.enabled,
                "version": e.version,
                "source": e.source,
                "distribution": e.distribution,
                "description": e.description,
                "requirements": [{"what": r.what, "done": r.done} for r in e.requirements],
            }
            for e in entries
        ]
        click.echo(json.dumps(report, indent=2))
        return
    if not entries:
        click.echo("No apps are installed (the core's own parts are always on).")
        return
    rows = [
        (
            e.name,
            "on" if e.enabled else "off",
            e.version or "-",
            e.source,
            "; ".join(f"{r.what}: {'done' if r.done else 'NOT DONE'}" for r in e.requirements) or "-",
        )
        for e in entries
    ]
    echo_table(("name", "state", "version", "source", "needs"), rows)


@apps.command("enable")
@click.argument("name")
def enable_command(name: str) -> None:
    """Switch app NAME on: its pages come back, its feeds and jobs run, waiting alerts are sent."""
    _switch(name, True)


@apps.command("disable")
@click.argument("name")
def disable_command(name: str) -> None:
    """Switch app NAME off: pages and links hidden, feeds, jobs and alerts paused, data kept."""
    _switch(name, False)


def _switch(name: str, enabled: bool) -> None:
    from civicapps.app_switches import cli_actor, set_enabled

    word = "on" if enabled else "off"
    if set_enabled(current_app, name, enabled, cli_actor()):
        click.echo(f"Switched {name} {word}.")
    else:
        click.echo(f"{name} was already {word}; nothing changed.")


@apps.command("log")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1), help="How many switches to show.")
def log_command(limit: int) -> None:
    """Show who switched which app on or off, and when (UTC), newest first."""
    from civicapps.app_switches import switch_log

    changes = switch_log(limit)
    if not changes:
        click.echo("No app has been switched on or off yet.")
        return
    echo_table(
        ("when (UTC)", "app", "switched", "by"),
        [(c.at.strftime("%Y-%m-%d %H:%M:%S"), c.name, "on" if c.enabled else "off", c.actor) for c in changes],
    )
