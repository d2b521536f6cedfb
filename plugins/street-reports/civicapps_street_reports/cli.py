"""``civicapps street-reports ...``: load boundaries, categories and streets; look at reports."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import click
from sqlalchemy import select

from civicapps import CivicappsError, db_session
from civicapps_street_reports import areas, categories, places
from civicapps_street_reports.models import Body, Category, ResponseTemplate, reports_with_status
from civicapps_street_reports.states import PUBLIC_STATES

FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))


def _progress(label: str) -> Callable[[int], None]:
    def show(count: int) -> None:
        if count % 500 == 0:
            click.echo(f"  {label}: {count:,}...", err=True)

    return show


def _problems(problems: list[str]) -> None:
    for problem in problems:
        click.echo(f"  skipped {problem}", err=True)


@click.group("areas")
def areas_group() -> None:
    """Bodies' boundaries, which decide where each report goes."""


@areas_group.command("import")
@FILE
@click.option("--body", help="Body all the file's areas belong to (default: each feature's body property).")
@click.option("--body-property", default="body", show_default=True, help="Feature property naming the body.")
@click.option("--name-property", default="name", show_default=True, help="Feature property naming the area.")
def import_areas(file: Path, body: str | None, body_property: str, name_property: str) -> None:
    """Import boundary polygons from a GeoJSON FILE (WGS84, or with a 'crs' member such as EPSG:27700).

    An area with the same body and name as one already stored replaces it. Features that cannot be
    used are listed and the rest are imported.
    """
    try:
        result = areas.read_areas(
            file, body=body, body_property=body_property, name_property=name_property, progress=_progress("areas")
        )
    except CivicappsError as exc:
        raise click.ClickException(str(exc)) from None
    _problems(result.problems)
    for name in result.bodies_created:
        click.echo(f"New body: {name} (add its categories with 'civicapps street-reports categories import')")
    click.echo(f"{file.name}: {result.added} areas added, {result.replaced} replaced, {len(result.problems)} skipped.")
    if result.problems and not (result.added or result.replaced):
        raise click.ClickException("No areas imported.")


@areas_group.command("list")
def list_areas() -> None:
    """List bodies and their areas."""
    bodies = db_session().scalars(select(Body).order_by(Body.name)).all()
    if not bodies:
        click.echo("No bodies yet. Import boundaries with 'civicapps street-reports areas import FILE'.")
    for body in bodies:
        click.echo(f"{body.name}: {', '.join(a.name for a in body.areas) or 'no areas'}")


@click.group("categories")
def categories_group() -> None:
    """What residents can report to each body, and how reports are sent."""


@categories_group.command("import")
@FILE
def import_categories(file: Path) -> None:
    """Add or update categories from a JSON FILE: a list of objects with body, name, send_method
    (email, open311 or none), email, service_code, group, description, extra_questions and the flags
    photo_required, anonymous_allowed, private and active."""
    try:
        result = categories.import_categories(file)
    except CivicappsError as exc:
        raise click.ClickException(str(exc)) from None
    _problems(result.problems)
    click.echo(
        f"{file.name}: {result.added} categories added, {result.changed} updated, {len(result.problems)} skipped."
    )


@categories_group.command("list")
def list_categories() -> None:
    """List categories per body with their send method."""
    rows = db_session().execute(select(Category, Body.name).join(Body).order_by(Body.name, Category.name)).all()
    if not rows:
        click.echo("No categories yet.")
    for category, body in rows:
        target = {"email": category.email, "open311": category.external_code or category.service_code}.get(
            category.send_method, "kept for staff"
        )
        status = "" if category.active else " (inactive)"
        click.echo(f"{body}: {category.name} [{category.service_code}] -> {category.send_method} {target}{status}")


@click.group("bodies")
def bodies_group() -> None:
    """The Open311 back office each body uses."""


