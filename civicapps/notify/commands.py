"""``civicapps notify ...``: send a test message, show delivery status.

A core command group like ``feeds``: the work is imported when a command runs, so listing the
group costs no apprise or SQLAlchemy import.
"""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from civicapps.errors import CivicappsError


@click.group("notify", cls=AppGroup)
def notify() -> None:
    """Notifications: send a test message the way deliveries go, and see subscriptions and deliveries."""


def _masked(url: str) -> str:
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    return plugin.url(privacy=True) if plugin is not None else url.partition(":")[0] + "://…"


@notify.command("test")
@click.argument("url")
@click.option(
    "--title", default="civicapps test message", show_default=True, help="Title (or email subject) of the message."
)
@click.option(
    "--message", "body", default="If you can read this, civicapps can send here.", help="Text of the message."
)
def test_command(url: str, title: str, body: str) -> None:
    """Send a test message to the apprise URL URL, exactly as deliveries are sent.

    The scheme allow-list (allowed_schemes) and the egress guard (egress_allow) apply, so this also
    shows whether residents' messages to such an address would get through. The URL's secrets are
    masked in everything printed.
    """
    from civicapps.notify.render import Message
    from civicapps.notify.sending import Outgoing, Sender

    sender = Sender(current_app._get_current_object())  # type: ignore[attr-defined]  # used on its thread
    try:
        error = sender.send(Outgoing(url, Message(title=title, body=body), "text"))
    finally:
        sender.close()
    if error:
        raise CivicappsError(f"Not sent to {_masked(url)}: {error}")
    click.echo(f"Sent a test message to {_masked(url)}")


@notify.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def status_command(as_json: bool) -> None:
    """Show subscriptions per topic, deliveries per channel and status, queued jobs and recent failures."""
    from civicapps.notify.status import report

    figures = report(current_app)
    if as_json:
        click.echo(json.dumps(figures, indent=2, default=str))
        return
    click.echo(f"Topics: {', '.join(figures['topics']) or 'none registered'}")
    click.echo(f"Jobs waiting in the queue: {figures['queued_jobs']}")
    for topic, counts in figures["subscriptions"].items():
        click.echo(f"Subscriptions to {topic}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    for channel, counts in figures["deliveries"].items():
        click.echo(f"Deliveries by {channel}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for failure in figures["failures"]:
        click.echo(
            f"Failed #{failure['id']} ({failure['channel']} {failure['recipient']}, {failure['attempts']} tries): "
            f"{failure['reason']}"
        )
