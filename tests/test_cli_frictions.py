"""The first minutes with the CLI: help without Flask's leftovers and complete for every command
(bundled plugins' too), no ``./instance`` left behind by commands that need none, and ``feeds list``
showing the feeds the staff pages show."""

import os
import subprocess
import sys

import click
import pytest
from feeds_support import PLANNING, Application, planning_feed

from civicapps.cli import CORE_COMMANDS, cli
from civicapps.db import Model, get_database
from civicapps.testing import CivicRunner


def run(args, cwd, **env):
    """``python -m civicapps`` in ``cwd`` with no configuration (imports this checkout: PYTHONPATH)."""
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), **env}
    if os.environ.get("PYTHONPATH"):
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(
        [sys.executable, "-m", "civicapps", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=120,
    )


def test_top_level_help_has_no_flask_dotenv_leftovers(tmp_path):
    result = run(["--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--env-file" not in result.stdout and "python-dotenv" not in result.stdout
    assert "-c, --config FILE" in result.stdout and "planning-alerts" in result.stdout


def commands(group, prefix=()):
    """Every command of ``group``; the core's imported only when used (CORE_COMMANDS) included."""
    for name in sorted({*group.commands, *(CORE_COMMANDS if group is cli else ())}):
        command = group.get_command(click.Context(group), name)
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))


def test_every_command_of_the_host_and_bundled_plugins_has_complete_help(civic_app_factory):
    app = civic_app_factory(load_entrypoints=True, migrate=False)
    runner = CivicRunner(app)
    tree = dict(commands(cli))
    tree.update(commands(app.cli))
    assert ("planning-alerts", "presets") in tree and ("postcodes", "lookup") in tree
    incomplete = []
    for path, command in tree.items():
        result = runner.invoke([*path, "--help"])
        assert result.exit_code == 0, f"{' '.join(path)} --help: {result.output}"
        if not (command.help and len(command.help.strip()) > 20):
            incomplete.append(f"'{' '.join(path)}' needs a real description")
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help" and not param.help:
                incomplete.append(f"option {'/'.join(param.opts)} of '{' '.join(path)}' has no help text")
    assert not incomplete, "\n".join(incomplete)


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["planning-alerts", "presets"],
        ["planning-alerts", "presets", "isle_of_man"],
        ["notify", "test", "--help"],
        ["notify", "test", "json://127.0.0.1:9/"],  # refused by the scheme allow-list: needs no instance
        ["pull", "--help"],
        ["postcodes", "lookup", "--help"],
    ],
    ids=" ".join,
)
def test_commands_that_need_no_instance_leave_no_folder_behind(tmp_path, args):
    result = run(args, tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == [], f"{' '.join(args)} left {[p.name for p in tmp_path.iterdir()]}"


def test_the_instance_folder_and_its_key_are_made_when_first_needed(tmp_path):
    result = run(["db", "upgrade"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "instance" / "civicapps.db").exists()
    first = run(["config"], tmp_path)
    assert first.returncode == 0, first.stderr


def test_feeds_list_shows_the_feeds_the_demo_and_its_staff_pages_show(civic_app_factory):
    from civicapps_planning_alerts.staff import feeds as planning_staff_feeds

    demo = civic_app_factory(load_entrypoints=True)
    with demo.app_context():
        demo.extensions["civicapps"].registry.call_each("load_demo_data", app=demo)
        shown_to_staff = [f.name for f in planning_staff_feeds()]
    assert shown_to_staff, "the demo has a planning feed"

    url = get_database(demo).url.render_as_string(hide_password=False)
    later = civic_app_factory(load_entrypoints=True, migrate=False, config={"database_url": url})
    listed = CivicRunner(later).invoke(["feeds", "list"])
    assert listed.exit_code == 0, listed.output
    assert "No feeds are configured" not in listed.output
    for name in shown_to_staff:
        assert name in listed.output
    shown = CivicRunner(later).invoke(["feeds", "show", shown_to_staff[0]])
    assert shown.exit_code == 0 and "not configured now" in shown.output


def test_feeds_pull_and_postcodes_import_show_a_progress_bar_when_asked(civic_app_factory, civic_feed_server, tmp_path):
    url = civic_feed_server.add("/named.csv", "ref,desc\n1,Shed\n2,Porch\n")
    app = civic_app_factory(plugins=[("planning", PLANNING)], config={"feeds": {"named": planning_feed(url)}})
    Model.metadata.create_all(get_database(app).engine, tables=[Application.__table__])
    runner = CivicRunner(app)
    pulled = runner.invoke(["feeds", "pull", "named", "--progress"])
    assert pulled.exit_code == 0, pulled.output
    assert "Pulling named" in pulled.stderr and "2  rows" in pulled.stderr and "named: read 2" in pulled.stdout
    assert "Pulling" not in runner.invoke(["feeds", "pull", "named", "--force"]).stderr

    (tmp_path / "onspd.csv").write_text("pcds,osgrdind,doterm,lat,long\nSW1A 1AA,1,,51.501009,-0.141588\n")
    imported = runner.invoke(["postcodes", "import", str(tmp_path / "onspd.csv"), "--progress"])
    assert imported.exit_code == 0, imported.output
    assert "Importing onspd.csv" in imported.stderr and "1  postcodes" in imported.stderr
