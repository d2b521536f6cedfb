"""The ``civicapps`` command: a Flask CLI group with the host's commands and one group per plugin.

Errors a user can fix are printed as one line (``Error: ...``) with exit status 1; bad arguments
exit with 2 (click's usage errors). Plugin commands appear as ``civicapps <plugin> <command>``.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import logging
import os
import secrets
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.utils import make_default_short_help
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo

from civicapps.errors import CivicappsError
from civicapps.plugins import ENTRY_POINT_GROUP, command_group_help
from civicapps.roles import ROLES
from civicapps.textable import echo_table

if TYPE_CHECKING:
    from collections.abc import Iterable

    from flask import Flask

# The command line starts at once because nothing heavy is imported until a command runs: the
# commands below import their work in their bodies, the other core commands are imported by name
# from CORE_COMMANDS when run or listed, and plugins' command groups are listed from their entry
# points. Their modules import only click, Flask and light civicapps modules at the top
# (tests/test_start_imports.py checks that `civicapps --help` loads no SQLAlchemy, numpy, ...).

#: The core's commands that live in other modules: name -> "module:attribute", one line each, sorted.
CORE_COMMANDS = {
    "apps": "civicapps.apps_cli:apps",
    "feeds": "civicapps.feeds.cli:feeds",
    "i18n": "civicapps.i18n_cli:i18n",
    "notify": "civicapps.notify.commands:notify",
    "plugin": "civicapps.scaffold:plugin_group",
    "postcodes": "civicapps.geo.cli:postcodes",
    "pull": "civicapps.feeds.pull_command:pull_command",
    "routes": "flask.cli:routes_command",
    "shell": "flask.cli:shell_command",
    "streets": "civicapps.geo.cli:streets",
}


def _remember_config_file(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Keep ``--config`` with the command line's ScriptInfo, where :func:`_app_for_command` reads it."""
    if value:
        ctx.ensure_object(ScriptInfo).data["config_file"] = value


def _app_for_command() -> Flask:
    """The app a command runs against: ``--config``'s file, plus any settings the command chose (demo)."""
    from civicapps.app import create_app

    ctx = click.get_current_context(silent=True)  # none while the shell completes a command line
    data = ctx.ensure_object(ScriptInfo).data if ctx else {}
    return create_app(data.get("overrides"), config_file=data.get("config_file"))


def installed_plugin_groups() -> dict[str, str]:
    """Each installed plugin's command group (kebab name) -> its help, from entry-point metadata alone.

    Listing plugins this way imports none of them, so ``civicapps --help`` stays fast. Plugins whose
    source shows no ``register_commands`` are left out; plugins switched off by ``disabled_plugins``
    cannot be told apart without reading the configuration, so they are listed, and running such a
    group says so (see :meth:`CivicGroup.get_command`).
    """
    return {
        ep.name.replace("_", "-"): command_group_help(ep.name, ep.dist.name if ep.dist else None)
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)
        if may_register_commands(ep.value)
    }


def may_register_commands(plugin: str) -> bool:
    """Whether plugin ``plugin`` (an entry point's value) has a ``register_commands`` hook, not importing it.

    A plugin module's hooks are its top-level functions named after them, so its source tells. A
    plugin that cannot be read without importing something (``package.module``, ``module:object``,
    no source file) is taken to have one: its group is listed, and says so if it has none.
    """
    if not plugin.isidentifier():
        return True
    spec = importlib.util.find_spec(plugin)  # a top-level module: found, not run
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return True
    tree = ast.parse(Path(spec.origin).read_bytes(), filename=spec.origin)
    defined = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defined.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            defined.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Assign):
            defined.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return "register_commands" in defined


