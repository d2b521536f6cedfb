"""``civicapps postcodes import|lookup`` and ``civicapps streets import``: the offline place tables.

Each command imports its work when it runs, so listing these groups loads no SQLAlchemy or pyproj.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from civicapps.progress import Progress, progress_option


@click.group(cls=AppGroup)
def postcodes() -> None:
    """UK postcodes: import the ONS Postcode Directory or OS Code-Point Open, look postcodes up."""


@postcodes.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@progress_option
def import_command(file: Path, progress: bool | None) -> None:
    """Import FILE, an ONSPD/NSPL CSV or a Code-Point Open CSV (headers are recognised by release).

    Re-running with a newer release updates postcodes in place. Postcodes without a grid reference
    (Isle of Man, Channel Islands) are kept without coordinates, so lookups can say so.
    """
    from civicapps.geo.postcode_import import import_postcodes

    with Progress(f"Importing {file.name}", progress, unit="postcodes") as bar:
        report = import_postcodes(current_app, file, bar.advance)
    click.echo(
        f"Imported {report.imported:,} postcodes from {report.kind} "
        f"({report.without_coordinates:,} without coordinates, {report.terminated:,} terminated); "
        f"skipped {report.skipped:,} rows that are not postcodes"
        + (f" (e.g. {', '.join(report.skipped_examples)})" if report.skipped_examples else "")
        + "."
    )


@postcodes.command("lookup")
@click.argument("postcode", nargs=-1, required=True)
@click.option("--no-cache", is_flag=True, help="Do not store online answers in the lookup cache.")
def lookup_command(postcode: tuple[str, ...], no_cache: bool) -> None:
    """Look up each POSTCODE: imported table, then cache, then postcodes.io (if configured).

    Exits with status 1 if a postcode could not be looked up (postcodes.io unreachable, no table).
    """
    from civicapps.geo.geocoding import postcode_service

    answers = postcode_service(current_app).lookup(postcode, persist=not no_cache)
    for text in postcode:
        answer = answers[text]
        if answer.location:
            where = answer.location
            click.echo(f"{answer.postcode}: {where.latitude:.6f}, {where.longitude:.6f} ({where.source})")
        else:
            click.echo(f"{text}: {answer.reason}")
    if any(a.status == "error" for a in answers.values()):
        click.echo(f"To look postcodes up without postcodes.io, {IMPORT_HINT}", err=True)
        raise SystemExit(1)


#: What to do when no lookup can answer: said by every command that hits that wall.
IMPORT_HINT = (
    "import a postcode table: download the ONS Postcode Directory (ONSPD) or OS Code-Point Open CSV, "
    "then run: civicapps db upgrade && civicapps postcodes import FILE.csv"
)


@click.group(cls=AppGroup)
def streets() -> None:
    """Street names: import the list residents search by name, or pick from near a postcode."""


@streets.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--locality",
    default="",
    metavar="NAME",
    help="Town for rows that name none (a name,latitude,longitude CSV without a locality column).",
)
@progress_option
def import_streets_command(file: Path, locality: str, progress: bool | None) -> None:
    """Import FILE: an OS Open Names CSV tile as published, or a CSV with name, latitude, longitude.

    From OS Open Names only "Named Road" and "Section Of Named Road" rows are kept, converted from
    British National Grid. A simple CSV has a header naming name, latitude and longitude (WGS84
    degrees) and optionally locality. Re-running updates streets in place (a street is its name and
    locality). A bad row stops the import with its file and line, and nothing is stored.
    Run `civicapps db upgrade` first on a new database.
    """
    from civicapps.geo.streets import import_streets

    with Progress(f"Importing {file.name}", progress, unit="streets") as bar:
        stored = import_streets(current_app, file, locality=locality, progress=bar.advance)
    click.echo(f"Imported {stored:,} street{'s' if stored != 1 else ''} from {file.name}.")