@bodies_group.command("open311")
@click.argument("body")
@click.option("--endpoint", required=True, help="Base URL of the back office's GeoReport v2 API (https://...).")
@click.option("--jurisdiction", help="jurisdiction_id the back office expects, if any.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xml", "json"]),
    default="xml",
    show_default=True,
    help="Format to talk to the back office in (every GeoReport v2 server speaks XML).",
)
@click.option(
    "--api-key-env",
    metavar="NAME",
    help="Environment variable holding the back office's API key (keeps the key out of shell history).",
)
def set_open311(body: str, endpoint: str, jurisdiction: str | None, fmt: str, api_key_env: str | None) -> None:
    """Send BODY's open311 categories to its back office at --endpoint."""
    found = _body(body)
    if not endpoint.startswith(("https://", "http://")):
        raise click.ClickException("The endpoint must be an http(s) URL.")
    key = None
    if api_key_env:
        key = os.environ.get(api_key_env)
        if not key:
            raise click.ClickException(f"The environment variable {api_key_env} is not set.")
    found.open311_endpoint, found.open311_jurisdiction, found.open311_api_key = endpoint.rstrip("/"), jurisdiction, key
    found.open311_format = fmt
    db_session().commit()
    click.echo(f"{found.name}: reports go to {found.open311_endpoint}{' with an API key' if key else ''}.")


@bodies_group.command("updates-key")
@click.argument("body")
def new_updates_key(body: str) -> None:
    """Make a new key BODY's back office uses to push servicerequestupdates (shown once)."""
    found = _body(body)
    key = secrets.token_urlsafe(24)
    found.updates_key_hash = hashlib.sha256(key.encode()).hexdigest()
    db_session().commit()
    click.echo(f"jurisdiction_id={found.id} api_key={key}")
    click.echo("Give these to the back office; the key is not stored and cannot be shown again.", err=True)


def _body(name: str) -> Body:
    found = db_session().scalar(select(Body).where(Body.name == name))
    if found is None:
        known = ", ".join(db_session().scalars(select(Body.name).order_by(Body.name))) or "none yet"
        raise click.ClickException(f"No body called {name!r} (known: {known}).")
    return found


@click.group("places")
def places_group() -> None:
    """The streets and places residents can pick instead of using the map."""


@places_group.command("import")
@FILE
@click.option("--name-property", default="name", show_default=True, help="Feature property with the street name.")
def import_places(file: Path, name_property: str) -> None:
    """Replace the gazetteer with the named points and lines of a GeoJSON FILE (WGS84)."""
    try:
        stored, problems = places.import_places(file, name_property, progress=_progress("places"))
    except CivicappsError as exc:
        raise click.ClickException(str(exc)) from None
    _problems(problems)
    click.echo(f"{file.name}: {stored} places stored, {len(problems)} skipped.")


@click.group("templates")
def templates_group() -> None:
    """Response templates: canned public replies staff pick when changing a report's state."""


@templates_group.command("add")
@click.argument("title")
@click.argument("text")
@click.option("--status", type=click.Choice(PUBLIC_STATES), help="The state this reply usually goes with.")
def add_template(title: str, text: str, status: str | None) -> None:
    """Add (or reword) the template TITLE with the public reply TEXT."""
    if not title.strip() or not text.strip():
        raise click.ClickException("A template needs a title and a text.")
    session = db_session()
    template = session.scalar(select(ResponseTemplate).where(ResponseTemplate.title == title.strip()))
    if template is None:
        template = ResponseTemplate(title=title.strip())
        session.add(template)
    template.text, template.status = text.strip(), status
    session.commit()
    click.echo(f"Template {template.title!r} saved.")


@templates_group.command("list")
def list_templates() -> None:
    """List the response templates."""
    templates = db_session().scalars(select(ResponseTemplate).order_by(ResponseTemplate.title)).all()
    if not templates:
        click.echo("No response templates yet.")
    for template in templates:
        click.echo(f"{template.title}{f' [{template.status}]' if template.status else ''}: {template.text}")


@click.command("list")
@click.option("--status", type=click.Choice(PUBLIC_STATES), default="open", show_default=True, help="Which reports.")
def list_reports(status: str) -> None:
    """List public reports in one state, newest first."""
    reports = reports_with_status(status)
    if not reports:
        click.echo(f"No {status} reports.")
    for report in reports:
        where = f"({report.lat}, {report.lon})"
        click.echo(f"#{report.id}  {report.created_at:%Y-%m-%d}  {report.category}: {report.title} {where}")


COMMANDS: list[click.Command] = [
    areas_group,
    categories_group,
    bodies_group,
    places_group,
    templates_group,
    list_reports,
]