class CivicGroup(FlaskGroup):
    """FlaskGroup that imports commands when they are used and turns civicapps errors into one line.

    When the command line builds its own app, plugins' groups are listed from their entry points
    and the app is built only to run one of them; when it is handed an app (``FlaskCliRunner``,
    :class:`civicapps.testing.CivicRunner`), that app's commands are listed exactly.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CivicappsError as exc:
            raise click.ClickException(str(exc)) from None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in CORE_COMMANDS and cmd_name not in self.commands:
            module, attribute = CORE_COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        if cmd_name in self.commands:  # the core's, found without FlaskGroup's scan of flask.commands entry points
            return self.commands[cmd_name]
        command = super().get_command(ctx, cmd_name)  # the app's: a plugin's group
        if command is None and cmd_name in self._metadata_plugin_groups(ctx):
            raise click.UsageError(
                f"The plugin behind '{cmd_name}' adds no commands here: it registers none, or it is in "
                "disabled_plugins.",
                ctx,
            )
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        if _builds_its_own_app(ctx):
            plugin_groups = list(self._metadata_plugin_groups(ctx))
        else:
            plugin_groups = ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx)
        return sorted({*self.commands, *CORE_COMMANDS, *plugin_groups})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's list of commands, with plugins' groups described from their metadata, not imported."""
        described = self._metadata_plugin_groups(ctx)
        entries: list[tuple[str, click.Command | str]] = []
        for name in self.list_commands(ctx):
            if name in described and name not in self.commands and name not in CORE_COMMANDS:
                entries.append((name, described[name]))
            elif (command := self.get_command(ctx, name)) is not None and not command.hidden:
                entries.append((name, command))
        limit = formatter.width - 6 - max(len(name) for name, _ in entries)
        with formatter.section("Commands"):
            formatter.write_dl(
                [
                    (name, make_default_short_help(c, limit) if isinstance(c, str) else c.get_short_help_str(limit))
                    for name, c in entries
                ]
            )

    def _metadata_plugin_groups(self, ctx: click.Context) -> dict[str, str]:
        """:func:`installed_plugin_groups`, read once per command line; none when handed an app."""
        if not _builds_its_own_app(ctx):
            return {}
        if "civicapps.plugin_groups" not in ctx.meta:
            ctx.meta["civicapps.plugin_groups"] = installed_plugin_groups()
        return ctx.meta["civicapps.plugin_groups"]


def _builds_its_own_app(ctx: click.Context) -> bool:
    """Whether this command line makes its app from configuration, rather than being handed one."""
    return ctx.ensure_object(ScriptInfo).create_app is _app_for_command


cli = CivicGroup(
    name="civicapps",
    help=(
        "civicapps: run a council's civic apps.\n\n"
        "Configuration comes from --config or CIVICAPPS_CONFIG (a civicapps.toml), then CIVICAPPS_* "
        "environment variables (use __ for nesting, e.g. CIVICAPPS_COUNCIL__NAME). "
        "Start with 'civicapps demo' to see everything working on sample data."
    ),
    create_app=_app_for_command,
    add_default_commands=False,
    add_version_option=False,
    set_debug_flag=False,
    params=[
        click.Option(
            ["--config", "-c"],
            type=click.Path(dir_okay=False),
            expose_value=False,
            is_eager=True,
            callback=_remember_config_file,
            help="Path of civicapps.toml (default: $CIVICAPPS_CONFIG).",
        )
    ],
)
# Flask's --app/--debug make no sense here, and its -e/--env-file needs python-dotenv, which civicapps
# does not install (configuration is civicapps.toml and CIVICAPPS_* variables).
cli.params = [p for p in cli.params if p.name not in ("app", "debug", "env_file")]
cli = click.version_option(package_name="civicapps", prog_name="civicapps")(cli)


