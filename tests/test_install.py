"""The README's install line works in a fresh virtualenv and every bundled plugin is discovered."""
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def readme_commands():
    """The shell commands in README.md, in order."""
    return re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), flags=re.S)


def package_files():
    """Every file of the core's and the bundled plugins' packages in this checkout, relative to
    site-packages once installed (compiled caches aside)."""
    packages = [ROOT / "civicapps", *sorted(init.parent for init in ROOT.glob("plugins/*/civicapps_*/__init__.py"))]
    return sorted(
        str(path.relative_to(package.parent))
        for package in packages
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def bundled_plugins():
    """Entry-point name -> distribution name, read from each plugins/*/pyproject.toml."""
    found = {}
    for pyproject in sorted(ROOT.glob("plugins/*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text())["project"]
        for name in project["entry-points"]["civicapps.plugins"]:
            found[name] = project["name"]
    return found


def test_readme_names_the_demo_and_test_commands():
    install, test = readme_commands()[:2]
    assert install.endswith("&& civicapps demo")
    assert test == "bash tests/run.sh"
    for pyproject in ROOT.glob("plugins/*/pyproject.toml"):
        assert f"./plugins/{pyproject.parent.name}" in install, "the install line must install every bundled plugin"


def test_fresh_virtualenv_gets_a_working_civicapps_command(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = readme_commands()[0].removesuffix("&& civicapps demo").strip()
    assert install.startswith("python3 -m pip install ")
    args = install.removeprefix("python3 -m pip install ").split()
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *args, str(ROOT / "examples" / "minimal_plugin")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run(
        [str(venv / "bin" / "civicapps"), "plugins", "--json"], cwd=work, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    report = {p["name"]: p for p in json.loads(result.stdout)}
    expected = {**bundled_plugins(), "notice_board": "civicapps-notice-board"}
    assert len(expected) >= 4
    for name, distribution in expected.items():
        assert report[name]["distribution"] == distribution
        assert re.fullmatch(r"\d+\.\d+(\.\d+)?", report[name]["version"])
        assert report[name]["hooks"], f"{name} implements no hooks"
    # What a non-editable install ships: every template, static file, migration and data file that the
    # checkout's packages hold (a missing package-data glob shows here, not in a council's demo).
    site = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import civicapps, pathlib; print(pathlib.Path(civicapps.__file__).parent.parent)",
        ],
        cwd=work, capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    ).stdout.strip()
    missing = [name for name in package_files() if not (Path(site) / name).is_file()]
    assert not missing, f"in the checkout's packages but not installed (package data?): {missing[:20]}"
    # And the README's first command's last step, the offline demo, sets up from that install.
    demo = subprocess.run(
        [str(venv / "bin" / "civicapps"), "demo", "--no-serve", "--instance", str(work / "demo")],
        cwd=work, capture_output=True, text=True, timeout=600, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "sample data: planning_alerts loaded" in demo.stdout and "YO1 7HH" in demo.stdout
