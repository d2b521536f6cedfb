"""``import civicapps`` and the ``civicapps`` command load only what they use.

Every CLI call in a script, and every plugin's import, pays for what ``import civicapps`` imports;
the heavy libraries are loaded by the public names and commands that need them, when first used.
Checked in a fresh interpreter (``sys.modules`` after the work), never by timing.
"""
import json
import os
import subprocess
import sys

import click.testing
import pytest

from civicapps.cli import CORE_COMMANDS, cli, may_register_commands

#: Imported only by the names and commands that need them.
HEAVY = ("sqlalchemy", "numpy", "shapely", "pyproj", "apprise", "flask_babel")


def modules_loaded_by(code: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after a fresh interpreter runs ``code``."""
    report = "import json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"], capture_output=True, text=True, env=os.environ, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_import_civicapps_loads_no_heavy_library():
    assert modules_loaded_by("import civicapps") & {*HEAVY, "flask", "pydantic"} == set()


def test_a_public_name_loads_what_it_needs_when_used():
    assert {"sqlalchemy"} <= modules_loaded_by("import civicapps\ncivicapps.Model")


@pytest.mark.parametrize("name", ["flask_babel", "numpy"])
def test_the_heavy_check_sees_a_heavy_import(name):
    assert name in modules_loaded_by(f"import civicapps\nimport {name}")


def run_cli_code(*args: str) -> str:
    """Code that runs ``civicapps ARGS`` in this interpreter, as the console script does."""
    main = f"cli.main({list(args)!r}, prog_name='civicapps')"
    return f"from civicapps.cli import cli\ntry:\n    {main}\nexcept SystemExit:\n    pass"


@pytest.mark.parametrize("args", [["--help"], ["pull", "--help"], ["users", "create", "--help"]], ids=" ".join)
def test_help_loads_no_heavy_library(args):
    assert modules_loaded_by(run_cli_code(*args)) & {*HEAVY, "pydantic", "babel"} == set()


def listed_commands(help_text: str) -> set[str]:
    """The command names in the "Commands:" section of a click help page."""
    section = help_text.split("\nCommands:\n", 1)[1]
    return {line.split()[0] for line in section.splitlines() if line.startswith("  ") and line[2] != " "}


def test_help_lists_every_command_and_each_one_answers_help(civic_app_factory, tmp_path, monkeypatch):
    """Core commands and every installed plugin's group, though listing them imports no plugin."""
    plugin_groups = set(civic_app_factory(load_entrypoints=True, migrate=False).cli.commands)
    assert {"planning-alerts", "street-reports", "organogram"} <= plugin_groups
    monkeypatch.chdir(tmp_path)  # the command line builds its own app here, as from a shell
    runner = click.testing.CliRunner()
    listed = listed_commands(runner.invoke(cli, ["--help"], catch_exceptions=False).output)
    assert listed == {*cli.commands, *CORE_COMMANDS} | plugin_groups
    for name in sorted(listed):
        result = runner.invoke(cli, [name, "--help"], catch_exceptions=False)
        assert result.exit_code == 0 and f"Usage: civicapps {name} " in result.output, f"{name} --help: {result.output}"


def test_a_plugin_module_without_register_commands_gets_no_group(tmp_path, monkeypatch):
    """Read from the source, never imported: these modules would stop the test if they were run."""
    stop = "raise SystemExit('imported')\n"
    (tmp_path / "defines_them.py").write_text(f"{stop}@hookimpl\ndef register_commands(app):\n    return []\n")
    (tmp_path / "imports_them.py").write_text(f"{stop}from defines_them import register_commands\n")
    (tmp_path / "has_none.py").write_text(f"{stop}@hookimpl\ndef register_blueprint(app):\n    pass\n")
    monkeypatch.syspath_prepend(tmp_path)
    assert may_register_commands("defines_them") and may_register_commands("imports_them")
    assert not may_register_commands("has_none")
    # Not readable without importing something: listed, and the group says so if it has none.
    assert may_register_commands("defines_them:plugin") and may_register_commands("civicapps.geo.plugin")
    assert not {"defines_them", "imports_them", "has_none"} & set(sys.modules)