@cli.command(with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--reload/--no-reload", default=False, help="Restart when code changes (development).")
@click.option(
    "--worker/--no-worker", default=False, help="Also run background jobs in this process (development; default: no)."
)
@click.pass_obj
def serve(info: ScriptInfo, host: str, port: int, reload: bool, worker: bool) -> None:
    """Run the development web server.

    For production run the app under gunicorn instead, e.g.
    gunicorn 'civicapps:create_app()' --bind 0.0.0.0:8000, and background jobs with 'civicapps worker'.
    """
    app = info.load_app()
    _serve(app, host, port, reload, worker)


def _serve(app: Any, host: str, port: int, reload: bool = False, worker: bool = False) -> None:
    from werkzeug.serving import run_simple

    from civicapps.jobs import queue_for

    click.echo(f"Serving {app.extensions['civicapps'].settings.council.name} on http://{host}:{port}/ (Ctrl+C to stop)")
    if worker and not (
        reload and os.environ.get("WERKZEUG_RUN_MAIN") != "true"
    ):  # the reloader's parent serves nothing
        queue_for(app).start_thread()
        click.echo("Running background jobs in this process too.")
    run_simple(host, port, app, use_reloader=reload, threaded=True)


@cli.command()
@click.option(
    "--once", is_flag=True, help="Run every periodic job once, then every queued job, then exit (cron, tests)."
)
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64), help="Jobs run at the same time.")
@click.option(
    "--periodic/--no-periodic",
    default=True,
    help="Take part in running the periodic schedule; whichever worker holds the lease runs it (default: yes).",
)
def worker(once: bool, threads: int, periodic: bool) -> None:
    """Run background jobs: matching, deliveries, digests, feed pulls and other plugins' jobs.

    Start one or more on any machines sharing the database and queue_url; at most one of them runs
    the periodic schedule at a time. Ctrl+C lets the jobs in hand finish; SIGTERM stops at once,
    which is safe: at most the message each thread was sending goes out again, from another worker
    within a lease (sending_timeout_seconds) or after a restart.
    """
    from civicapps.jobs import queue_for
    from civicapps.jobs.queue import display_url
    from civicapps.notify.delivery import take_over
    from civicapps.notify.outbox import claims_heartbeat
    from civicapps.notify.sending import ready_worker

    queue = queue_for(current_app)
    if once:
        for name, outcome in queue.run_once().items():
            click.echo(f"  {name}: {outcome}")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    ready_worker()
    click.echo(
        f"Worker on {display_url(queue.url)}: {threads} thread(s), periodic schedule "
        f"{'when holding the lease' if periodic else 'off'}; jobs: {', '.join(queue.jobs) or 'none'}"
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with claims_heartbeat(app).hold(partial(take_over, app)):  # a dead worker's messages go on within a lease
        queue.consumer(threads, periodic).run()


@cli.group()
def db() -> None:
    """Set up and inspect the database (migrations per plugin)."""


@db.command("upgrade")
@click.option("--plugin", "plugins", multiple=True, metavar="NAME", help="Only this plugin (repeatable). Default: all.")
def db_upgrade(plugins: tuple[str, ...]) -> None:
    """Apply pending migrations, each plugin in its own transaction."""
    from civicapps.db import get_database
    from civicapps.migrations import upgrade

    click.echo(f"Database: {get_database().display_url}")
    for before, after in upgrade(current_app, plugins or None):
        applied = before.pending - after.pending
        note = f"applied {applied} migration{'s' if applied != 1 else ''}" if applied else "already up to date"
        click.echo(f"  {after.plugin}: {note} (now at {', '.join(after.current) or 'base'})")


@db.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def db_status(as_json: bool) -> None:
    """Show each plugin's migration state. Exits 1 if any migrations are pending."""
    from civicapps.db import get_database
    from civicapps.migrations import status

    states = status(current_app)
    if as_json:
        click.echo(json.dumps({s.plugin: s.as_dict() for s in states}, indent=2))
    else:
        click.echo(f"Database: {get_database().display_url}")
        rows = [(s.plugin, ", ".join(s.current) or "-", ", ".join(s.heads) or "-", s.status) for s in states]
        echo_table(("plugin", "current", "head", "status"), rows)
    if any(s.pending for s in states):
        if not as_json:
            click.echo("Run 'civicapps db upgrade' to apply pending migrations.")
        raise SystemExit(1)


@db.command("revision")
@click.argument("plugin")
@click.option("-m", "--message", required=True, help="What the migration does, e.g. 'add status column'.")
@click.option("--empty", is_flag=True, help="Write an empty script instead of comparing models with the database.")
def db_revision(plugin: str, message: str, empty: bool) -> None:
    """Write a new migration for PLUGIN (for plugin authors).

    Compares PLUGIN's models with an up-to-date database and writes the difference into the
    plugin's migrations directory. Review the script before committing it.
    """
    from civicapps.migrations import new_revision

    path = new_revision(current_app, plugin, message, autogenerate=not empty)
    click.echo(f"Wrote {path}")


@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the same as /-/plugins.json).")
def plugins_command(as_json: bool) -> None:
    """List loaded plugins: name, version, distribution, hooks and migration state."""
    from civicapps.introspection import plugins_report

    report = plugins_report(current_app)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    rows = [
        (
            p["name"],
            p["version"] or "-",
            p["distribution"] or "-",
            (p["migrations"] or {}).get("status", "-"),
            ", ".join(p["hooks"]),
        )
        for p in report
    ]
    echo_table(("name", "version", "distribution", "migrations", "hooks"), rows)


