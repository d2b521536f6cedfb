"""``civicapps feeds list|show|pull``: the staff view of feeds, and pulling them by hand.

Also the ``pull`` command a plugin makes for its own feeds (:func:`pull_feeds_command`). Each command
imports its work when it runs, so listing the group loads no SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click
from flask import current_app
from flask.cli import AppGroup

from civicapps.errors import CivicappsError
from civicapps.progress import Progress, progress_option
from civicapps.textable import echo_table

if TYPE_CHECKING:
    from civicapps.feeds.pull import PullResult
    from civicapps.feeds.schedule import FeedStatus


def human(delta: timedelta | None) -> str:
    """``timedelta(hours=30)`` -> ``"30 h"``; None -> ``"never"``."""
    if delta is None:
        return "never"
    seconds = int(delta.total_seconds())
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _health(status: FeedStatus) -> str:
    if not status.configured:
        return "not configured"
    if status.flagged:
        return f"FAILING {human(status.failing_for)}"
    if status.failing_for is not None:
        return "failing"
    if status.state is None or status.state.last_attempt_at is None:
        return "never pulled"
    return "due" if status.due else "ok"


@click.group(cls=AppGroup)
def feeds() -> None:
    """Open-data feeds: their health, and pulling them by hand.

    Feeds are configured as [feeds.<name>] tables in civicapps.toml (or shipped by plugins); the
    job queue pulls them on their interval.
    """


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_command(as_json: bool) -> None:
    """Show every feed: last success and error, rows of the last pull, staleness and health."""
    from civicapps.feeds.schedule import statuses

    rows = statuses(current_app)
    if as_json:
        click.echo(json.dumps([_as_dict(s) for s in rows], indent=2))
        return
    if not rows:
        click.echo("No feeds are configured; add [feeds.<name>] tables to civicapps.toml.")
        return
    table = []
    for s in rows:
        st = s.state
        counts = f"{st.rows_read}/{st.rows_ingested}/{st.rows_skipped}" if st and st.last_success_at else "-"
        error = (st.last_error or "")[:60] if st and s.failing_for is not None else ""
        every = human(s.interval) if s.interval else "-"
        table.append((s.name, s.dataset or "-", s.format or "-", every, human(s.stale_for), counts, _health(s), error))
    echo_table(
        ("feed", "dataset", "format", "every", "last success", "read/kept/skipped", "health", "last error"), table
    )
    if any(not s.configured for s in rows):
        click.echo(
            "'not configured': pulled before (e.g. by 'civicapps demo') but in no [feeds.<name>] table now; "
            "its records stay stored."
        )


def _as_dict(status: FeedStatus) -> dict[str, Any]:
    state = status.state
    seconds = lambda d: None if d is None else int(d.total_seconds())  # noqa: E731
    return {
        "name": status.name,
        "configured": status.configured,
        "dataset": status.dataset,
        "format": status.format,
        "interval_seconds": seconds(status.interval),
        "last_success_at": state.last_success_at.isoformat() if state and state.last_success_at else None,
        "last_error": state.last_error if state and status.failing_for is not None else None,
        "stale_seconds": seconds(status.stale_for),
        "failing_seconds": seconds(status.failing_for),
        "flagged": status.flagged,
        "due": status.due,
        "rows": {
            k: getattr(state, f"rows_{k}") if state else 0
            for k in ("read", "ingested", "skipped", "warned", "new", "changed")
        },
    }


@feeds.command("show")
@click.argument("name")
def show_command(name: str) -> None:
    """Show one feed's definition, state and the rows its last pull skipped or warned about."""
    from civicapps.feeds.registry import feeds_registry
    from civicapps.feeds.schedule import statuses

    found = {s.name: s for s in statuses(current_app)}
    if name not in found:
        raise CivicappsError(f"No feed named {name!r}; feeds: {', '.join(found) or 'none'}.")
    status = found[name]
    if status.configured:
        feed = feeds_registry(current_app).plans[name].feed
        click.echo(f"{name}: {feed.format} from {feed.url} into {feed.dataset}, every {human(feed.interval)}")
    else:
        click.echo(f"{name}: not configured now (pulled before; its records stay stored)")
    click.echo(f"  health: {_health(status)}; last success {human(status.stale_for)} ago")
    state = status.state
    if state and state.last_error and status.failing_for is not None:
        click.echo(f"  last error: {state.last_error}")
    if state and state.issues:
        click.echo(
            f"  issues in the last pull ({state.rows_skipped} skipped, {state.rows_warned} warnings; "
            f"first {len(state.issues)}):"
        )
        for issue in state.issues:
            where = f"record {issue['position']}" + (f", field '{issue['field']}'" if issue["field"] else "")
            click.echo(f"    {where}: {issue['reason']} ({issue['severity']})")


