"""``civicapps plugin new NAME`` writes a plugin distribution that installs, passes its tests and is served."""
from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import click.testing
import pytest
from packaging.requirements import Requirement
from test_plugin_boundary import boundary_violations

import civicapps
from civicapps.cli import cli
from civicapps.plugins import ENTRY_POINT_GROUP
from civicapps.scaffold import compatible_range

BUNDLED = ["organogram", "planning_alerts", "street_reports", "notice_board"]


def new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> click.testing.Result:
    monkeypatch.chdir(tmp_path)
    return click.testing.CliRunner().invoke(cli, ["plugin", "new", name])


def test_new_plugin_is_a_complete_distribution_named_from_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = new(tmp_path, monkeypatch, "demo_thing")
    assert result.exit_code == 0, result.output
    assert f"Created civicapps-demo-thing in {tmp_path / 'demo-thing'}" in result.output

    root = tmp_path / "demo-thing"
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "civicapps_demo_thing/__init__.py",
        "civicapps_demo_thing/migrations/demo_thing_0001_notes.py",
        "civicapps_demo_thing/templates/demo_thing/index.html",
        "pyproject.toml",
        "tests/test_demo_thing.py",
    ]
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["project"]["name"] == "civicapps-demo-thing"
    assert project["project"]["entry-points"][ENTRY_POINT_GROUP] == {"demo_thing": "civicapps_demo_thing"}
    [core] = [Requirement(line) for line in project["project"]["dependencies"] if line.startswith("civicapps")]
    assert core.specifier.contains(civicapps.__version__) and not core.specifier.contains("0.2")
    extras = [line for lines in project["project"]["optional-dependencies"].values() for line in lines]
    for line in [*project["project"]["dependencies"], *extras]:
        assert any(spec.operator == "<" for spec in Requirement(line).specifier), f"{line}: cap its major version"
    package_data = project["tool"]["setuptools"]["package-data"]["civicapps_demo_thing"]
    assert set(package_data) == {"templates/demo_thing/*.html", "migrations/*.py"}, "templates and migrations ship"

    for path in root.rglob("*.py"):
        ast.parse(path.read_text(), filename=str(path))
    assert "$" not in "".join(p.read_text() for p in root.rglob("*") if p.is_file()), "every placeholder filled"
    migration = (root / "civicapps_demo_thing/migrations/demo_thing_0001_notes.py").read_text()
    assert 'branch_labels = ("demo_thing",)' in migration and '"demo_thing_note"' in migration
    page = (root / "civicapps_demo_thing/templates/demo_thing/index.html").read_text()
    assert page.startswith('{% extends "civicapps/base.html" %}'), "pages share the core's layout"
    assert boundary_violations(root, root=root) == [], "a new plugin starts inside the public API"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Demo-Thing", "lowercase letters, digits and underscores, starting with a letter (e.g. 'demo_thing')."),
        ("9lives", "use snake_case"),
        ("demo thing", "(e.g. 'demo_thing')"),
        ("", "use snake_case"),
        ("notify", "the name of one of the core's own plugins"),
    ],
)
def test_a_name_the_core_would_refuse_is_refused_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, why: str
) -> None:
    result = new(tmp_path, monkeypatch, name)
    assert result.exit_code == 2
    assert "Error: Invalid value for 'NAME'" in result.output and why in result.output
    assert list(tmp_path.iterdir()) == [], "nothing is written"


def test_an_existing_folder_is_never_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "demo-thing").mkdir()
    (tmp_path / "demo-thing" / "README.md").write_text("my own work\n")
    result = new(tmp_path, monkeypatch, "demo_thing")
    assert result.exit_code == 1
    assert f"Error: {tmp_path / 'demo-thing'} already exists; remove it or choose another name." in result.output
    assert [p.name for p in (tmp_path / "demo-thing").iterdir()] == ["README.md"]
    assert (tmp_path / "demo-thing" / "README.md").read_text() == "my own work\n"


@pytest.mark.parametrize(
    ("version", "expected"), [("0.1.0", ">=0.1,<0.2"), ("0.12.3", ">=0.12,<0.13"), ("1.4.0", ">=1.4,<2")]
)
def test_a_new_plugin_asks_for_civicapps_up_to_its_next_incompatible_release(version: str, expected: str) -> None:
    assert compatible_range(version) == expected


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, timeout: float = 60.0) -> str:
    """The page's text once the server answers (it takes a few seconds to start)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.slow
def test_new_plugin_installs_passes_its_tests_and_is_served(tmp_path: Path) -> None:
    site = tmp_path / "site"  # pip installs here, not into the environment running these tests
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path, "HOME": str(tmp_path)}

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        command = [str(a) for a in args]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    created = run(sys.executable, "-m", "civicapps", "plugin", "new", "demo_thing")
    assert created.returncode == 0, created.stderr
    pip = run(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", site, "./demo-thing")
    assert pip.returncode == 0, pip.stderr[-3000:]

    tests = run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "demo-thing")
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "5 passed" in tests.stdout

    config = tmp_path / "civicapps.toml"
    config.write_text(f'instance_path = "{tmp_path / "instance"}"\ndisabled_plugins = {BUNDLED!r}\n'.replace("'", '"'))
    upgrade = run(sys.executable, "-m", "civicapps", "--config", config, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    assert "demo_thing: applied 1 migration" in upgrade.stdout, "the installed plugin was found by its entry point"
    added = run(sys.executable, "-m", "civicapps", "--config", config, "demo-thing", "add", "Hello <world>")
    assert added.returncode == 0, added.stderr

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "civicapps", "--config", str(config), "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        page = get(f"http://127.0.0.1:{port}/demo-thing/")
        home = get(f"http://127.0.0.1:{port}/")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert '<h1 class="govuk-heading-l">Demo thing</h1>' in page and "Hello &lt;world&gt;" in page
    assert 'href="/demo-thing/"' in home, "the plugin's menu link is on the home page"