@cli.command("config")
def config_command() -> None:
    """Show the effective configuration as JSON, with secrets redacted."""
    from civicapps.db import get_database
    from civicapps.jobs.queue import display_url
    from civicapps.settings import redact

    state = current_app.extensions["civicapps"]
    shown = redact(state.settings, state.config.secret_paths)
    shown["plugins"] = {
        name: redact(settings, state.config.secret_paths, ("plugins", name))
        for name, settings in state.plugin_settings.items()
    }
    shown["database_url"] = get_database().display_url
    shown["queue_url"] = display_url(state.settings.queue_url)
    shown["config_file"] = state.config.source
    click.echo(json.dumps(shown, indent=2, default=str))


@cli.group()
def users() -> None:
    """Manage staff accounts."""


@users.command("create")
@click.option("--email", required=True, help="Sign-in email address.")
@click.option("--name", default="", help="Display name (default: the email address).")
@click.option("--role", type=click.Choice(ROLES), default="staff", show_default=True, help="admin or staff.")
@click.password_option(
    "--password", envvar="CIVICAPPS_NEW_USER_PASSWORD", help="At least 12 characters; prompted for if not given."
)
def users_create(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account."""
    from civicapps.auth import create_user

    user = create_user(email, name, password, role)  # type: ignore[arg-type]
    click.echo(f"Created {user.role} account for {user.email}.")


@users.command("password")
@click.option("--email", required=True, help="The account's sign-in email address.")
@click.password_option(
    "--password", envvar="CIVICAPPS_NEW_USER_PASSWORD", help="At least 12 characters; prompted for if not given."
)
def users_password(email: str, password: str) -> None:
    """Set a staff account's password; it is signed out everywhere."""
    from civicapps.auth import change_password

    change_password(email, password)
    click.echo(f"Changed the password of {email.strip().lower()}; its sessions have ended.")


@users.command("role")
@click.option("--email", required=True, help="The account's sign-in email address.")
@click.option("--role", type=click.Choice(ROLES), required=True, help="admin or staff.")
def users_role(email: str, role: str) -> None:
    """Give a staff account another role; it is signed out everywhere."""
    from civicapps.auth import change_role

    change_role(email, role)  # type: ignore[arg-type]
    click.echo(f"{email.strip().lower()} is now {role}; its sessions have ended.")


@cli.command(with_appcontext=False)
@click.option(
    "--instance",
    type=click.Path(file_okay=False),
    help="Folder for the demo database and keys (default: instance_path if configured, else ./civicapps-demo).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--serve/--no-serve", default=True, help="Start the web server after setting up (default: yes).")
@click.pass_obj
def demo(info: ScriptInfo, instance: str | None, host: str, port: int, serve: bool) -> None:
    """Set up a demo instance with sample data for every plugin, then serve it.

    Safe to run again: migrations and sample data are applied only once. Background jobs run in the
    server process, and every notification is delivered through apprise to the server's own
    development inbox (/-/inbox, for staff) instead of its real destination.
    """
    from civicapps.geo.plugin import DEMO_POSTCODE, DEMO_STREET
    from civicapps.migrations import upgrade
    from civicapps.settings import _deep_merge, load_config, settings_from_environment, validate_core

    # Messages really go out through apprise, to this server's own /-/inbox (see civicapps.notify.inbox).
    # Each is a default the environment may override; the command line's choices go to the app, never
    # into os.environ.
    demo_defaults = {
        "CIVICAPPS_BASE_URL": f"http://{host}:{port}",
        # The dev inbox receives every message, email included: residents are offered email first.
        "CIVICAPPS_PLUGINS__NOTIFY__DEV_INBOX": "true",
        "CIVICAPPS_PLUGINS__GEO__EXAMPLE_POSTCODE": DEMO_POSTCODE,
        "CIVICAPPS_PLUGINS__GEO__EXAMPLE_STREET": DEMO_STREET,
        "CIVICAPPS_PLUGINS__NOTIFY__EGRESS_ALLOW": json.dumps([f"127.0.0.1:{port}"]),
    }
    chosen = settings_from_environment({k: v for k, v in demo_defaults.items() if k not in os.environ})
    configured = load_config(config_file=info.data.get("config_file"))
    if instance or "instance_path" not in configured.raw:
        chosen["instance_path"] = str(Path(instance or "civicapps-demo").resolve())
    overrides = _plugin_demo_settings(validate_core(configured).disabled_plugins)
    _deep_merge(overrides, chosen)  # the demo's own choices win over what plugins add
    info.data["overrides"] = overrides
    app = info.load_app()
    with app.app_context():
        click.echo(f"Setting up the demo in {app.instance_path}")
        for before, after in upgrade(app):
            applied = before.pending - after.pending
            click.echo(f"  migrations: {after.plugin} {f'applied {applied}' if applied else 'already up to date'}")
        registry = app.extensions["civicapps"].registry
        registry.call_each("load_demo_data", app=app)
        for name, plugin in registry.plugins.items():
            if "load_demo_data" in plugin.hooks:
                click.echo(f"  sample data: {name} loaded")
        email, password = _demo_admin(Path(app.instance_path))
    click.echo(f"Staff sign-in: {email} with password {password} (kept in {app.instance_path}/demo-admin-password.txt)")
    click.echo(
        f"Try a search for the postcode {DEMO_POSTCODE} or the street {DEMO_STREET} (York city centre, real open data)."
    )
    if serve:
        _serve(app, host, port, worker=True)


def _plugin_demo_settings(disabled: Iterable[str]) -> dict[str, Any]:
    """What the installed plugins add to the demo's configuration (their ``demo_settings`` hook)."""
    from civicapps.plugins import PluginRegistry, load_plugins
    from civicapps.settings import _deep_merge

    registry = PluginRegistry()
    load_plugins(registry, None, True, disabled)
    merged: dict[str, Any] = {}
    for settings in registry.call_each("demo_settings").values():
        _deep_merge(merged, settings)
    return merged


def _demo_admin(instance: Path) -> tuple[str, str]:
    """One admin account for the demo; its random password is kept in the instance folder."""
    from sqlalchemy import select

    from civicapps.app import ensure_instance_folder
    from civicapps.auth import User, create_user
    from civicapps.db import db_session

    email = "admin@example.org"
    password_file = ensure_instance_folder(instance) / "demo-admin-password.txt"
    if db_session().scalar(select(User).where(User.email == email)) is None:
        password = secrets.token_urlsafe(12)
        create_user(email, "Demo admin", password, "admin")
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
    return email, password_file.read_text().strip()


def main() -> None:
    """The ``civicapps`` console script."""
    cli.main(prog_name="civicapps")