def pulled(name: str, force: bool, show: bool | None) -> PullResult:
    """:func:`pull_feed` with a progress bar on standard error (see :mod:`civicapps.progress`)."""
    from civicapps.feeds.pull import pull_feed

    with Progress(f"Pulling {name}", show) as bar:
        return pull_feed(current_app, name, force=force, progress=bar.advance)


@feeds.command("pull")
@click.argument("name", required=False)
@click.option("--all", "pull_all", is_flag=True, help="Pull every enabled feed now, due or not.")
@click.option("--force", is_flag=True, help="Ignore ETag/Last-Modified and re-read even an unchanged feed.")
@progress_option
def pull_command(name: str | None, pull_all: bool, force: bool, progress: bool | None) -> None:
    """Pull feed NAME now, or every feed that is due (--all: every feed).

    Exits with status 1 if any pull failed; stored data of a failed feed is left untouched.
    """
    from civicapps.clock import utcnow
    from civicapps.feeds.registry import feeds_registry
    from civicapps.feeds.schedule import pull_due_feeds

    plans = feeds_registry(current_app).plans
    if name is not None:
        if name not in plans:
            raise CivicappsError(f"No feed named {name!r}; feeds: {', '.join(plans) or 'none'}.")
        results = [pulled(name, force, progress)]
    elif pull_all or force:
        results = [pulled(n, force, progress) for n, p in plans.items() if p.feed.enabled]
    else:
        results = pull_due_feeds(current_app, utcnow())
    if not results:
        click.echo("No feed is due.")
    for result in results:
        click.echo(result.summary())
    if any(r.outcome == "failed" for r in results):
        raise SystemExit(1)


def pull_feeds_command(
    dataset: str, *, report: Callable[[PullResult], Iterable[str]] | None = None, help: str | None = None
) -> click.Command:
    """A ``pull [NAMES]... [--force] [--progress/--no-progress]`` command for one dataset's feeds.

    A plugin returns it from ``register_commands`` so staff can pull its feeds by hand and read each
    pull in the plugin's own terms: ``report`` turns a :class:`PullResult` into the lines printed
    (default: its one-line summary). The command pulls every enabled feed of ``dataset`` (or the
    NAMES given, which must be feeds of it), shows a progress bar on standard error for long pulls,
    and exits with status 1 if any pull failed. ``help`` replaces the command's help text.
    """
    lines = report or (lambda result: [result.summary()])

    @click.command(
        "pull",
        help=help or f"Pull the feeds of {dataset} now (every enabled one, or NAMES) and report each pull.",
    )
    @click.argument("names", nargs=-1)
    @click.option("--force", is_flag=True, help="Read the feeds even if they have not changed.")
    @progress_option
    def pull(names: tuple[str, ...], force: bool, progress: bool | None) -> None:
        from civicapps.feeds.registry import feeds_registry

        plans = {n: p for n, p in feeds_registry(current_app).plans.items() if p.feed.dataset == dataset}
        unknown = [n for n in names if n not in plans]
        if unknown:
            raise click.ClickException(
                f"No feed of {dataset} named {', '.join(unknown)}; known: {', '.join(plans) or 'none'}."
            )
        failed = False
        for name in names or [n for n, p in plans.items() if p.feed.enabled]:
            click.echo(f"Pulling {name}...", err=True)
            result = pulled(name, force, progress)
            failed |= result.outcome == "failed"
            for line in lines(result):
                click.echo(line)
        if failed:
            raise SystemExit(1)

    return pull
