"""``civicapps i18n extract|update|compile``: the commands over :mod:`civicapps.catalogues`.

Each command imports Babel and the catalogues when it runs, so listing the group loads neither.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

plugin_option = click.option(
    "--plugin", default="core", show_default=True, help="The plugin whose catalogue to work on (its entry-point name)."
)


@click.group("i18n", cls=AppGroup)
def i18n() -> None:
    """Translations: extract the strings to translate, update the .po files, compile them.

    The usual round: `extract` after changing code or templates, `update` to carry new strings into
    each language's .po file, translate them (any .po editor), then `compile` and commit the .po and
    .mo files. Start a new language with `update --locale CODE`.
    """


@i18n.command("extract")
@plugin_option
def extract_command(plugin: str) -> None:
    """Collect every translatable string into <translations>/<domain>.pot."""
    from civicapps.catalogues import extract, find_catalogue, template_path

    catalogue = find_catalogue(plugin)
    count = extract(catalogue, current_app.extensions["civicapps"].registry.plugins[plugin].version)
    click.echo(f"{count} strings from {catalogue.source_directory} -> {template_path(catalogue)}")


@i18n.command("update")
@plugin_option
@click.option("--locale", "new_locale", metavar="CODE", help="Also start a catalogue for this language (e.g. cy).")
def update_command(plugin: str, new_locale: str | None) -> None:
    """Merge the .pot template into each language's .po file (new strings empty, removed ones dropped)."""
    from civicapps.catalogues import find_catalogue, update

    for po in update(find_catalogue(plugin), new_locale):
        click.echo(f"updated {po}")


@i18n.command("compile")
@plugin_option
def compile_command(plugin: str) -> None:
    """Compile each .po file to the .mo file the app reads; prints how much of each is translated."""
    from civicapps.catalogues import compile_catalogues, find_catalogue

    for locale, (done, total) in compile_catalogues(find_catalogue(plugin)).items():
        click.echo(f"{locale}: {done} of {total} strings translated")
