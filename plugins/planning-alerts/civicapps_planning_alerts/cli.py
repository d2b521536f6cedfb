"""``civicapps planning-alerts search|stats|pull|presets``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from pydantic import ValidationError
from sqlalchemy import case, func, select

from civicapps import PlaceNotFound, db_session, locate_place, pull_feeds_command
from civicapps_planning_alerts import queries
from civicapps_planning_alerts.models import DATASET, Application
from civicapps_planning_alerts.presets import PRESETS
from civicapps_planning_alerts.report import ingest_report
from civicapps_planning_alerts.serialise import as_json
from civicapps_planning_alerts.settings import PresetFeed, current_settings


@click.command()
@click.option("--postcode", help="Search around this postcode (or an address a geocoder knows).")
@click.option("--lat", type=float, help="Latitude of the centre (with --lon), instead of --postcode.")
@click.option("--lon", type=float, help="Longitude of the centre (with --lat).")
@click.option("--radius", type=float, help="Metres around the centre (default: the plugin's default_radius_m).")
@click.option("--authority", help="Only this council's applications.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only applications first seen on or after this day.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True, help="Most applications listed.")
@click.option("--json", "as_json_output", is_flag=True, help="Print JSON instead of a table.")
def search(
    postcode: str | None,
    lat: float | None,
    lon: float | None,
    radius: float | None,
    authority: str | None,
    since: datetime | None,
    limit: int,
    as_json_output: bool,
) -> None:
    """List applications near a postcode or point, newest first, with distances."""
    settings = current_settings()
    if postcode and (lat is not None or lon is not None):
        raise click.UsageError("Give --postcode or --lat/--lon, not both.")
    if (lat is None) != (lon is None):
        raise click.UsageError("--lat and --lon go together.")
    radius = settings.default_radius_m if radius is None else radius
    if not settings.min_radius_m <= radius <= settings.max_radius_m:
        raise click.BadParameter(
            f"choose between {settings.min_radius_m} and {settings.max_radius_m} metres", param_hint="--radius"
        )
    if postcode:
        try:
            location, _ = locate_place(current_app, postcode)
        except PlaceNotFound as exc:
            raise click.ClickException(str(exc)) from None
        lat, lon = location.latitude, location.longitude
    point = {"lat": lat, "lon": lon, "radius_m": radius} if lat is not None else {}
    found = queries.run(
        queries.Search(**point, authority=authority, since=since.replace(tzinfo=UTC) if since else None),
        per_page=limit,
    )
    if as_json_output:
        click.echo(json.dumps([as_json(f.application, f.distance_m) for f in found.items], indent=2))
        return
    if not found.items:
        click.echo("No applications found.")
        return
    for f in found.items:
        a = f.application
        distance = f"{f.distance_m:>6.0f} m  " if f.distance_m is not None else ""
        received = a.date_received.isoformat() if a.date_received else "          "
        click.echo(f"{distance}{received}  {a.authority}  {a.reference}  {a.description[:70]}")
    click.echo(f"{found.total} found" + (f", {len(found.items)} shown" if found.total > len(found.items) else ""))


@click.command()
def stats() -> None:
    """Applications per council: stored, on the map, new in the last 7 days, newest first seen."""
    week_ago = datetime.now(UTC) - timedelta(days=7)
    rows = (
        db_session()
        .execute(
            select(
                Application.authority,
                func.count(),
                func.count(Application.latitude),
                func.sum(case((Application.first_seen_at >= week_ago, 1), else_=0)),
                func.max(Application.first_seen_at),
            )
            .group_by(Application.authority)
            .order_by(Application.authority)
        )
        .all()
    )
    if not rows:
        click.echo("No planning applications stored yet. Configure a feed and run: civicapps feeds pull --all")
        return
    width = max(len("total"), *(len(r[0]) for r in rows))
    click.echo(f"{'council'.ljust(width)}  applications  on map  new (7 days)  last new")
    for authority, count, located, recent, last in rows:
        click.echo(f"{authority.ljust(width)}  {count:>12}  {located:>6}  {recent or 0:>12}  {last:%Y-%m-%d}")
    click.echo(
        f"{'total'.ljust(width)}  {sum(r[1] for r in rows):>12}  {sum(r[2] for r in rows):>6}"
        f"  {sum(r[3] or 0 for r in rows):>12}"
    )


pull = pull_feeds_command(
    DATASET,
    report=ingest_report,
    help="Pull planning feeds now (all of them, or NAMES) and report rows not placed on the map, by reason.",
)


@click.command()
@click.argument("name", required=False)
@click.option(
    "--url", default="https://council.example/planning.csv", show_default=True, help="URL to put in the table."
)
@click.option("--feed-name", default="my-feed", show_default=True, help="Name of the [feeds.<name>] table.")
@click.option("--authority", help="The council's name, for rows that do not give one (some presets need it).")
def presets(name: str | None, url: str, feed_name: str, authority: str | None) -> None:
    """List the feed presets, or print NAME's expansion as a [feeds.<name>] TOML table.

    Paste the table into civicapps.toml to change more than a preset's overrides allow, or save it
    as a file for 'civicapps pull SOURCE --mapping FILE': both accept it exactly as printed.
    """
    if name is None:
        for preset in PRESETS.values():
            click.echo(f"{preset.name:18} {preset.title} ({', '.join(preset.formats)})")
        return
    if name not in PRESETS:
        raise click.ClickException(f"Unknown preset {name!r}; known: {', '.join(PRESETS)}.")
    preset = PRESETS[name]
    if preset.needs_authority and not authority:
        authority = "My Council"
    try:
        feed = preset.feed(feed_name, PresetFeed(preset=name, url=url, authority=authority))
    except ValidationError as exc:
        raise click.BadParameter(exc.errors()[0]["msg"], param_hint="--feed-name") from None
    click.echo(f"# {preset.title}: the {name!r} preset as a feed table (civicapps planning-alerts presets {name}).")
    click.echo(feed.as_toml(), nl=False)


def commands() -> list[click.Command]:
    return [search, stats, pull, presets]
