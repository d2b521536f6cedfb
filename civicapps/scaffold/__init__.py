"""``civicapps plugin new NAME``: start a plugin distribution that works and passes its tests on day one.

Like Datasette's plugin template: the files under ``template/`` (shipped as package data) are copied
with ``$name``-style placeholders filled in, and ``PACKAGE``/``NAME`` in their paths replaced. The
result has a page, a setting, a table with its migration, a command, a README and a test using
:mod:`civicapps.testing`, all named from the one entry-point name the core derives everything else from.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from string import Template

import click

import civicapps
from civicapps.errors import CivicappsError
from civicapps.plugins import DEFAULT_PLUGINS, ENTRY_POINT_GROUP, NAME_PATTERN

TEMPLATE = Path(__file__).parent / "template"
SUFFIX = ".tmpl"


def check_name(name: str) -> None:
    """Refuse a name the core would refuse at startup, saying what would be accepted instead."""
    if name in DEFAULT_PLUGINS:
        raise CivicappsError(f"'{name}' is the name of one of the core's own plugins; choose another name.")
    if not NAME_PATTERN.fullmatch(name):
        suggestion = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
        hint = f" (e.g. '{suggestion}')" if NAME_PATTERN.fullmatch(suggestion) else ""
        raise CivicappsError(
            f"'{name}' cannot name a plugin: use snake_case, lowercase letters, digits and underscores, "
            f"starting with a letter{hint}."
        )


def placeholders(name: str) -> dict[str, str]:
    """Every name the plugin's files use, derived from the entry-point name as the core derives them."""
    kebab = name.replace("_", "-")
    return {
        "name": name,
        "kebab": kebab,
        "env_name": name.upper(),
        "package": f"civicapps_{name}",
        "distribution": f"civicapps-{kebab}",
        "title": name.replace("_", " ").capitalize(),
        "entry_point_group": ENTRY_POINT_GROUP,
        "civicapps_range": compatible_range(civicapps.__version__),
        "today": dt.date.today().isoformat(),
    }


def compatible_range(version: str) -> str:
    """The versions of civicapps a new plugin may run on: from this one up to the next incompatible release.

    Before 1.0 a minor release may break plugins (0.1 -> 0.2), afterwards only a major one.
    """
    major, minor = (int(part) for part in version.split(".")[:2])
    upper = f"0.{minor + 1}" if major == 0 else str(major + 1)
    return f">={major}.{minor},<{upper}"


def new_plugin(name: str, parent: Path) -> Path:
    """Write the distribution for plugin ``name`` into ``parent/<kebab name>`` and return that folder.

    Raises :class:`CivicappsError` for a bad name or when the folder already exists (nothing is
    overwritten).
    """
    check_name(name)
    values = placeholders(name)
    target = parent / values["kebab"]
    if target.exists():
        raise CivicappsError(f"{target} already exists; remove it or choose another name.")
    renames = {"PACKAGE": values["package"], "NAME": name}
    for source in sorted(TEMPLATE.rglob(f"*{SUFFIX}")):
        parts = [re.sub("PACKAGE|NAME", lambda m: renames[m.group()], p) for p in source.relative_to(TEMPLATE).parts]
        destination = target.joinpath(*parts).with_name(parts[-1].removesuffix(SUFFIX))
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(Template(source.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
    return target


@click.group("plugin")
def plugin_group() -> None:
    """Tools for plugin authors."""


def _valid_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        check_name(value)
    except CivicappsError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@plugin_group.command("new")
@click.argument("name", callback=_valid_name)
def new_command(name: str) -> None:
    """Create a working plugin distribution for NAME (snake_case) in a new folder here.

    The folder (NAME in kebab case) holds pyproject.toml with the civicapps entry point, a package with
    a page, a setting, a table and its migration, a command, a README and a passing test.
    """
    target = new_plugin(name, Path.cwd())
    values = placeholders(name)
    click.echo(f"Created {values['distribution']} in {target}")
    click.echo(f"Next: pip install -e './{target.name}[test]' && pytest {target.name}")
    click.echo(f"Then: civicapps db upgrade && civicapps serve, and open /{values['kebab']}/")
