"""Plugins use only the public API: ``civicapps`` and ``civicapps.testing``, never the core's internals.

A third-party plugin can use only what ``civicapps.__all__`` offers, so the bundled plugins and the
example keep to the same rule (as Datasette's own plugins do): every ``.py`` file under plugins/*/ and
examples/*/, package and tests, is parsed, and each import of another ``civicapps`` module, or reach
into ``app.extensions`` (the core's private state), is reported as ``file:line: what``.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import civicapps

ROOT = Path(__file__).resolve().parent.parent
ALLOWED_MODULES = ("civicapps", "civicapps.testing")
IMPORTERS = {"import_module", "__import__"}


def _allowed(module: str) -> bool:
    return module in ALLOWED_MODULES or module.startswith("civicapps.testing.")


def _internal(module: str) -> bool:
    return (module == "civicapps" or module.startswith("civicapps.")) and not _allowed(module)


def _ends_in_app(node: ast.expr) -> bool:
    """``app``, ``current_app``, ``self.app``, ``flask_app``...: an expression naming a Flask app."""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name.endswith("app")


def _violations_in(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names if _internal(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _internal(node.module):
                found.append((node.lineno, f"from {node.module} import {', '.join(a.name for a in node.names)}"))
            elif node.module == "civicapps":
                private = [a.name for a in node.names if a.name != "*" and a.name not in civicapps.__all__]
                found += [(node.lineno, f"from civicapps import {name} (not in civicapps.__all__)") for name in private]
        elif isinstance(node, ast.Attribute) and node.attr == "extensions" and _ends_in_app(node.value):
            found.append((node.lineno, f"{ast.unparse(node)} (the core's private state)"))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            target = node.args[0].value
            if called in IMPORTERS and isinstance(target, str) and _internal(target):
                found.append((node.lineno, f"{called}({target!r})"))
    return sorted(found)


#: Folders setuptools writes beside a plugin's source when it is built or installed without -e.
BUILD_OUTPUT = {"build", "dist"}


def boundary_violations(folder: Path, root: Path = ROOT) -> list[str]:
    """Every internal import or ``app.extensions`` reach-in in ``folder``'s Python files, as ``file:line: what``."""
    report = []
    for path in sorted(folder.rglob("*.py")):
        if BUILD_OUTPUT & set(path.relative_to(folder).parts) or any(
            part.endswith(".egg-info") for part in path.parts
        ):
            continue  # a copy `pip install` or `python -m build` left behind, not the source
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        report += [f"{path.relative_to(root)}:{line}: {what}" for line, what in _violations_in(tree)]
    return report


def plugin_folders() -> list[Path]:
    return sorted(p for p in [*ROOT.glob("plugins/*"), *ROOT.glob("examples/*")] if p.is_dir())


@pytest.mark.parametrize("folder", plugin_folders(), ids=lambda folder: folder.name)
def test_plugin_uses_only_the_public_api(folder: Path) -> None:
    violations = boundary_violations(folder)
    assert not violations, "plugins may import only civicapps and civicapps.testing:\n" + "\n".join(violations)


def test_every_bundled_plugin_and_the_example_are_checked() -> None:
    names = {folder.name for folder in plugin_folders()}
    assert {"organogram", "planning-alerts", "street-reports", "minimal_plugin"} <= names
    assert all(any(folder.rglob("*.py")) for folder in plugin_folders())


def test_the_checker_reports_each_reach_in_with_file_and_line(tmp_path: Path) -> None:
    package = tmp_path / "plugins" / "leaky" / "civicapps_leaky"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "from civicapps import Model, hookimpl\n"
        "from civicapps.testing import AppFactory\n"
        "import civicapps\n"
        "from civicapps.notify.subscriptions import create\n"
        "import civicapps.feeds.pull as pull\n"
        "from civicapps import db\n"
        "from flask import current_app\n"
        "\n"
        "def settings(app):\n"
        "    return app.extensions['civicapps'].settings, current_app.extensions['csrf']\n"
        "\n"
        "def late():\n"
        "    import importlib\n"
        "    return importlib.import_module('civicapps.geo.projection')\n"
    )
    tests = tmp_path / "plugins" / "leaky" / "tests"
    tests.mkdir()
    (tests / "test_leaky.py").write_text(
        "from civicapps.testing.sinks import MailSink\nfrom civicapps.db import Model\n"
    )

    report = boundary_violations(tmp_path / "plugins" / "leaky", root=tmp_path)

    init = "plugins/leaky/civicapps_leaky/__init__.py"
    assert report == [
        f"{init}:4: from civicapps.notify.subscriptions import create",
        f"{init}:5: import civicapps.feeds.pull",
        f"{init}:6: from civicapps import db (not in civicapps.__all__)",
        f"{init}:10: app.extensions (the core's private state)",
        f"{init}:10: current_app.extensions (the core's private state)",
        f"{init}:14: import_module('civicapps.geo.projection')",
        "plugins/leaky/tests/test_leaky.py:2: from civicapps.db import Model",
    ]


def test_a_plugin_keeping_to_the_public_api_passes(tmp_path: Path) -> None:
    (tmp_path / "tidy.py").write_text(
        "import civicapps\nfrom civicapps import hookimpl, plugin_settings\nfrom civicapps.testing import CivicRunner\n"
        "extensions = ['not the app']\n"
    )
    assert boundary_violations(tmp_path, root=tmp_path) == []
