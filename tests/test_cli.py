"""The civicapps command: help, errors without tracebacks, plugins listing, users, demo."""
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import click
import click.testing
import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

import civicapps
from civicapps import hookimpl
from civicapps.auth import User
from civicapps.cli import CORE_COMMANDS, cli
from civicapps.db import db_session
from civicapps.testing import CivicRunner


def all_commands(group, prefix=()):
    """Every core command, those imported only when used (CORE_COMMANDS) included."""
    names = {*group.commands, *(CORE_COMMANDS if group is cli else ())}
    for name in sorted(names):
        command = group.get_command(click.Context(group), name)
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def test_all_commands_sees_the_commands_imported_when_used():
    paths = [path for path, _ in all_commands(cli)]
    assert ("pull",) in paths and ("notify", "test") in paths and ("i18n", "compile") in paths


@pytest.mark.parametrize("path", [p for p, _ in all_commands(cli)], ids=" ".join)
def test_every_command_has_complete_help(path, civic_runner):
    result = civic_runner.invoke([*path, "--help"])
    assert result.exit_code == 0, result.output
    command = dict(all_commands(cli))[path]
    assert command.help and len(command.help.strip()) > 20, f"{' '.join(path)} needs a real description"
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in ("help",):
            assert param.help, f"option {param.opts} of '{' '.join(path)}' has no help text"


def test_plugins_lists_name_version_distribution_and_hooks(civic_runner):
    table = civic_runner.invoke(["plugins"])
    assert table.exit_code == 0
    assert table.output.splitlines()[0].split() == ["name", "version", "distribution", "migrations", "hooks"]
    report = json.loads(civic_runner.invoke(["plugins", "--json"]).output)
    assert report[0]["version"] == "0.1.0"
    public = json.loads(civic_runner.app.test_client().get("/-/plugins.json").text)
    without_versions = [
        {k: v for k, v in entry.items() if k != "version"}
        | {"migrations": entry["migrations"] and {"status": entry["migrations"]["status"]}}
        for entry in report
    ]
    assert public == without_versions, "the web shows anyone the same, without versions (staff see them)"


def test_users_create_hashes_the_password(civic_runner):
    result = civic_runner.invoke(
        ["users", "create", "--email", "Clerk@Council.example", "--role", "admin"],
        env={"CIVICAPPS_NEW_USER_PASSWORD": "parish-pump-2026"},
    )
    assert result.exit_code == 0, result.output
    assert result.output == "Created admin account for clerk@council.example.\n"
    with civic_runner.app.app_context():
        user = db_session().scalar(select(User))
        assert user.role == "admin" and "parish-pump-2026" not in user.password_hash


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "staff", "--password", "short"], "Error: Password must be at least 12 characters.\n"),
        (["--role", "boss", "--password", "long-enough-password"], "Invalid value for '--role'"),
    ],
)
def test_users_create_rejects_bad_input_in_one_line(civic_runner, args, message):
    result = civic_runner.invoke(["users", "create", "--email", "a@b.example", *args])
    assert message in result.output
    assert result.exit_code in (1, 2) and "Traceback" not in result.output
    with civic_runner.app.app_context():
        assert db_session().scalar(select(User)) is None, "nothing half-written"


def test_duplicate_user_is_refused(civic_runner):
    args = ["users", "create", "--email", "a@b.example", "--password", "long-enough-password"]
    assert civic_runner.invoke(args).exit_code == 0
    again = civic_runner.invoke(args)
    assert again.exit_code == 1 and again.output == "Error: A staff account for a@b.example already exists.\n"


def test_users_password_and_role_change_an_account_and_end_its_sessions(civic_runner):
    created = civic_runner.invoke(["users", "create", "--email", "a@b.example", "--password", "long-enough-password"])
    assert created.exit_code == 0
    changed = civic_runner.invoke(
        ["users", "password", "--email", "A@b.example"], env={"CIVICAPPS_NEW_USER_PASSWORD": "another-long-password"}
    )
    assert changed.exit_code == 0
    assert changed.output == "Changed the password of a@b.example; its sessions have ended.\n"
    promoted = civic_runner.invoke(["users", "role", "--email", "a@b.example", "--role", "admin"])
    assert promoted.exit_code == 0 and promoted.output == "a@b.example is now admin; its sessions have ended.\n"
    with civic_runner.app.app_context():
        user = db_session().scalar(select(User))
        assert user.role == "admin" and user.session_version == 2
        assert check_password_hash(user.password_hash, "another-long-password")
    missing = civic_runner.invoke(["users", "role", "--email", "x@b.example", "--role", "admin"])
    assert missing.exit_code == 1 and missing.output == "Error: There is no staff account for x@b.example.\n"


def test_bad_arguments_exit_2(civic_runner):
    result = civic_runner.invoke(["db", "status", "--colour"])
    assert result.exit_code == 2 and "No such option '--colour'" in result.output


