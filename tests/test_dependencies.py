"""Every dependency is capped below its next major version, and every bundled plugin (and the example)
asks for a range of civicapps that includes this one: an install made today keeps working when a
dependency or the core makes an incompatible release."""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

import civicapps

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_PROJECTS = sorted([*ROOT.glob("plugins/*/pyproject.toml"), ROOT / "examples/minimal_plugin/pyproject.toml"])


def core_requirements() -> list[str]:
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    lines = setup["options"]["install_requires"].splitlines()
    lines += [line for extra in setup["options.extras_require"].values() for line in extra.splitlines()]
    return [line.strip() for line in lines if line.strip()]


def plugin_requirements() -> list[str]:
    found = []
    for pyproject in PLUGIN_PROJECTS:
        project = tomllib.loads(pyproject.read_text())["project"]
        found += project["dependencies"]
        found += [line for extra in project.get("optional-dependencies", {}).values() for line in extra]
    return found


@pytest.mark.parametrize("line", core_requirements() + plugin_requirements())
def test_every_dependency_has_an_upper_bound(line: str):
    requirement = Requirement(line)
    assert any(spec.operator in ("<", "~=", "==") for spec in requirement.specifier), f"{line}: cap its major version"


@pytest.mark.parametrize("pyproject", PLUGIN_PROJECTS, ids=lambda path: path.parent.name)
def test_bundled_plugins_depend_on_a_range_of_civicapps_that_holds_this_one(pyproject: Path):
    project = tomllib.loads(pyproject.read_text())["project"]
    [core] = [Requirement(line) for line in project["dependencies"] if Requirement(line).name == "civicapps"]
    assert core.specifier.contains(Version(civicapps.__version__))
    assert not core.specifier.contains(Version("1.0")), "the range must end before an incompatible core"
