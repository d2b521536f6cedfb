"""``civicapps pull SOURCE``: the command over :mod:`civicapps.feeds.pull_to_output`.

The command imports the pull when it runs, so ``civicapps pull --help`` loads no SQLAlchemy or pyproj.
"""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext

from civicapps.progress import progress_option


@click.command("pull")
@with_appcontext
@click.argument("source")
@click.option(
    "--format",
    "format_",
    metavar="FORMAT",
    help="Reader to use (csv, json, geojson, rss, arcgis, ckan, socrata...); default: guessed from SOURCE.",
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(dir_okay=False),
    help="TOML/JSON file: a [feeds.<name>] table (as 'civicapps planning-alerts presets NAME' prints it) or its keys.",
)
@click.option(
    "--dataset", metavar="PLUGIN.DATASET", help="Check rows against this dataset's fields (types, required fields)."
)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Keep rows dated on or after this day (YYYY-MM-DD).")
@click.option("--date-field", metavar="FIELD", help="Field --since compares (default: the first date field).")
@click.option(
    "--near", metavar="POSTCODE", help="Keep rows within --radius of this postcode (rows must be placed: see location)."
)
@click.option(
    "--radius",
    type=click.FloatRange(min=0, min_open=True),
    default=1000.0,
    show_default=True,
    help="Metres from --near.",
)
@click.option(
    "--output",
    type=click.Choice(["csv", "json", "geojson", "ndjson"]),
    default="csv",
    show_default=True,
    help="Output format.",
)
@progress_option
@click.option(
    "-o",
    "--output-file",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    help="Write here instead of standard output.",
)
def pull_command(**options: Any) -> None:
    """Pull SOURCE once and write its rows out, without touching the database.

    SOURCE is a configured feed's name, a URL or a file. Rows go to standard output (or -o FILE); a
    summary of rows read, kept and skipped, with the reasons, goes to standard error. Postcode lookups
    are made but not cached.
    """
    from civicapps.feeds.pull_to_output import pull_to_output

    pull_to_output(**options)