def run_cli(args, tmp_path, **env):
    """Run the installed console script in a clean working directory."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CIVICAPPS_INSTANCE_PATH": str(tmp_path / "instance"),
        **env,
    }
    if os.environ.get("PYTHONPATH"):  # this checkout, where the installed one is another (a worktree)
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(
        [sys.executable, "-m", "civicapps", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )


def test_bad_config_is_one_line_and_exit_1(tmp_path):
    (tmp_path / "civicapps.toml").write_text('[council]\ncolour = "yellow"\n')
    result = run_cli(["--config", "civicapps.toml", "db", "status"], tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "Error: Invalid configuration for civicapps.toml: "
        "'council.colour': expected a #rrggbb hex colour such as #1d70b8\n"
    )
    assert not (tmp_path / "instance").exists(), "a refused start writes nothing"


def test_missing_config_file_is_one_line(tmp_path):
    result = run_cli(["--config", "nope.toml", "plugins"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().endswith("Config file nope.toml does not exist (set by --config or CIVICAPPS_CONFIG).")
    assert "Traceback" not in result.stderr


def test_help_lists_plugin_commands_without_reading_a_broken_config(tmp_path):
    result = run_cli(["--help"], tmp_path, CIVICAPPS_COUNCIL__COLOUR="red")
    assert result.returncode == 0 and result.stderr == ""
    assert "serve" in result.stdout and "db" in result.stdout and "planning-alerts" in result.stdout
    plugin = run_cli(["planning-alerts", "--help"], tmp_path, CIVICAPPS_COUNCIL__COLOUR="red")
    assert plugin.returncode == 1 and "Traceback" not in plugin.stderr
    assert plugin.stderr.startswith("Error: Invalid configuration") and "council.colour" in plugin.stderr


def test_shell_completion_offers_core_and_plugin_commands(tmp_path):
    completion = {"_CIVICAPPS_COMPLETE": "bash_complete", "COMP_WORDS": "civicapps pl", "COMP_CWORD": "1"}
    result = run_cli([], tmp_path, **completion)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["plain,planning-alerts", "plain,plugin", "plain,plugins"]


def test_plugin_commands_appear_under_the_plugin_name(civic_app_factory):
    @click.command("count-trees")
    @click.option("--ward", required=True, help="Ward name.")
    def count_trees(ward):
        """Count trees in a ward."""
        click.echo(f"0 trees in {ward}")

    plugin = types.ModuleType("tree_survey")
    plugin.register_commands = hookimpl(lambda app: [count_trees])
    runner = CivicRunner(civic_app_factory(plugins=[("tree_survey", plugin)]))
    result = runner.invoke(["tree-survey", "count-trees", "--ward", "Onchan"])
    assert result.exit_code == 0 and result.output == "0 trees in Onchan\n"
    assert "tree-survey" in runner.invoke(["--help"]).output


def test_demo_sets_up_an_instance_and_is_rerunnable(tmp_path):
    demo = ["demo", "--no-serve", "--instance", "demo"]
    first = run_cli(demo, tmp_path, CIVICAPPS_INSTANCE_PATH=str(tmp_path / "demo"))
    assert first.returncode == 0, first.stderr
    core_revisions = len(list((Path(civicapps.__file__).parent / "core_migrations").glob("0*.py")))
    assert f"migrations: core applied {core_revisions}" in first.stdout
    assert "Staff sign-in: admin@example.org with password" in first.stdout
    password = (tmp_path / "demo" / "demo-admin-password.txt").read_text().strip()
    assert password in first.stdout
    second = run_cli(demo, tmp_path, CIVICAPPS_INSTANCE_PATH=str(tmp_path / "demo"))
    assert second.returncode == 0, second.stderr
    assert password in second.stdout, "a second run keeps the same admin account"
    assert "migrations: core already up to date" in second.stdout


def test_config_option_is_passed_to_the_app_not_written_to_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "civicapps.toml"
    config.write_text(f'instance_path = "{tmp_path / "instance"}"\ndisabled_plugins = ["organogram"]\n')
    monkeypatch.chdir(tmp_path)
    result = click.testing.CliRunner().invoke(cli, ["--config", str(config), "config"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["config_file"] == str(config) and shown["disabled_plugins"] == ["organogram"]
    assert "CIVICAPPS_CONFIG" not in os.environ


def test_demo_settings_reach_the_app_without_touching_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "civicapps.toml"
    config.write_text('disabled_plugins = ["organogram", "planning_alerts", "street_reports", "notice_board"]\n')
    monkeypatch.chdir(tmp_path)
    before = dict(os.environ)
    args = ["--config", str(config), "demo", "--no-serve", "--instance", "here", "--port", "5123"]
    result = click.testing.CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"Setting up the demo in {tmp_path / 'here'}" in result.output
    assert (tmp_path / "here" / "demo-admin-password.txt").exists()
    assert dict(os.environ) == before
